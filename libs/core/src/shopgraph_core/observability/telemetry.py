"""One ASGI middleware for the request's span, its metrics and its ECS access log line."""

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopgraph_core.observability.metrics import (
    GRAPHQL_DURATION,
    GRAPHQL_REQUESTS,
    HTTP_REQUESTS,
    OperationNameLabels,
)
from shopgraph_core.observability.tracing import record_error_code, tracer

access_logger = logging.getLogger("shopgraph.access")

# Probes and scrapes would drown the access log and the traces; they are still counted.
QUIET_PATHS = ("/health/", "/metrics")


@dataclass(slots=True)
class OperationRecord:
    """What the GraphQL layer leaves on the request (`request.state.graphql`) about the
    operation that ran, for this middleware."""

    name: str | None
    type: str
    outcome: str


class RequestTelemetryMiddleware:
    def __init__(self, app: ASGIApp, *, graphql_path: str, max_operation_names: int) -> None:
        self.app = app
        self.graphql_path = graphql_path
        self.operation_labels = OperationNameLabels(max_operation_names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method, path = scope["method"], scope["path"]
        status = 500
        started = time.perf_counter_ns()

        async def send_and_capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # Probes and scrapes get no span either: every few seconds, they would fill the
        # trace store with nothing worth reading.
        request_span: contextlib.AbstractContextManager[trace.Span] = (
            contextlib.nullcontext(trace.INVALID_SPAN)
            if path.startswith(QUIET_PATHS)
            else tracer().start_as_current_span(
                f"{method} {path}", context=propagate.extract(headers), kind=SpanKind.SERVER
            )
        )
        with request_span as span:
            try:
                await self.app(scope, receive, send_and_capture)
            finally:
                duration_ns = time.perf_counter_ns() - started
                state: dict[str, Any] = scope.get("state") or {}
                operation: OperationRecord | None = state.get("graphql")
                self._record(
                    span=span,
                    scope=scope,
                    headers=headers,
                    status=status,
                    duration_ns=duration_ns,
                    operation=operation,
                    state=state,
                )

    def _record(
        self,
        *,
        span: trace.Span,
        scope: Scope,
        headers: dict[str, str],
        status: int,
        duration_ns: int,
        operation: OperationRecord | None,
        state: dict[str, Any],
    ) -> None:
        method, path = scope["method"], scope["path"]
        span.set_attribute("http.request.method", method)
        span.set_attribute("url.path", path)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        fields: dict[str, Any] = {
            "event.kind": "event",
            "event.category": ["web"],
            "event.duration": duration_ns,
            "event.outcome": "success" if status < 400 else "failure",
            "http.request.method": method,
            "http.response.status_code": status,
            "url.path": path,
            "client.ip": (scope.get("client") or ("", 0))[0],
            "user_agent.original": headers.get("user-agent", ""),
        }
        if user_id := state.get("user_id"):
            fields["user.id"] = user_id
        if operation is not None and path == self.graphql_path:
            name = self.operation_labels.label(operation.name)
            labels = (name, operation.type, operation.outcome)
            GRAPHQL_REQUESTS.labels(*labels).inc()
            GRAPHQL_DURATION.labels(*labels).observe(duration_ns / 1e9)
            span.update_name(f"{operation.type} {operation.name or 'anonymous'}")
            span.set_attribute("graphql.operation.name", operation.name or "")
            span.set_attribute("graphql.operation.type", operation.type)
            if operation.outcome != "ok":
                record_error_code(span, operation.outcome)
            fields["graphql.operation.name"] = operation.name or ""
            fields["graphql.operation.type"] = operation.type
            fields["graphql.outcome"] = operation.outcome
        else:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            # Named by the route template, as the caller's client span is: ids stay in url.path.
            span.update_name(f"{method} {template}")
            span.set_attribute("http.route", template)
            if status >= 400:
                span.set_attribute("error.type", str(status))
        if not path.startswith(QUIET_PATHS):
            access_logger.info("%s %s %s", method, path, status, extra=fields)
