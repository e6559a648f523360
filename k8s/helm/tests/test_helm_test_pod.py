"""The `helm test` pod's script, run for real against a local HTTP server standing in for the
router: it passes on data and fails on GraphQL errors or HTTP errors."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from chartkit.manifests import named
from shopgraph_testing.json_server import JsonServer, json_server


class Router:
    """A stand-in for the router: answers what a test sets, and records the requests."""

    def __init__(self, server: JsonServer) -> None:
        self.url = f"{server.url}/graphql"
        self.received = server.received
        self.answer: tuple[int, dict[str, Any]] = (200, {})


@pytest.fixture
def router() -> Iterator[Router]:
    answers: list[Router] = []
    with json_server(lambda _: answers[0].answer) as server:
        answers.append(Router(server))
        yield answers[0]


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
    rendered: dict[str, list[dict[str, Any]]], router: Router
) -> None:
    router.answer = (200, {"data": {"products": {"edges": []}, "me": None}})
    done = run_test_pod(rendered, router.url)
    assert done.returncode == 0, done.stderr
    assert "GraphQL answered" in done.stdout
    (request,) = router.received
    assert request.headers["content-type"] == "application/json"
    assert "products(first: 1)" in json.loads(request.body)["query"]


def test_fails_on_graphql_errors(rendered: dict[str, list[dict[str, Any]]], router: Router) -> None:
    router.answer = (
        200,
        {
            "data": None,
            "errors": [{"message": "x", "extensions": {"code": "UPSTREAM_UNAVAILABLE"}}],
        },
    )
    done = run_test_pod(rendered, router.url)
    assert done.returncode == 1
    assert "UPSTREAM_UNAVAILABLE" in done.stderr


def test_fails_on_http_errors(rendered: dict[str, list[dict[str, Any]]], router: Router) -> None:
    router.answer = (503, {"errors": [{"message": "down"}]})
    done = run_test_pod(rendered, router.url)
    assert done.returncode == 1
    assert "HTTP Error 503" in done.stderr
