"""Real service logs through the real ingest pipeline, on a real OpenSearch node.

The stack runs as `make run` runs it; each component's log file is what its container would
print. After one traced createOrder (and one that fails), every line of users, products,
orders and the gateway goes through the `shopgraph-logs` pipeline exactly as a real cluster
gets it from `make logs-setup`: some lines as Filebeat sends them (the raw line in `message`,
two of them still in their CRI or Docker wrapper), the orders lines as Logstash's tcp input
with the json_lines codec forwards them (already parsed), plus two broken lines and two probe
access lines. Then: nothing lost, fields mapped as declared, probes dropped, one trace found in
every service, and every field the Kibana objects use is in the mapping.
"""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopgraph_logpipeline.assets import ELASTICSEARCH_DIR, load_json
from shopgraph_logpipeline.kibana import aggregated_fields, load_saved_objects, referenced_fields
from shopgraph_logpipeline.search_setup import apply, detect_flavor
from shopgraph_logpipeline.shipping import bulk_create, filebeat_event
from shopgraph_testing.drivers.gateway import Gateway

SERVICES = ("users", "products", "orders")
AGGREGATABLE = {"keyword", "long", "integer", "short", "double", "float", "date", "ip", "boolean"}
PLACE_ORDER = """
mutation PlaceOrder($i: CreateOrderInput!) {
  createOrder(input: $i) { id user { email } items { quantity product { name } } }
}"""


def _flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"log": {"properties": {"level": {"type": "keyword"}}}} -> {"log.level": "keyword"}."""
    flat: dict[str, str] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            flat.update(_flatten(spec["properties"], f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = spec.get("type", "object")
    return flat


class Captured:
    """The run's log lines, the trace of the traced order, and what was sent where."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.trace_id = uuid.uuid4().hex
        self.lines: dict[str, list[str]] = {}
        self.log_dir: Path = gateway.topology.data_dir / "logs"

    @property
    def gateway_name(self) -> str:
        return "router" if self.gateway.kind == "router" else "gateway"


@pytest.fixture(scope="module")
def captured(gateway: Gateway) -> Captured:
    run = Captured(gateway)
    token = gateway.sign_up()["token"]
    products = gateway.execute("{ products(first: 1, inStock: true) { edges { node { id } } } }")
    product_id = products["data"]["products"]["edges"][0]["node"]["id"]
    placed = gateway.execute(
        PLACE_ORDER,
        {
            "i": {
                "items": [{"productId": product_id, "quantity": 1}],
                "idempotencyKey": run.trace_id,
            }
        },
        token=token,
        headers={"traceparent": f"00-{run.trace_id}-{uuid.uuid4().hex[:16]}-01"},
    )
    assert "errors" not in placed, placed
    refused = gateway.execute(
        PLACE_ORDER,
        {"i": {"items": [{"productId": product_id, "quantity": 10**6}], "idempotencyKey": "x"}},
        token=token,
    )
    assert refused.get("errors"), refused
    # The services write their lines a moment after answering.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        run.lines = {
            name: (run.log_dir / f"{name}.log").read_text().splitlines()
            for name in (*SERVICES, run.gateway_name)
        }
        if all(any(run.trace_id in line for line in run.lines[s]) for s in SERVICES):
            break
        time.sleep(0.5)
    return run


class Indexed:
    def __init__(self, client: httpx.Client, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.sent = 0
        self.broken: list[str] = []
        self.probes = 0

    def search(self, index: str, query: dict[str, Any], size: int = 500) -> list[dict[str, Any]]:
        response = self.client.post(
            f"/{index}/_search", json={"query": query, "size": size, "track_total_hits": True}
        )
        response.raise_for_status()
        hits: list[dict[str, Any]] = response.json()["hits"]["hits"]
        return [hit["_source"] for hit in hits]

    def count(self, index: str) -> int:
        response = self.client.get(f"/{index}/_count")
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        count: int = response.json()["count"]
        return count


def _json_lines(line: str) -> dict[str, Any]:
    """An event as Logstash's tcp input with codec json_lines forwards it (ECS mode v8)."""
    event: dict[str, Any] = json.loads(line)
    event["@version"] = "1"
    event.setdefault("event", {})["original"] = line
    return event


@pytest.fixture(scope="module")
def indexed(opensearch_url: str, gateway: Gateway, captured: Captured) -> Iterator[Indexed]:
    with httpx.Client(base_url=opensearch_url, timeout=120) as client:
        apply(client, detect_flavor(client))  # exactly what `make logs-setup` does
        run = Indexed(client, f"logs-shopgraph-e2e{gateway.kind}")
        for stream in (run.stream, f"failed-{run.stream}"):
            client.delete(f"/_data_stream/{stream}")
        events: list[dict[str, Any]] = []
        for name, lines in captured.lines.items():
            path = captured.log_dir / f"{name}.log"
            for offset, line in enumerate(lines):
                events.append(
                    _json_lines(line) if name == "orders" else filebeat_event(line, path, offset)
                )
        access = next(line for line in captured.lines["users"] if '"url":{"path"' in line)
        user_line = captured.lines["users"][-1]
        products_line = captured.lines["products"][-1]
        extra = [
            # Container runtimes wrap each line: CRI (containerd, CRI-O) and Docker's json-file.
            filebeat_event(
                f"2026-12-02T04:21:13.418123456Z stdout F {user_line}",
                Path("cri"),
                0,
                kubernetes={"container": {"name": "users"}},
            ),
            filebeat_event(
                json.dumps(
                    {
                        "log": products_line + "\n",
                        "stream": "stdout",
                        "time": "2026-12-02T04:21:13.418Z",
                    }
                ),
                Path("docker"),
                0,
                kubernetes={"container": {"name": "products"}},
            ),
        ]
        run.broken = [captured.lines["orders"][-1][:80], "Traceback (most recent call last):"]
        extra += [filebeat_event(line, captured.log_dir / "orders.log", 0) for line in run.broken]
        for probe in ("/health/ready", "/metrics"):
            # A real access line with the probe's path: the services never log these
            # themselves (QUIET_PATHS), the pipeline drops them from any other sender.
            probe_line = json.loads(access)
            probe_line["url"]["path"], probe_line["message"] = probe, f"GET {probe} 200"
            extra.append(filebeat_event(json.dumps(probe_line), captured.log_dir / "users.log", 0))
            run.probes += 1
        events += extra
        run.sent = bulk_create(client, run.stream, events)
        yield run


def test_nothing_is_lost_and_only_broken_lines_fail(indexed: Indexed) -> None:
    stored = indexed.count(indexed.stream)
    failed = indexed.search(f"failed-{indexed.stream}", {"match_all": {}})
    assert sorted(d["event"]["original"] for d in failed) == sorted(indexed.broken)
    assert stored + len(failed) + indexed.probes == indexed.sent
    assert all(d["error"]["message"] for d in failed)


def test_probe_and_scrape_access_lines_are_dropped(indexed: Indexed) -> None:
    for prefix in ("/health", "/metrics"):
        assert indexed.search(indexed.stream, {"prefix": {"url.path": prefix}}) == []


def test_fields_are_mapped_as_declared(indexed: Indexed) -> None:
    response = indexed.client.get(f"/{indexed.stream}/_mapping")
    response.raise_for_status()
    (backing,) = response.json().values()
    mapped = _flatten(backing["mappings"]["properties"])
    declared = _flatten(
        load_json(ELASTICSEARCH_DIR / "component-template-mappings.json")["template"]["mappings"][
            "properties"
        ]
    )
    assert {f: mapped.get(f) for f in declared} == declared
    # What no one declared (order.id, kubernetes.*, ...) arrives as keywords, never as text.
    extra = {f: t for f, t in mapped.items() if f not in declared}
    assert "text" not in extra.values(), extra


@pytest.mark.parametrize(
    "field",
    [
        "@timestamp",
        "log.level",
        "message",
        "service.name",
        "service.environment",
        "trace.id",
        "span.id",
        "http.request.method",
        "http.response.status_code",
        "url.path",
        "event.duration",
        "user.id",
        "graphql.operation.name",
        "graphql.operation.type",
        "error.code",
        "log.logger",
    ],
)
def test_the_real_lines_fill_the_declared_fields(indexed: Indexed, field: str) -> None:
    assert indexed.search(indexed.stream, {"exists": {"field": field}}, size=1), field


def test_every_service_and_the_gateway_arrive_with_one_spelling_per_level(
    indexed: Indexed, captured: Captured
) -> None:
    response = indexed.client.post(
        f"/{indexed.stream}/_search",
        json={
            "size": 0,
            "aggs": {
                "services": {"terms": {"field": "service.name", "size": 50}},
                "levels": {"terms": {"field": "log.level", "size": 50}},
            },
        },
    )
    response.raise_for_status()
    buckets = {
        k: {b["key"] for b in v["buckets"]} for k, v in response.json()["aggregations"].items()
    }
    assert buckets["services"] >= {*SERVICES, captured.gateway_name}
    assert buckets["levels"] <= {"debug", "info", "warn", "error", "fatal"}


def test_one_create_order_is_followed_across_services_by_its_trace_id(
    indexed: Indexed, captured: Captured
) -> None:
    docs = indexed.search(indexed.stream, {"term": {"trace.id": captured.trace_id}})
    assert {d["service"]["name"] for d in docs} >= set(SERVICES)
    orders_access = [
        d
        for d in docs
        if d["service"]["name"] == "orders" and d["log"]["logger"] == "shopgraph.access"
    ]
    assert orders_access
    assert orders_access[0]["graphql"]["operation"]["type"] == "mutation"
    assert "order placed" in {d["message"] for d in docs}


def test_every_field_a_kibana_object_uses_is_in_the_mapping(indexed: Indexed) -> None:
    response = indexed.client.get(f"/{indexed.stream}/_mapping")
    (backing,) = response.json().values()
    mapped = _flatten(backing["mappings"]["properties"])
    objects = load_saved_objects()
    missing = {
        f: sorted(users) for f, users in referenced_fields(objects).items() if f not in mapped
    }
    assert missing == {}
    not_aggregatable = {
        f: mapped[f] for f in aggregated_fields(objects) if mapped[f] not in AGGREGATABLE
    }
    assert not_aggregatable == {}
