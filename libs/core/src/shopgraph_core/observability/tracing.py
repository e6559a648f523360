"""OpenTelemetry tracing: W3C trace context in, spans for requests and database calls.

Spans are always recorded so that log lines carry trace ids; they leave the process only
when OTEL_EXPORTER_OTLP_ENDPOINT is set.
"""

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False


def configure_tracing(service_name: str, otlp_endpoint: str | None) -> None:
    """Install the process's tracer provider once; later calls are no-ops."""
    global _configured  # noqa: PLW0603 - the global provider can only be set once per process
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if otlp_endpoint:
        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer("shopgraph")
