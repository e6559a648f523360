"""What the admin's stock changes mean while reservations are out, and the stock's bounds.

`updateProduct(stock:)` is a stock count: what reservations out at that moment hold never
comes back on top of it. `adjustStock(by:)` is a delta: they keep coming back. Whatever the
path, stock stays within 0..2^31-1, so the listing always answers.
"""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.storage.mongo import MongoStore
from shopgraph_products.models import ReservationDoc, ReservationItem
from shopgraph_testing.drivers.products import ProductsShop, service_of
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_testing.mongo_commands import count_commands
from shopgraph_testing.tokens import TestTokens

MAX_STOCK = 2**31 - 1  # the largest GraphQL Int

UPDATE_STOCK = """
mutation Update($id: ID!, $stock: Int) {
  updateProduct(id: $id, input: {stock: $stock}) { id stock }
}"""
ADJUST = "mutation Adjust($id: ID!, $by: Int!) { adjustStock(id: $id, by: $by) { id stock } }"
LISTING = "query { products(first: 100) { edges { node { id stock } } } }"
WRITES = ("insert", "update", "findAndModify", "delete")


def store_of(client: GraphQLClient) -> MongoStore:
    return service_of(client).store


def new_id() -> str:
    return f"order-{uuid.uuid4().hex}"


async def set_stock(shop: ProductsShop, product_id: str, stock: int) -> dict[str, Any]:
    body: dict[str, Any] = await shop.client.execute(
        UPDATE_STOCK, {"id": product_id, "stock": stock}, token=shop.admin_token
    )
    return body


async def adjust(
    shop: ProductsShop, product_id: str, by: int, token: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = await shop.client.execute(
        ADJUST, {"id": product_id, "by": by}, token=token or shop.admin_token
    )
    return body


async def listed_stock(client: GraphQLClient, product_id: str) -> int:
    body = await client.execute(LISTING)
    assert "errors" not in body, body
    stocks: dict[str, int] = {
        e["node"]["id"]: e["node"]["stock"] for e in body["data"]["products"]["edges"]
    }
    return stocks[product_id]


async def test_a_count_at_the_largest_stock_survives_a_cancelled_order(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    # The review's case: the admin sets the largest stock while an order holds 3 units,
    # then the order is cancelled. Adding the 3 back would break the Int and the listing.
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 3)])
    await shop.confirm(reservation_id)

    counted = await set_stock(shop, product["id"], MAX_STOCK)
    released = await shop.release(reservation_id)

    assert "errors" not in counted, counted
    assert released.status_code == 200
    assert await shop.stock(product["id"]) == MAX_STOCK
    assert await listed_stock(client, product["id"]) == MAX_STOCK


async def test_a_count_is_what_is_for_sale_and_earlier_reservations_do_not_add_to_it(
    shop: ProductsShop,
) -> None:
    product = await shop.create(stock=10)
    before = new_id()
    await shop.reserve(before, [(product["id"], 4)])
    assert await shop.stock(product["id"]) == 6

    await set_stock(shop, product["id"], 20)
    after = new_id()
    await shop.reserve(after, [(product["id"], 5)])
    assert await shop.stock(product["id"]) == 15

    await shop.release(before)  # held before the count: not part of it, nothing comes back
    assert await shop.stock(product["id"]) == 15
    await shop.release(after)  # taken from the count: comes back
    assert await shop.stock(product["id"]) == 20


async def test_an_adjustment_keeps_reservations_coming_back(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 4)])

    added = await adjust(shop, product["id"], 10)
    assert added["data"]["adjustStock"] == {"id": product["id"], "stock": 16}
    removed = await adjust(shop, product["id"], -6)
    assert removed["data"]["adjustStock"]["stock"] == 10

    await shop.release(reservation_id)
    assert await shop.stock(product["id"]) == 14


@pytest.mark.parametrize("by", [-11, MAX_STOCK - 9, -(2**31)])
async def test_an_adjustment_out_of_range_is_bad_user_input_and_changes_nothing(
    shop: ProductsShop, by: int
) -> None:
    product = await shop.create(stock=10)

    body = await adjust(shop, product["id"], by)

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "by"
    assert await shop.stock(product["id"]) == 10


@pytest.mark.parametrize("stock", [-1, 2**31])
async def test_a_count_out_of_range_is_bad_user_input(shop: ProductsShop, stock: int) -> None:
    product = await shop.create(stock=10)

    body = await set_stock(shop, product["id"], stock)

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert await shop.stock(product["id"]) == 10


async def test_a_release_never_takes_the_stock_past_the_largest(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 5)])
    filled = await adjust(shop, product["id"], MAX_STOCK - 5)
    assert filled["data"]["adjustStock"]["stock"] == MAX_STOCK

    released = await shop.release(reservation_id)
    again = await shop.release(reservation_id)

    assert released.status_code == again.status_code == 200
    assert await listed_stock(client, product["id"]) == MAX_STOCK


async def test_only_admins_adjust_and_unknown_products_are_not_found(
    shop: ProductsShop, tokens: TestTokens
) -> None:
    product = await shop.create(stock=10)

    customer = await adjust(shop, product["id"], 1, token=tokens.customer())
    unknown = await adjust(shop, "0123456789abcdef01234567", 1)
    malformed = await adjust(shop, "nope", 1)

    assert error_codes(customer) == ["FORBIDDEN"]
    assert error_codes(unknown) == error_codes(malformed) == ["NOT_FOUND"]
    assert await shop.stock(product["id"]) == 10


async def test_a_stored_stock_out_of_range_cannot_poison_the_listing(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    # Written by hand, or by a version before the bounds: shown clamped, never an error.
    product = await shop.create(stock=1)
    database = store_of(client).database
    await database.products.update_one(
        {"_id": ObjectId(product["id"])}, {"$set": {"stock": MAX_STOCK + 5}}
    )

    assert await listed_stock(client, product["id"]) == MAX_STOCK


async def test_once_the_stock_is_gone_a_reservation_writes_nothing(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=1)
    store = store_of(client)
    with count_commands(store) as winner:
        won = await shop.reserve(new_id(), [(product["id"], 1)])
    with count_commands(store) as loser:
        lost = await shop.reserve(new_id(), [(product["id"], 1)])

    assert won.status_code == 200
    # The lock, the take, and the lock turning PENDING: three writes for the winner...
    assert sum(winner.count(name) for name in WRITES) == 3, winner.names()
    # ...and none at all for a loser, however many queue up behind the winners.
    assert lost.status_code == 409
    assert lost.json()["code"] == "OUT_OF_STOCK"
    assert sum(loser.count(name) for name in WRITES) == 0, loser.names()


async def test_a_reservation_that_read_the_stock_before_a_count_takes_from_the_new_count(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=10)
    await set_stock(shop, product["id"], 8)  # counted after the reservation looked
    assert client.app is not None
    reservations = service_of(client).reservations
    now = utcnow(Precision.MILLISECOND)
    lock = ReservationDoc(
        id=new_id(),
        status="APPLYING",
        items=[ReservationItem(product_id=ObjectId(product["id"]), quantity=2, stock_epoch=None)],
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=30),
    )
    await lock.insert()

    pending = await reservations._apply(lock)

    assert pending.status == "PENDING"
    assert await shop.stock(product["id"]) == 6
    await shop.release(lock.id)  # taken from the new count, so it comes back
    assert await shop.stock(product["id"]) == 8
