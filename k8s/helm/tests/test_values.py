"""values.yaml holds no secret, every value is documented, and the schema rejects typos."""

import math
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit import values_schema, values_table
from chartkit.render import CHART, HELM

SECRET_KEY = re.compile(r"(password|token|secret|private_?key|credential|api_?key)$", re.IGNORECASE)


def looks_random(text: str) -> bool:
    """A long token-like string with the character entropy of generated keys (> 4.2 bits)."""
    if len(text) < 24 or not re.fullmatch(r"[A-Za-z0-9+/=_\-]+", text):
        return False
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return entropy > 4.2


def test_the_secret_detector_spots_generated_values() -> None:
    assert looks_random("kT3vQ9xLm2ZpR7wYc5NbH8dJf4GsA6eU")  # like randAlphaNum 32
    assert not looks_random("--datadir=/var/lib/mysql/data")
    assert not looks_random("docker.io/library/mysql")


def walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [
            item for key, value in node.items() for item in walk(value, f"{path}.{key}".lstrip("."))
        ]
    if isinstance(node, list):
        return [item for i, value in enumerate(node) for item in walk(value, f"{path}[{i}]")]
    return [(path, node)]


def test_no_value_in_values_yaml_is_a_secret() -> None:
    leaves = walk(yaml.safe_load((CHART / "values.yaml").read_text()))
    for path, value in leaves:
        if SECRET_KEY.search(path.rsplit(".", 1)[-1]):
            # Only names of Secrets (empty by default) may sit under secret-sounding keys.
            assert value in ("", None), f"{path} has a default: {value!r}"
        if isinstance(value, str):
            assert "-----BEGIN" not in value, path
            assert not looks_random(value), f"{path} looks like a key or token"


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HELM), "lint", "--strict", str(CHART), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.usefixtures("ops_tools")
def test_the_schema_accepts_the_defaults() -> None:
    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.usefixtures("ops_tools")
@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("router.replicaCountt=3", "additional properties 'replicaCountt' not allowed"),
        ("subgraphs.users.confg.TOKEN_TTL=1", "additional properties 'confg' not allowed"),
        (
            "subgraphs.orders.config.PRODUCT_RETRIES=2",
            "additional properties 'PRODUCT_RETRIES' not allowed",
        ),
        ("databases.products.enabeld=false", "additional properties 'enabeld' not allowed"),
        ("router.autoscaling.maxReplicas=many", "got string, want integer"),
        ("mysql.image.pullPolicy=Sometimes", "value must be one of"),
        ("subgraphs.users.config.TOKEN_TTL=3600", "subgraphs/users/config/TOKEN_TTL"),
    ],
)
def test_the_schema_rejects_typos_and_bad_types(setting: str, complaint: str) -> None:
    done = lint("--set", setting)
    assert done.returncode != 0
    assert complaint in done.stdout + done.stderr


@pytest.mark.usefixtures("ops_tools")
def test_an_external_database_needs_its_secret() -> None:
    # `helm lint` reports a template's `fail` only as INFO, so render instead.
    done = subprocess.run(
        [str(HELM), "template", "t", str(CHART), "--set", "databases.users.enabled=false"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "databases.users.existingSecret must name a Secret" in done.stdout + done.stderr


def test_every_value_is_documented_and_the_readme_table_is_current() -> None:
    found, problems = values_table.rows((CHART / "values.yaml").read_text())
    assert problems == []
    assert len(found) > 100
    readme = (CHART / "README.md").read_text()
    assert values_table.render_readme(readme, found) == readme, "run `make chart-docs`"


def test_an_undocumented_value_is_reported(tmp_path: Path) -> None:
    text = (
        (CHART / "values.yaml")
        .read_text()
        .replace(
            "  # -- Replicas when autoscaling is off (the HPA owns the count when on).\n", "", 1
        )
    )
    _, problems = values_table.rows(text)
    assert problems == ["router.replicaCount"]


def test_values_schema_json_is_generated_from_chartkit() -> None:
    assert values_schema.main(["--check"]) == 0, "run `make chart-docs`"
