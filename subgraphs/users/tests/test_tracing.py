"""Traces: the caller's W3C trace context is continued, with spans for the database calls."""

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shopgraph_testing.drivers.users import Accounts
from shopgraph_testing.graphql import GraphQLClient
from shopgraph_testing.spans import recorded_spans, spans_of_trace

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN_ID = "b7ad6b7169203331"


@pytest.fixture
def spans(client: GraphQLClient) -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


async def test_request_and_database_spans_join_the_callers_trace(
    client: GraphQLClient, accounts: Accounts, spans: InMemorySpanExporter
) -> None:
    token = (await accounts.sign_up())["token"]
    spans.clear()

    await client.execute(
        "query TracedMe { me { id } }",
        token=token,
        headers={"traceparent": f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"},
    )

    finished = spans_of_trace(spans, TRACE_ID)
    [server] = [s for s in finished if s.name == "query TracedMe"]
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_SPAN_ID
    assert server.attributes is not None
    assert server.attributes["graphql.operation.type"] == "query"
    database = [s for s in finished if s.attributes and "db.system" in s.attributes]
    assert database, [s.name for s in finished]
    assert all(s.parent is not None for s in database)
