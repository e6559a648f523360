"""`make logs-setup` against a real OpenSearch 2.19 node, and the ingest pipeline case by case.

Whole service logs go through the pipeline in e2e/test_logs_pipeline.py; here each rule of the
pipeline meets the smallest line that exercises it, through OpenSearch's _simulate API.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from shopgraph_logpipeline.assets import ELASTICSEARCH_DIR, load_json
from shopgraph_logpipeline.cli import main
from shopgraph_logpipeline.search_setup import Flavor, apply, detect_flavor, plan

ECS_LINE: dict[str, Any] = {
    "@timestamp": "2026-12-02T04:21:13.486Z",
    "log.level": "WARNING",
    "message": "POST /graphql 200",
    "ecs.version": "1.6.0",
    "log": {"logger": "shopgraph.access"},
    "service": {"name": "orders"},
    "trace": {"id": "0af7651916cd43dd8448eb211c80319c"},
    "event": {"duration": 268974834, "outcome": "failure"},
    "graphql": {"operation": {"name": "CreateOrder", "type": "mutation"}, "outcome": "CONFLICT"},
    "http": {"request": {"method": "POST"}, "response": {"status_code": 200}},
    "url": {"path": "/graphql"},
}


@pytest.fixture(scope="module")
def search(opensearch_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=opensearch_url, timeout=60) as client:
        apply(client, detect_flavor(client))
        yield client


def simulate(search: httpx.Client, source: dict[str, Any]) -> dict[str, Any]:
    """The document as the pipeline leaves it (with _index), or {} when it was dropped."""
    response = search.post(
        "/_ingest/pipeline/shopgraph-logs/_simulate",
        json={"docs": [{"_index": "logs-shopgraph-test", "_source": source}]},
    )
    response.raise_for_status()
    result = response.json()["docs"][0]
    if result is None:  # a dropped document simulates as null
        return {}
    assert "error" not in result, result
    doc: dict[str, Any] = result["doc"]["_source"]
    doc["_index"] = result["doc"]["_index"]
    return doc


def filebeat_event(line: str, **extra: Any) -> dict[str, Any]:
    """What Filebeat (through Logstash's beats input) sends: the raw line in `message`."""
    return {"@timestamp": "2026-12-02T05:00:00.000Z", "message": line, **extra}


def test_setup_detects_opensearch_and_a_second_run_changes_nothing(
    search: httpx.Client,
) -> None:
    assert detect_flavor(search) is Flavor.OPENSEARCH
    before = search.get("/_index_template/shopgraph-logs").json()
    done = apply(search, Flavor.OPENSEARCH)
    assert search.get("/_index_template/shopgraph-logs").json() == before
    assert any("no index-management plugin" in line for line in done)
    stored = search.get("/_ingest/pipeline/shopgraph-logs").json()["shopgraph-logs"]
    assert stored == load_json(ELASTICSEARCH_DIR / "ingest-pipeline.json")


def test_the_command_applies_the_setup_and_reports_an_unreachable_cluster(
    search: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["setup", "--url", str(search.base_url)]) == 0
    assert "index template (data stream logs-shopgraph-*)" in capsys.readouterr().out
    assert main(["setup", "--url", "http://127.0.0.1:9"]) == 1
    assert "shopgraph-logs setup:" in capsys.readouterr().err


def test_elasticsearch_gets_the_ilm_policy_and_opensearch_does_not() -> None:
    elastic = {step.path: step.body for step in plan(Flavor.ELASTICSEARCH)}
    assert "/_ilm/policy/shopgraph-logs" in elastic
    settings = elastic["/_component_template/shopgraph-logs-settings"]["template"]["settings"]
    assert settings["index.lifecycle.name"] == "shopgraph-logs"
    failed = elastic["/_index_template/shopgraph-logs-failed"]["template"]["settings"]
    assert failed["index.lifecycle.name"] == "shopgraph-logs"
    opensearch = {step.path: step.body for step in plan(Flavor.OPENSEARCH)}
    assert not any("_ilm" in path for path in opensearch)
    for path in (
        "/_component_template/shopgraph-logs-settings",
        "/_index_template/shopgraph-logs-failed",
    ):
        assert "index.lifecycle.name" not in opensearch[path]["template"]["settings"]


def test_an_ecs_line_from_filebeat_is_parsed_and_normalised(search: httpx.Client) -> None:
    doc = simulate(search, filebeat_event(json.dumps(ECS_LINE), log={"offset": 7}))
    assert doc["_index"] == "logs-shopgraph-test"
    assert doc["log"] == {"level": "warn", "logger": "shopgraph.access", "offset": 7}
    assert doc["service"] == {"name": "orders", "environment": "test"}
    assert doc["message"] == "POST /graphql 200"
    assert doc["error"]["code"] == "CONFLICT"
    assert doc["ecs"] == {"version": "1.6.0"}
    assert "original" not in doc["event"], "the raw line is kept only on failures"
    assert doc["event"]["ingested"]


def test_an_already_parsed_line_from_the_tcp_input_is_expanded(search: httpx.Client) -> None:
    doc = simulate(search, {**ECS_LINE, "@version": "1"})
    assert doc["log"]["level"] == "warn"
    assert "log.level" not in doc
    assert "@version" not in doc


@pytest.mark.parametrize(
    "wrap",
    [
        lambda line: f"2026-12-02T04:21:13.486123456Z stdout F {line}",
        lambda line: json.dumps({"log": line + "\n", "stream": "stdout", "time": "x"}),
    ],
    ids=["cri", "docker-json"],
)
def test_a_container_wrapped_line_is_unwrapped(
    search: httpx.Client, wrap: Callable[[str], str]
) -> None:
    event = filebeat_event(wrap(json.dumps(ECS_LINE)), kubernetes={"container": {"name": "x"}})
    doc = simulate(search, event)
    assert doc["stream"] == "stdout"
    assert doc["trace"]["id"] == ECS_LINE["trace"]["id"]
    assert doc["service"]["name"] == "orders", "the line's own name beats the container's"


def test_a_gateway_line_is_mapped_to_ecs(search: httpx.Client) -> None:
    line = {
        "time": "2026-12-02T04:21:13.636Z",
        "level": "info",
        "msg": "request",
        "method": "POST",
        "path": "/graphql",
        "requestId": "r-1",
        "status": 200,
        "durationMs": 51.234,
        "operation": "CreateOrder",
        "errors": ["OUT_OF_STOCK"],
    }
    doc = simulate(
        search, filebeat_event(json.dumps(line), log={"file": {"path": "/x/gateway.log"}})
    )
    assert doc["service"]["name"] == "gateway"
    assert doc["@timestamp"] == "2026-12-02T04:21:13.636Z"
    assert doc["event"]["duration"] == 51_234_000
    assert doc["http"] == {
        "request": {"method": "POST", "id": "r-1"},
        "response": {"status_code": 200},
    }
    assert doc["graphql"]["operation"]["name"] == "CreateOrder"
    assert doc["error"]["code"] == ["OUT_OF_STOCK"]
    assert doc["url"]["path"] == "/graphql"


def test_a_router_line_keeps_its_trace(search: httpx.Client) -> None:
    line = {
        "timestamp": "2026-12-02T04:21:13.636Z",
        "level": "INFO",
        "message": "received request",
        "target": "apollo_router::services::router",
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "span_id": "b7ad6b7169203331",
        "resource": {"service.name": "shopgraph-router"},
    }
    doc = simulate(
        search, filebeat_event(json.dumps(line), log={"file": {"path": "/x/router.log"}})
    )
    assert doc["service"]["name"] == "router"
    assert doc["trace"]["id"] == line["trace_id"]
    assert doc["span"]["id"] == line["span_id"]
    assert doc["log"]["logger"] == line["target"]
    assert doc["log"]["level"] == "info"
    assert doc["resource"] == {"service": {"name": "shopgraph-router"}}


def test_a_router_state_line_names_its_event_as_the_ecs_action(search: httpx.Client) -> None:
    # Apollo Router 2.17.0 logs its state machine with `event` as a string; ECS `event` is
    # an object, so the line went to the failure index until it was renamed.
    line = {
        "timestamp": "2026-12-02T08:39:47.067718042Z",
        "level": "INFO",
        "message": "state machine transitioned",
        "event": "UpdateConfiguration",
        "state": "Running",
        "previous_state": "Startup",
        "target": "apollo_router::state_machine",
        "resource": {"service.version": "2.17.0"},
    }
    doc = simulate(
        search, filebeat_event(json.dumps(line), log={"file": {"path": "/x/router.log"}})
    )
    assert doc["event"]["action"] == "UpdateConfiguration"
    assert doc["message"] == "state machine transitioned"
    assert doc["service"]["name"] == "router"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics", "/health"])
def test_probe_and_scrape_access_lines_are_dropped(search: httpx.Client, path: str) -> None:
    line = {**ECS_LINE, "url": {"path": path}, "message": f"GET {path} 200"}
    assert simulate(search, filebeat_event(json.dumps(line))) == {}


def test_a_line_about_health_that_is_not_an_access_line_is_kept(search: httpx.Client) -> None:
    line = {
        "@timestamp": "2026-12-02T04:21:13.486Z",
        "log.level": "warning",
        "message": "readiness check failed",
        "url": {"path": "/health/ready"},
    }
    assert simulate(search, filebeat_event(json.dumps(line)))["message"] == line["message"]


@pytest.mark.parametrize(
    ("line", "failed_in"),
    [
        (json.dumps(ECS_LINE)[:70], "parse-line"),
        ("Traceback (most recent call last):", "not-json"),
        (json.dumps({**ECS_LINE, "@timestamp": "yesterday"}), "timestamp"),
    ],
    ids=["truncated", "plain-text", "bad-timestamp"],
)
def test_a_line_the_pipeline_cannot_read_goes_to_the_failure_data_stream(
    search: httpx.Client, line: str, failed_in: str
) -> None:
    doc = simulate(search, filebeat_event(line))
    assert doc["_index"] == "failed-logs-shopgraph-test"
    assert doc["event"]["original"] == line
    assert doc["error"]["id"] == failed_in
    assert doc["error"]["message"]
