"""What the stack starts for traces: Jaeger before everything else, and every subgraph and
the gateway pointed at its OTLP port; the OpenSearch node first when traces are kept there;
nothing (and no export) when traces are off or Jaeger is not built."""

from pathlib import Path

import pytest

from shopgraph_stack import traces
from shopgraph_stack.topology import Topology

OFFSET = 300


@pytest.fixture
def jaeger_built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "shopgraph-jaeger"
    binary.write_text("")
    monkeypatch.setenv("JAEGER_BIN", str(binary))


@pytest.mark.usefixtures("jaeger_built")
def test_jaeger_starts_first_and_everything_exports_to_it(tmp_path: Path) -> None:
    topology = Topology.load(tmp_path, OFFSET, gateway="node")
    components = topology.components()
    assert topology.trace_store == "memory"
    assert components[0].name == "jaeger"
    assert components[0].argv[-2:] == ["run", "memory"]
    assert components[0].env["JAEGER_OTLP_HTTP_PORT"] == str(4318 + OFFSET)
    assert components[0].ready_url == f"http://127.0.0.1:{16686 + OFFSET}/api/services"
    exporters = {"users", "products", "orders", "gateway"}
    for component in components:
        if component.name in exporters:
            endpoint = component.env["OTEL_EXPORTER_OTLP_ENDPOINT"]
            assert endpoint == f"http://127.0.0.1:{4318 + OFFSET}"
            assert component.env["ROUTER_OTLP_ENABLED"] == "true"


@pytest.mark.usefixtures("jaeger_built")
def test_traces_in_opensearch_start_the_node_first(tmp_path: Path) -> None:
    if not traces.opensearch_installed():
        pytest.skip("OpenSearch's jars are not fetched (make test's OpenSearch stage does it)")
    components = Topology.load(tmp_path, OFFSET, traces="opensearch").components()
    assert [c.name for c in components[:2]] == ["opensearch", "jaeger"]
    assert components[1].env["JAEGER_OPENSEARCH_URL"] == f"http://127.0.0.1:{9200 + OFFSET}"
    assert components[1].argv[-1] == "opensearch"


@pytest.mark.usefixtures("jaeger_built")
def test_someone_elses_opensearch_node_is_used_as_it_is(tmp_path: Path) -> None:
    topology = Topology.load(
        tmp_path, OFFSET, traces="opensearch", opensearch_url="http://127.0.0.1:9999"
    )
    components = topology.components()
    assert components[0].name == "jaeger"
    assert components[0].env["JAEGER_OPENSEARCH_URL"] == "http://127.0.0.1:9999"


@pytest.mark.usefixtures("jaeger_built")
def test_traces_off_means_no_collector_and_no_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    components = Topology.load(tmp_path, OFFSET, traces="off").components()
    assert "jaeger" not in {c.name for c in components}
    assert not any("OTEL_EXPORTER_OTLP_ENDPOINT" in c.env for c in components)


@pytest.fixture
def router_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "router"
    binary.write_text("")
    monkeypatch.setenv("ROUTER_BIN", str(binary))


def _router_env(topology: Topology) -> dict[str, str]:
    return next(c for c in topology.components() if c.name == "router").env


@pytest.mark.usefixtures("jaeger_built", "router_installed")
def test_the_router_records_spans_only_when_it_exports_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROUTER_TRACE_SAMPLER", raising=False)
    monkeypatch.delenv("ROUTER_OTLP_ENABLED", raising=False)
    exporting = _router_env(Topology.load(tmp_path / "on", OFFSET, gateway="router"))
    assert exporting["ROUTER_OTLP_ENABLED"] == "true"
    # router.yaml's default, always_on: the collector's tail sampling needs every span.
    assert "ROUTER_TRACE_SAMPLER" not in exporting
    silent = _router_env(Topology.load(tmp_path / "off", OFFSET, gateway="router", traces="off"))
    assert "ROUTER_OTLP_ENABLED" not in silent
    assert silent["ROUTER_TRACE_SAMPLER"] == "always_off"
    # Someone's own choice is kept.
    monkeypatch.setenv("ROUTER_TRACE_SAMPLER", "0.5")
    chosen = _router_env(Topology.load(tmp_path / "own", OFFSET, gateway="router", traces="off"))
    assert chosen["ROUTER_TRACE_SAMPLER"] == "0.5"


def test_without_jaeger_built_nothing_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAEGER_BIN", raising=False)
    monkeypatch.setattr(traces, "JAEGER_BIN", tmp_path / "not-built")
    topology = Topology.load(tmp_path, OFFSET, traces="opensearch")
    assert topology.trace_store == "off"
    assert "jaeger" not in {c.name for c in topology.components()}


def test_an_unknown_store_is_refused() -> None:
    with pytest.raises(ValueError, match="traces must be one of"):
        traces.store("jaeger-in-the-cloud")
