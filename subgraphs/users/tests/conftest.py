import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from shopgraph_core.testing.graphql_client import GraphQLClient, serve_in_process
from shopgraph_core.testing.servers import new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.settings import UsersSettings

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin-password-1"

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token expiresAt user { id email name role createdAt } }
}"""
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token expiresAt user { id email role } }
}"""


def users_settings(data_dir: Path, database_url: str | None) -> UsersSettings:
    return UsersSettings(
        environment="test",
        SHOPGRAPH_DATA_DIR=data_dir,
        database_url=database_url,
        shopgraph_admin_email=ADMIN_EMAIL,
        shopgraph_admin_password=ADMIN_PASSWORD,
    )


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


class Accounts:
    """Drives the users subgraph the way a client would."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    async def sign_up(self, email: str | None = None, password: str = "correct horse") -> Any:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        body = await self.client.execute(
            SIGN_UP, {"input": {"email": email, "password": password, "name": "Test User"}}
        )
        assert "errors" not in body, body
        return body["data"]["signUp"]

    async def login(self, email: str, password: str) -> Any:
        return await self.client.execute(LOGIN, {"input": {"email": email, "password": password}})

    async def admin_token(self) -> str:
        body = await self.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        token: str = body["data"]["login"]["token"]
        return token


@pytest.fixture
def accounts(client: GraphQLClient) -> Accounts:
    return Accounts(client)
