"""Prometheus configuration and rules, checked by Prometheus' own promtool.

- the committed prometheus/prometheus.yml is what the stack generates for the default
  ports, and both it and a stack's generated configuration pass `promtool check config`;
- the rules pass `promtool check rules`, and their unit tests pass `promtool test rules`;
- every alert has a unit test where it fires and one where it stays silent;
- every alert carries severity, summary, description and a runbook_url naming a section
  of docs/monitoring.md that exists.
"""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopgraph_stack.prometheus import render_config
from shopgraph_stack.topology import REPO, Topology

PROMETHEUS = REPO / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
UNIT_TESTS = sorted((PROMETHEUS / "tests").glob("*_test.yml"))
DOCS = REPO / "docs" / "monitoring.md"
SEVERITIES = {"critical", "warning"}


def promtool(*args: str | Path) -> str:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: scripts/setup.sh --test installs Debian's prometheus")
    done = subprocess.run(
        [binary, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def alerts() -> list[dict[str, Any]]:
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found += [rule for rule in group["rules"] if "alert" in rule]
    return found


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown document."""
    anchors = set()
    for line in markdown.splitlines():
        if match := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            text = re.sub(r"[`*_]", "", match.group(1)).strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def test_the_committed_configuration_is_what_the_stack_generates() -> None:
    targets = Topology.load(REPO / ".data").scrape_targets()
    expected = render_config(targets, "rules/*.yml")
    assert (PROMETHEUS / "prometheus.yml").read_text() == expected, (
        "prometheus/prometheus.yml is stale: "
        "uv run --frozen python -m shopgraph_stack.prometheus > prometheus/prometheus.yml"
    )


def test_the_committed_configuration_passes_promtool() -> None:
    assert "SUCCESS" in promtool("check", "config", PROMETHEUS / "prometheus.yml")


def test_a_stacks_generated_configuration_passes_promtool(tmp_path: Path) -> None:
    topology = Topology.load(tmp_path, port_offset=700)
    prometheus = next(c for c in topology.components() if c.name == "prometheus")
    config = next(a.split("=", 1)[1] for a in prometheus.argv if a.startswith("--config.file="))
    text = Path(config).read_text()
    assert "127.0.0.1:4701" in text
    assert "127.0.0.1:8788" in text  # the gateway's health listener, where its metrics are
    assert "SUCCESS: 2 rule files found" in promtool("check", "config", config)


def test_the_rules_pass_promtool() -> None:
    assert promtool("check", "rules", *RULE_FILES).count("SUCCESS") == len(RULE_FILES)


def test_the_rules_unit_tests_pass() -> None:
    assert "SUCCESS" in promtool("test", "rules", *UNIT_TESTS)


def test_every_alert_has_a_test_where_it_fires_and_one_where_it_stays_silent() -> None:
    fires: set[str] = set()
    silent: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {alert["alert"] for alert in alerts()}
    assert names - fires == set(), "alerts never shown to fire"
    assert names - silent == set(), "alerts never shown to stay silent"


@pytest.mark.parametrize("alert", alerts(), ids=lambda alert: alert["alert"])
def test_every_alert_says_how_bad_what_and_where_its_runbook_is(alert: dict[str, Any]) -> None:
    assert alert["labels"]["severity"] in SEVERITIES
    annotations = alert["annotations"]
    assert annotations["summary"]
    assert annotations["description"]
    path, _, anchor = annotations["runbook_url"].partition("#")
    assert path == "docs/monitoring.md"
    assert anchor in github_anchors(DOCS.read_text()), f"no section #{anchor} in {path}"


def test_the_anchor_reader_knows_githubs_rules() -> None:
    assert github_anchors("## Orders & stock\n### `GatewayDown`\n") == {
        "orders--stock",
        "gatewaydown",
    }
