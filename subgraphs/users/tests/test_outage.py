"""MariaDB away under the running service: UPSTREAM_UNAVAILABLE, readiness DOWN."""

import contextlib
import os

import pytest

from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.outages import answers_during_outage
from shopgraph_testing.servers import mariadb_server, new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.settings import UsersSettings

SIGN_UP = "mutation S($input: SignUpInput!) { signUp(input: $input) { token } }"
LOGIN = "mutation L($input: LoginInput!) { login(input: $input) { token } }"


@pytest.mark.mariadb
async def test_a_mariadb_outage_is_upstream_unavailable(
    sqlite_settings: UsersSettings, caplog: pytest.LogCaptureFixture
) -> None:
    if os.environ.get("TEST_MYSQL_URL"):
        pytest.skip("stops its database server, so it needs a private one")
    credentials = {"email": "outage@example.com", "password": "long enough"}
    with contextlib.ExitStack() as server:
        base_url = server.enter_context(mariadb_server())
        settings = sqlite_settings.model_copy(
            update={"database_url": new_mysql_database(base_url, "outage")}
        )
        async with serve_in_process(create_app(settings)) as client:
            signed_up = await client.execute(SIGN_UP, {"input": {**credentials, "name": "O"}})
            token = signed_up["data"]["signUp"]["token"]
            server.close()  # the MariaDB server stops here, under the running service

            await answers_during_outage(
                client,
                caplog,
                [
                    (LOGIN, {"input": credentials}),
                    (SIGN_UP, {"input": {**credentials, "email": "b@example.com", "name": "B"}}),
                    ("{ me { id name } }", {}),
                ],
                token=token,
            )
