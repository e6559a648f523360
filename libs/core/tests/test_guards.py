"""The app factory's guards, on a real service app (the core's factory, a tiny schema)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import strawberry
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr, ValidationError

from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.runtime.app import create_service_app
from shopgraph_core.settings import ServiceSettings
from shopgraph_core.web.guards import GATEWAY_TOKEN_HEADER
from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.tokens import TestTokens

GATEWAY_TOKEN = "gateway-token-for-tests-" + "x" * 16
QUERY = b'{"query": "{ echo(text: \\"hi\\") }"}'


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text


class Storage:
    async def check_ready(self) -> None:
        return None


echo_router = APIRouter()


@echo_router.post("/internal/echo")
async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return body


def service_app(**settings: Any) -> FastAPI:
    values = ServiceSettings(environment="test", **settings)

    @asynccontextmanager
    async def running_service() -> AsyncIterator[Storage]:
        yield Storage()

    return create_service_app(
        settings=values,
        schema=build_schema(settings=values, query=Query),
        running_service=running_service,
        verifier=TestTokens().verifier(),
        routers=[echo_router],
    )


def padded(size: int) -> bytes:
    """A GraphQL request body of exactly `size` bytes (whitespace pads the document)."""
    head, tail = b'{"query": "{ echo(text: \\"hi\\") }', b'"}'
    return head + b" " * (size - len(head) - len(tail)) + tail


async def test_bodies_over_the_limit_are_413_with_a_contract_code() -> None:
    limit = 4096
    async with serve_in_process(service_app(max_request_bytes=limit)) as client:
        at_limit = await client.http.post("/graphql", content=padded(limit), headers=JSON)
        over = await client.http.post("/graphql", content=padded(limit + 1), headers=JSON)

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            body = padded(limit * 3)
            for i in range(0, len(body), 1000):
                yield body[i : i + 1000]

        streamed = await client.http.post("/graphql", content=chunks(), headers=JSON)
        internal = await client.http.post(
            "/internal/echo", content=b'{"a": "' + b"x" * limit + b'"}', headers=JSON
        )

    assert (at_limit.status_code, at_limit.json()) == (200, {"data": {"echo": "hi"}})
    for refused in (over, streamed):
        assert refused.status_code == 413
        [error] = refused.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "maxBytes": limit}
    assert internal.status_code == 413
    assert internal.json()["code"] == "BAD_USER_INPUT"


async def test_the_default_limit_is_one_mebibyte() -> None:
    async with serve_in_process(service_app()) as client:
        over = await client.http.post("/graphql", content=padded(1024 * 1024 + 1), headers=JSON)
        under = await client.http.post("/graphql", content=padded(1024 * 1024), headers=JSON)

    assert over.status_code == 413
    assert under.status_code == 200


async def test_with_a_gateway_token_graphql_answers_only_the_gateway() -> None:
    app = service_app(gateway_token=SecretStr(GATEWAY_TOKEN))
    async with serve_in_process(app) as client:
        anonymous = await client.http.post("/graphql", content=QUERY, headers=JSON)
        wrong = await client.http.post(
            "/graphql", content=QUERY, headers={**JSON, GATEWAY_TOKEN_HEADER: GATEWAY_TOKEN[:-1]}
        )
        by_get = await client.http.get("/graphql", params={"query": '{ echo(text: "x") }'})
        gateway = await client.http.post(
            "/graphql", content=QUERY, headers={**JSON, GATEWAY_TOKEN_HEADER: GATEWAY_TOKEN}
        )
        ready = await client.http.get("/health/ready")
        internal = await client.http.post("/internal/echo", json={"a": 1})

    for refused in (anonymous, wrong, by_get):
        assert refused.status_code == 403
        [error] = refused.json()["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN"}
    assert gateway.json() == {"data": {"echo": "hi"}}
    # Probes, metrics, JWKS and the internal API (which has its own credential) stay open.
    assert ready.status_code == 200
    assert internal.json() == {"a": 1}


async def test_without_a_gateway_token_nothing_is_required() -> None:
    async with serve_in_process(service_app()) as client:
        body = await client.http.post("/graphql", content=QUERY, headers=JSON)

    assert body.json() == {"data": {"echo": "hi"}}


JSON = {"content-type": "application/json"}


def test_the_gateway_token_may_come_from_a_file_and_is_never_empty(tmp_path: Path) -> None:
    secret = tmp_path / "gateway-token"
    secret.write_text(GATEWAY_TOKEN + "\n")

    assert ServiceSettings(gateway_token_file=secret).effective_gateway_token == SecretStr(
        GATEWAY_TOKEN
    )
    assert ServiceSettings(gateway_token=SecretStr("")).effective_gateway_token is None
    with pytest.raises(ValidationError, match="GATEWAY_TOKEN_FILE cannot be read"):
        ServiceSettings(environment="production", gateway_token_file=tmp_path / "missing")


def test_a_websocket_to_graphql_needs_the_gateway_token_too() -> None:
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    app = service_app(gateway_token=SecretStr(GATEWAY_TOKEN))
    refused = None
    with TestClient(app) as client:
        try:
            with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]):
                pass
        except WebSocketDisconnect as exc:
            refused = exc
    assert refused is not None
    assert refused.code == 4403
