"""Helpers that read rendered Kubernetes objects: which pods a workload makes, label matching."""

from collections.abc import Iterator
from typing import Any

import yaml

Doc = dict[str, Any]

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def parse(text: str) -> list[Doc]:
    """The objects of a YAML stream (`helm template`'s output), empty documents left out."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


def pod_templates(docs: list[Doc]) -> Iterator[tuple[Doc, Doc]]:
    """(object, pod template {metadata, spec}) for every object that makes pods."""
    for doc in docs:
        kind = doc["kind"]
        if kind == "Pod":
            yield doc, doc
        elif kind in WORKLOAD_KINDS:
            yield doc, doc["spec"]["template"]
        elif kind == "CronJob":
            yield doc, doc["spec"]["jobTemplate"]["spec"]["template"]


def containers(template: Doc) -> list[Doc]:
    spec = template["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def is_hook(doc: Doc) -> bool:
    return "helm.sh/hook" in doc["metadata"].get("annotations", {})


def long_running(doc: Doc) -> bool:
    return doc["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def label_selector_matches(selector: Doc, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against a label set."""
    if not matches(selector.get("matchLabels", {}), labels):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def by_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [doc for doc in by_kind(docs, kind) if doc["metadata"]["name"] == name]
    if len(found) != 1:
        raise LookupError(f"{kind}/{name}: {len(found)} found")
    return found[0]


def env_of(container: Doc) -> dict[str, Doc]:
    return {entry["name"]: entry for entry in container.get("env", [])}
