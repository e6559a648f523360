"""The one GraphQL-over-HTTP client of the tests, the benchmarks and the stack launcher.

One request encoding and one answer type, whichever way the service is reached: in this
process over ASGI (`serve_in_process`), or over HTTP, from async code (`GraphQLClient`) or
from blocking code such as the end-to-end suite and the launcher (`BlockingGraphQLClient`).
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

# A GraphQL answer as JSON ({"data": ..., "errors": [...]}): its shape is the query's, so the
# values are Any by nature; tests index into it and compare.
Answer = dict[str, Any]
Variables = dict[str, Any]

GRAPHQL_PATH = "/graphql"


def encode_request(
    query: str,
    variables: Variables | None,
    token: str | None,
    headers: dict[str, str] | None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one GraphQL POST.

    Encoded as most clients do (ASCII, escapes for the rest): a test may then send strings
    that UTF-8 cannot encode, such as a lone surrogate, as JSON's "\\ud800".
    """
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.setdefault("content-type", "application/json")
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    return body, all_headers


def decode_answer(response: httpx.Response) -> Answer:
    answer: Answer = response.json()
    return answer


def error_codes(answer: Answer) -> list[str | None]:
    """Each error's `extensions.code`, in order (None where an error has none)."""
    return [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]


def data_of(answer: Answer) -> Answer:
    """The answer's data, failing with the whole answer when it holds errors."""
    if answer.get("errors") or not isinstance(answer.get("data"), dict):
        raise AssertionError(f"GraphQL errors: {answer}")
    data: Answer = answer["data"]
    return data


class GraphQLClient:
    """GraphQL over an async HTTP client; `app` is the service when it runs in this process."""

    def __init__(self, http: httpx.AsyncClient, app: FastAPI | None = None) -> None:
        self.http = http
        self.app = app

    async def execute(
        self,
        query: str,
        variables: Variables | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        body, all_headers = encode_request(query, variables, token, headers)
        return decode_answer(await self.http.post(GRAPHQL_PATH, content=body, headers=all_headers))


class BlockingGraphQLClient:
    """The same client for blocking code: the end-to-end suite and the stack launcher."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def execute(
        self,
        query: str,
        variables: Variables | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        body, all_headers = encode_request(query, variables, token, headers)
        return decode_answer(self.http.post(GRAPHQL_PATH, content=body, headers=all_headers))


def _state_per_request(app: ASGIApp) -> ASGIApp:
    """`app` with each request given its own copy of the lifespan state, as uvicorn gives it:
    asgi-lifespan hands every request the same dict, so what one request leaves in
    `request.state` (the operation the telemetry middleware reads) would reach the next."""

    async def with_own_state(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan" and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return with_own_state


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[GraphQLClient]:
    """The app with its real lifespan and storage, reached over ASGI."""
    # Inside the manager's own wrapper, which sets the shared dict on every scope.
    async with LifespanManager(_state_per_request(app), startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http, app)
