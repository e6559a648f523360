"""The logging subchart: lint, render, validate against Kubernetes 1.31's schemas (strict), the
Pod Security promises, and its copies of logstash/ against the originals."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopgraph_logpipeline import chart
from shopgraph_logpipeline.assets import CHART_DIR, LOGSTASH_DIR, REPO

RELEASE_NAMESPACE = "shopgraph"


def _helm() -> str:
    local = REPO / ".local" / "bin" / "helm"  # where the repository's setup builds it
    found = str(local) if local.exists() else shutil.which("helm")
    if found is None:
        # Fail, not skip: make test builds Helm before the tests, so a missing one is a fault.
        pytest.fail("no helm binary (.local/bin/helm or PATH): scripts/install-ops-tools.sh helm")
    return found


def _render(*values: str) -> list[dict[str, Any]]:
    args = [_helm(), "template", "demo", str(CHART_DIR), "--namespace", RELEASE_NAMESPACE]
    for value in values:
        args += ["--set", value]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return _render("enabled=true")


def _one(docs: list[dict[str, Any]], kind: str, name_part: str) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == kind and name_part in d["metadata"]["name"]]
    return found


def test_the_chart_copies_of_logstash_files_match_the_originals() -> None:
    assert chart.sync(check_only=True) == [], "run: make logging-chart-sync"


def test_a_drifted_copy_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "files" / "logstash"
    shutil.copytree(chart.CHART_FILES, copy)
    (copy / "pipelines.yml").write_text("# edited in the chart only\n")
    monkeypatch.setattr(chart, "CHART_FILES", copy)
    monkeypatch.setattr(chart, "CHART_DIR", tmp_path)
    assert chart.sync(check_only=True) == ["files/logstash/pipelines.yml"]
    assert chart.sync() == ["files/logstash/pipelines.yml"]
    assert chart.sync(check_only=True) == []


def test_helm_lint_passes() -> None:
    done = subprocess.run(
        [_helm(), "lint", str(CHART_DIR), "--strict", "--set", "enabled=true"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_renders_nothing_unless_enabled() -> None:
    assert _render() == []


def test_the_manifests_are_valid_kubernetes_1_31_objects(rendered: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump_all(rendered)
    done = subprocess.run(
        [
            shutil.which("kubernetes-validate") or "kubernetes-validate",
            "-k",
            "1.31.0",
            "--strict",
            "--quiet",
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = sorted(d["kind"] for d in rendered)
    assert kinds == sorted(
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "ConfigMap",
            "DaemonSet",
            "Deployment",
            "Namespace",
            "Service",
            "ServiceAccount",
        ]
    )


def test_logstash_runs_the_repository_pipeline(rendered: list[dict[str, Any]]) -> None:
    config = _one(rendered, "ConfigMap", "logstash")["data"]
    for key, path in {
        "logstash.yml": "logstash.yml",
        "pipelines.yml": "pipelines.yml",
        "shopgraph-logs.conf": "pipeline/shopgraph-logs.conf",
    }.items():
        assert config[key] == (LOGSTASH_DIR / path).read_text().rstrip("\n"), key


def test_logstash_meets_pod_security_restricted(rendered: list[dict[str, Any]]) -> None:
    """The restricted profile's rules (kubernetes.io: Pod Security Standards), one by one."""
    pod = _one(rendered, "Deployment", "logstash")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert not any(k in pod for k in ("hostNetwork", "hostPID", "hostIPC"))
    assert all("hostPath" not in v for v in pod["volumes"])
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert "privileged" not in security
        assert security.get("runAsUser", 1) != 0
    password = next(e for e in pod["containers"][0]["env"] if e["name"] == "ELASTICSEARCH_PASSWORD")
    assert "secretKeyRef" in password["valueFrom"], "the password comes from a Secret"


def test_filebeat_lives_in_its_own_privileged_namespace(rendered: list[dict[str, Any]]) -> None:
    namespace = _one(rendered, "Namespace", "logging")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    for kind in ("DaemonSet", "ServiceAccount", "ConfigMap"):
        assert (
            _one(rendered, kind, "filebeat")["metadata"]["namespace"]
            == namespace["metadata"]["name"]
        )
    pod = _one(rendered, "DaemonSet", "filebeat")["spec"]["template"]["spec"]
    security = pod["containers"][0]["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert security["readOnlyRootFilesystem"] is True
    varlog = next(v for v in pod["volumes"] if v["name"] == "varlog")
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "varlog")
    assert varlog["hostPath"]["path"] == "/var/log"
    assert mount["readOnly"] is True


def test_filebeat_ships_only_shopgraph_namespaces_to_this_logstash(
    rendered: list[dict[str, Any]],
) -> None:
    config = yaml.safe_load(_one(rendered, "ConfigMap", "filebeat")["data"]["filebeat.yml"])
    service = _one(rendered, "Service", "logstash")
    beats_port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "beats")
    address = f"{service['metadata']['name']}.{RELEASE_NAMESPACE}.svc:{beats_port}"
    assert config["output.logstash"]["hosts"] == [address]
    (source,) = config["filebeat.inputs"]
    drop = next(p["drop_event"] for p in source["processors"] if "drop_event" in p)
    assert drop["when"]["not"]["or"] == [{"equals": {"kubernetes.namespace": RELEASE_NAMESPACE}}]


def test_an_existing_logstash_replaces_the_deployment() -> None:
    docs = _render(
        "enabled=true", "logstash.enabled=false", "filebeat.logstashHosts={ls.example:5044}"
    )
    assert not any(d["metadata"]["name"].endswith("-logstash") for d in docs)
    config = yaml.safe_load(_one(docs, "ConfigMap", "filebeat")["data"]["filebeat.yml"])
    assert config["output.logstash"]["hosts"] == ["ls.example:5044"]
