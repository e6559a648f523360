"""Every line a service writes inside a request carries the request span's trace and span
ids: the error line of an unexpected failure as well as the access line, on a real service
app (the core's factory, a tiny schema) called with a client's traceparent."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import strawberry
from fastapi import FastAPI

from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.runtime.app import create_service_app
from shopgraph_core.settings import ServiceSettings
from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.spans import recorded_spans
from shopgraph_testing.tokens import TestTokens

TRACE_ID = "6e0c63257de34c92bf9efcd03927272e"


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("a bug")


class Storage:
    async def check_ready(self) -> None:
        return None


def service_app() -> FastAPI:
    settings = ServiceSettings(environment="test")

    @asynccontextmanager
    async def running_service() -> AsyncIterator[Storage]:
        yield Storage()

    return create_service_app(
        settings=settings,
        schema=build_schema(settings=settings, query=Query),
        running_service=running_service,
        verifier=TestTokens().verifier(),
    )


async def test_error_and_access_lines_carry_the_request_spans_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = service_app()  # its logging writes to this test's captured stdout
    async with serve_in_process(app) as client:
        with recorded_spans() as spans:
            body = await client.execute(
                "query Broken { broken }",
                headers={"traceparent": f"00-{TRACE_ID}-1a2b3c4d5e6f7081-01"},
            )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"

    lines: list[dict[str, Any]] = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    errors = [line for line in lines if line["log.level"] == "error"]
    access = [line for line in lines if line["log"]["logger"] == "shopgraph.access"]
    assert errors, lines
    assert access, lines
    [server] = [s for s in spans.get_finished_spans() if s.name == "query Broken"]
    assert server.context is not None
    span_id = format(server.context.span_id, "016x")
    for line in [*errors, *access]:
        assert line["trace"]["id"] == TRACE_ID, line
    assert access[0]["span"]["id"] == span_id
    assert server.attributes is not None
    assert server.attributes["error.type"] == "INTERNAL_SERVER_ERROR"


async def test_probes_and_scrapes_leave_no_span() -> None:
    async with serve_in_process(service_app()) as client:
        with recorded_spans() as spans:
            for path in ("/health/live", "/health/ready", "/metrics"):
                assert (await client.http.get(path)).status_code == 200, path
            await client.execute("{ __typename }")
    assert [s.name for s in spans.get_finished_spans() if s.kind.name == "SERVER"] == [
        "query anonymous"
    ]
