"""Through the gateway (Node, and the router when installed): issue 8 D1, D4, D5, D7, W6.

Document bombs are refused with a contract code while other clients are answered; a
subscription is a 4xx; every error of a fuzz of bad requests carries a contract code and
no internals; automatic persisted queries work and their client mistakes get contract
codes without error-level log lines; the gateway listens on loopback only.
"""

import hashlib
import json
import re
import socket
import subprocess
import threading
import time
from typing import Any

import httpx
import pytest

from shopgraph_core.errors import ErrorCode
from shopgraph_testing.drivers.gateway import Gateway

CONTRACT_CODES = {code.value for code in ErrorCode}
JSON = {"content-type": "application/json"}
PREFLIGHT = {"apollo-require-preflight": "true"}
# A URL, a file path, a Python or JavaScript stack frame.
LEAK = re.compile(
    r"https?://|Traceback|\bat .+:\d+:\d+|node_modules|\.m?js\b|\.py\b|/(?:work|home|root|usr|tmp)/"
)
PROBE = "query Probe { __typename }"


def aliases(count: int, field: str) -> str:
    return "{" + "".join(f" a{i}: {field}" for i in range(count)) + " }"


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    errors: list[dict[str, Any]] = body.get("errors") or []
    return errors


def codes(response: httpx.Response) -> list[tuple[str | None, str | None]]:
    return [
        (e["extensions"].get("code"), e["extensions"].get("reason")) for e in errors_of(response)
    ]


def error_log_lines(gateway: Gateway) -> list[str]:
    name = "router" if gateway.kind == "router" else "gateway"
    lines = [line for line in gateway.service_log(name).splitlines() if line.startswith("{")]
    return [line for line in lines if json.loads(line).get("level", "").lower() == "error"]


def test_a_document_bomb_is_refused_while_a_probe_is_answered(gateway: Gateway) -> None:
    """D1: 100,000 `__typename` aliases (1.8 MB) froze the Node gateway for 13 s."""
    bomb = json.dumps({"query": aliases(100_000, "__typename")})
    assert 1_500_000 < len(bomb) < 2 * 1024 * 1024
    outcome: dict[str, Any] = {}

    def send_bomb() -> None:
        with httpx.Client(base_url=gateway.url, timeout=120) as client:
            outcome["response"] = client.post("/graphql", content=bomb, headers=JSON)
            outcome["done"] = time.monotonic()

    started = time.monotonic()
    thread = threading.Thread(target=send_bomb)
    thread.start()
    probe_sent = time.monotonic()
    probe = gateway.http.post("/graphql", json={"query": PROBE})
    probe_answered = time.monotonic()
    thread.join(timeout=120)

    assert probe.json() == {"data": {"__typename": "Query"}}
    refused = outcome["response"]
    assert refused.status_code == 400
    assert [code for code, _ in codes(refused)] == ["BAD_USER_INPUT"], refused.text[:300]
    assert probe_sent < outcome["done"], "the probe left while the bomb was in flight"
    # Measured, not asserted: timings depend on the machine's load.
    print(
        f"[{gateway.kind}] bomb refused after {outcome['done'] - started:.3f} s, "
        f"probe answered in {probe_answered - probe_sent:.3f} s"
    )


@pytest.mark.parametrize(
    ("count", "field"), [(8000, 'product(id: "p") { id name }'), (1000, 'product(id: "p") { id }')]
)
def test_many_root_field_aliases_are_refused_before_planning(
    gateway: Gateway, count: int, field: str
) -> None:
    """D1: 8,000 `product(id)` aliases stalled planning for 8 s. Over the token limit both
    gateways refuse; under it the Node gateway's root-field cap does, and the router (whose
    caps need a licence) plans them: either way the answer has only contract codes."""
    started = time.monotonic()
    response = gateway.http.post("/graphql", json={"query": aliases(count, field)})
    elapsed = time.monotonic() - started

    body = response.json()
    assert {code for code, _ in codes(response)} <= CONTRACT_CODES
    if count == 8000 or gateway.kind == "node":
        assert response.status_code == 400
        assert {code for code, _ in codes(response)} == {"BAD_USER_INPUT"}, str(body)[:300]
    print(f"[{gateway.kind}] {count} aliases answered {response.status_code} in {elapsed:.3f} s")


def test_a_subscription_is_a_4xx_bad_user_input(gateway: Gateway) -> None:
    """D4: it was HTTP 500 INVALID_GRAPHQL."""
    response = gateway.http.post("/graphql", json={"query": "subscription S { __typename }"})

    assert 400 <= response.status_code < 500
    assert [code for code, _ in codes(response)] == ["BAD_USER_INPUT"], response.text


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apq(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


# label -> (method, extra URL, headers, body)
BAD_REQUESTS: dict[str, tuple[str, str, dict[str, str], bytes | None]] = {
    "bad JSON": ("POST", "", JSON, b'{"query": "{ __typename }"'),
    "JSON that is not an object": ("POST", "", JSON, b'"just a string"'),
    "empty body": ("POST", "", JSON, b""),
    "no query": ("POST", "", JSON, b'{"variables": {}}'),
    "query not a string": ("POST", "", JSON, b'{"query": 42}'),
    "variables not an object": (
        "POST",
        "",
        JSON,
        json.dumps({"query": PROBE, "variables": [1]}).encode(),
    ),
    "GET without query": ("GET", "", PREFLIGHT, None),
    "GET without the CSRF header": ("GET", "?query=%7B__typename%7D", {}, None),
    "GET mutation": ("GET", "?query=" + "mutation%20%7B__typename%7D", PREFLIGHT, None),
    "wrong content type (text/plain)": ("POST", "", {"content-type": "text/plain"}, PROBE.encode()),
    "form content type": (
        "POST",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"query=x",
    ),
    "XML content type": ("POST", "", {"content-type": "application/xml"}, b"<query/>"),
    "GET with an XML content type": (
        "GET",
        "?query=%7B__typename%7D",
        {**PREFLIGHT, "content-type": "application/xml"},
        None,
    ),
    "Accept without JSON": (
        "POST",
        "",
        {**JSON, "accept": "text/html"},
        json.dumps({"query": PROBE}).encode(),
    ),
    "unknown operation name": (
        "POST",
        "",
        JSON,
        json.dumps({"query": PROBE, "operationName": "Nope"}).encode(),
    ),
    "two operations, no name": (
        "POST",
        "",
        JSON,
        json.dumps({"query": "query A { __typename } query B { __typename }"}).encode(),
    ),
    "syntax error": ("POST", "", JSON, json.dumps({"query": "{ __typename"}).encode()),
    "unknown field": ("POST", "", JSON, json.dumps({"query": "{ nope }"}).encode()),
    "unused variable": (
        "POST",
        "",
        JSON,
        json.dumps({"query": "query($a: Int) { __typename }"}).encode(),
    ),
    "wrong variable type": (
        "POST",
        "",
        JSON,
        json.dumps(
            {"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {"id": {"a": 1}}}
        ).encode(),
    ),
    "missing variable": (
        "POST",
        "",
        JSON,
        json.dumps({"query": "query($id: ID!) { product(id: $id) { id } }"}).encode(),
    ),
    "subscription": (
        "POST",
        "",
        JSON,
        json.dumps({"query": "subscription { __typename }"}).encode(),
    ),
    "huge body": ("POST", "", JSON, b"x" * (2 * 1024 * 1024 + 10)),
    "APQ unknown hash": (
        "POST",
        "",
        JSON,
        json.dumps({"extensions": _apq(_sha256("{ never sent }"))}).encode(),
    ),
    "APQ hash mismatch": (
        "POST",
        "",
        JSON,
        json.dumps({"query": PROBE, "extensions": _apq(_sha256("{ other }"))}).encode(),
    ),
    "batch of bad operations": (
        "POST",
        "",
        JSON,
        json.dumps([{"query": "{ nope }"}, {"query": "{"}, {}]).encode(),
    ),
    "token bomb": ("POST", "", JSON, json.dumps({"query": aliases(6000, "__typename")}).encode()),
    "deep nesting": (
        "POST",
        "",
        JSON,
        json.dumps({"query": "{" + " me {" * 600 + " id" + " }" * 600 + " }"}).encode(),
    ),
}


def test_a_fuzz_of_bad_requests_gets_only_contract_codes(gateway: Gateway) -> None:
    """D5: 787 errors carried codes outside the contract (GRAPHQL_VALIDATION_FAILED, ...)."""
    errors_before = len(error_log_lines(gateway))
    seen: dict[str, str] = {}
    for label, (method, extra, headers, body) in BAD_REQUESTS.items():
        response = gateway.http.request(method, "/graphql" + extra, headers=headers, content=body)
        errors = errors_of(response)

        assert errors, f"{label}: {response.status_code} {response.text[:200]}"
        assert response.status_code < 500, f"{label}: {response.status_code}"
        for error in errors:
            assert error["extensions"]["code"] in CONTRACT_CODES, f"{label}: {error}"
            assert not LEAK.search(error["message"]), f"{label}: {error['message']}"
            assert "stacktrace" not in error["extensions"], label
        seen[label] = f"{response.status_code} " + ",".join(f"{c}/{r}" for c, r in codes(response))
    print(f"[{gateway.kind}] " + json.dumps(seen, indent=1))
    # Client mistakes are not errors of the gateway.
    assert error_log_lines(gateway)[errors_before:] == []


def test_automatic_persisted_queries(gateway: Gateway) -> None:
    """D7: a hash mismatch was HTTP 400 INTERNAL_SERVER_ERROR plus an error log line."""
    query = f"query Apq{time.monotonic_ns()} {{ __typename }}"
    extensions = _apq(_sha256(query))
    errors_before = len(error_log_lines(gateway))

    unknown = gateway.http.post("/graphql", json={"extensions": extensions})
    registered = gateway.http.post("/graphql", json={"query": query, "extensions": extensions})
    by_hash = gateway.http.post("/graphql", json={"extensions": extensions})
    mismatch = gateway.http.post("/graphql", json={"query": PROBE, "extensions": extensions})

    assert codes(unknown) == [("NOT_FOUND", "PERSISTED_QUERY_NOT_FOUND")]
    # Apollo Client's persisted-query link retries with the full query on this message.
    assert errors_of(unknown)[0]["message"] == "PersistedQueryNotFound"
    assert registered.json() == {"data": {"__typename": "Query"}}
    assert by_hash.json() == {"data": {"__typename": "Query"}}
    assert mismatch.status_code == 400
    assert codes(mismatch) == [("BAD_USER_INPUT", "PERSISTED_QUERY_HASH_MISMATCH")]
    assert error_log_lines(gateway)[errors_before:] == []


def test_csrf_rule_holds(gateway: Gateway) -> None:
    """The router's CSRF rule now runs in its Rhai script: the same answers as before."""
    query = "?query=%7B__typename%7D"

    refused = gateway.http.get("/graphql" + query)
    allowed = gateway.http.get("/graphql" + query, headers=PREFLIGHT)
    simple_post = gateway.http.post(
        "/graphql", content=PROBE, headers={"content-type": "text/plain"}
    )
    json_post = gateway.http.post("/graphql", json={"query": PROBE})

    assert refused.status_code == 400
    assert [code for code, _ in codes(refused)] == ["BAD_USER_INPUT"]
    assert allowed.json() == {"data": {"__typename": "Query"}}
    assert simple_post.status_code == 400
    assert json_post.json() == {"data": {"__typename": "Query"}}


def _non_loopback_ipv4() -> str | None:
    result = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)
    for address in result.stdout.split():
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) and not address.startswith("127."):
            return address
    return None


def test_the_development_gateway_listens_on_loopback_only(gateway: Gateway) -> None:
    """W6: it listened on 0.0.0.0, putting GraphiQL and the dev admin login on the network."""
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    ports = [gateway.topology.gateway_port, gateway.topology.gateway_health_port]
    if gateway.kind == "router":  # the explorer beside it
        ports.append(int(gateway.topology.explorer_url.rstrip("/").rsplit(":", 1)[1]))

    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=3).close()
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass
