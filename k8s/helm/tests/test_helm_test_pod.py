"""The `helm test` pod's script, run for real against a local HTTP server standing in for the
router: it passes on data and fails on GraphQL errors or HTTP errors."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from chartkit.manifests import named


class Router(BaseHTTPRequestHandler):
    answer: ClassVar[tuple[int, dict[str, Any]]] = (200, {})
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        Router.seen.append({"body": body, "content-type": self.headers["content-type"]})
        status, answer = Router.answer
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def router_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Router)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Router.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    server.shutdown()


def run_test_pod(
    rendered: dict[str, list[dict[str, Any]]], url: str
) -> subprocess.CompletedProcess[str]:
    pod = named(rendered["default"], "Pod", "shopgraph-test")
    command = pod["spec"]["containers"][0]["command"]
    assert command[:2] == ["python3", "-c"]
    return subprocess.run(
        [sys.executable, "-c", command[2]],
        env={**os.environ, "GRAPHQL_URL": url},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_passes_when_the_router_answers_data(
    rendered: dict[str, list[dict[str, Any]]], router_url: str
) -> None:
    Router.answer = (200, {"data": {"products": {"edges": []}, "me": None}})
    done = run_test_pod(rendered, router_url)
    assert done.returncode == 0, done.stderr
    assert "GraphQL answered" in done.stdout
    (request,) = Router.seen
    assert request["content-type"] == "application/json"
    assert "products(first: 1)" in request["body"]["query"]


def test_fails_on_graphql_errors(
    rendered: dict[str, list[dict[str, Any]]], router_url: str
) -> None:
    Router.answer = (
        200,
        {
            "data": None,
            "errors": [{"message": "x", "extensions": {"code": "UPSTREAM_UNAVAILABLE"}}],
        },
    )
    done = run_test_pod(rendered, router_url)
    assert done.returncode == 1
    assert "UPSTREAM_UNAVAILABLE" in done.stderr


def test_fails_on_http_errors(rendered: dict[str, list[dict[str, Any]]], router_url: str) -> None:
    Router.answer = (503, {"errors": [{"message": "down"}]})
    done = run_test_pod(rendered, router_url)
    assert done.returncode == 1
    assert "HTTP Error 503" in done.stderr
