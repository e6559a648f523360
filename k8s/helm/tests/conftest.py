"""Fixtures for tests over the chart's rendered manifests.

Helm and psa-check are built by scripts/install-ops-tools.sh (idempotent, instant when done);
a session fixture renders every ci/ value set once. The chart tooling (k8s/helm/chartkit) is a
plain folder that pytest puts on sys.path (`pythonpath` in pyproject.toml).
"""

import subprocess
from pathlib import Path

import pytest

from chartkit import render
from chartkit.manifests import Doc, parse

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def ops_tools() -> None:
    subprocess.run([str(REPO / "scripts" / "install-ops-tools.sh")], check=True)


@pytest.fixture(scope="session")
def rendered(ops_tools: None) -> dict[str, list[Doc]]:
    """Every value set's manifests, by value-set name."""
    return {name: parse(render.render(name)) for name in render.value_sets()}


@pytest.fixture(params=sorted(render.value_sets()))
def manifests(request: pytest.FixtureRequest, rendered: dict[str, list[Doc]]) -> list[Doc]:
    """Each value set's manifests in turn."""
    return rendered[request.param]
