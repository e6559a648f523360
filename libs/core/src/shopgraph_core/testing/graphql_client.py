"""An in-process client for a service app: its real lifespan, real storage, over ASGI."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, app: FastAPI | None = None) -> None:
        self.http = http
        self.app = app

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        # Encoded as most clients do (ASCII, escapes for the rest): a test may then send
        # strings that UTF-8 cannot encode, such as a lone surrogate, as JSON's "\ud800".
        payload = json.dumps({"query": query, "variables": variables or {}})
        all_headers.setdefault("content-type", "application/json")
        response = await self.http.post("/graphql", content=payload, headers=all_headers)
        body: dict[str, Any] = response.json()
        return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[GraphQLClient]:
    async with LifespanManager(app, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http, app)
