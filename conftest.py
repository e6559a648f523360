"""Fixtures shared by every package's tests: one private MariaDB server per test run."""

from collections.abc import Iterator

import pytest

from shopgraph_core.testing.servers import mariadb_server, mongo_server


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    with mariadb_server() as url:
        yield url


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """A MongoDB-wire server for the whole run: MONGODB_URL, else a private FerretDB."""
    with mongo_server() as url:
        yield url
