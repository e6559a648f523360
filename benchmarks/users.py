"""Users subgraph throughput next to a bare FastAPI endpoint doing the same database read,
and login throughput with the login throttle on and off.

    make bench                       # SQLite
    make bench BENCH_ARGS=--mariadb  # the same against a private MariaDB server

Each scenario is a closed loop of concurrent clients for a fixed time against a uvicorn
process; the bare endpoints run in the same kind of process on the same database, so the
ratios show what GraphQL, federation and auth cost on top of the read itself. Absolute
numbers vary with the machine; the ratios are the result.

The login scenarios run two users processes on one database, one with THROTTLE_ENABLED off:
the ratio is what the throttle table costs a normal (successful) login, argon2 included. They
alternate (on, off, off, on) so that drift in the machine's load falls on both alike.
"""

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Query
from sqlalchemy import select

from shopgraph_core.storage.sql import SqlStore
from shopgraph_testing.processes import port_open, wait_until_ready
from shopgraph_testing.servers import free_port, mariadb_server, new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.models import UserRow
from shopgraph_users.service import MIGRATIONS_DIR
from shopgraph_users.settings import UsersSettings

ME = "query Me { me { id name email } }"
SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { token user { id email } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"
PASSWORD = "benchmark password"
ENTITIES = (
    "query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }"
)


def _bare_app(database_url: str) -> FastAPI:
    """The baseline: the same reads, as plain JSON endpoints with no GraphQL or auth."""
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


def _serve(kind: str, port: int, data_dir: str, database_url: str | None) -> None:
    settings = UsersSettings(
        environment="test",
        SHOPGRAPH_DATA_DIR=Path(data_dir),
        database_url=database_url,
        log_level="WARNING",
        # All the benchmark's clients are one address; the sign-ups are set-up, not load.
        sign_up_max_per_address=100_000,
        throttle_enabled=kind != "users-unthrottled",
    )
    app = _bare_app(settings.effective_database_url) if kind == "bare" else create_app(settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)


@contextlib.contextmanager
def _server(kind: str, data_dir: str, database_url: str | None) -> Iterator[str]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(kind, port, data_dir, database_url), daemon=True
    )
    process.start()
    try:
        wait_until_ready(f"{kind} server", port_open(port), 180)  # a loaded machine imports slowly
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


async def _rate(
    send: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
    base_url: str,
    seconds: float,
    concurrency: int,
) -> float:
    """Requests per second of `concurrency` clients looping for `seconds` (after a warm-up)."""
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for _ in range(20):
            (await send(client)).raise_for_status()
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await send(client)
                response.raise_for_status()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


async def _prepare(users_url: str, count: int) -> tuple[str, list[str], list[str]]:
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


def _logins(emails: list[str]) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
    """Successful logins, round robin over the accounts; a refused one stops the benchmark."""
    turn = itertools.count()

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        email = emails[next(turn) % len(emails)]
        variables = {"i": {"email": email, "password": PASSWORD}}
        response = await client.post("/graphql", json={"query": LOGIN, "variables": variables})
        if "errors" in response.json():
            raise RuntimeError(f"login failed: {response.text}")
        return response

    return send


async def _run(database_url: str | None, seconds: float, concurrency: int) -> None:
    data_dir = tempfile.mkdtemp(prefix="shopgraph-bench-")
    with (
        _server("users", data_dir, database_url) as users,
        _server("bare", data_dir, database_url) as bare,
        _server("users-unthrottled", data_dir, database_url) as unthrottled,
    ):
        token, ids, emails = await _prepare(users, 100)
        me_id = ids[-1]
        representations = [{"__typename": "User", "id": i} for i in ids]
        auth = {"Authorization": f"Bearer {token}"}
        scenarios: list[
            tuple[str, str, Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]]
        ] = [
            ("bare: read 1 user", bare, lambda c: c.get(f"/user/{me_id}")),
            ("users: me", users, lambda c: c.post("/graphql", json={"query": ME}, headers=auth)),
            ("bare: read 100 users", bare, lambda c: c.get("/users", params={"ids": ids})),
            (
                "users: _entities x100",
                users,
                lambda c: c.post(
                    "/graphql", json={"query": ENTITIES, "variables": {"r": representations}}
                ),
            ),
        ]
        rates = {}
        for name, url, send in scenarios:
            rates[name] = await _rate(send, url, seconds, concurrency)
        login_rates: dict[str, list[float]] = {"on": [], "off": []}
        for throttle in ("on", "off", "off", "on"):
            url = users if throttle == "on" else unthrottled
            login_rates[throttle].append(await _rate(_logins(emails), url, seconds, concurrency))
        rates["login, throttle off"] = statistics.mean(login_rates["off"])
        rates["login, throttle on"] = statistics.mean(login_rates["on"])
    print(
        f"\nusers subgraph vs bare FastAPI, {concurrency} clients, {seconds:.0f}s each, "
        f"{'MariaDB' if database_url else 'SQLite'}"
    )
    print(f"{'scenario':<24}{'req/s':>10}{'vs baseline':>14}")
    for name, baseline in [
        ("users: me", "bare: read 1 user"),
        ("users: _entities x100", "bare: read 100 users"),
        ("login, throttle on", "login, throttle off"),
    ]:
        print(f"{baseline:<24}{rates[baseline]:>10.1f}{1.0:>13.2f}x")
        print(f"{name:<24}{rates[name]:>10.1f}{rates[name] / rates[baseline]:>13.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--mariadb", action="store_true", help="use a private MariaDB server")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if args.mariadb:
        with mariadb_server() as base_url:
            asyncio.run(_run(new_mysql_database(base_url, "bench"), args.seconds, args.concurrency))
    else:
        asyncio.run(_run(None, args.seconds, args.concurrency))
