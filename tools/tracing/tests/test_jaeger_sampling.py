"""The collector's tail sampling, on the real Jaeger built from tools/tracing/jaeger with the
committed config.yaml: every trace holding an error is kept even at a 0% success ratio, a
successful request is kept at 100% and dropped at 0%, and a background job's round is kept
only when it fails. Spans go in over OTLP/HTTP from the OpenTelemetry SDK the services use;
what was kept is read back from Jaeger's query API."""

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from shopgraph_core.observability.tracing import BACKGROUND_ATTRIBUTE
from shopgraph_stack.traces import find_jaeger, jaeger_argv

pytestmark = pytest.mark.skipif(
    find_jaeger() is None, reason="Jaeger is not built (scripts/jaeger.sh build; make test does)"
)
DECISION_WAIT_S = 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def jaeger(success_percent: int, log: Path) -> Iterator[tuple[str, str]]:
    """A Jaeger with its memory store on free ports: (OTLP endpoint, query URL)."""
    ports = {name: _free_port() for name in ("HTTP", "GRPC", "QUERY", "QUERY_GRPC", "HEALTH")}
    env = {
        **os.environ,
        "JAEGER_OTLP_HTTP_PORT": str(ports["HTTP"]),
        "JAEGER_OTLP_GRPC_PORT": str(ports["GRPC"]),
        "JAEGER_QUERY_PORT": str(ports["QUERY"]),
        "JAEGER_QUERY_GRPC_PORT": str(ports["QUERY_GRPC"]),
        "JAEGER_HEALTH_PORT": str(ports["HEALTH"]),
        "TRACE_SUCCESS_PERCENT": str(success_percent),
        "TRACE_DECISION_WAIT": f"{DECISION_WAIT_S}s",
    }
    query = f"http://127.0.0.1:{ports['QUERY']}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            jaeger_argv("memory"), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{query}/api/services", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        yield f"http://127.0.0.1:{ports['HTTP']}/v1/traces", query
    finally:
        process.terminate()
        process.wait(30)


def _send(endpoint: str) -> dict[str, str]:
    """Four traces, as the services make them; returns their ids by kind."""
    provider = TracerProvider(resource=Resource.create({"service.name": "orders"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    tracer = provider.get_tracer("sampling-test")
    ids: dict[str, str] = {}
    for kind in ("success", "error", "background-success", "background-error"):
        background = kind.startswith("background")
        attributes = {BACKGROUND_ATTRIBUTE: True} if background else {}
        with tracer.start_as_current_span(
            kind, kind=SpanKind.INTERNAL if background else SpanKind.SERVER, attributes=attributes
        ) as root:
            ids[kind] = format(root.get_span_context().trace_id, "032x")
            with tracer.start_as_current_span("SELECT shopgraph", kind=SpanKind.CLIENT) as child:
                if kind.endswith("error"):  # the error is deep in the trace, not at its root
                    child.set_status(Status(StatusCode.ERROR, "OUT_OF_STOCK"))
    provider.shutdown()
    return ids


def _kept(query: str, trace_ids: dict[str, str]) -> set[str]:
    time.sleep(DECISION_WAIT_S + 3)  # the decision, then the batch to the store
    kept = set()
    for kind, trace_id in trace_ids.items():
        response = httpx.get(f"{query}/api/traces/{trace_id}", timeout=10)
        if response.status_code == 200 and response.json().get("data"):
            kept.add(kind)
        else:
            assert response.status_code == 404, response.text
    return kept


def test_errors_are_kept_at_a_zero_success_ratio(tmp_path: Path) -> None:
    with jaeger(0, tmp_path / "jaeger.log") as (endpoint, query):
        assert _kept(query, _send(endpoint)) == {"error", "background-error"}


def test_every_request_is_kept_at_full_ratio_but_quiet_background_rounds_are_not(
    tmp_path: Path,
) -> None:
    with jaeger(100, tmp_path / "jaeger.log") as (endpoint, query):
        assert _kept(query, _send(endpoint)) == {"success", "error", "background-error"}
