"""The internal route wrapper: every failure of an /internal/ route leaves as a JSON error
with the contract's code and its HTTP status, and only holders of the credential get in."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, SecretStr
from pymongo.errors import ServerSelectionTimeoutError

from shopgraph_core.errors import NotFound, OutOfStock
from shopgraph_core.web.internal import SERVICE_TOKEN_HEADER, internal_router

TOKEN = SecretStr("a-service-credential-of-enough-length")


class Reserve(BaseModel):
    quantity: int


def internal_app() -> FastAPI:
    router = internal_router(TOKEN)

    @router.post("/reserve")
    async def reserve(body: Reserve) -> dict[str, int]:
        if body.quantity > 5:
            raise OutOfStock("Not enough stock", productId="p1", available=5)
        return {"reserved": body.quantity}

    @router.get("/missing")
    async def missing() -> None:
        raise NotFound("No such reservation")

    @router.get("/outage")
    async def outage() -> None:
        raise ServerSelectionTimeoutError("no server")  # what pymongo raises when it is away

    @router.get("/bug")
    async def bug() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=internal_app())
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://products",
        headers={SERVICE_TOKEN_HEADER: TOKEN.get_secret_value()},
    ) as http:
        yield http


async def test_a_route_that_succeeds_answers_as_written(client: httpx.AsyncClient) -> None:
    response = await client.post("/internal/reserve", json={"quantity": 2})

    assert (response.status_code, response.json()) == (200, {"reserved": 2})


async def test_an_app_error_keeps_its_code_status_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/internal/reserve", json={"quantity": 9})
    missing = await client.get("/internal/missing")

    assert refused.status_code == 409
    assert refused.json() == {
        "code": "OUT_OF_STOCK",
        "message": "Not enough stock",
        "productId": "p1",
        "available": 5,
    }
    assert missing.status_code == 404
    assert missing.json() == {"code": "NOT_FOUND", "message": "No such reservation"}


@pytest.mark.parametrize("body", [{}, {"quantity": "many"}, []])
async def test_an_invalid_body_is_bad_user_input_naming_the_field(
    client: httpx.AsyncClient, body: object
) -> None:
    response = await client.post("/internal/reserve", json=body)

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_USER_INPUT"
    assert response.json()["message"].startswith("Invalid request: ")


async def test_a_storage_outage_is_upstream_unavailable(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="shopgraph.internal"):
        response = await client.get("/internal/outage")

    assert response.status_code == 503
    assert response.json()["code"] == "UPSTREAM_UNAVAILABLE"
    assert [r.levelno for r in caplog.records] == [logging.WARNING]  # one line, no traceback
    assert caplog.records[0].exc_info is None


async def test_a_bug_is_a_bare_internal_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="shopgraph.internal"):
        response = await client.get("/internal/bug")

    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error"}
    assert "SELECT" not in response.text
    assert caplog.records[0].exc_info is not None  # the traceback stays in our log


@pytest.mark.parametrize("presented", [None, "", "wrong", TOKEN.get_secret_value() + "x"])
async def test_without_the_credential_nothing_runs(
    client: httpx.AsyncClient, presented: str | None
) -> None:
    headers = {} if presented is None else {SERVICE_TOKEN_HEADER: presented}
    client.headers.pop(SERVICE_TOKEN_HEADER)

    response = await client.post("/internal/reserve", json={"quantity": 1}, headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"
