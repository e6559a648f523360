"""What operators see: /metrics, health probes, the JWKS and the ECS access log."""

import contextlib
import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from shopgraph_core.observability.logs import configure_logging
from shopgraph_testing.drivers.users import Accounts
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.metrics import sample
from shopgraph_testing.servers import mariadb_server, new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.settings import UsersSettings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def _sample(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_operations_by_name_type_and_outcome(
    client: GraphQLClient, accounts: Accounts
) -> None:
    before = (await client.http.get("/metrics")).text
    await accounts.sign_up()
    await accounts.login("nobody@example.com", "whatever1")
    await client.execute("{ me { id } }")
    response = await client.http.get("/metrics")

    after = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name, op_type, outcome in [
        ("SignUp", "mutation", "ok"),
        ("Login", "mutation", "UNAUTHENTICATED"),
        ("anonymous", "query", "ok"),
    ]:
        labels = {"operation_name": name, "operation_type": op_type, "outcome": outcome}
        assert _sample(after, "graphql_requests_total", **labels) == (
            _sample(before, "graphql_requests_total", **labels) + 1
        ), labels
        assert _sample(after, "graphql_request_duration_seconds_count", **labels) > 0
    assert "process_resident_memory_bytes" in after


async def test_operation_name_labels_are_capped(sqlite_settings: UsersSettings) -> None:
    settings = sqlite_settings.model_copy(update={"max_metric_operation_names": 2})
    async with serve_in_process(create_app(settings)) as client:
        for i in range(5):
            await client.execute(f"query CapProbe{i} {{ me {{ id }} }}")
        metrics = (await client.http.get("/metrics")).text

    assert _sample(metrics, "graphql_requests_total", operation_name="CapProbe4") == 0
    assert _sample(metrics, "graphql_requests_total", operation_name="other") >= 3


async def test_health_probes(client: GraphQLClient) -> None:
    live = await client.http.get("/health/live")
    ready = await client.http.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "UP"})
    assert (ready.status_code, ready.json()) == (200, {"status": "UP"})


@pytest.mark.mariadb
async def test_readiness_fails_when_the_database_is_gone(sqlite_settings: UsersSettings) -> None:
    if os.environ.get("TEST_MYSQL_URL"):
        pytest.skip("stops its database server, so it needs a private one")
    with contextlib.ExitStack() as server:
        base_url = server.enter_context(mariadb_server())
        settings = sqlite_settings.model_copy(
            update={"database_url": new_mysql_database(base_url, "ready")}
        )
        async with serve_in_process(create_app(settings)) as client:
            before = await client.http.get("/health/ready")
            server.close()  # the MariaDB server stops here, under the running service
            after = await client.http.get("/health/ready")
            live = await client.http.get("/health/live")

    assert (before.status_code, before.json()) == (200, {"status": "UP"})
    assert (after.status_code, after.json()) == (503, {"status": "DOWN"})
    assert live.status_code == 200


async def test_jwks_publishes_the_signing_key(client: GraphQLClient, accounts: Accounts) -> None:
    import jwt

    token = (await accounts.sign_up())["token"]
    jwks = (await client.http.get("/.well-known/jwks.json")).json()

    [key] = jwks["keys"]
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA"
    assert "d" not in key  # never the private part
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(token, jwt.PyJWK(key), algorithms=["EdDSA"], audience="shopgraph")
    assert claims["iss"] == "shopgraph-users"


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    stream = io.StringIO()
    configure_logging("users", "INFO", stream=stream)
    lines: list[dict[str, Any]] = []
    yield lines
    lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
    configure_logging("users", "INFO")


async def test_access_log_is_ecs_with_graphql_user_and_trace_fields(
    client: GraphQLClient, accounts: Accounts, log_lines: list[dict[str, Any]]
) -> None:
    secret = "my very secret password"
    session = await accounts.sign_up(password=secret)
    await client.execute(
        "query WhoAmI { me { id } }", token=session["token"], headers={"traceparent": TRACEPARENT}
    )
    logging.getLogger().handlers[0].flush()
    stream = logging.getLogger().handlers[0].stream  # type: ignore[attr-defined]
    raw = stream.getvalue()
    lines = [json.loads(line) for line in raw.splitlines()]

    [access] = [
        line
        for line in lines
        if line.get("graphql", {}).get("operation", {}).get("name") == "WhoAmI"
    ]
    assert access["ecs.version"]
    assert access["log.level"] == "info"
    assert access["service"]["name"] == "users"
    assert access["http"]["request"]["method"] == "POST"
    assert access["http"]["response"]["status_code"] == 200
    assert access["url"]["path"] == "/graphql"
    assert access["event"]["duration"] > 0
    assert access["graphql"]["operation"]["type"] == "query"
    assert access["user"]["id"] == session["user"]["id"]
    assert access["trace"]["id"] == TRACE_ID
    assert len(access["span"]["id"]) == 16
    # Neither the password nor the token is ever written to the log.
    assert secret not in raw
    assert session["token"] not in raw
    assert session["token"].split(".")[2] not in raw


async def test_logins_are_counted_by_outcome(client: GraphQLClient, accounts: Accounts) -> None:
    before = (await client.http.get("/metrics")).text
    user = await accounts.sign_up(password="correct horse")
    await accounts.login(user["user"]["email"], "correct horse")
    await accounts.login(user["user"]["email"], "wrong horse")
    await accounts.login("nobody@example.com", "whatever1")
    after = (await client.http.get("/metrics")).text

    def logins(outcome: str, page: str) -> float:
        return sample(page, "shopgraph_logins_total", outcome=outcome)

    assert logins("success", after) - logins("success", before) == 1
    assert logins("failure", after) - logins("failure", before) == 2


async def test_sql_queries_and_the_pool_are_measured(
    client: GraphQLClient, accounts: Accounts, settings: UsersSettings
) -> None:
    db_system = "sqlite" if settings.database_url is None else "mysql"
    before = (await client.http.get("/metrics")).text
    user = await accounts.sign_up()
    await accounts.login(user["user"]["email"], "correct horse")
    after = (await client.http.get("/metrics")).text

    def statements(verb: str, page: str) -> float:
        return sample(
            page, "shopgraph_db_query_duration_seconds_count", db_system=db_system, operation=verb
        )

    assert statements("INSERT", after) > statements("INSERT", before)
    assert statements("SELECT", after) > statements("SELECT", before)
    assert sample(after, "shopgraph_db_pool_connections_max", db_system=db_system) >= 1
    assert sample(after, "shopgraph_db_pool_connections_open", db_system=db_system) >= 1
