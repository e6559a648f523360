"""A lone UTF-16 surrogate ("\\ud800" in JSON) in any string of any operation is
BAD_USER_INPUT, refused by the core for the whole request before anything runs."""

import uuid
from typing import Any

import pytest

from shopgraph_testing.drivers.orders import OrdersShop
from shopgraph_testing.hygiene import refusals_of

CREATE = """
mutation C($input: CreateOrderInput!) { createOrder(input: $input) { id } }"""
ORDER = "query O($id: ID!) { order(id: $id) { id } }"
MY_ORDERS = "query M($after: String) { myOrders(first: 1, after: $after) { edges { cursor } } }"
CANCEL = "mutation X($id: ID!) { cancelOrder(id: $id) { id } }"
ENTITIES = """
query E($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id } }
}"""


async def test_a_lone_surrogate_anywhere_is_bad_user_input(
    shop: OrdersShop, caplog: pytest.LogCaptureFixture
) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    placed = await shop.create_order(token, [(product["id"], 1)])
    order_id = placed["data"]["createOrder"]["id"]
    page = await shop.client.execute(MY_ORDERS, {}, token=token)
    cursor = page["data"]["myOrders"]["edges"][0]["cursor"]
    order_input = {
        "items": [{"productId": product["id"], "quantity": 1}],
        "idempotencyKey": f"k-{uuid.uuid4()}",
    }
    representations = [{"__typename": "Order", "id": order_id}]

    def probe(query: str, variables: dict[str, Any]) -> Any:
        return refusals_of(shop.client, caplog, query, variables, token=token)

    sent = await probe(CREATE, {"input": order_input})
    sent += await probe(ORDER, {"id": order_id})
    sent += await probe(MY_ORDERS, {"after": cursor})
    sent += await probe(CANCEL, {"id": order_id})
    sent += await probe(ENTITIES, {"representations": representations})

    assert sent == 12
    # Nothing ran: the stock is still held by the one order placed above.
    assert await shop.stock(product["id"]) == 4
