"""OpenTelemetry tracing: W3C trace context in and out, spans for requests, database calls,
service-to-service calls and background jobs.

Spans are always recorded so that log lines carry trace ids; they leave the process only
when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP over HTTP/protobuf, `/v1/traces` appended).
No span attribute holds personal data: statements carry placeholders, never their values,
and request bodies, headers and tokens are never recorded.
"""

import contextlib
import functools
from collections.abc import Iterator

import httpx
from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

# The key of an httpx request extension naming the route template of the call
# ("/internal/reservations/{reservation_id}/confirm"): spans are named by it, not by the path.
ROUTE_EXTENSION = "shopgraph.route"
# Set on a background job's root span: the collector keeps those traces only when they fail.
BACKGROUND_ATTRIBUTE = "shopgraph.background"

_configured = False


def configure_tracing(service_name: str, otlp_endpoint: str | None) -> None:
    """Install the process's tracer provider once; later calls are no-ops."""
    global _configured  # noqa: PLW0603 - the global provider can only be set once per process
    if _configured:
        return
    resource = Resource.create({"service.name": service_name, "service.namespace": "shopgraph"})
    provider = TracerProvider(resource=resource)
    if otlp_endpoint:
        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


@functools.cache
def tracer() -> trace.Tracer:
    # Once per process: each get_tracer call builds a new Tracer, and every request asks.
    # One got before configure_tracing is a proxy that follows the provider set later.
    return trace.get_tracer("shopgraph")


def record_error_code(span: trace.Span, code: str) -> None:
    """A failed operation: `error.type` and `graphql.error.code` hold the contract's code,
    and the ERROR status makes the collector keep the whole trace."""
    span.set_attribute("error.type", code)
    span.set_attribute("graphql.error.code", code)
    span.set_status(Status(StatusCode.ERROR, code))


@contextlib.contextmanager
def background_span(job: str) -> Iterator[trace.Span]:
    """A root span (a trace of its own) for one round of a background job, so that the lines
    it logs carry `trace.id` and `span.id` like a request's."""
    with tracer().start_as_current_span(
        job,
        context=context.Context(),
        kind=SpanKind.INTERNAL,
        attributes={BACKGROUND_ATTRIBUTE: True},
    ) as span:
        yield span


class TracedTransport(httpx.AsyncBaseTransport):
    """A client span for every attempt of a service-to-service call, named by its route
    template, with the trace context sent along so the peer's spans join the trace."""

    def __init__(self, peer: str, inner: httpx.AsyncBaseTransport) -> None:
        self.peer, self._inner = peer, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = request.extensions.get(ROUTE_EXTENSION)
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": request.url.host,
            "peer.service": self.peer,
        }
        if request.url.port is not None:
            attributes["server.port"] = request.url.port
        if route:
            attributes["http.route"] = route
        name = f"{request.method} {route}" if route else request.method
        with tracer().start_as_current_span(
            name, kind=SpanKind.CLIENT, attributes=attributes, record_exception=False
        ) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            for key, value in carrier.items():
                request.headers[key] = value
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 400:
                span.set_attribute("error.type", str(response.status_code))
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()
