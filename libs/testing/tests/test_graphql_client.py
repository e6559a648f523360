"""The one GraphQL client: what it sends, over a real HTTP server in a thread."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from shopgraph_testing.graphql import BlockingGraphQLClient, data_of, encode_request, error_codes

Seen = list[tuple[str, dict[str, str], bytes]]


@pytest.fixture
def echo_server() -> Iterator[tuple[str, Seen]]:
    """Records each request and answers {"data": {"ok": true}}."""
    seen: Seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            seen.append((self.path, dict(self.headers.items()), body))
            answer = b'{"data": {"ok": true}}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log lines among the tests' output

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_lone_surrogate_can_be_sent_as_json_escapes() -> None:
    body, headers = encode_request("{ a }", {"s": "x\ud800"}, None, None)

    assert b"\\ud800" in body
    assert json.loads(body)["variables"] == {"s": "x\ud800"}
    assert headers == {"content-type": "application/json"}


def test_the_token_becomes_the_authorization_header() -> None:
    _, headers = encode_request("{ a }", None, "t0k3n", {"x-extra": "1"})

    assert headers == {
        "x-extra": "1",
        "Authorization": "Bearer t0k3n",
        "content-type": "application/json",
    }


def test_the_blocking_client_posts_to_graphql(echo_server: tuple[str, Seen]) -> None:
    url, seen = echo_server
    with httpx.Client(base_url=url) as http:
        answer = BlockingGraphQLClient(http).execute("{ ok }", token="t")

    assert answer == {"data": {"ok": True}}
    path, headers, body = seen[0]
    assert path == "/graphql"
    assert headers["Authorization"] == "Bearer t"
    assert json.loads(body) == {"query": "{ ok }", "variables": {}}


def test_errors_and_data() -> None:
    failed = {"data": None, "errors": [{"extensions": {"code": "FORBIDDEN"}}, {"message": "x"}]}

    assert error_codes(failed) == ["FORBIDDEN", None]
    assert error_codes({"data": {}}) == []
    assert data_of({"data": {"a": 1}}) == {"a": 1}
    with pytest.raises(AssertionError, match="FORBIDDEN"):
        data_of(failed)
