"""The one GraphQL client: what it sends, to a real HTTP server."""

import json
from collections.abc import Iterator

import httpx
import pytest

from shopgraph_testing.graphql import BlockingGraphQLClient, data_of, encode_request, error_codes
from shopgraph_testing.json_server import JsonServer, json_server


@pytest.fixture
def graphql_server() -> Iterator[JsonServer]:
    with json_server(lambda _: (200, {"data": {"ok": True}})) as server:
        yield server


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


def test_the_blocking_client_posts_to_graphql(graphql_server: JsonServer) -> None:
    with httpx.Client(base_url=graphql_server.url) as http:
        answer = BlockingGraphQLClient(http).execute("{ ok }", token="t")

    assert answer == {"data": {"ok": True}}
    (request,) = graphql_server.received
    assert (request.method, request.path) == ("POST", "/graphql")
    assert request.headers["authorization"] == "Bearer t"
    assert json.loads(request.body) == {"query": "{ ok }", "variables": {}}


def test_errors_and_data() -> None:
    failed = {"data": None, "errors": [{"extensions": {"code": "FORBIDDEN"}}, {"message": "x"}]}

    assert error_codes(failed) == ["FORBIDDEN", None]
    assert error_codes({"data": {}}) == []
    assert data_of({"data": {"a": 1}}) == {"a": 1}
    with pytest.raises(AssertionError, match="FORBIDDEN"):
        data_of(failed)
