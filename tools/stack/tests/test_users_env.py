"""The local stack's users service is set for one address signing up many customers."""

from pathlib import Path

import pytest

from shopgraph_stack.topology import Topology


def users_env(data_dir: Path) -> dict[str, str]:
    return next(c for c in Topology.load(data_dir).components() if c.name == "users").env


def test_the_local_stack_allows_the_e2e_suites_sign_ups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIGN_UP_MAX_PER_ADDRESS", raising=False)

    # Every local client is 127.0.0.1; the stock race alone signs up 40 customers.
    assert int(users_env(tmp_path)["SIGN_UP_MAX_PER_ADDRESS"]) >= 100


def test_a_chosen_sign_up_limit_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGN_UP_MAX_PER_ADDRESS", "3")

    assert users_env(tmp_path)["SIGN_UP_MAX_PER_ADDRESS"] == "3"
