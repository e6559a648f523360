"""The monitoring subchart, rendered by the real Helm and checked by the real checkers.

- its copies of the rules and dashboards equal prometheus/rules/ and grafana/dashboards/;
- `helm lint` passes;
- without the Prometheus Operator's CRDs only the dashboard ConfigMaps render (labelled for
  the Grafana sidecar, equal to the committed dashboards, valid for Kubernetes 1.31);
- with them, a ServiceMonitor per target sets the job label the rules select by, and the
  PrometheusRule's groups pass `promtool check rules`, runbook links made absolute.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

CHART = Path(__file__).resolve().parents[1]
REPO = CHART.parents[4]
OPERATOR = ["--api-versions", "monitoring.coreos.com/v1"]
JOBS = {"gateway", "users", "products", "orders"}


def helm_binary() -> str:
    found = (
        os.environ.get("HELM_BIN")
        or (str(REPO / ".local/bin/helm") if (REPO / ".local/bin/helm").exists() else None)
        or shutil.which("helm")
    )
    if found is None:
        # Fail, not skip: make test builds Helm before the tests, so a missing one is a fault.
        pytest.fail(
            "no helm binary (HELM_BIN, .local/bin/helm or PATH): scripts/install-ops-tools.sh helm"
        )
    return found


def run(*argv: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def render(*extra: str) -> list[dict[str, Any]]:
    text = run(helm_binary(), "template", "shop", str(CHART), "-n", "shop", *extra)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


@pytest.mark.parametrize(
    ("copies", "originals"),
    [("files/rules", "prometheus/rules"), ("files/dashboards", "grafana/dashboards")],
)
def test_the_charts_copies_equal_the_originals(copies: str, originals: str) -> None:
    def contents(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}

    assert contents(CHART / copies) == contents(REPO / originals), "run: make monitoring-sync"


def test_helm_lint_passes() -> None:
    run(helm_binary(), "lint", "--strict", str(CHART))


def test_without_the_operator_only_the_dashboards_render() -> None:
    docs = render()
    assert {doc["kind"] for doc in docs} == {"ConfigMap"}
    dashboards = {}
    for config_map in docs:
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        ((name, text),) = config_map["data"].items()
        dashboards[name] = json.loads(text)
    committed = {
        p.name: json.loads(p.read_text()) for p in (REPO / "grafana/dashboards").glob("*.json")
    }
    assert dashboards == committed
    run(
        shutil.which("kubernetes-validate") or "kubernetes-validate",
        "-k",
        "1.31.0",
        "--strict",
        "--quiet",
        "-",
        stdin=yaml.safe_dump_all(docs),
    )


def test_with_the_operator_each_target_is_scraped_under_its_job_name() -> None:
    monitors = of_kind(render(*OPERATOR), "ServiceMonitor")
    jobs = {}
    for monitor in monitors:
        (endpoint,) = monitor["spec"]["endpoints"]
        (relabel,) = endpoint["relabelings"]
        assert (relabel["targetLabel"], relabel["action"]) == ("job", "replace")
        assert endpoint["path"] == "/metrics"
        jobs[relabel["replacement"]] = (
            monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"],
            endpoint["port"],
        )
    assert jobs == {
        "gateway": ("router", "health"),
        "users": ("users", "http"),
        "products": ("products", "http"),
        "orders": ("orders", "http"),
    }


def test_the_prometheusrule_passes_promtool_with_absolute_runbook_links(tmp_path: Path) -> None:
    base = "https://git.example.com/shopgraph/-/blob/v1/"
    (rule,) = of_kind(render(*OPERATOR, "--set", f"runbookBaseUrl={base}"), "PrometheusRule")
    groups = rule["spec"]["groups"]
    originals = [
        group
        for path in sorted((REPO / "prometheus/rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    ]
    assert [g["name"] for g in groups] == [g["name"] for g in originals]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    assert alerts
    for alert in alerts:
        assert alert["annotations"]["runbook_url"].startswith(f"{base}docs/monitoring.md#")
    rules_file = tmp_path / "rendered.yml"
    rules_file.write_text(yaml.safe_dump({"groups": groups}))
    promtool = shutil.which("promtool")
    assert promtool is not None, "scripts/setup.sh --test installs Debian's prometheus"
    assert "SUCCESS" in run(promtool, "check", "rules", str(rules_file))


def test_switches_turn_each_part_off() -> None:
    off = render(
        *OPERATOR,
        "--set",
        "serviceMonitors.enabled=false",
        "--set",
        "prometheusRule.enabled=false",
        "--set",
        "dashboards.enabled=false",
    )
    assert off == []
