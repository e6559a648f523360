"""Through the gateway: sign-up, login, tokens, error codes, headers, CORS, health."""

import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from shopgraph_stack.topology import REPO
from shopgraph_testing.drivers.gateway import Gateway
from shopgraph_testing.graphql import error_codes

ME = "query Me { me { id email role } }"


def test_sign_up_log_in_and_me(gateway: Gateway) -> None:
    signed_up = gateway.sign_up(password="gateway pass 1")

    login = gateway.execute(
        "mutation Login($i: LoginInput!) { login(input: $i) { token user { id } } }",
        {"i": {"email": signed_up["user"]["email"], "password": "gateway pass 1"}},
    )
    token = login["data"]["login"]["token"]
    me = gateway.execute(ME, token=token)
    anonymous = gateway.execute(ME)

    assert login["data"]["login"]["user"]["id"] == signed_up["user"]["id"]
    # `me` with the token proves the Authorization header reached the users subgraph.
    assert me["data"]["me"] == {
        "id": signed_up["user"]["id"],
        "email": signed_up["user"]["email"],
        "role": "CUSTOMER",
    }
    assert anonymous == {"data": {"me": None}}


def test_forged_token_is_refused(gateway: Gateway) -> None:
    token = gateway.sign_up()["token"]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"

    body = gateway.execute(ME, token=forged)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] == {"me": None}


def test_errors_carry_their_codes_and_no_internals(gateway: Gateway) -> None:
    taken = gateway.sign_up()["user"]["email"]
    cases = {
        "CONFLICT": ({"email": taken, "password": "long enough", "name": "x"}),
        "BAD_USER_INPUT": ({"email": "nope", "password": "long enough", "name": "x"}),
    }
    for code, sign_up_input in cases.items():
        body = gateway.execute(
            "mutation($i: SignUpInput!) { signUp(input: $i) { token } }", {"i": sign_up_input}
        )
        assert error_codes(body) == [code], body
        text = json.dumps(body)
        assert "127.0.0.1" not in text
        assert "Traceback" not in text
    other = gateway.sign_up()
    forbidden = gateway.execute(
        "query($id: ID!) { user(id: $id) { id } }",
        {"id": other["user"]["id"]},
        token=gateway.sign_up()["token"],
    )
    assert error_codes(forbidden) == ["FORBIDDEN"]


def test_trace_context_reaches_the_subgraph(gateway: Gateway) -> None:
    trace_id = uuid.uuid4().hex
    token = gateway.sign_up()["token"]

    gateway.execute(
        "query TracedMe { me { id } }",
        token=token,
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )

    # The access line is written after the response leaves, so give it a moment to land.
    traced: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [
            json.loads(line)
            for line in gateway.service_log("users").splitlines()
            if line.startswith("{")
        ]
        traced = [line for line in lines if line.get("trace", {}).get("id") == trace_id]
        if any(line.get("user", {}).get("id") for line in traced):
            break
        time.sleep(0.1)
    assert traced, "the users subgraph never saw the trace id sent to the gateway"
    assert any(line.get("user", {}).get("id") for line in traced)


def test_every_subgraph_of_one_request_logs_under_one_trace_id(gateway: Gateway) -> None:
    """No traceparent from the client and no trace collector (the e2e stacks run without
    one, so the router records no spans): the gateway still starts one trace per request and
    sends its id on to every subgraph, so the request's log lines join up by trace.id."""
    name = f"Joined{uuid.uuid4().hex}"
    token = gateway.sign_up()["token"]

    body = gateway.execute(
        f"query {name} {{ me {{ id orders(first: 1) {{ edges {{ node {{ id }} }} }} }} }}",
        token=token,
    )
    assert "errors" not in body, body

    def trace_ids(service: str) -> set[str]:
        found = set()
        for line in gateway.service_log(service).splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            operation = entry.get("graphql", {}).get("operation", {}).get("name", "")
            if operation.startswith(name):
                found.add(entry.get("trace", {}).get("id"))
        return found

    # The access lines are written after the responses leave.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (trace_ids("users") and trace_ids("orders")):
        time.sleep(0.1)
    users, orders = trace_ids("users"), trace_ids("orders")
    assert len(users) == 1, users
    assert None not in users
    assert orders == users


def test_cors_preflight_allows_the_explorer_origin(gateway: Gateway) -> None:
    origin = gateway.url
    response = gateway.http.options(
        "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == origin
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_health_check(gateway: Gateway) -> None:
    port = gateway.topology.gateway_health_port
    response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)

    assert response.status_code == 200
    assert response.json() == {"status": "UP"}


def test_subgraph_down_is_upstream_unavailable_without_urls(gateway: Gateway) -> None:
    gateway.supervisor.stop("users")
    try:
        body = gateway.execute(ME, token=None)
    finally:
        gateway.supervisor.restart("users")

    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"], body
    assert "127.0.0.1" not in json.dumps(body)
    assert "4001" not in json.dumps(body)
    assert gateway.execute(ME) == {"data": {"me": None}}


def test_graphiql_explorer_runs_a_query_in_chromium(gateway: Gateway, tmp_path: Path) -> None:
    """The offline explorer in headless Chromium: the page loads, runs a query, shows it.

    Through the Node gateway it is at the gateway's URL; beside the router, which serves
    no static files, it is the explorer server whose queries go to the router."""
    screenshot = tmp_path / "graphiql.png"
    result = subprocess.run(
        [
            "node",
            str(REPO / "gateway" / "test" / "graphiql-smoke.mjs"),
            gateway.topology.explorer_url,
        ],
        env={"SCREENSHOT_PATH": str(screenshot), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert screenshot.stat().st_size > 0
