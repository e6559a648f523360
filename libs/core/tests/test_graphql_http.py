"""The GraphQL endpoint: its JSON encoder writes what the standard library would, and the
JSON POST shortcut answers every request exactly as Strawberry's view does, handing it
everything that is not one operation POSTed as JSON."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import strawberry
from fastapi import FastAPI
from prometheus_client import REGISTRY
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.types import Info

from shopgraph_core.errors import Forbidden
from shopgraph_core.graphql.context import RequestContext
from shopgraph_core.graphql.http import GraphQLEndpoint, JsonPostShortcut, encode_json
from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.runtime.app import create_service_app
from shopgraph_core.settings import ServiceSettings
from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.tokens import TestTokens


@pytest.mark.parametrize(
    "data",
    [
        {"data": {"me": {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com"}}},
        {"data": {"p": {"name": "Café ☕", "price": 1250, "ratio": 0.1, "tags": [], "x": None}}},
        {"errors": [{"message": "No", "extensions": {"code": "FORBIDDEN"}}], "data": None},
        {"data": {"n": 2**70}},  # orjson refuses; the standard library writes it
        {"data": {"s": "\ud800"}},  # a lone surrogate: the same
    ],
)
def test_results_encode_to_the_same_json(data: object) -> None:
    assert json.loads(encode_json(data)) == data


# The shortcut against Strawberry's view ----------------------------------------------------

Context = RequestContext[None]


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def big(self) -> str:
        return str(2**70)

    @strawberry.field
    def refused(self) -> str:
        raise Forbidden("Not for you")

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("a bug, with a secret: /internal/url")

    @strawberry.field
    def answered_with(self, info: Info[Context, None], status: int, header: str) -> str:
        """Sets the answer's status and a header, as a resolver may through the context."""
        response = info.context.response
        assert response is not None  # set by every context getter of an HTTP request
        response.status_code = status
        response.headers["x-answered-with"] = header
        return header


@strawberry.type
class Mutation:
    @strawberry.mutation
    def shout(self, text: str) -> str:
        return text.upper()


SCHEMA = build_schema(settings=ServiceSettings(environment="test"), query=Query, mutation=Mutation)


async def context_getter(request: Request, response: Response) -> Context:
    context: Context = RequestContext(None, None, None)
    context.request, context.response = request, response
    return context


class CountingApp:
    """The app behind the shortcut, counting the requests that reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


def strawberry_app() -> FastAPI:
    app = FastAPI()
    app.include_router(GraphQLEndpoint(SCHEMA, context_getter=context_getter), prefix="/graphql")
    return app


def _transport(app: ASGIApp) -> httpx.ASGITransport:
    # An app that fails answers 500, as behind uvicorn, instead of raising in the test.
    return httpx.ASGITransport(app=app, raise_app_exceptions=False)


@asynccontextmanager
async def clients() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, CountingApp]]:
    """A client of Strawberry's view alone and one of the shortcut in front of it."""
    behind = CountingApp(strawberry_app())
    shortcut = JsonPostShortcut(
        behind, schema=SCHEMA, context_getter=context_getter, graphql_path="/graphql"
    )
    async with (
        httpx.AsyncClient(transport=_transport(strawberry_app()), base_url="http://s") as view,
        httpx.AsyncClient(transport=_transport(shortcut), base_url="http://s") as short,
    ):
        yield view, short, behind


def answer(response: httpx.Response) -> tuple[int, str | None, str | None, bytes]:
    return (
        response.status_code,
        response.headers.get("content-type"),
        response.headers.get("x-answered-with"),
        response.content,
    )


JSON = "application/json"
ECHO = {"query": '{ echo(text: "hi") }'}
TWO_OPERATIONS = 'query A { echo(text: "a") } query B { echo(text: "b") }'

# Requests the shortcut answers itself.
ANSWERED = {
    "a query": (JSON, ECHO),
    "variables and an operation name": (
        JSON,
        {
            "query": "query Echo($t: String!) { echo(text: $t) } query Other { big }",
            "variables": {"t": "hé \u2603"},
            "operationName": "Echo",
        },
    ),
    "a charset parameter": ("application/json; charset=utf-8", ECHO),
    "a mutation": (JSON, {"query": 'mutation { shout(text: "hi") }'}),
    "extensions": (JSON, {**ECHO, "extensions": {"persistedQuery": None}}),
    "an integer beyond 64 bits in a variable": (
        JSON,
        {"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": 2**70}},
    ),
    "an error with a code": (JSON, {"query": "{ refused }"}),
    "an unexpected error": (JSON, {"query": '{ broken echo(text: "x") }'}),
    "a validation error": (JSON, {"query": "{ nothing }"}),
    "a syntax error": (JSON, {"query": "{ echo("}),
    "a variable of the wrong type": (
        JSON,
        {"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": []}},
    ),
    "status and header set by a resolver": (
        JSON,
        {"query": '{ answeredWith(status: 207, header: "yes") }'},
    ),
    "an unknown operation name": (JSON, {"query": TWO_OPERATIONS, "operationName": "C"}),
    "two operations and no name": (JSON, {"query": TWO_OPERATIONS}),
    "a lone surrogate": (JSON, {"query": '{ echo(text: "\\ud800") }'}),
}

# Requests it hands to Strawberry's view, body and all.
HANDED_ON = {
    "a media type in capitals": ("Application/JSON", json.dumps(ECHO).encode()),
    "another content type": ("text/plain", json.dumps(ECHO).encode()),
    "a JSON-like content type": ("application/json-seq", json.dumps(ECHO).encode()),
    "no content type": (None, json.dumps(ECHO).encode()),
    "a batch": (JSON, json.dumps([ECHO, ECHO]).encode()),
    "no query": (JSON, b"{}"),
    "an empty query": (JSON, b'{"query": ""}'),
    "a query that is not a string": (JSON, b'{"query": 5}'),
    "variables that are a list": (JSON, json.dumps({**ECHO, "variables": []}).encode()),
    "an operation name that is a number": (JSON, json.dumps({**ECHO, "operationName": 5}).encode()),
    "extensions that are a string": (JSON, json.dumps({**ECHO, "extensions": "x"}).encode()),
}


def _headers(content_type: str | None) -> dict[str, str]:
    return {} if content_type is None else {"content-type": content_type}


@pytest.mark.parametrize("case", ANSWERED)
async def test_the_shortcut_answers_one_json_operation_as_strawberry_does(case: str) -> None:
    content_type, body = ANSWERED[case]
    async with clients() as (strawberry_client, shortcut_client, behind):
        sent = json.dumps(body).encode()
        expected = await strawberry_client.post(
            "/graphql", content=sent, headers=_headers(content_type)
        )
        got = await shortcut_client.post("/graphql", content=sent, headers=_headers(content_type))
    assert answer(got) == answer(expected)
    assert behind.calls == 0  # answered by the shortcut, not by the view behind it


@pytest.mark.parametrize("case", HANDED_ON)
async def test_everything_else_reaches_strawberry_with_its_body(case: str) -> None:
    content_type, body = HANDED_ON[case]
    async with clients() as (strawberry_client, shortcut_client, behind):
        expected = await strawberry_client.post(
            "/graphql", content=body, headers=_headers(content_type)
        )
        got = await shortcut_client.post("/graphql", content=body, headers=_headers(content_type))
    assert answer(got) == answer(expected)
    assert behind.calls == 1


async def test_a_body_that_is_not_json_is_refused_as_strawberry_refuses_it() -> None:
    async with clients() as (strawberry_client, shortcut_client, behind):
        expected = await strawberry_client.post("/graphql", content=b"{", headers=_headers(JSON))
        got = await shortcut_client.post("/graphql", content=b"{", headers=_headers(JSON))
    assert answer(got) == answer(expected)
    assert (got.status_code, got.text) == (400, "Unable to parse request body as JSON")
    assert behind.calls == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"query": "\xff"}', "Unable to parse request body as JSON"),
        (b'"{ echo }"', "The request body must be a JSON object"),
        (b"null", "The request body must be a JSON object"),
    ],
)
async def test_bodies_strawberry_answers_with_500_get_a_400(body: bytes, reason: str) -> None:
    async with clients() as (strawberry_client, shortcut_client, _behind):
        crashed = await strawberry_client.post("/graphql", content=body, headers=_headers(JSON))
        refused = await shortcut_client.post("/graphql", content=body, headers=_headers(JSON))
    assert crashed.status_code == 500  # if Strawberry mends this, the shortcut can hand these on
    assert (refused.status_code, refused.text) == (400, reason)


async def test_the_answers_are_what_the_contract_expects() -> None:
    """The comparisons above would pass if both sides were wrong: a few answers in full."""
    async with clients() as (_, client, _behind):
        ok = await client.post("/graphql", json=ECHO)
        refused = await client.post("/graphql", json={"query": "{ refused }"})
        broken = await client.post("/graphql", json={"query": "{ broken }"})
        unknown = await client.post(
            "/graphql", json={"query": TWO_OPERATIONS, "operationName": "C"}
        )
        answered = await client.post(
            "/graphql", json={"query": '{ answeredWith(status: 207, header: "yes") }'}
        )
    assert (ok.status_code, ok.json()) == (200, {"data": {"echo": "hi"}})
    assert ok.headers["content-type"] == "application/json"
    assert refused.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert broken.json()["errors"][0] == {
        "message": "Internal server error",
        "locations": [{"line": 1, "column": 3}],
        "path": ["broken"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
    assert (unknown.status_code, unknown.text) == (400, 'Unknown operation named "C".')
    assert (answered.status_code, answered.headers["x-answered-with"]) == (207, "yes")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/graphql?query=%7B%20echo(text%3A%22hi%22)%20%7D"), ("POST", "/other")],
)
async def test_other_methods_and_paths_pass_by(method: str, path: str) -> None:
    async with clients() as (strawberry_client, shortcut_client, behind):
        expected = await strawberry_client.request(method, path, json=ECHO)
        got = await shortcut_client.request(method, path, json=ECHO)
    assert answer(got) == answer(expected)
    assert behind.calls == 1


class Storage:
    async def check_ready(self) -> None:
        return None


@asynccontextmanager
async def running_service() -> AsyncIterator[Storage]:
    yield Storage()


async def test_the_app_factory_puts_the_shortcut_inside_the_guards_and_telemetry() -> None:
    """A service app answers through the shortcut, its guards still refuse first, and the
    operation is counted by name: the record the telemetry reads is left by the schema."""
    settings = ServiceSettings(environment="test", max_request_bytes=1000)
    app = create_service_app(
        settings=settings,
        schema=build_schema(settings=settings, query=Query, mutation=Mutation),
        running_service=running_service,
        verifier=TestTokens().verifier(),
    )
    labels = {"operation_name": "EchoForMetrics", "operation_type": "query", "outcome": "ok"}
    before = REGISTRY.get_sample_value("graphql_requests_total", labels) or 0
    async with serve_in_process(app) as client:
        ok = await client.http.post(
            "/graphql", json={"query": 'query EchoForMetrics { echo(text: "x") }'}
        )
        too_big = await client.http.post(
            "/graphql", json={"query": '{ echo(text: "%s") }' % ("x" * 2000)}
        )
        # Only the shortcut answers this with 400 (Strawberry's view fails with 500): it is
        # installed, and it is what answered the two requests above.
        not_an_object = await client.http.post(
            "/graphql", content=b"null", headers={"content-type": JSON}
        )
    assert ok.json() == {"data": {"echo": "x"}}
    assert (not_an_object.status_code, not_an_object.text) == (
        400,
        "The request body must be a JSON object",
    )
    assert REGISTRY.get_sample_value("graphql_requests_total", labels) == before + 1
    assert too_big.status_code == 413
