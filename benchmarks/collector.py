"""Python's garbage collector under real `myOrders` requests: CPython's defaults against the
settings `serve` applies (`shopgraph_core.runtime.garbage_collector`).

The orders app runs in this process behind `httpx.ASGITransport` (no sockets: the collector
is a property of a process, and only an in-process server lets one process switch it back
and forth between turns), on SQLite, with the benchmark's seeded page of orders and the items
of each. One client sends `myOrders(first: 20)` with items in a loop. Each turn also
records the collector's own time (`gc.callbacks`), printed per request under the table.
Both turns use the plain-field executor, whose requests leave no reference cycle behind
(docs/performance.md, "Garbage collection"); with Strawberry's own executor the defaults
cost more still.
"""

import gc
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from benchmarks.harness import (
    Measurement,
    Options,
    Report,
    Table,
    graphql_ok,
    measure_in_turns,
    one_loop,
)
from benchmarks.orders import MY_ORDERS, PAGE_SIZE, orders_settings, seed_orders
from shopgraph_core.auth.verifier import Role
from shopgraph_core.runtime.garbage_collector import prepare_for_serving
from shopgraph_orders.app import create_app
from shopgraph_testing.jwks import jwks_server
from shopgraph_testing.tokens import TestTokens

WARM_UP = 20
CPYTHON_YOUNG_THRESHOLD = 700
ANSWERED_A_PAGE = graphql_ok(lambda data: len(data["myOrders"]["edges"]) == PAGE_SIZE)


@contextmanager
def _collector(serving: bool) -> Iterator[list[float]]:
    """The collector as CPython starts it, or as `serve` sets it; yields a list that
    receives the duration of every collection in the block."""
    saved = gc.get_threshold()
    if serving:
        prepare_for_serving()
    else:
        gc.unfreeze()
        gc.set_threshold(CPYTHON_YOUNG_THRESHOLD, *saved[1:])
    durations: list[float] = []
    started: list[float] = []

    def record(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            durations.append(time.perf_counter() - started.pop())

    gc.callbacks.append(record)
    try:
        yield durations
    finally:
        gc.callbacks.remove(record)
        gc.unfreeze()
        gc.set_threshold(*saved)


async def _requests(
    send: Callable[[], Awaitable[httpx.Response]], serving: bool, seconds: float, spent: list[float]
) -> Measurement:
    with _collector(serving) as durations:
        for _ in range(WARM_UP):
            ANSWERED_A_PAGE(await send())
        durations.clear()
        measured = await one_loop(send, seconds)
        spent.append(sum(durations) / measured.answers * 1000)
    return measured


async def run(options: Options, report: Report) -> None:
    table = Table(f"garbage collector, myOrders(first: {PAGE_SIZE}) with items, in process")
    tokens = TestTokens()
    user_id = str(uuid.uuid4())
    auth = {"Authorization": f"Bearer {tokens.issue(user_id, Role.CUSTOMER)}"}
    with (
        tempfile.TemporaryDirectory(prefix="shopgraph-bench-collector-") as data_dir,
        jwks_server(tokens) as jwks_url,
    ):
        settings = orders_settings(data_dir, None, jwks_url)
        await seed_orders(settings, user_id)
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://orders"
            ) as client,
        ):

            def send() -> Awaitable[httpx.Response]:
                return client.post("/graphql", json={"query": MY_ORDERS}, headers=auth)

            spent: dict[bool, list[float]] = {False: [], True: []}
            await measure_in_turns(
                table,
                (
                    "CPython's defaults",
                    lambda seconds: _requests(send, False, seconds, spent[False]),
                ),
                (
                    "as serve sets it",
                    lambda seconds: _requests(send, True, seconds, spent[True]),
                ),
                options.seconds,
            )
    table.notes.append(
        "collector time per request: "
        f"{statistics.mean(spent[False]):.3f} ms with CPython's defaults, "
        f"{statistics.mean(spent[True]):.3f} ms as serve sets it"
    )
    table.notes.append("one client in this process, through httpx.ASGITransport: no sockets")
    report.tables.append(table)
