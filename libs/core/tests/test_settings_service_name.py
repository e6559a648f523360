"""A service's name is its code's, never the environment's: SERVICE_NAME=x once renamed
whichever service read it (its logs, spans, metrics and SQLite file)."""

import pytest

from shopgraph_core.settings import ServiceSettings


class NamedSettings(ServiceSettings):
    service_name = "named"


def test_the_environment_cannot_rename_a_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_NAME", "evil")
    assert NamedSettings().service_name == "named"
    assert ServiceSettings().service_name == "shopgraph"
