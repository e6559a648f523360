"""Fixtures for tests over the chart's rendered manifests.

Helm and psa-check are built by scripts/install-ops-tools.sh (idempotent, instant when done);
a session fixture renders every ci/ value set once.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

HELM_DIR = Path(__file__).resolve().parents[1]
REPO = HELM_DIR.parents[1]
# The chart tooling (k8s/helm/chartkit) is a plain folder, not an installed package.
sys.path.append(str(HELM_DIR))

from chartkit import render  # noqa: E402 - needs the path above

Doc = dict[str, Any]


@pytest.fixture(scope="session")
def ops_tools() -> None:
    subprocess.run([str(REPO / "scripts" / "install-ops-tools.sh")], check=True)


def documents(text: str) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="session")
def rendered(ops_tools: None) -> dict[str, list[Doc]]:
    """Every value set's manifests, by value-set name."""
    return {name: documents(render.render(name)) for name in render.value_sets()}


@pytest.fixture(params=sorted(render.value_sets()))
def manifests(request: pytest.FixtureRequest, rendered: dict[str, list[Doc]]) -> list[Doc]:
    """Each value set's manifests in turn."""
    return rendered[request.param]
