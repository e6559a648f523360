"""Drives the users subgraph the way a client would."""

import uuid
from pathlib import Path

from shopgraph_testing.graphql import Answer, GraphQLClient
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
    """Test settings: the data folder and database given, a known admin."""
    return UsersSettings(
        environment="test",
        SHOPGRAPH_DATA_DIR=data_dir,
        database_url=database_url,
        shopgraph_admin_email=ADMIN_EMAIL,
        shopgraph_admin_password=ADMIN_PASSWORD,
    )


class Accounts:
    """Signs up and logs in through the users subgraph's GraphQL API."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    async def sign_up(self, email: str | None = None, password: str = "correct horse") -> Answer:
        """The `signUp` payload (token, expiresAt, user) of a new account."""
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        body = await self.client.execute(
            SIGN_UP, {"input": {"email": email, "password": password, "name": "Test User"}}
        )
        assert "errors" not in body, body
        payload: Answer = body["data"]["signUp"]
        return payload

    async def login(self, email: str, password: str) -> Answer:
        """The whole answer to `login`, errors included."""
        return await self.client.execute(LOGIN, {"input": {"email": email, "password": password}})

    async def admin_token(self) -> str:
        body = await self.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        token: str = body["data"]["login"]["token"]
        return token
