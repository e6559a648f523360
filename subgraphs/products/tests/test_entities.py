"""Federation: `_entities` resolves any number of products with one database round trip."""

from bson import ObjectId

from shopgraph_testing.drivers.products import ProductsShop, service_of
from shopgraph_testing.graphql import GraphQLClient
from shopgraph_testing.mongo_commands import count_commands

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id name price { amount } } }
}"""


async def test_fifty_representations_cost_one_find(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    products = [await shop.create(name=f"Entity {i}", price=100 + i) for i in range(10)]
    ids = [p["id"] for p in products] * 4 + ["0123456789abcdef01234567", "not-an-id"] * 5
    representations = [{"__typename": "Product", "id": i} for i in ids]
    assert client.app is not None
    store = service_of(client).store

    with count_commands(store) as commands:
        body = await client.execute(ENTITIES, {"representations": representations})

    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert len(entities) == 50
    assert [e["id"] for e in entities[:40]] == ids[:40]
    assert entities[0]["price"] == {"amount": 100}
    assert entities[40:] == [None] * 10
    assert commands.count("find") == 1, commands.names()
    assert commands.count() == 1, commands.names()


async def test_only_malformed_ids_need_no_round_trip(client: GraphQLClient) -> None:
    assert client.app is not None
    representations = [{"__typename": "Product", "id": "nope"}] * 3

    with count_commands(service_of(client).store) as commands:
        body = await client.execute(ENTITIES, {"representations": representations})

    assert body == {"data": {"_entities": [None, None, None]}}
    assert commands.count() == 0


async def test_one_product_is_looked_up_by_key(client: GraphQLClient, shop: ProductsShop) -> None:
    # An `_id` equality, the plainest lookup by key (how FerretDB serves it: tools/ferretdb).
    product = await shop.create(name="By key", price=100)
    assert client.app is not None

    with count_commands(service_of(client).store) as commands:
        body = await client.execute(
            "query($id: ID!) { product(id: $id) { id name } }", {"id": product["id"]}
        )

    assert body == {"data": {"product": {"id": product["id"], "name": "By key"}}}
    [find] = commands.commands
    assert find.command["filter"] == {"_id": ObjectId(product["id"])}
