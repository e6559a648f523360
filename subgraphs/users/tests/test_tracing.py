"""Traces: the caller's W3C trace context is continued, with spans for the database calls,
and no personal data (emails, passwords, tokens) in any span."""

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
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


def _everything_recorded(span: ReadableSpan) -> list[str]:
    """Every attribute value of the span and of its events, as text, and its name."""
    values = [span.name, *(str(v) for v in (span.attributes or {}).values())]
    for event in span.events:
        values += [event.name, *(str(v) for v in (event.attributes or {}).values())]
    return values


async def test_no_personal_data_reaches_a_span(
    client: GraphQLClient, accounts: Accounts, spans: InMemorySpanExporter
) -> None:
    email = f"private-{uuid.uuid4().hex[:10]}@example.com"
    password = f"secret-{uuid.uuid4().hex}"
    signed_up = await accounts.sign_up(email, password)
    logged_in = await accounts.login(email, password)
    wrong = await accounts.login(email, password + "-wrong")
    await client.execute("query Me { me { id email name } }", token=signed_up["token"])

    assert wrong["errors"], wrong
    tokens = [signed_up["token"], logged_in["data"]["login"]["token"]]
    recorded = [
        value for span in spans.get_finished_spans() for value in _everything_recorded(span)
    ]
    # The flow did run through the database, and its statements were recorded.
    assert any("SELECT" in value or "INSERT" in value for value in recorded), recorded
    for secret in (email, password, email.split("@", maxsplit=1)[0], *tokens):
        leaked = [value for value in recorded if secret in value]
        assert leaked == [], f"{secret!r} is in a span: {leaked}"
    for token in tokens:  # nor any third of a token (its header, payload or signature)
        for part in token.split("."):
            assert not [value for value in recorded if part in value]
