"""values.schema.json of the shopgraph chart, written from the description below.

    python -m chartkit.values_schema           rewrite the schema
    python -m chartkit.values_schema --check   fail when it is stale

(from k8s/helm, with `uv run --frozen`; `make chart-docs` runs both generators).

Every object the chart owns has `additionalProperties: false`, so a misspelt key fails
`helm install`/`helm lint` instead of being silently ignored. Kubernetes objects passed through
(probes, resources, affinity, NetworkPolicy peers) are only checked for their type here;
kubernetes-validate checks them in the rendered manifests.
"""

import json
import sys
from pathlib import Path
from typing import Any

from chartkit.generated import write_or_check

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "shopgraph" / "values.schema.json"


def obj(
    props: dict[str, Any],
    required: list[str] | None = None,
    extra: bool = False,
    desc: str | None = None,
) -> dict[str, Any]:
    """A JSON-schema object with exactly these properties."""
    o: dict[str, Any] = {"type": "object", "additionalProperties": extra, "properties": props}
    if required:
        o["required"] = required
    if desc:
        o["description"] = desc
    return o


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


S = {"type": "string"}
B = {"type": "boolean"}
COUNT = {"type": "integer", "minimum": 0}
P = {"type": "integer", "minimum": 1, "maximum": 65535}
ANYOBJ = {"type": "object"}
LIST = {"type": "array"}
defs = {
    "image": obj(
        {
            "repository": {"type": "string", "minLength": 1},
            "tag": {"type": "string", "minLength": 1},
            "pullPolicy": ref("pullPolicy"),
        },
        ["repository", "tag", "pullPolicy"],
    ),
    "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
    "resources": obj(
        {"requests": ANYOBJ, "limits": ANYOBJ, "claims": LIST}, ["requests", "limits"]
    ),
    "probe": {"type": ["object", "null"], "description": "a core/v1 Probe"},
    "autoscaling": obj(
        {
            "enabled": B,
            "minReplicas": {"type": "integer", "minimum": 1},
            "maxReplicas": {"type": "integer", "minimum": 1},
            "targetCPUUtilizationPercentage": {"type": "integer", "minimum": 1, "maximum": 100},
            "targetMemoryUtilizationPercentage": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 100,
            },
        }
    ),
    "pdb": obj({"enabled": B, "maxUnavailable": {"type": ["integer", "string"]}}),
    "env": {
        "type": "object",
        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "additionalProperties": {"type": ["string", "number", "boolean"]},
    },
    "duration": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
    "number": {"type": ["number", "string"]},
    "SHARED_CONFIG": obj(
        {
            "LOG_LEVEL": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]},
            "JWT_ISSUER": S,
            "JWT_AUDIENCE": S,
            "MAX_QUERY_DEPTH": {"type": "integer", "minimum": 1},
            "MAX_ALIASES": {"type": "integer", "minimum": 1},
            "MAX_TOKENS": {"type": "integer", "minimum": 1},
            "MAX_METRIC_OPERATION_NAMES": {"type": "integer", "minimum": 1},
        }
    ),
    "database": obj(
        {
            "enabled": B,
            "existingSecret": S,
            "name": {"type": "string", "pattern": "^[A-Za-z0-9_]+$"},
            "externalPort": P,
            "externalPeers": LIST,
        },
        ["enabled", "existingSecret", "name"],
    ),
    "dbEngine": obj(
        {
            "image": ref("image"),
            "args": {"type": "array", "items": {"type": "string"}},
            "runAsUser": {"type": "integer", "minimum": 1},
            "persistence": obj(
                {"storageClass": S, "size": {"type": "string", "pattern": "^[0-9]+(Mi|Gi|Ti)$"}},
                ["size"],
            ),
            "resources": ref("resources"),
            "readinessProbe": ref("probe"),
            "livenessProbe": ref("probe"),
            "startupProbe": ref("probe"),
        }
    ),
}
placement = {
    "podAnnotations": {"type": "object", "additionalProperties": S},
    "nodeSelector": {"type": "object", "additionalProperties": S},
    "tolerations": LIST,
    "affinity": ANYOBJ,
}
probes = {
    "livenessProbe": ref("probe"),
    "readinessProbe": ref("probe"),
    "startupProbe": ref("probe"),
}
SHARED_CONFIG = defs["SHARED_CONFIG"]["properties"]


def cfg(own: dict[str, Any]) -> dict[str, Any]:
    return obj({**SHARED_CONFIG, **own})


subgraph_common = {
    "port": P,
    "replicaCount": COUNT,
    "runAsUser": {"type": "integer", "minimum": 1},
    "image": obj(
        {
            "repository": {"type": "string", "minLength": 1},
            "tag": S,
            "pullPolicy": ref("pullPolicy"),
        }
    ),
    "extraEnv": ref("env"),
    "service": obj({"type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]}}),
    "resources": ref("resources"),
    **probes,
    "autoscaling": ref("autoscaling"),
    "podDisruptionBudget": ref("pdb"),
    **placement,
}


def subgraph(own_cfg: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    p = dict(subgraph_common)
    p["config"] = cfg(own_cfg)
    p.update(extra or {})
    return obj(p)


schema = {
    "$schema": "https://json-schema.org/draft-07/schema#",
    "title": "shopgraph chart values",
    "description": (
        "Unknown keys are errors at every level the chart owns; "
        "Kubernetes objects (probes, resources, affinity) are passed through."
    ),
    "definitions": defs,
    **obj(
        {
            "nameOverride": S,
            "fullnameOverride": S,
            "global": obj(
                {
                    "imageRegistry": S,
                    "imagePullSecrets": {"type": "array", "items": obj({"name": S}, ["name"])},
                }
            ),
            "secrets": obj({"existingSecret": S}),
            "observability": obj(
                {
                    "otlpEndpoint": {"type": "string", "pattern": "^(https?://.+)?$"},
                    "scrapeAnnotations": B,
                    "serviceMonitor": obj(
                        {
                            "enabled": B,
                            "interval": ref("duration"),
                            "labels": {"type": "object", "additionalProperties": S},
                        }
                    ),
                }
            ),
            "securityDefaults": obj(
                {"podSecurityContext": ANYOBJ, "containerSecurityContext": ANYOBJ}
            ),
            "router": obj(
                {
                    "image": ref("image"),
                    "replicaCount": COUNT,
                    "runAsUser": {"type": "integer", "minimum": 1},
                    "port": P,
                    "healthPort": P,
                    "corsOrigin": {"type": "string", "pattern": "^(https?://[^,/]+)?$"},
                    "corsOriginPattern": S,
                    "redactSubgraphErrors": B,
                    "subgraphTimeout": ref("duration"),
                    "timeout": ref("duration"),
                    "maxBodyBytes": {"type": "integer", "minimum": 1},
                    "extraEnv": ref("env"),
                    "service": obj(
                        {"type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]}, "port": P}
                    ),
                    "resources": ref("resources"),
                    **probes,
                    "autoscaling": ref("autoscaling"),
                    "podDisruptionBudget": ref("pdb"),
                    **placement,
                }
            ),
            "subgraphDefaults": obj(
                {k: v for k, v in subgraph_common.items() if k != "port"}
                | {"config": ref("SHARED_CONFIG")}
            ),
            "subgraphs": obj(
                {
                    "users": subgraph(
                        {
                            "TOKEN_TTL": {
                                "type": "string",
                                "pattern": "^P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$",
                            },
                            "SHOPGRAPH_ADMIN_EMAIL": {"type": "string", "format": "email"},
                        },
                        {"adminSecret": S},
                    ),
                    "products": subgraph(
                        {
                            "RESERVATION_TTL": ref("number"),
                            "RESERVATION_SWEEP_INTERVAL": ref("number"),
                            "RESERVATION_WAIT": ref("number"),
                        },
                        {"seedDemoData": B},
                    ),
                    "orders": subgraph(
                        {
                            k: ref("number")
                            for k in [
                                "PRODUCTS_CONNECT_TIMEOUT_S",
                                "PRODUCTS_TIMEOUT_S",
                                "PRODUCTS_RETRY_BACKOFF_S",
                                "RECONCILE_INTERVAL_S",
                                "RECONCILE_AFTER_S",
                            ]
                        }
                        | {"PRODUCTS_RETRIES": {"type": "integer", "minimum": 0, "maximum": 5}}
                    ),
                },
                ["users", "products", "orders"],
            ),
            "jobs": obj(
                {
                    "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
                    "backoffLimit": COUNT,
                    "resources": ref("resources"),
                }
            ),
            "mysql": ref("dbEngine"),
            "mongodb": ref("dbEngine"),
            "databases": obj(
                {"users": ref("database"), "orders": ref("database"), "products": ref("database")},
                ["users", "orders", "products"],
            ),
            "ingress": obj(
                {
                    "enabled": B,
                    "className": S,
                    "annotations": {"type": "object", "additionalProperties": S},
                    "hosts": {
                        "type": "array",
                        "items": obj(
                            {
                                "host": S,
                                "paths": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": obj(
                                        {
                                            "path": {"type": "string", "pattern": "^/"},
                                            "pathType": {
                                                "enum": [
                                                    "Prefix",
                                                    "Exact",
                                                    "ImplementationSpecific",
                                                ]
                                            },
                                        },
                                        ["path", "pathType"],
                                    ),
                                },
                            },
                            ["paths"],
                        ),
                    },
                    "tls": {
                        "type": "array",
                        "items": obj(
                            {"secretName": S, "hosts": {"type": "array", "items": S}}, ["hosts"]
                        ),
                    },
                }
            ),
            "networkPolicy": obj(
                {
                    "enabled": B,
                    "ingressControllerPeers": LIST,
                    "metricsScraperPeers": LIST,
                    "dnsPeers": LIST,
                    "extraEgress": LIST,
                }
            ),
            "tests": obj({"image": S}),
            # Optional subcharts the lead wires as dependencies; they validate their own values.
            "monitoring": {
                "type": "object",
                "properties": {"enabled": B},
                "description": "the optional monitoring subchart (charts/monitoring)",
            },
            "logging": {
                "type": "object",
                "properties": {"enabled": B},
                "description": "the optional logging subchart (charts/logging)",
            },
            "tracing": {
                "type": "object",
                "properties": {"enabled": B},
                "description": "the optional trace collector subchart (charts/tracing)",
            },
        }
    ),
}


def main(argv: list[str]) -> int:
    return write_or_check(SCHEMA_FILE, json.dumps(schema, indent=2) + "\n", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
