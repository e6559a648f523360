"""The dashboards: fresh, valid against Grafana's dashboard model, and wired consistently.

The liveness of every panel's query (data after traffic) is e2e/test_monitoring.py's job.
"""

import json
import runpy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

GRAFANA = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((GRAFANA / "dashboard.schema.json").read_text())
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
generator = runpy.run_path(str(GRAFANA / "generate.py"))


def load(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text())
    return found


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found += panel.get("panels", [])
    return [p for p in found if p["type"] != "row"]


def test_the_committed_dashboards_are_what_the_generator_writes() -> None:
    assert generator["main"](["--check"]) == 0, "run: uv run --frozen python grafana/generate.py"
    assert {p.stem for p in DASHBOARDS} == set(generator["BUILDERS"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_a_dashboard_is_valid_against_grafanas_dashboard_schema(path: Path) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(load(path))


def test_the_schema_rejects_a_broken_dashboard() -> None:
    broken = load(DASHBOARDS[0])
    broken["panels"][0]["gridPos"]["h"] = "tall"
    broken["refresh"] = 5
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))
    assert len(errors) >= 2


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_panel_queries_the_provisioned_prometheus(path: Path) -> None:
    provisioned = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uid = provisioned["datasources"][0]["uid"]
    dashboard = load(path)
    assert dashboard["uid"].startswith("shopgraph-")
    for panel in panels(dashboard):
        assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]


def test_dashboard_uids_and_titles_are_unique() -> None:
    dashboards = [load(path) for path in DASHBOARDS]
    assert len({d["uid"] for d in dashboards}) == len(dashboards)
    assert len({d["title"] for d in dashboards}) == len(dashboards)
