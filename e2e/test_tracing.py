"""One createOrder, one trace, in the real trace store, joined to its log lines.

A stack of its own, started as `make run --traces opensearch` starts it, but on the test
run's OpenSearch node: Jaeger (built from tools/tracing/jaeger) receives every service's and
the gateway's spans over OTLP, samples them and writes them into OpenSearch. An order placed
with a client's `traceparent` must come back from Jaeger's query API as ONE trace holding the
gateway's span, each subgraph's, the orders->products reservation call on both sides and a
database span in each service, all descending from the client's span; the same spans must be
in the OpenSearch span index; and the services' log lines, shipped into the log data stream
as Filebeat would, must be found there by the same trace id.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shopgraph_logpipeline.search_setup import apply, detect_flavor
from shopgraph_logpipeline.shipping import ship_log_files
from shopgraph_stack.topology import Topology
from shopgraph_stack.traces import INDEX_PREFIX, find_jaeger

SERVICES = ("users", "products", "orders")
GATEWAY_SERVICE = {"node": "shopgraph-gateway", "router": "shopgraph-router"}
PLACE_ORDER = """
mutation PlaceOrder($i: CreateOrderInput!) {
  createOrder(input: $i) { id user { email } items { quantity product { name } } }
}"""

pytestmark = pytest.mark.skipif(
    find_jaeger() is None, reason="Jaeger is not built (scripts/jaeger.sh build; make test does)"
)


@dataclass
class Span:
    id: str
    parent: str | None
    name: str
    service: str
    tags: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.tags.get("span.kind", "internal"))


@dataclass
class Traced:
    gateway: Any  # e2e/conftest.py's Gateway
    opensearch: str
    trace_id: str
    client_span_id: str
    spans: list[Span]


def _spans(trace: dict[str, Any]) -> list[Span]:
    processes = {pid: p["serviceName"] for pid, p in trace["processes"].items()}
    found = []
    for span in trace["spans"]:
        parents = [r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"]
        tags = {t["key"]: t["value"] for t in span.get("tags", [])}
        found.append(
            Span(
                span["spanID"],
                parents[0] if parents else None,
                span["operationName"],
                processes[span["processID"]],
                tags,
            )
        )
    return found


def _fetch_trace(topology: Topology, trace_id: str, services: set[str]) -> list[Span]:
    """The trace from Jaeger's query API once every service's spans are in it (sampling waits
    a few seconds for a whole trace, then the batch goes to OpenSearch)."""
    spans: list[Span] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = httpx.get(f"{topology.traces_url}/api/traces/{trace_id}", timeout=10)
        if response.status_code == 200 and (data := response.json().get("data")):
            assert len(data) == 1, "one trace id is one trace"
            spans = _spans(data[0])
            server_names = {s.service for s in spans if s.kind == "server"}
            if services <= server_names and any(s.name.startswith("POST /internal") for s in spans):
                time.sleep(3)  # the last late spans of the slowest exporter
                return _spans(
                    httpx.get(f"{topology.traces_url}/api/traces/{trace_id}").json()["data"][0]
                )
        time.sleep(1)
    pytest.fail(
        f"no whole trace {trace_id} in Jaeger within 60 s: {[(s.service, s.name) for s in spans]}"
    )


@pytest.fixture(scope="module")
def traced(
    gateway_kind: str,
    opensearch_url: str,
    start_gateway: Callable[..., AbstractContextManager[Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Traced]:
    kind = gateway_kind
    with start_gateway(
        kind,
        tmp_path_factory.mktemp(f"traced-{kind}"),
        port_shift=500,
        traces="opensearch",
        opensearch_url=opensearch_url,
    ) as gateway:
        token = gateway.sign_up()["token"]
        products = gateway.execute(
            "{ products(first: 1, inStock: true) { edges { node { id } } } }"
        )
        product_id = products["data"]["products"]["edges"][0]["node"]["id"]
        trace_id, client_span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        placed = gateway.execute(
            PLACE_ORDER,
            {"i": {"items": [{"productId": product_id, "quantity": 1}]}},
            token=token,
            headers={"traceparent": f"00-{trace_id}-{client_span_id}-01"},
        )
        assert "errors" not in placed, placed
        spans = _fetch_trace(gateway.topology, trace_id, {*SERVICES, GATEWAY_SERVICE[kind]})
        yield Traced(gateway, opensearch_url, trace_id, client_span_id, spans)


def test_the_trace_starts_at_the_gateway_under_the_clients_span(traced: Traced) -> None:
    gateway_service = GATEWAY_SERVICE[traced.gateway.kind]
    roots = [s for s in traced.spans if s.parent == traced.client_span_id]
    assert [s.service for s in roots] == [gateway_service], roots
    if traced.gateway.kind == "node":  # the router names and kinds its spans its own way
        assert (roots[0].name, roots[0].kind) == ("mutation PlaceOrder", "server")


def test_every_span_descends_from_the_clients_span(traced: Traced) -> None:
    by_id = {s.id: s for s in traced.spans}
    for span in traced.spans:
        current = span
        while current.parent in by_id:
            current = by_id[current.parent]
        assert current.parent == traced.client_span_id, (span.service, span.name)


def test_each_subgraph_serves_the_order_named_by_its_operation(traced: Traced) -> None:
    for service in SERVICES:
        servers = [s for s in traced.spans if s.service == service and s.kind == "server"]
        graphql = [s for s in servers if s.tags.get("graphql.operation.type")]
        assert graphql, (service, [s.name for s in servers])
        assert all(s.name.split()[0] in {"query", "mutation"} for s in graphql)
        assert all(str(s.tags["graphql.operation.name"]).startswith("PlaceOrder") for s in graphql)


def test_the_reservation_call_is_a_client_span_in_orders_and_a_server_span_in_products(
    traced: Traced,
) -> None:
    by_id = {s.id: s for s in traced.spans}
    reserve = "POST /internal/reservations"
    [client] = [s for s in traced.spans if s.service == "orders" and s.name == reserve]
    assert client.kind == "client"
    assert client.tags["http.route"] == "/internal/reservations"
    servers = [s for s in traced.spans if s.service == "products" and s.name == reserve]
    assert len(servers) == 1, [(s.kind, s.id, s.parent, s.tags) for s in servers]
    [server] = servers
    assert server.kind == "server"
    assert by_id[server.parent or ""] is client
    confirm = "/internal/reservations/{reservation_id}/confirm"
    assert {s.service for s in traced.spans if s.name == f"POST {confirm}"} == {
        "orders",
        "products",
    }


def test_every_service_has_a_database_span_without_values(traced: Traced) -> None:
    for service in SERVICES:
        database = [s for s in traced.spans if s.service == service and "db.system" in s.tags]
        assert database, (service, [s.name for s in traced.spans if s.service == service])
    statements = " ".join(str(s.tags.get("db.statement", "")) for s in traced.spans)
    assert "@example.com" not in statements
    assert "e2e password" not in statements


def test_the_spans_are_stored_in_opensearch(traced: Traced) -> None:
    with httpx.Client(base_url=traced.opensearch, timeout=30) as client:
        client.post(f"/{INDEX_PREFIX}-jaeger-span-*/_refresh")
        response = client.post(
            f"/{INDEX_PREFIX}-jaeger-span-*/_search",
            json={"query": {"term": {"traceID": traced.trace_id}}, "size": 0},
        )
    response.raise_for_status()
    assert response.json()["hits"]["total"]["value"] == len(traced.spans)


def test_the_log_lines_of_every_service_are_found_by_the_trace_id(traced: Traced) -> None:
    log_dir = traced.gateway.topology.data_dir / "logs"
    gateway_log = "router" if traced.gateway.kind == "router" else "gateway"
    stream = f"logs-shopgraph-e2etraces{traced.gateway.kind}"
    with httpx.Client(base_url=traced.opensearch, timeout=120) as client:
        apply(client, detect_flavor(client))  # what `make logs-setup` does
        client.delete(f"/_data_stream/{stream}")
        files = [log_dir / f"{name}.log" for name in (*SERVICES, gateway_log)]
        assert ship_log_files(client, stream, files) > 0
        response = client.post(
            f"/{stream}/_search",
            json={"query": {"term": {"trace.id": traced.trace_id}}, "size": 200},
        )
    response.raise_for_status()
    docs = [hit["_source"] for hit in response.json()["hits"]["hits"]]
    # The Node gateway's lines too: they carry its own span's ids. Apollo Router writes no
    # line per request at INFO (its request events would log headers, tokens included),
    # so for it the three services' lines are what there is.
    expected = set(SERVICES) if traced.gateway.kind == "router" else {*SERVICES, gateway_log}
    assert {d["service"]["name"] for d in docs} >= expected
    loggers = {
        (d["service"]["name"], d["log"]["logger"]) for d in docs if "logger" in d.get("log", {})
    }
    assert {("orders", "shopgraph.access"), ("products", "shopgraph.access")} <= loggers
    # A line carries the id of the span it was written in: one of the trace's spans.
    span_ids = {s.id for s in traced.spans}
    assert all(d["span"]["id"] in span_ids for d in docs if d["service"]["name"] in SERVICES)
