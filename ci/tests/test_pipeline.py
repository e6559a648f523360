"""The rules a reader of .gitlab-ci.yml relies on, checked on the file itself.

GitLab's own schema (ci/local.sh validate) proves the syntax; these prove the intent:
no duplicate pipelines, deploys never interrupted or overlapping, review apps that stop,
nothing secret in the file, every script it names present.
"""

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RESERVED = {
    "workflow", "stages", "variables", "default", "include", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip
DEPLOY_JOBS = {"review", "stop-review", "staging", "production", "rollback-production"}


class _Loader(yaml.SafeLoader):
    pass


# GitLab's !reference tag: kept as a marker, resolved by GitLab (and gitlab-ci-local).
def _reference(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
    assert isinstance(node, yaml.SequenceNode), node
    return ["!reference", *loader.construct_sequence(node)]


_Loader.add_constructor("!reference", _reference)


@pytest.fixture(scope="module")
def pipeline() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((REPO / ".gitlab-ci.yml").read_text(), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    return loaded


def _jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in pipeline.items() if k not in RESERVED and not k.startswith(".")}


def _resolved(pipeline: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    parents = job.get("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged.update(_resolved(pipeline, pipeline[parent]))
    merged.update({k: v for k, v in job.items() if k != "extends"})
    return merged


def test_no_duplicate_branch_and_merge_request_pipelines(pipeline: dict[str, Any]) -> None:
    rules = pipeline["workflow"]["rules"]
    assert {"if": "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", "when": "never"} in rules
    conditions = " ".join(r["if"] for r in rules)
    for source in ("merge_request_event", "$CI_DEFAULT_BRANCH", "$CI_COMMIT_TAG"):
        assert source in conditions


def test_everything_is_interruptible_but_the_deploys(pipeline: dict[str, Any]) -> None:
    assert pipeline["default"]["interruptible"] is True
    for name, job in _jobs(pipeline).items():
        interruptible = _resolved(pipeline, job).get("interruptible", True)
        assert interruptible is (name not in DEPLOY_JOBS), name


def test_production_is_manual_protected_and_never_overlaps(pipeline: dict[str, Any]) -> None:
    production = _resolved(pipeline, pipeline["production"])
    assert production["resource_group"] == "production"
    assert production["rules"][0]["when"] == "manual"
    assert "$CI_COMMIT_TAG" in production["rules"][0]["if"]
    rollback = _resolved(pipeline, pipeline["rollback-production"])
    assert rollback["resource_group"] == "production"


def test_review_apps_stop_by_themselves_and_on_demand(pipeline: dict[str, Any]) -> None:
    review = pipeline["review"]["environment"]
    assert review["on_stop"] == "stop-review"
    assert review["auto_stop_in"]
    stop = pipeline["stop-review"]
    assert stop["environment"] == {"name": review["name"], "action": "stop"}


def test_caches_are_keyed_on_the_lockfiles(pipeline: dict[str, Any]) -> None:
    keys = [c["key"] for c in pipeline["default"]["cache"]]
    assert {"files": ["uv.lock"]} in keys
    assert {"files": ["supergraph/package-lock.json"]} in keys


def test_every_script_the_pipeline_names_exists_and_is_executable(pipeline: dict[str, Any]) -> None:
    named = set(re.findall(r"\bci/[\w/.-]+\.sh\b", (REPO / ".gitlab-ci.yml").read_text()))
    assert named, "the pipeline names its scripts"
    for script in named:
        path = REPO / script
        assert path.is_file(), script
        assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_every_make_target_the_pipeline_calls_exists(pipeline: dict[str, Any]) -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    # Commands only: a `- make X` script line, or a script line starting with `make X`.
    called = set(
        re.findall(r"^\s*- make ([a-z][\w-]*)", (REPO / ".gitlab-ci.yml").read_text(), re.M)
    )
    called |= set(
        re.findall(r"^make ([a-z][\w-]*)", (REPO / "ci/scripts/load.sh").read_text(), re.M)
    )
    assert {"lint", "test", "load"} <= called
    assert called - targets == set()


def test_no_secret_values_in_the_file(pipeline: dict[str, Any]) -> None:
    for name, value in pipeline["variables"].items():
        assert not re.search(r"(?i)(password|token|secret|key)", name), name
        assert not re.fullmatch(r"[A-Za-z0-9+/=_-]{32,}", str(value)), name


def test_every_deploy_renders_with_the_pipelines_images_and_host(pipeline: dict[str, Any]) -> None:
    """The values files the deploy jobs name exist, and the chart renders with each of them
    and the same overrides ci/scripts/deploy.sh passes (images from this pipeline, a host)."""
    helm = REPO / ".local" / "bin" / "helm"
    assert helm.exists(), "Helm is built by scripts/install-ops-tools.sh (make chart-check)"
    files = {
        _resolved(pipeline, job)["variables"]["VALUES_FILE"]
        for job in _jobs(pipeline).values()
        if "VALUES_FILE" in _resolved(pipeline, job).get("variables", {})
    }
    assert files == {f"k8s/helm/values/{e}.yaml" for e in ("review", "staging", "production")}
    deploy = (REPO / "ci/scripts/deploy.sh").read_text()
    for name in ("users", "products", "orders"):
        assert f'"subgraphs.{name}.image.repository={name}"' in deploy
    for values in sorted(files):
        rendered = subprocess.run(
            [
                str(helm), "template", "shopgraph", str(REPO / "k8s/helm/shopgraph"),
                "--values", str(REPO / values),
                "--set", "global.imageRegistry=registry.example.com/shop/shopgraph",
                "--set", "subgraphDefaults.image.tag=0123abcd",
                "--set", "subgraphs.users.image.repository=users",
                "--set", "subgraphs.products.image.repository=products",
                "--set", "subgraphs.orders.image.repository=orders",
                "--set-json", 'ingress.hosts=[{"host":"mr-1.review.example.com","paths":'
                '[{"path":"/graphql","pathType":"Prefix"}]}]',
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert rendered.returncode == 0, f"{values}: {rendered.stderr}"
        docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
        images = {
            c["image"]
            for d in docs
            if d["kind"] == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"]
        }
        for name in ("users", "products", "orders"):
            assert f"registry.example.com/shop/shopgraph/{name}:0123abcd" in images, values
        (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
        assert ingress["spec"]["rules"][0]["host"] == "mr-1.review.example.com"
