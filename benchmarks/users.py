"""Users subgraph throughput next to a bare FastAPI endpoint doing the same database read,
and login throughput with the login throttle on and off.

Scenarios: `me` (one user by id, authenticated by a JWT the users service issued) against the
bare read of one user; `_entities` of 100 users (the gateway's batch) against the bare read of
the same 100 rows. The ratios show what GraphQL, federation, auth and the service's
middleware cost on top of the read itself.

The login scenarios run two users processes on one database, one with THROTTLE_ENABLED off:
the ratio is what the throttle table costs a normal (successful) login, argon2 included.
"""

import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Query
from pydantic import SecretStr
from sqlalchemy import select

from benchmarks.harness import (
    Options,
    Report,
    Scenario,
    Send,
    Table,
    graphql_ok,
    graphql_post,
    http_get,
    measure_pair,
    run_uvicorn,
    spawned_server,
    whole_batch,
)
from shopgraph_core.storage.sql import SqlStore
from shopgraph_testing.servers import new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.models import UserRow
from shopgraph_users.service import MIGRATIONS_DIR
from shopgraph_users.settings import UsersSettings

ME = "query Me { me { id name email } }"
SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { token user { id email } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"
PASSWORD = "benchmark password"
# The account `_entities` runs as: a user is only the user themself's or an admin's to read,
# so a batch of 100 users (as for a page of an admin's orders) needs an admin.
ADMIN_EMAIL = "bench-admin@example.com"
FORWARDED = {"X-Forwarded-For": "192.0.2.1"}
ENTITIES = (
    "query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }"
)
BATCH = 100
TARGET = 0.7  # issue 17: every subgraph's hottest read at >= 0.7x its bare baseline


def _bare_app(database_url: str) -> FastAPI:
    """The baseline: the reads `me` and `_entities` make (SQLAlchemy async, the service's
    own SqlStore and row class), answered as plain JSON. No GraphQL, no token verification,
    none of the service's middleware (metrics, body limit); the same uvicorn."""
    store = SqlStore(database_url, MIGRATIONS_DIR)
    app = FastAPI()

    @app.get("/user/{user_id}")
    async def one(user_id: str) -> dict[str, Any]:
        async with store.session() as session:
            row = await session.get(UserRow, user_id)
        assert row is not None
        return {"id": row.id, "name": row.name, "email": row.email}

    @app.get("/users")
    async def many(ids: list[str] = Query()) -> list[dict[str, Any]]:  # noqa: B008 - FastAPI's idiom
        async with store.session() as session:
            rows = (await session.scalars(select(UserRow).where(UserRow.id.in_(ids)))).all()
        return [{"id": r.id, "name": r.name} for r in rows]

    return app


def _serve(port: int, kind: str, data_dir: str, database_url: str | None) -> None:
    settings = UsersSettings(
        environment="test",
        SHOPGRAPH_DATA_DIR=Path(data_dir),
        database_url=database_url,
        log_level="WARNING",
        # All the benchmark's clients are one address; the sign-ups are set-up, not load.
        sign_up_max_per_address=100_000,
        throttle_enabled=kind != "users-unthrottled",
        shopgraph_admin_email=ADMIN_EMAIL,
        shopgraph_admin_password=SecretStr(PASSWORD),
    )
    app = _bare_app(settings.effective_database_url) if kind == "bare" else create_app(settings)
    run_uvicorn(app, port)


async def _login(users_url: str, email: str) -> str:
    async with httpx.AsyncClient(base_url=users_url, timeout=60) as client:
        variables = {"i": {"email": email, "password": PASSWORD}}
        response = await client.post("/graphql", json={"query": LOGIN, "variables": variables})
        token: str = response.json()["data"]["login"]["token"]
        return token


async def _sign_up(users_url: str, count: int) -> tuple[str, list[str], list[str]]:
    """`count` new users; the last one's token, and everyone's ids and emails."""
    async with httpx.AsyncClient(base_url=users_url, timeout=60) as client:
        ids, emails, token = [], [], ""
        for i in range(count):
            response = await client.post(
                "/graphql",
                json={
                    "query": SIGN_UP,
                    "variables": {
                        "i": {
                            "email": f"bench{i}-{time.time_ns()}@example.com",
                            "password": PASSWORD,
                            "name": f"Bench {i}",
                        }
                    },
                },
            )
            payload = response.json()["data"]["signUp"]
            ids.append(payload["user"]["id"])
            emails.append(payload["user"]["email"])
            token = payload["token"]
        return token, ids, emails


def _logins(emails: list[str]) -> Send:
    """Successful logins, round robin over the accounts, from one client address as the
    gateway forwards it (the throttle keys on it)."""
    turn = itertools.count()

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        email = emails[next(turn) % len(emails)]
        variables = {"i": {"email": email, "password": PASSWORD}}
        return await client.post(
            "/graphql", json={"query": LOGIN, "variables": variables}, headers=FORWARDED
        )

    return send


async def run(options: Options, report: Report) -> None:
    database_url = (
        new_mysql_database(options.mysql_base_url, "bench_users")
        if options.mysql_base_url
        else None
    )
    reads = Table(f"users subgraph vs bare FastAPI, {options.sql_name}")
    logins = Table(f"users login, throttle on vs off, {options.sql_name}")
    with (
        tempfile.TemporaryDirectory(prefix="shopgraph-bench-users-") as data_dir,
        spawned_server("users", _serve, "users", data_dir, database_url) as users,
        spawned_server("bare users", _serve, "bare", data_dir, database_url) as bare,
        spawned_server(
            "unthrottled users", _serve, "users-unthrottled", data_dir, database_url
        ) as unthrottled,
    ):
        token, ids, emails = await _sign_up(users, BATCH)
        me_id = ids[-1]
        representations = [{"__typename": "User", "id": i} for i in ids]
        auth = {"Authorization": f"Bearer {token}"}
        admin = {"Authorization": f"Bearer {await _login(users, ADMIN_EMAIL)}"}
        await measure_pair(
            reads,
            Scenario("bare: read 1 user", bare, http_get(f"/user/{me_id}")),
            Scenario(
                "users: me",
                users,
                graphql_post(ME, headers=auth),
                graphql_ok(lambda data: data["me"]["id"] == me_id),
            ),
            options,
            target=TARGET,
        )
        await measure_pair(
            reads,
            Scenario(f"bare: read {BATCH} users", bare, http_get("/users", {"ids": ids})),
            Scenario(
                f"users: _entities x{BATCH}",
                users,
                graphql_post(ENTITIES, {"r": representations}, admin),
                whole_batch(BATCH),
            ),
            options,
            target=TARGET,
        )
        login_check = graphql_ok(lambda data: bool(data["login"]["token"]))
        await measure_pair(
            logins,
            Scenario("login, throttle off", unthrottled, _logins(emails), login_check),
            Scenario("login, throttle on", users, _logins(emails), login_check),
            options,
        )
    report.tables.extend([reads, logins])
