"""Federation: `_entities` resolves any number of users with one SQL query, and shows a
user only to whom `user(id)` would: the user themself or an admin."""

from shopgraph_testing.drivers.users import Accounts
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_testing.sql_queries import count_queries

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name } }
}"""


async def test_hundred_representations_cost_one_query(
    client: GraphQLClient, accounts: Accounts
) -> None:
    users = [await accounts.sign_up() for _ in range(10)]
    ids = [u["user"]["id"] for u in users] * 9 + [f"missing-{i}" for i in range(10)]
    representations = [{"__typename": "User", "id": i} for i in ids]
    assert client.app is not None
    engine = client.app.state.service.store.engine

    admin = await accounts.admin_token()

    with count_queries(engine) as queries:
        body = await client.execute(ENTITIES, {"representations": representations}, token=admin)

    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert len(entities) == 100
    assert [e["id"] for e in entities[:90]] == ids[:90]
    assert entities[90:] == [None] * 10
    assert queries.count == 1, queries.statements


async def test_entities_show_a_user_only_to_themself_or_an_admin(
    client: GraphQLClient, accounts: Accounts
) -> None:
    alice, bob = await accounts.sign_up(), await accounts.sign_up()
    representations = {"representations": [{"__typename": "User", "id": alice["user"]["id"]}]}

    anonymous = await client.execute(ENTITIES, representations)
    other = await client.execute(ENTITIES, representations, token=bob["token"])
    themself = await client.execute(ENTITIES, representations, token=alice["token"])
    admin = await client.execute(ENTITIES, representations, token=await accounts.admin_token())

    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert error_codes(other) == ["FORBIDDEN"]
    for body in (anonymous, other):
        assert body["data"]["_entities"] == [None]
    for body in (themself, admin):
        assert body["data"]["_entities"] == [{"id": alice["user"]["id"], "name": "Test User"}]


async def test_one_id_repeated_or_unknown_is_one_query_by_key(
    client: GraphQLClient, accounts: Accounts
) -> None:
    # A batch of one distinct id is read by primary key (accounts.by_ids); every position of
    # the batch still gets its answer.
    alice = await accounts.sign_up()
    admin = await accounts.admin_token()
    assert client.app is not None
    engine = client.app.state.service.store.engine

    for user_id, expected in [(alice["user"]["id"], alice["user"]["id"]), ("missing", None)]:
        representations = [{"__typename": "User", "id": user_id}] * 3
        with count_queries(engine) as queries:
            body = await client.execute(ENTITIES, {"representations": representations}, token=admin)

        assert "errors" not in body, body
        found = [e and e["id"] for e in body["data"]["_entities"]]
        assert found == [expected] * 3
        assert queries.count == 1, queries.statements
        assert " IN " not in queries.statements[0].upper(), queries.statements
