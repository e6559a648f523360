"""`make logs-setup`: ingest pipeline, lifecycle policy and index templates, applied idempotently.

The same JSON files go to Elasticsearch and OpenSearch. What differs is the lifecycle:
Elasticsearch gets the ILM policy and `index.lifecycle.name` in the templates' settings;
OpenSearch has no ILM, so it gets the equivalent ISM policy, which attaches itself to new
backing indices through its `ism_template` (and is skipped, with a note, when the cluster has
no ISM plugin, as on the test node). Data streams and component templates exist in both.
"""

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from shopgraph_logpipeline.assets import ELASTICSEARCH_DIR, load_json

NAME = "shopgraph-logs"
FAILED_TEMPLATE = "shopgraph-logs-failed"
COMPONENTS = {
    "shopgraph-logs-mappings": "component-template-mappings.json",
    "shopgraph-logs-settings": "component-template-settings.json",
}


class Flavor(StrEnum):
    ELASTICSEARCH = "elasticsearch"
    OPENSEARCH = "opensearch"


@dataclass(frozen=True)
class Step:
    """One PUT of one committed document."""

    description: str
    path: str
    body: dict[str, Any]


def client_from_env(url: str, environ: Mapping[str, str] | None = None) -> httpx.Client:
    """A client for ES_URL with credentials from the environment, never from arguments.

    ES_API_KEY (an encoded API key) or ES_USERNAME and ES_PASSWORD; ES_CA_CERT names a CA
    bundle for a cluster with its own certificate authority (ECK's, for one).
    """
    env = os.environ if environ is None else environ
    return _client(url, env, prefix="ES")


def _client(url: str, env: Mapping[str, str], *, prefix: str) -> httpx.Client:
    headers: dict[str, str] = {}
    auth: tuple[str, str] | None = None
    if api_key := env.get(f"{prefix}_API_KEY"):
        headers["Authorization"] = f"ApiKey {api_key}"
    elif username := env.get(f"{prefix}_USERNAME"):
        auth = (username, env.get(f"{prefix}_PASSWORD", ""))
    verify: str | bool = env.get(f"{prefix}_CA_CERT") or True
    return httpx.Client(
        base_url=url.rstrip("/"), headers=headers, auth=auth, verify=verify, timeout=30
    )


def detect_flavor(client: httpx.Client) -> Flavor:
    response = client.get("/")
    response.raise_for_status()
    distribution = response.json().get("version", {}).get("distribution")
    return Flavor.OPENSEARCH if distribution == "opensearch" else Flavor.ELASTICSEARCH


def plan(flavor: Flavor, directory: Path = ELASTICSEARCH_DIR) -> list[Step]:
    """Every PUT, in dependency order: pipeline and components before the templates."""
    steps = [
        Step(
            "ingest pipeline",
            f"/_ingest/pipeline/{NAME}",
            load_json(directory / "ingest-pipeline.json"),
        )
    ]
    if flavor is Flavor.ELASTICSEARCH:
        steps.insert(
            0, Step("ILM policy", f"/_ilm/policy/{NAME}", load_json(directory / "ilm-policy.json"))
        )
    for name, file in COMPONENTS.items():
        body = load_json(directory / file)
        if flavor is Flavor.ELASTICSEARCH and name.endswith("-settings"):
            body = _with_lifecycle(body)
        steps.append(Step(f"component template {name}", f"/_component_template/{name}", body))
    steps.append(
        Step(
            "index template (data stream logs-shopgraph-*)",
            f"/_index_template/{NAME}",
            load_json(directory / "index-template.json"),
        )
    )
    failed = load_json(directory / "index-template-failed.json")
    if flavor is Flavor.ELASTICSEARCH:
        failed = _with_lifecycle(failed)
    steps.append(
        Step(
            "index template (failures, failed-logs-shopgraph-*)",
            f"/_index_template/{FAILED_TEMPLATE}",
            failed,
        )
    )
    return steps


def _with_lifecycle(template: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(template)
    body.setdefault("template", {}).setdefault("settings", {})["index.lifecycle.name"] = NAME
    return body


def apply(client: httpx.Client, flavor: Flavor, directory: Path = ELASTICSEARCH_DIR) -> list[str]:
    """Apply every step; PUTs replace, so a second run changes nothing. Returns what was done."""
    done: list[str] = []
    if flavor is Flavor.OPENSEARCH:
        done.append(_apply_ism_policy(client, load_json(directory / "ism-policy.opensearch.json")))
    for step in plan(flavor, directory):
        response = client.put(step.path, json=step.body)
        _raise_for(response, step.description)
        done.append(f"{step.description}: PUT {step.path}")
    return done


def _apply_ism_policy(client: httpx.Client, policy: dict[str, Any]) -> str:
    """ISM refuses a plain PUT over an existing policy: it wants the stored seq_no/term."""
    plugins = client.get("/_cat/plugins", params={"format": "json"})
    _raise_for(plugins, "plugin list")
    if not any(p.get("component") == "opensearch-index-management" for p in plugins.json()):
        return "ISM policy: skipped, this cluster has no index-management plugin"
    path = f"/_plugins/_ism/policies/{NAME}"
    current = client.get(path)
    params: dict[str, Any] = {}
    if current.status_code == 200:
        stored = current.json()
        params = {"if_seq_no": stored["_seq_no"], "if_primary_term": stored["_primary_term"]}
    response = client.put(path, params=params, json=policy)
    _raise_for(response, "ISM policy")
    return f"ISM policy: PUT {path}"


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_error:
        raise SetupError(f"{what}: HTTP {response.status_code}: {response.text[:500]}")


class SetupError(RuntimeError):
    """The cluster refused one of the documents."""
