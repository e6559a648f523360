"""Prometheus metrics, served at GET /metrics.

Labels stay low-cardinality: operation names are client-chosen, so only the first
`max_metric_operation_names` distinct ones become labels and later ones share "other";
unnamed operations share "anonymous". Every other label takes its values from a fixed set
named here (database systems, statement verbs, outcomes), so no series grows without bound.

The plumbing lives here (the storage and HTTP hooks are installed by `storage.sql_engine`,
`storage.mongo_monitoring` and `MeasuredTransport`); a service's domain code only counts:
`ORDERS_PLACED.count()`.
Names follow Prometheus conventions: base units (seconds), `_total` on counters.
"""

import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from shopgraph_core.observability.tracing import TracedTransport

GRAPHQL_REQUESTS = Counter(
    "graphql_requests_total",
    "GraphQL operations served, by operation name, type and outcome (ok or the error code).",
    ["operation_name", "operation_type", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "graphql_request_duration_seconds",
    "Time to serve a GraphQL operation, by operation name, type and outcome.",
    ["operation_name", "operation_type", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests other than GraphQL, by method, route template and status.",
    ["method", "route", "status"],
)

# ---- storage: query duration and connection pools (SQL and MongoDB) ----------------------

DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
DB_QUERY_DURATION = Histogram(
    "shopgraph_db_query_duration_seconds",
    "Time the database took to answer one statement or command, by database system, "
    "operation (SQL verb or MongoDB command) and outcome (ok or error).",
    ["db_system", "operation", "outcome"],
    buckets=DB_BUCKETS,
)
SQL_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK"})
MONGO_COMMANDS = frozenset(
    {
        "find",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "count",
        "distinct",
        "getMore",
        "createIndexes",
        "listCollections",
        "ping",
    }
)


def sql_operation(statement: str) -> str:
    """The statement's verb when it is a common one, else "other" (bounded label)."""
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return verb if verb in SQL_VERBS else "other"


def mongo_operation(command_name: str) -> str:
    return command_name if command_name in MONGO_COMMANDS else "other"


@dataclass(frozen=True, slots=True)
class PoolUsage:
    in_use: float
    open: float
    max: float


class PoolGauges(Collector):
    """Connection-pool usage, read at scrape time from every pool registered here.

    Pools register a function answering (in use, open, maximum); pools that are gone (a
    closed engine, a test's app) drop out by themselves through the weak reference.
    """

    def __init__(self) -> None:
        self._pools: list[tuple[str, weakref.ReferenceType[Any], Callable[[Any], PoolUsage]]] = []
        self._lock = threading.Lock()

    def register(self, db_system: str, owner: Any, usage: Callable[[Any], PoolUsage]) -> None:
        with self._lock:
            self._pools.append((db_system, weakref.ref(owner), usage))

    def unregister(self, owner: Any) -> None:
        """A closed pool stops counting at once, not when the collector next runs."""
        with self._lock:
            self._pools = [p for p in self._pools if p[1]() not in (None, owner)]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "in_use": GaugeMetricFamily(
                "shopgraph_db_pool_connections_in_use",
                "Connections checked out of the pool, by database system.",
                labels=["db_system"],
            ),
            "open": GaugeMetricFamily(
                "shopgraph_db_pool_connections_open",
                "Connections the pool holds open (idle or in use), by database system.",
                labels=["db_system"],
            ),
            "max": GaugeMetricFamily(
                "shopgraph_db_pool_connections_max",
                "The most connections the pool will open, by database system.",
                labels=["db_system"],
            ),
        }
        totals: dict[str, list[float]] = {}
        with self._lock:
            self._pools = [p for p in self._pools if p[1]() is not None]
            pools = list(self._pools)
        for db_system, ref, usage in pools:
            owner = ref()
            if owner is None:
                continue
            found = usage(owner)
            total = totals.setdefault(db_system, [0.0, 0.0, 0.0])
            total[0] += found.in_use
            total[1] += found.open
            total[2] += found.max
        for db_system, (in_use, open_, most) in sorted(totals.items()):
            families["in_use"].add_metric([db_system], in_use)
            families["open"].add_metric([db_system], open_)
            families["max"].add_metric([db_system], most)
        yield from families.values()


POOLS = PoolGauges()
REGISTRY.register(POOLS)

# ---- service-to-service HTTP calls ------------------------------------------------------

INTERNAL_CLIENT_DURATION = Histogram(
    "shopgraph_internal_client_request_duration_seconds",
    "Service-to-service HTTP calls (one attempt each), by peer service, method and outcome "
    "(the status class 2xx/4xx/5xx, or error when no answer came).",
    ["peer", "method", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class MeasuredTransport(httpx.AsyncBaseTransport):
    """Times every attempt of a client's calls to `peer`, failures included."""

    def __init__(self, peer: str, inner: httpx.AsyncBaseTransport) -> None:
        self.peer, self._inner = peer, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await self._inner.handle_async_request(request)
            outcome = f"{response.status_code // 100}xx"
            return response
        finally:
            INTERNAL_CLIENT_DURATION.labels(self.peer, request.method, outcome).observe(
                time.perf_counter() - started
            )

    async def aclose(self) -> None:
        await self._inner.aclose()


def measured_transport(
    peer: str, inner: httpx.AsyncBaseTransport | None = None, *, limits: httpx.Limits
) -> MeasuredTransport:
    """The transport for a client of `peer`, timed and traced per attempt: `inner` (tests)
    or a pooled HTTP transport."""
    inner = inner or httpx.AsyncHTTPTransport(limits=limits)
    return MeasuredTransport(peer, TracedTransport(peer, inner))


# ---- domain events: the services count, the core keeps the names and label sets ---------


class OutcomeCounter:
    """A counter with one label whose values are fixed up front.

    Every value is exported from the start (at 0), so a dashboard shows "none yet" rather
    than no data, and a value outside the set is a bug caught at once, not a new series.
    """

    def __init__(self, name: str, documentation: str, label: str, values: Iterable[str]) -> None:
        self.values = tuple(values)
        self._counter = Counter(name, documentation, [label])
        for value in self.values:
            self._counter.labels(value)

    def count(self, value: str) -> None:
        if value not in self.values:
            raise ValueError(f"{value!r} is not one of {self.values}")
        self._counter.labels(value).inc()


class EventCounter:
    """A counter without labels, exported at 0 from the start."""

    def __init__(self, name: str, documentation: str) -> None:
        self._counter = Counter(name, documentation)

    def count(self) -> None:
        self._counter.inc()


class OperationNameLabels:
    """Caps how many distinct operation names become metric labels."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self._seen:
            return name
        with self._lock:
            if len(self._seen) < self._limit:
                self._seen.add(name)
                return name
        return "other"


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
