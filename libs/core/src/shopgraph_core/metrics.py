"""Prometheus metrics, served at GET /metrics.

Labels stay low-cardinality: operation names are client-chosen, so only the first
`max_metric_operation_names` distinct ones become labels and later ones share "other";
unnamed operations share "anonymous".
"""

import threading

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

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
