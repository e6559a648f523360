"""Text that is not acceptable is BAD_USER_INPUT wherever it is sent, never a fault of ours.

A lone UTF-16 surrogate ("\\ud800" in JSON) is refused by the core for the whole request,
whatever string carries it; control and bidirectional-override characters are refused in
product names and descriptions (line breaks and tabs stay allowed in descriptions).
"""

import uuid
from typing import Any

import pytest

from shopgraph_testing.drivers.products import ProductsShop
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_testing.hygiene import refusals_of

CREATE = """
mutation C($input: CreateProductInput!) { createProduct(input: $input) { id name } }"""
UPDATE = """
mutation U($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id }
}"""
PRODUCT = "query P($id: ID!) { product(id: $id) { id } }"
PRODUCTS = """
query L($search: String, $after: String) {
  products(first: 2, search: $search, after: $after) { edges { cursor } }
}"""
ENTITIES = """
query E($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id name } }
}"""
CONTROL_CHARACTERS = ["\x00", "\x1b", "\x7f", "\x9b", "\u202e", "\u2067", "\ufeff"]


def new_product(**fields: Any) -> dict[str, Any]:
    return {
        "sku": f"SKU-{uuid.uuid4().hex[:12]}",
        "name": "Tea",
        "description": "Green.",
        "currency": "EUR",
        "price": 100,
        "stock": 1,
        **fields,
    }


async def test_a_lone_surrogate_anywhere_is_bad_user_input(
    shop: ProductsShop, caplog: pytest.LogCaptureFixture
) -> None:
    client: GraphQLClient = shop.client
    admin = shop.admin_token
    product = await shop.create()
    page = await client.execute(PRODUCTS, {"search": None, "after": None})
    cursor = page["data"]["products"]["edges"][0]["cursor"]
    update = {"name": "Tea", "description": "Black."}

    sent = await refusals_of(client, caplog, CREATE, {"input": new_product()}, token=admin)
    sent += await refusals_of(
        client, caplog, UPDATE, {"id": product["id"], "input": update}, token=admin
    )
    sent += await refusals_of(client, caplog, PRODUCT, {"id": product["id"]})
    sent += await refusals_of(client, caplog, PRODUCTS, {"search": "tea", "after": cursor})
    sent += await refusals_of(
        client,
        caplog,
        ENTITIES,
        {"representations": [{"__typename": "Product", "id": product["id"]}]},
    )

    assert sent == 17


@pytest.mark.parametrize("bad", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
async def test_control_characters_in_names_and_descriptions_are_refused(
    shop: ProductsShop, bad: str
) -> None:
    client: GraphQLClient = shop.client
    product = await shop.create()

    bodies = {
        "create name": await client.execute(
            CREATE, {"input": new_product(name=f"Tea{bad}x")}, token=shop.admin_token
        ),
        "create description": await client.execute(
            CREATE, {"input": new_product(description=f"Green{bad}x")}, token=shop.admin_token
        ),
        "update name": await client.execute(
            UPDATE, {"id": product["id"], "input": {"name": f"Tea{bad}x"}}, token=shop.admin_token
        ),
    }

    for what, body in bodies.items():
        assert error_codes(body) == ["BAD_USER_INPUT"], (what, body)
    assert (await client.execute(PRODUCT, {"id": product["id"]}))["data"]["product"]


async def test_descriptions_keep_line_breaks_and_tabs(shop: ProductsShop) -> None:
    body = await shop.client.execute(
        CREATE,
        {"input": new_product(description="One\n\tTwo\r\n\u0634\u0627\u064a", name="茶 Tea")},
        token=shop.admin_token,
    )

    assert "errors" not in body, body
