"""order, myOrders and User.orders: who sees what, cursor pages, and batched loading."""

import asyncio
from typing import Any

import pytest

from shopgraph_testing.drivers.orders import OrdersShop
from shopgraph_testing.graphql import error_codes
from shopgraph_testing.sql_queries import count_queries

ORDER = "query Order($id: ID!) { order(id: $id) { id status user { id } total { amount } } }"
MY_ORDERS = """
query MyOrders($first: Int, $after: String) {
  myOrders(first: $first, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""
USER_ORDERS = """
query UserOrders($representations: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $representations) {
    ... on User { id orders(first: $first, after: $after) { edges { node { id user { id } } } } }
  }
}"""
ORDER_ENTITIES = """
query Orders($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id } }
}"""


async def place(shop: OrdersShop, token: str, count: int = 1, quantity: int = 1) -> list[str]:
    product = await shop.product(stock=count * quantity + 5)
    ids = []
    for _ in range(count):
        body = await shop.create_order(token, [(product["id"], quantity)])
        assert "errors" not in body, body
        ids.append(body["data"]["createOrder"]["id"])
    return ids


async def test_a_customer_sees_their_own_order(shop: OrdersShop) -> None:
    user_id, token = shop.customer()
    [order_id] = await place(shop, token)

    body = await shop.client.execute(ORDER, {"id": order_id}, token=token)

    assert body["data"]["order"]["id"] == order_id
    assert body["data"]["order"]["user"] == {"id": user_id}
    assert body["data"]["order"]["status"] == "CONFIRMED"


async def test_another_customers_order_is_not_found_like_a_missing_one(shop: OrdersShop) -> None:
    _, owner = shop.customer()
    _, other = shop.customer()
    [order_id] = await place(shop, owner)

    theirs = await shop.client.execute(ORDER, {"id": order_id}, token=other)
    missing = await shop.client.execute(
        ORDER, {"id": "00000000-0000-4000-8000-000000000000"}, token=other
    )

    assert error_codes(theirs) == ["NOT_FOUND"]
    assert theirs["data"] == {"order": None}
    # Nothing tells another's order from an id that does not exist.
    assert theirs["errors"][0]["message"] == missing["errors"][0]["message"]
    assert error_codes(missing) == ["NOT_FOUND"]


async def test_an_admin_sees_every_order(shop: OrdersShop) -> None:
    owner_id, owner = shop.customer()
    _, admin = shop.admin()
    [order_id] = await place(shop, owner)

    body = await shop.client.execute(ORDER, {"id": order_id}, token=admin)

    assert body["data"]["order"]["user"] == {"id": owner_id}


async def test_anonymous_callers_are_unauthenticated(shop: OrdersShop) -> None:
    _, owner = shop.customer()
    [order_id] = await place(shop, owner)

    for query, variables in [(ORDER, {"id": order_id}), (MY_ORDERS, {})]:
        body = await shop.client.execute(query, variables)
        assert error_codes(body) == ["UNAUTHENTICATED"], query


async def test_a_forged_token_is_unauthenticated(shop: OrdersShop) -> None:
    from shopgraph_testing.tokens import TestTokens

    forged = TestTokens().customer()

    body = await shop.client.execute(MY_ORDERS, {}, token=forged)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_my_orders_pages_newest_first_with_opaque_cursors(shop: OrdersShop) -> None:
    _, token = shop.customer()
    placed = await place(shop, token, count=5)
    newest_first = list(reversed(placed))

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await shop.client.execute(MY_ORDERS, {"first": 2, "after": after}, token=token)
        assert "errors" not in body, body
        connection = body["data"]["myOrders"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
        assert placed[0] not in after  # opaque: not the id in plain sight

    assert seen == newest_first
    assert pages == 3


async def test_a_page_after_the_last_order_is_empty(shop: OrdersShop) -> None:
    _, token = shop.customer()
    await place(shop, token, count=1)
    first = await shop.client.execute(MY_ORDERS, {"first": 1}, token=token)
    cursor = first["data"]["myOrders"]["pageInfo"]["endCursor"]

    body = await shop.client.execute(MY_ORDERS, {"first": 1, "after": cursor}, token=token)

    assert body["data"]["myOrders"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


async def test_a_customer_without_orders_has_an_empty_connection(shop: OrdersShop) -> None:
    _, token = shop.customer()

    body = await shop.client.execute(MY_ORDERS, {}, token=token)

    assert body["data"]["myOrders"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


@pytest.mark.parametrize(
    "variables",
    [{"first": 0}, {"first": 101}, {"first": -1}, {"after": "garbage!"}, {"after": "Zm9v"}],
)
async def test_bad_page_arguments_are_bad_user_input(
    shop: OrdersShop, variables: dict[str, Any]
) -> None:
    _, token = shop.customer()

    body = await shop.client.execute(MY_ORDERS, variables, token=token)

    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_user_orders_are_for_the_user_themself_or_an_admin(shop: OrdersShop) -> None:
    owner_id, owner = shop.customer()
    _, other = shop.customer()
    _, admin = shop.admin()
    placed = await place(shop, owner, count=2)
    variables = {"representations": [{"__typename": "User", "id": owner_id}], "first": 10}

    own = await shop.client.execute(USER_ORDERS, variables, token=owner)
    as_admin = await shop.client.execute(USER_ORDERS, variables, token=admin)
    as_other = await shop.client.execute(USER_ORDERS, variables, token=other)
    anonymous = await shop.client.execute(USER_ORDERS, variables)

    expected = [{"node": {"id": i, "user": {"id": owner_id}}} for i in reversed(placed)]
    assert own["data"]["_entities"][0]["orders"]["edges"] == expected
    assert as_admin["data"]["_entities"][0]["orders"]["edges"] == expected
    assert error_codes(as_other) == ["FORBIDDEN"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_order_entities_resolve_only_what_the_caller_may_see(shop: OrdersShop) -> None:
    _, owner = shop.customer()
    _, other = shop.customer()
    [order_id] = await place(shop, owner)
    variables = {"representations": [{"__typename": "Order", "id": order_id}]}

    own = await shop.client.execute(ORDER_ENTITIES, variables, token=owner)
    as_other = await shop.client.execute(ORDER_ENTITIES, variables, token=other)

    assert own["data"]["_entities"] == [{"id": order_id}]
    assert as_other["data"]["_entities"] == [None]


async def test_fifty_orders_with_items_users_and_products_cost_two_queries(
    shop: OrdersShop,
) -> None:
    _, token = shop.customer()
    products = [await shop.product(stock=200) for _ in range(3)]
    items = [(p["id"], 1) for p in products]
    for batch in range(5):
        bodies = await asyncio.gather(
            *(shop.create_order(token, items, key=f"bulk-{batch}-{i}") for i in range(10))
        )
        assert all("errors" not in body for body in bodies), bodies
    query = """
    query Fifty {
      myOrders(first: 50) {
        edges { node {
          id status createdAt total { amount currency } user { id }
          items { quantity unitPrice { amount currency } product { id } }
        } }
      }
    }"""

    with count_queries(shop.orders.store.engine) as queries:
        body = await shop.client.execute(query, token=token)

    assert "errors" not in body, body
    edges = body["data"]["myOrders"]["edges"]
    assert len(edges) == 50
    assert all(len(edge["node"]["items"]) == 3 for edge in edges)
    # The page of orders, then the items of all 50 in one batch; users and products are
    # references the gateway resolves in their subgraphs, one batch each.
    assert queries.count == 2, queries.statements


async def test_order_entities_are_loaded_in_one_query(shop: OrdersShop) -> None:
    _, admin = shop.admin()
    _, owner = shop.customer()
    placed = await place(shop, owner, count=5)
    representations = [{"__typename": "Order", "id": i} for i in placed] * 4
    query = """
    query Entities($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Order { id items { quantity } }
      }
    }"""

    with count_queries(shop.orders.store.engine) as queries:
        body = await shop.client.execute(query, {"representations": representations}, token=admin)

    assert [e["id"] for e in body["data"]["_entities"]] == placed * 4
    assert queries.count == 2, queries.statements


async def test_items_are_read_only_when_the_operation_selects_them(shop: OrdersShop) -> None:
    _, token = shop.customer()
    [order_id] = await place(shop, token, quantity=2)
    by_fragment = """
    query Order($id: ID!) { order(id: $id) { id ...Lines } }
    fragment Lines on Order { lines: items { quantity } }"""

    with count_queries(shop.orders.store.engine) as without_items:
        plain = await shop.client.execute(ORDER, {"id": order_id}, token=token)
    with count_queries(shop.orders.store.engine) as with_items:
        lined = await shop.client.execute(by_fragment, {"id": order_id}, token=token)

    assert plain["data"]["order"]["id"] == order_id
    assert without_items.count == 1, without_items.statements
    assert lined["data"]["order"] == {"id": order_id, "lines": [{"quantity": 2}]}
    assert with_items.count == 2, with_items.statements


async def test_a_users_orders_come_with_their_items(shop: OrdersShop) -> None:
    user_id, token = shop.customer()
    placed = await place(shop, token, count=3, quantity=2)
    query = """
    query UserOrders($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on User { orders { edges { node { id ... on Order { items { quantity } } } } } }
      }
    }"""

    body = await shop.client.execute(
        query, {"representations": [{"__typename": "User", "id": user_id}]}, token=token
    )

    edges = body["data"]["_entities"][0]["orders"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == placed[::-1]
    assert [edge["node"]["items"] for edge in edges] == [[{"quantity": 2}]] * 3


async def test_order_entities_without_items_cost_one_query(shop: OrdersShop) -> None:
    _, owner = shop.customer()
    placed = await place(shop, owner, count=3)
    representations = [{"__typename": "Order", "id": i} for i in placed]

    with count_queries(shop.orders.store.engine) as queries:
        body = await shop.client.execute(
            ORDER_ENTITIES, {"representations": representations}, token=owner
        )

    assert [e["id"] for e in body["data"]["_entities"]] == placed
    assert queries.count == 1, queries.statements
