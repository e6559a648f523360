"""products(first, after, search, inStock): keyset pages with opaque cursors."""

import uuid
from typing import Any

import pytest

from shopgraph_testing.drivers.products import ProductsShop
from shopgraph_testing.graphql import GraphQLClient, error_codes

PRODUCTS = """
query Products($first: Int, $after: String, $search: String, $inStock: Boolean) {
  products(first: $first, after: $after, search: $search, inStock: $inStock) {
    edges { cursor node { id name stock } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def page(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await client.execute(PRODUCTS, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["products"]
    return result


async def walk(client: GraphQLClient, after: str | None = None, **variables: Any) -> list[str]:
    """Every page in turn from `after`; the ids in the order served."""
    ids: list[str] = []
    while True:
        result = await page(client, after=after, **variables)
        ids += [edge["node"]["id"] for edge in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            return ids
        after = result["pageInfo"]["endCursor"]


def tag() -> str:
    return uuid.uuid4().hex[:10]


async def test_pages_follow_one_another_in_creation_order(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    name = f"Pager {tag()}"
    created = [(await shop.create(name=f"{name} {i}"))["id"] for i in range(7)]

    first = await page(client, first=3, search=name)

    assert [e["node"]["id"] for e in first["edges"]] == created[:3]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}
    assert await walk(client, first=3, search=name) == created


async def test_cursors_stay_correct_while_products_are_added(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    name = f"Growing {tag()}"
    before = [(await shop.create(name=f"{name} {i}"))["id"] for i in range(5)]
    first = await page(client, first=2, search=name)

    added = [(await shop.create(name=f"{name} new {i}"))["id"] for i in range(3)]
    rest = await walk(client, first=2, search=name, after=first["pageInfo"]["endCursor"])

    seen = [e["node"]["id"] for e in first["edges"]] + rest
    assert seen == before + added  # nothing skipped, nothing twice, still in order


async def test_search_is_a_case_insensitive_literal_substring(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    word = tag()
    mug = await shop.create(name=f"Blue {word} Mug (large) [v2]")
    await shop.create(name=f"Red {word} Cup")

    assert [n["node"]["id"] for n in (await page(client, search=f"{word} MUG"))["edges"]] == [
        mug["id"]
    ]
    # Regex syntax is matched literally, not interpreted.
    literal = await page(client, search=f"{word} Mug (large) [v2]")
    assert [e["node"]["id"] for e in literal["edges"]] == [mug["id"]]
    assert (await page(client, search=f"{word}.*Cup"))["edges"] == []
    assert (await page(client, search=".*"))["edges"] == []


async def test_in_stock_filters_on_stock(client: GraphQLClient, shop: ProductsShop) -> None:
    name = f"Stocked {tag()}"
    full = await shop.create(name=f"{name} full", stock=3)
    empty = await shop.create(name=f"{name} empty", stock=0)

    in_stock = await page(client, search=name, inStock=True)
    out_of_stock = await page(client, search=name, inStock=False)
    both = await page(client, search=name)

    assert [e["node"]["id"] for e in in_stock["edges"]] == [full["id"]]
    assert [e["node"]["id"] for e in out_of_stock["edges"]] == [empty["id"]]
    assert [e["node"]["id"] for e in both["edges"]] == [full["id"], empty["id"]]


async def test_the_default_page_is_twenty(client: GraphQLClient, shop: ProductsShop) -> None:
    name = f"Many {tag()}"
    for i in range(21):
        await shop.create(name=f"{name} {i}")

    body = await client.execute(
        "query($s: String) { products(search: $s) { edges { cursor } pageInfo { hasNextPage } } }",
        {"s": name},
    )

    assert len(body["data"]["products"]["edges"]) == 20
    assert body["data"]["products"]["pageInfo"]["hasNextPage"] is True


async def test_an_empty_result_has_no_end_cursor(client: GraphQLClient) -> None:
    result = await page(client, search=f"nothing is called {tag()}")

    assert result == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"after": "not a cursor!"}, "after"),
        ({"after": "bm90LWFuLWlk"}, "after"),  # base64 of "not-an-id"
        ({"after": ""}, "after"),
        ({"search": "s" * 101}, "search"),
    ],
)
async def test_bad_paging_arguments_are_bad_user_input(
    client: GraphQLClient, variables: dict[str, Any], field: str
) -> None:
    body = await client.execute(PRODUCTS, variables)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_a_hundred_is_the_largest_page(client: GraphQLClient) -> None:
    body = await client.execute(PRODUCTS, {"first": 100})

    assert "errors" not in body
