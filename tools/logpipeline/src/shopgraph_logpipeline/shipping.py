"""Log files into the log data stream, as Filebeat ships them: one event per line, the raw
line in `message`, through the `shopgraph-logs` ingest pipeline that `make logs-setup` sets
up. For the tests (and a look at a local run's logs in OpenSearch), not a Filebeat."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx


def filebeat_event(line: str, path: Path, offset: int, **extra: Any) -> dict[str, Any]:
    """An event as Filebeat's filestream input sends it, through Logstash's beats input."""
    return {
        "@timestamp": "2026-12-02T00:00:00.000Z",  # read time; the line's own time wins
        "message": line,
        "log": {"file": {"path": str(path)}, "offset": offset},
        "input": {"type": "filestream"},
        "agent": {"type": "filebeat"},
        **extra,
    }


def bulk_create(client: httpx.Client, stream: str, events: Iterable[dict[str, Any]]) -> int:
    """Index `events` into the data stream `stream` (refreshed); returns how many were sent.
    Raises when the cluster refuses any of them."""
    body = "".join(f'{{"create":{{}}}}\n{json.dumps(e)}\n' for e in events)
    if not body:
        return 0
    response = client.post(
        f"/{stream}/_bulk",
        params={"refresh": "true"},
        content=body,
        headers={"content-type": "application/x-ndjson"},
    )
    response.raise_for_status()
    result = response.json()
    if result["errors"]:
        refused = [i for i in result["items"] if i["create"].get("error")][:3]
        raise RuntimeError(f"the cluster refused log events: {refused}")
    return len(result["items"])


def ship_log_files(client: httpx.Client, stream: str, files: Iterable[Path]) -> int:
    """Every line of every file, as Filebeat would send it; returns how many were sent."""
    events = [
        filebeat_event(line, path, offset)
        for path in files
        for offset, line in enumerate(path.read_text(errors="replace").splitlines())
        if line.strip()
    ]
    return bulk_create(client, stream, events)
