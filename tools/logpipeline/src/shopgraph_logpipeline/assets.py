"""Where the committed log-pipeline files live, and how they are read."""

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[4]
ELASTICSEARCH_DIR = REPO / "elasticsearch"
KIBANA_DIR = REPO / "kibana"
LOGSTASH_DIR = REPO / "logstash"
CHART_DIR = REPO / "k8s" / "helm" / "shopgraph" / "charts" / "logging"

SAVED_OBJECTS = KIBANA_DIR / "saved-objects.ndjson"


def load_json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def load_saved_objects(path: Path = SAVED_OBJECTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
