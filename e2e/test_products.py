"""Through the gateway: an admin creates products; anyone lists and searches them."""

import uuid
from typing import Any

from shopgraph_testing.drivers.gateway import Gateway
from shopgraph_testing.graphql import error_codes

CREATE_PRODUCT = """
mutation Create($i: CreateProductInput!) {
  createProduct(input: $i) { id sku name price { amount currency } stock createdAt }
}"""
SEARCH = """
query Search($q: String, $inStock: Boolean, $first: Int, $after: String) {
  products(search: $q, inStock: $inStock, first: $first, after: $after) {
    edges { cursor node { id name stock } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def test_admin_creates_and_anyone_lists_and_searches(gateway: Gateway) -> None:
    tag = uuid.uuid4().hex[:8]
    admin = gateway.admin_token()
    created: list[dict[str, Any]] = []
    for name, stock in [(f"Teapot {tag} Blue", 3), (f"teapot {tag} red", 0), (f"Mug {tag}", 5)]:
        body = gateway.execute(
            CREATE_PRODUCT,
            {
                "i": {
                    "sku": f"E2E-{tag}-{len(created)}",
                    "name": name,
                    "price": 1250,
                    "stock": stock,
                }
            },
            token=admin,
        )
        assert "errors" not in body, body
        created.append(body["data"]["createProduct"])

    everyone = gateway.execute(SEARCH, {"q": f"TEAPOT {tag}"})
    in_stock = gateway.execute(SEARCH, {"q": f"teapot {tag}", "inStock": True})
    first_page = gateway.execute(SEARCH, {"q": tag, "first": 2})
    after = first_page["data"]["products"]["pageInfo"]["endCursor"]
    second_page = gateway.execute(SEARCH, {"q": tag, "first": 2, "after": after})

    assert {e["node"]["name"] for e in everyone["data"]["products"]["edges"]} == {
        f"Teapot {tag} Blue",
        f"teapot {tag} red",
    }
    assert [e["node"]["name"] for e in in_stock["data"]["products"]["edges"]] == [
        f"Teapot {tag} Blue"
    ]
    assert first_page["data"]["products"]["pageInfo"]["hasNextPage"] is True
    paged = first_page["data"]["products"]["edges"] + second_page["data"]["products"]["edges"]
    assert sorted(e["node"]["id"] for e in paged) == sorted(p["id"] for p in created)
    assert created[0]["price"] == {"amount": 1250, "currency": "USD"}


def test_customers_and_anonymous_callers_cannot_create_products(gateway: Gateway) -> None:
    product = {"i": {"sku": f"E2E-{uuid.uuid4().hex[:8]}", "name": "Nope", "price": 1, "stock": 1}}

    as_customer = gateway.execute(CREATE_PRODUCT, product, token=gateway.sign_up()["token"])
    anonymous = gateway.execute(CREATE_PRODUCT, product)

    assert error_codes(as_customer) == ["FORBIDDEN"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


def test_an_admins_stock_count_while_an_order_is_open_keeps_the_listing_whole(
    gateway: Gateway,
) -> None:
    # The review's case: the largest stock set while an order holds units, then a cancel.
    largest = 2**31 - 1
    admin = gateway.admin_token()
    tag = uuid.uuid4().hex[:8]
    created = gateway.execute(
        CREATE_PRODUCT,
        {"i": {"sku": f"E2E-{tag}", "name": f"Count {tag}", "price": 100, "stock": 10}},
        token=admin,
    )["data"]["createProduct"]
    customer = gateway.sign_up()["token"]
    placed = gateway.execute(
        "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }",
        {"i": {"items": [{"productId": created["id"], "quantity": 3}]}},
        token=customer,
    )["data"]["createOrder"]

    counted = gateway.execute(
        "mutation($id: ID!, $s: Int) { updateProduct(id: $id, input: {stock: $s}) { stock } }",
        {"id": created["id"], "s": largest},
        token=admin,
    )
    cancelled = gateway.execute(
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        {"id": placed["id"]},
        token=customer,
    )
    listing = gateway.execute(SEARCH, {"q": tag})
    adjusted = gateway.execute(
        "mutation($id: ID!, $by: Int!) { adjustStock(id: $id, by: $by) { stock } }",
        {"id": created["id"], "by": 1},
        token=admin,
    )

    assert counted["data"]["updateProduct"] == {"stock": largest}
    assert cancelled["data"]["cancelOrder"] == {"status": "CANCELLED"}
    assert "errors" not in listing, listing
    assert [e["node"]["stock"] for e in listing["data"]["products"]["edges"]] == [largest]
    assert error_codes(adjusted) == ["BAD_USER_INPUT"]
