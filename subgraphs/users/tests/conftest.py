"""Fixtures of the users suite: an app per module on SQLite and on MariaDB, and its driver
(shopgraph_testing.drivers.users)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from shopgraph_testing.drivers.users import Accounts, users_settings
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.servers import new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.settings import UsersSettings


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> UsersSettings:
    """Settings for an app of the test's own, on SQLite in the test's folder."""
    return users_settings(tmp_path, None)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]
)
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> UsersSettings:
    data_dir = tmp_path_factory.mktemp("users")
    database_url = None
    if request.param == "mariadb":
        database_url = new_mysql_database(request.getfixturevalue("mariadb_url"), "users")
    return users_settings(data_dir, database_url)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(settings: UsersSettings) -> AsyncIterator[GraphQLClient]:
    async with serve_in_process(create_app(settings)) as client:
        yield client


@pytest.fixture
def accounts(client: GraphQLClient) -> Accounts:
    return Accounts(client)
