"""What every benchmark module shares: servers in spawned processes, a closed-loop rate
measurement with a warm-up, and the ratio tables (printed, and as Markdown for
docs/performance.md).

A rate is `concurrency` clients, each sending its next request as soon as the last one is
answered, for a fixed time: the server's throughput at that concurrency, not a latency under
a fixed arrival rate. The clients run in this process, on the same machine as the servers,
so they share its cores: absolute numbers depend on the machine and on what else runs on
it; ratios of rates measured in the same run are the result.
"""

import asyncio
import contextlib
import multiprocessing
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from shopgraph_core.runtime.garbage_collector import prepare_for_serving
from shopgraph_testing.processes import port_open, wait_until_ready
from shopgraph_testing.servers import free_port

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
Check = Callable[[httpx.Response], None]
# A server's entry point in a spawned process: called with its port, then its arguments.
Serve = Callable[..., None]

# Every this many answers in the measured loop is checked in full (GraphQL errors, data), so
# that a run which starts failing half way (a throttle, an expired token) stops instead of
# measuring errors; checking each answer would spend the clients' CPU on JSON.
CHECK_EVERY = 100
WARM_UP_REQUESTS = 5


def status_ok(response: httpx.Response) -> None:
    response.raise_for_status()


def graphql_ok(expect: Callable[[Any], bool] = lambda _: True) -> Check:
    """A check that the answer is 200, has no GraphQL errors, and `expect(data)` holds."""

    def check(response: httpx.Response) -> None:
        response.raise_for_status()
        body = response.json()
        if body.get("errors") or not expect(body.get("data")):
            raise RuntimeError(f"unexpected answer: {response.text[:500]}")

    return check


def graphql_post(
    query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Send:
    """Sends the same GraphQL POST to /graphql each time."""
    body = {"query": query, "variables": variables or {}}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/graphql", json=body, headers=headers)

    return send


def http_get(path: str, params: dict[str, Any] | None = None) -> Send:
    """Sends the same GET each time (the bare baselines' requests)."""

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(path, params=params)

    return send


def whole_batch(size: int) -> Check:
    """A check that `_entities` answered all `size` representations, none with null."""
    return graphql_ok(lambda data: len(data["_entities"]) == size and None not in data["_entities"])


@dataclass(frozen=True)
class Scenario:
    name: str
    base_url: str
    send: Send
    check: Check = status_ok


@dataclass(frozen=True)
class Measurement:
    rate: float  # answers per second
    p50_ms: float
    p95_ms: float
    answers: int
    # The rates of the turns this is the mean of (measure_pair): how far apart they are is
    # how noisy the machine was.
    turns: tuple[float, ...] = ()


async def measure(scenario: Scenario, seconds: float, concurrency: int) -> Measurement:
    """`concurrency` clients in a closed loop for `seconds`, after a warm-up of a few checked
    requests and a fifth of `seconds` (at most 2 s) of the same loop, not counted, so that
    connection pools on both sides are full before the clock starts."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=scenario.base_url, limits=limits, timeout=60) as client:
        for _ in range(WARM_UP_REQUESTS):
            scenario.check(await scenario.send(client))
        await _loop(client, scenario, min(seconds / 5, 2.0), concurrency)
        started = time.perf_counter()
        latencies = await _loop(client, scenario, seconds, concurrency)
        elapsed = time.perf_counter() - started
    return measurement_of(latencies, elapsed)


def measurement_of(latencies: list[float], elapsed: float) -> Measurement:
    """The rate, p50 and p95 of `latencies` (seconds), answered within `elapsed` seconds."""
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return Measurement(
        rate=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p95_ms=quantiles[18] * 1000,
        answers=len(latencies),
    )


async def one_loop(call: Callable[[], Awaitable[object]], seconds: float) -> Measurement:
    """One caller awaiting `call` again and again for `seconds`, in this process: the
    in-process benchmarks (`execution`, `collector`), which have no clients or sockets."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    while (begun := time.perf_counter()) < deadline:
        await call()
        latencies.append(time.perf_counter() - begun)
    return measurement_of(latencies, time.perf_counter() - started)


async def _loop(
    client: httpx.AsyncClient, scenario: Scenario, seconds: float, concurrency: int
) -> list[float]:
    """The latencies of the answers to requests sent within `seconds`."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def worker() -> None:
        while (sent := time.perf_counter()) < deadline:
            response = await scenario.send(client)
            latencies.append(time.perf_counter() - sent)
            if len(latencies) % CHECK_EVERY == 0:
                scenario.check(response)
            else:
                response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


# Servers in processes of their own ------------------------------------------------------


def run_uvicorn(app: FastAPI, port: int) -> None:
    """Serve `app` as every benchmarked server is served: one uvicorn worker, no access log,
    the garbage collector set as `serve` sets it (for the bare baselines too)."""
    prepare_for_serving()
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", log_config=None, access_log=False
    )


class _Exited:
    """A spawned process as `wait_until_ready` polls one, so that a server which dies while
    starting fails the start at once instead of after the timeout."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode


@contextlib.contextmanager
def spawned_server(name: str, serve: Serve, *args: Any, timeout_s: float = 180) -> Iterator[str]:
    """`serve(port, *args)` in a fresh (spawned, not forked) process; yields its base URL.

    Spawned, so that each server imports and initialises its own modules (Beanie binds its
    documents once per process) and shares nothing with the clients.
    """
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(port, *args), name=name, daemon=True
    )
    process.start()
    try:
        # A loaded machine imports slowly; uvicorn binds after the app's start-up.
        wait_until_ready(name, port_open(port), timeout_s, process=_Exited(process))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


# Tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A measured scenario; `baseline` names the row of the same table it is compared to,
    and `target` is the least ratio to that baseline that meets the issue's target."""

    name: str
    measured: Measurement
    baseline: str | None = None
    target: float | None = None


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Gateway tables: show the cost, 1 - ratio, beside the ratio.
    show_cost: bool = False

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def ratio(self, row: Row) -> float | None:
        if row.baseline is None:
            return None
        base = next(r for r in self.rows if r.name == row.baseline)
        return row.measured.rate / base.measured.rate if base.measured.rate else None

    def _cells(self, row: Row) -> list[str]:
        ratio = self.ratio(row)
        is_baseline = any(r.baseline == row.name for r in self.rows)
        shown = "baseline" if is_baseline else "-"
        if ratio is not None:
            shown = f"{ratio:.2f}x"
        cells = [
            row.name,
            f"{row.measured.rate:.1f}",
            " / ".join(f"{rate:.0f}" for rate in row.measured.turns),
            f"{row.measured.p50_ms:.1f}",
            f"{row.measured.p95_ms:.1f}",
            shown,
        ]
        if self.show_cost:
            cells.append(f"{1 - ratio:.0%}" if ratio is not None else "")
        if row.target is None or ratio is None:
            cells.append("")
        else:
            verdict = "met" if ratio >= row.target else "MISSED"
            wanted = f"cost <= {1 - row.target:.0%}" if self.show_cost else f">= {row.target}x"
            cells.append(f"{wanted}: {verdict}")
        return cells

    def _header(self) -> list[str]:
        header = ["scenario", "req/s", "turns", "p50 ms", "p95 ms", "vs baseline"]
        return [*header, "cost", "target"] if self.show_cost else [*header, "target"]

    def render_text(self) -> str:
        lines = [self._header(), *(self._cells(row) for row in self.rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        text = [self.title]
        for line in lines:
            first, *rest = line
            text.append(
                "  ".join(
                    [
                        first.ljust(widths[0]),
                        *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)),
                    ]
                ).rstrip()
            )
        text.extend(f"  {note}" for note in self.notes)
        return "\n".join(text)

    def render_markdown(self) -> str:
        header = self._header()
        lines = [
            f"#### {self.title}",
            "",
            "| " + " | ".join(header) + " |",
            "| --- |" + " ---: |" * (len(header) - 1),
            *("| " + " | ".join(self._cells(row)) + " |" for row in self.rows),
        ]
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass
class Report:
    """A run: what it measured, how long each stage took, and on what machine."""

    seconds: float
    concurrency: int
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    load_before: tuple[float, float, float] = field(default_factory=os.getloadavg)
    load_after: tuple[float, float, float] | None = None
    tables: list[Table] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def code(self) -> str:
        """The commit measured, `-dirty` when the tree has changes: a result means little
        without the code it is of."""
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        )
        return described.stdout.strip() or "unknown (no git)"

    def finish(self) -> None:
        self.load_after = os.getloadavg()

    def facts(self) -> list[str]:
        load = " ".join(f"{x:.2f}" for x in self.load_before)
        after = " ".join(f"{x:.2f}" for x in self.load_after) if self.load_after else "-"
        stages = ", ".join(f"{name} {s:.0f} s" for name, s in self.stages.items())
        return [
            f"code: {self.code()}",
            f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
            f"{platform.release()}",
            f"load average (1, 5, 15 min): {load} before, {after} after",
            f"python {platform.python_version()}; {self.concurrency} clients in a closed loop, "
            f"{self.seconds:g} s per scenario (two turns of {self.seconds / 2:g} s, in turns "
            "with its baseline: A B B A), each turn after a warm-up",
            f"stages: {stages}",
        ]

    def render_markdown(self) -> str:
        parts = [
            f"### Run of {self.started:%Y-%m-%d %H:%M} UTC",
            "",
            *(f"- {fact}" for fact in self.facts()),
            *(f"- skipped: {why}" for why in self.skipped),
        ]
        for table in self.tables:
            parts.extend(["", table.render_markdown()])
        return "\n".join(parts) + "\n"


@contextlib.contextmanager
def stage(report: Report, name: str) -> Iterator[None]:
    """Times a stage, prints its time and records it in the report."""
    print(f"\n== {name} ==", flush=True)
    started = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - started
        report.stages[name] = took
        print(f"== {name}: {took:.0f} s ==", flush=True)


@dataclass(frozen=True)
class Options:
    """What the command line chose, for every benchmark module."""

    seconds: float
    concurrency: int
    # A MariaDB server's base URL (no database) with --mariadb; None: SQLite files.
    mysql_base_url: str | None = None
    # Added to the dev ports of the stack the gateway benchmark starts (tools/stack).
    port_offset: int = 20000

    @property
    def sql_name(self) -> str:
        return "MariaDB" if self.mysql_base_url else "SQLite"


def mean_of(measurements: list[Measurement]) -> Measurement:
    return Measurement(
        rate=statistics.mean(m.rate for m in measurements),
        p50_ms=statistics.mean(m.p50_ms for m in measurements),
        p95_ms=statistics.mean(m.p95_ms for m in measurements),
        answers=sum(m.answers for m in measurements),
        turns=tuple(m.rate for m in measurements),
    )


# Measures one side of a pair for the given seconds.
Measure = Callable[[float], Awaitable[Measurement]]


async def measure_in_turns(
    table: Table,
    baseline: tuple[str, Measure],
    scenario: tuple[str, Measure],
    seconds: float,
    *,
    target: float | None = None,
    unit: str = "req/s",
) -> None:
    """Measure `baseline` and `scenario` in turns, A B B A, each turn half of `seconds`, and
    add the mean of each to `table`: a drift in the machine's load (it is shared) falls on
    both alike instead of on whichever ran second."""
    base_name, name = baseline[0], scenario[0]
    turns: dict[str, list[Measurement]] = {base_name: [], name: []}
    for turn_name, measure_turn in (baseline, scenario, scenario, baseline):
        turns[turn_name].append(await measure_turn(seconds / 2))
    for turn_name, measured in turns.items():
        rates = " and ".join(f"{m.rate:.1f}" for m in measured)
        print(
            f"  {turn_name:<44}{mean_of(measured).rate:>9.1f} {unit} (turns: {rates})", flush=True
        )
    table.add(Row(base_name, mean_of(turns[base_name])))
    table.add(Row(name, mean_of(turns[name]), base_name, target))


async def measure_pair(
    table: Table,
    baseline: Scenario,
    scenario: Scenario,
    options: Options,
    *,
    target: float | None = None,
) -> None:
    """Two HTTP scenarios in turns (`measure_in_turns`), each with `--concurrency` clients."""

    def over_http(measured: Scenario) -> tuple[str, Measure]:
        return measured.name, lambda seconds: measure(measured, seconds, options.concurrency)

    await measure_in_turns(
        table, over_http(baseline), over_http(scenario), options.seconds, target=target
    )
