"""The optional trace collector (charts/tracing): rendered only when enabled, its secrets
from Secrets, restricted and reachable only from the release, its sampling the same as the
local Jaeger's, and its configuration accepted by the real collector code (the
OpenTelemetry Collector v0.140 that Jaeger v1.76.0 is built on)."""

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.manifests import Doc, by_kind, env_of, named
from chartkit.render import REPO, render

NAME = "shopgraph-tracing-collector"
JAEGER = REPO / ".local" / "bin" / "shopgraph-jaeger"


def _rendered_with(*extra: str) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(render("production", *extra)) if doc]


def _collector_config(docs: list[Doc]) -> tuple[dict[str, Any], dict[str, Any]]:
    config_map = named(docs, "ConfigMap", NAME)
    return yaml.safe_load(config_map["data"]["collector.yaml"]), yaml.safe_load(
        config_map["data"]["export.yaml"]
    )


def test_only_the_value_set_that_enables_it_renders_it(rendered: dict[str, list[Doc]]) -> None:
    for name, docs in rendered.items():
        collectors = [d for d in by_kind(docs, "Deployment") if d["metadata"]["name"] == NAME]
        assert bool(collectors) == (name == "production"), name


def test_the_collector_is_the_official_image_with_secrets_from_secrets(
    rendered: dict[str, list[Doc]],
) -> None:
    deployment = named(rendered["production"], "Deployment", NAME)
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"].startswith("otel/opentelemetry-collector-contrib:")
    assert container["args"] == ["--config=/conf/collector.yaml", "--config=/conf/export.yaml"]
    env = env_of(container)
    assert env["ELASTICSEARCH_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]
    assert env["TRACE_SUCCESS_PERCENT"]["value"] == "5"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert {p["containerPort"] for p in container["ports"]} == {4317, 4318, 13133}


def test_elastic_apm_gets_its_token_from_a_secret() -> None:
    docs = _rendered_with("--set", "tracing.exporter=elasticApm")
    _, export = _collector_config(docs)
    assert export["service"]["pipelines"]["traces"]["exporters"] == ["otlp/traces"]
    header = export["exporters"]["otlp/traces"]["headers"]["Authorization"]
    assert header == "${env:ELASTIC_APM_AUTH_SCHEME} ${env:ELASTIC_APM_TOKEN}"
    container = named(docs, "Deployment", NAME)["spec"]["template"]["spec"]["containers"][0]
    assert env_of(container)["ELASTIC_APM_TOKEN"]["valueFrom"]["secretKeyRef"]["key"]


def test_an_unknown_exporter_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"tracing\.exporter must be"):
        render("production", "--set", "tracing.exporter=jaeger")


def test_only_the_release_may_send_spans(rendered: dict[str, list[Doc]]) -> None:
    policy = named(rendered["production"], "NetworkPolicy", NAME)
    [ingress] = policy["spec"]["ingress"]
    assert ingress["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "shopgraph"}}}
    ]
    assert {p["port"] for p in ingress["ports"]} == {4317, 4318}


def test_the_sampling_is_the_local_jaegers(rendered: dict[str, list[Doc]]) -> None:
    """Production and `make run` keep the same traces: every error, successes at a ratio."""
    collector, _ = _collector_config(rendered["production"])
    jaeger = yaml.safe_load((REPO / "tools" / "tracing" / "jaeger" / "config.yaml").read_text())
    production = collector["processors"]["tail_sampling"]["policies"]
    local = jaeger["processors"]["tail_sampling"]["policies"]
    assert production == local
    assert production[0]["status_code"] == {"status_codes": ["ERROR"]}


@pytest.mark.skipif(not JAEGER.exists(), reason="Jaeger is not built (scripts/jaeger.sh build)")
def test_the_real_collector_accepts_the_elastic_apm_configuration(
    rendered: dict[str, list[Doc]], tmp_path: Path
) -> None:
    """`validate` builds every component from the merged files, as the pod does at start.
    Jaeger has the same collector, receivers, processors and OTLP exporter as the contrib
    image; it has no elasticsearch exporter, so that variant is only rendered (docs)."""
    config_map = named(rendered["production"], "ConfigMap", NAME)
    (tmp_path / "collector.yaml").write_text(config_map["data"]["collector.yaml"])
    source = REPO / "k8s/helm/shopgraph/charts/tracing/files/export-elasticApm.yaml"
    (tmp_path / "export.yaml").write_text(source.read_text())
    env = {
        **os.environ,
        "MEMORY_LIMIT_MIB": "400",
        "ELASTIC_APM_ENDPOINT": "https://apm.example:8200",
        "ELASTIC_APM_AUTH_SCHEME": "Bearer",
        "ELASTIC_APM_TOKEN": "not-a-real-token",
    }
    args = ["validate", "--config", "collector.yaml", "--config", "export.yaml"]
    done = subprocess.run(
        [str(JAEGER), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    broken = (tmp_path / "export.yaml").read_text().replace("otlp/traces:", "otlp/other:", 1)
    (tmp_path / "export.yaml").write_text(broken)
    refused = subprocess.run(
        [str(JAEGER), *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
