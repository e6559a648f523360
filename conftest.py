"""Fixtures shared by every package's tests: one private MariaDB server per test run, one
MongoDB-wire server, and one OpenSearch node for the log-pipeline tests.

Tests that use one of them, or the whole stack, are marked `servers`, so that `make test-unit`
(`-m "not mariadb and not servers"`) can leave them out."""

import os
from collections.abc import Iterator

import pytest

from shopgraph_testing.opensearch import opensearch_node
from shopgraph_testing.servers import mariadb_server, mongo_server

# Fixtures that start a server (or the whole stack) for the run.
SERVER_FIXTURES = {"mariadb_url", "mongodb_url", "opensearch_url", "gateway"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    with mariadb_server() as url:
        yield url


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """A MongoDB-wire server for the whole run: MONGODB_URL, else a private FerretDB."""
    with mongo_server() as url:
        yield url


@pytest.fixture(scope="session")
def opensearch_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real OpenSearch 2.19 node (ingest role) for the whole run: OPENSEARCH_URL, else a
    private node on a free loopback port."""
    if url := os.environ.get("OPENSEARCH_URL"):
        yield url
        return
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

    def say(line: str) -> None:  # how long the node took, shown even while pytest captures
        if reporter is None or capture is None:
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    with opensearch_node(tmp_path_factory.mktemp("opensearch"), say) as url:
        yield url
