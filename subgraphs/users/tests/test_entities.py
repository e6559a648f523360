"""Federation: `_entities` resolves any number of users with one SQL query."""

from typing import Any

from shopgraph_core.testing.graphql_client import GraphQLClient
from shopgraph_core.testing.sql_queries import count_queries

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name } }
}"""


async def test_hundred_representations_cost_one_query(client: GraphQLClient, accounts: Any) -> None:
    users = [await accounts.sign_up() for _ in range(10)]
    ids = [u["user"]["id"] for u in users] * 9 + [f"missing-{i}" for i in range(10)]
    representations = [{"__typename": "User", "id": i} for i in ids]
    assert client.app is not None
    engine = client.app.state.service.store.engine

    with count_queries(engine) as queries:
        body = await client.execute(ENTITIES, {"representations": representations})

    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert len(entities) == 100
    assert [e["id"] for e in entities[:90]] == ids[:90]
    assert entities[90:] == [None] * 10
    assert queries.count == 1, queries.statements
