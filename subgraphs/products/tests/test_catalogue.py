"""createProduct, updateProduct and product(id): the admin's catalogue and its rules."""

import uuid
from typing import Any

import pytest

from shopgraph_testing.drivers.products import ProductsShop
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_testing.tokens import TestTokens

CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { id sku name description price { amount currency } stock createdAt }
}"""
UPDATE = """
mutation Update($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id sku name description price { amount currency } stock }
}"""
PRODUCT = """
query Product($id: ID!) {
  product(id: $id) { id sku name description price { amount currency } stock createdAt }
}"""


def new_input(**fields: Any) -> dict[str, Any]:
    return {
        "sku": f"SKU-{uuid.uuid4().hex[:12]}",
        "name": "Camp Mug",
        "price": 1499,
        "stock": 3,
        **fields,
    }


async def test_created_product_reads_back_the_same(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    created = await shop.create(
        name="  Enamel Mug  ", description="Survives fires.", price=1499, currency="EUR", stock=7
    )

    assert created["name"] == "Enamel Mug"  # trimmed
    assert created["price"] == {"amount": 1499, "currency": "EUR"}
    assert created["createdAt"].endswith("+00:00")
    body = await client.execute(PRODUCT, {"id": created["id"]})
    assert body == {"data": {"product": created}}


async def test_defaults_are_usd_and_an_empty_description(shop: ProductsShop) -> None:
    created = await shop.create()

    assert created["price"]["currency"] == "USD"
    assert created["description"] == ""


async def test_update_changes_only_what_is_given(client: GraphQLClient, shop: ProductsShop) -> None:
    created = await shop.create(name="Old name", description="Kept", price=100, stock=1)

    body = await client.execute(
        UPDATE,
        {
            "id": created["id"],
            "input": {"name": "New name", "price": 250, "stock": 0, "description": None},
        },
        token=shop.admin_token,
    )

    assert "errors" not in body, body
    updated = body["data"]["updateProduct"]
    expected = {key: created[key] for key in ("id", "sku", "description")}
    assert updated == {
        **expected,
        "name": "New name",
        "price": {"amount": 250, "currency": "USD"},
        "stock": 0,
    }
    assert updated["description"] == "Kept"  # null means "leave as is"
    read = await client.execute(PRODUCT, {"id": created["id"]})
    assert read["data"]["product"]["name"] == "New name"
    assert read["data"]["product"]["stock"] == 0


async def test_unknown_and_malformed_ids_read_as_null(client: GraphQLClient) -> None:
    for unknown in ("0123456789abcdef01234567", "not-an-object-id", "", "x" * 500):
        assert await client.execute(PRODUCT, {"id": unknown}) == {"data": {"product": None}}


@pytest.mark.parametrize("product_id", ["0123456789abcdef01234567", "not-an-object-id"])
async def test_updating_an_unknown_product_is_not_found(
    client: GraphQLClient, shop: ProductsShop, product_id: str
) -> None:
    body = await client.execute(
        UPDATE, {"id": product_id, "input": {"name": "x"}}, token=shop.admin_token
    )

    assert error_codes(body) == ["NOT_FOUND"]
    assert body["data"] is None


async def test_duplicate_sku_is_conflict(client: GraphQLClient, shop: ProductsShop) -> None:
    created = await shop.create()

    body = await client.execute(
        CREATE, {"input": new_input(sku=created["sku"])}, token=shop.admin_token
    )

    assert error_codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["field"] == "sku"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": -1}, "price"),
        ({"stock": -5}, "stock"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),  # the right shape, but no such currency
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"sku": ""}, "sku"),
        ({"sku": "has space"}, "sku"),
        ({"sku": "-starts-with-dash"}, "sku"),
        ({"sku": "S" * 65}, "sku"),
        ({"description": "d" * 5001}, "description"),
    ],
)
async def test_invalid_product_input_is_bad_user_input(
    client: GraphQLClient, shop: ProductsShop, change: dict[str, Any], field: str
) -> None:
    body = await client.execute(CREATE, {"input": new_input(**change)}, token=shop.admin_token)

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field


@pytest.mark.parametrize(
    ("change", "field"),
    [({"price": -1}, "price"), ({"stock": -1}, "stock"), ({"name": ""}, "name")],
)
async def test_invalid_update_is_bad_user_input_and_changes_nothing(
    client: GraphQLClient, shop: ProductsShop, change: dict[str, Any], field: str
) -> None:
    created = await shop.create(price=100, stock=4)

    body = await client.execute(
        UPDATE, {"id": created["id"], "input": {"stock": 9, **change}}, token=shop.admin_token
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    assert await shop.stock(created["id"]) == 4


async def test_a_price_beyond_graphql_int_is_refused(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    body = await client.execute(CREATE, {"input": new_input(price=2**31)}, token=shop.admin_token)

    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("who", ["customer", "anonymous", "forged"])
async def test_only_admins_may_create_or_update(
    client: GraphQLClient, shop: ProductsShop, tokens: TestTokens, who: str
) -> None:
    token = {
        "customer": tokens.customer(),
        "anonymous": None,
        "forged": TestTokens().admin(),  # an admin token signed by a key nobody trusts
    }[who]
    expected = "FORBIDDEN" if who == "customer" else "UNAUTHENTICATED"
    existing = await shop.create(stock=2)

    created = await client.execute(CREATE, {"input": new_input()}, token=token)
    updated = await client.execute(
        UPDATE, {"id": existing["id"], "input": {"stock": 999}}, token=token
    )

    assert error_codes(created) == [expected]
    assert created["data"] is None
    assert error_codes(updated) == [expected]
    assert await shop.stock(existing["id"]) == 2
