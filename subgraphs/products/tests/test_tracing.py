"""Every MongoDB command gets a client span inside the request's trace."""

from shopgraph_testing.graphql import GraphQLClient
from shopgraph_testing.spans import recorded_spans, spans_of_trace

TRACE_ID = "5e1c0b0d4b8f4c5f9a3e2d1c0b9a8f7e"


async def test_mongodb_commands_are_spans_of_the_request(client: GraphQLClient) -> None:
    with recorded_spans() as spans:
        await client.execute(
            "query Listed { products(first: 3) { edges { node { id } } } }",
            headers={"traceparent": f"00-{TRACE_ID}-a1b2c3d4e5f60718-01"},
        )

    finished = spans_of_trace(spans, TRACE_ID)
    [server] = [s for s in finished if s.name == "query Listed"]
    database = [s for s in finished if s.attributes and s.attributes.get("db.system") == "mongodb"]
    assert [s.name for s in database] == ["mongodb find"]
    # Its ancestry leads to the request's server span (FastAPI adds endpoint spans between).
    by_id = {s.context.span_id: s for s in finished if s.context is not None}
    assert server.context is not None
    ancestor = database[0]
    while ancestor.parent is not None and ancestor.parent.span_id in by_id:
        ancestor = by_id[ancestor.parent.span_id]
        if ancestor is server:
            break
    assert ancestor is server
