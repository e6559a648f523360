"""Lapsed reservations: expiry of unconfirmed ones, and recovery of half-applied ones.

This module runs its own app with a short RESERVATION_TTL and a busy sweeper.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from shopgraph_testing.drivers.products import ProductsSettingsFactory, ProductsShop, service_of
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.tokens import TestTokens

TTL = timedelta(seconds=1.5)
SWEEP = timedelta(seconds=0.1)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(
    products_settings: ProductsSettingsFactory, tokens: TestTokens
) -> AsyncIterator[GraphQLClient]:
    from shopgraph_products.app import create_app

    settings = products_settings(
        reservation_ttl=TTL.total_seconds(), reservation_sweep_interval=SWEEP.total_seconds()
    )
    async with serve_in_process(create_app(settings, verifier=tokens.verifier())) as client:
        yield client


def new_id() -> str:
    return f"order-{uuid.uuid4().hex}"


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def database(client: GraphQLClient) -> AsyncDatabase[dict[str, Any]]:
    return service_of(client).store.database


async def test_an_unconfirmed_reservation_expires_and_its_stock_comes_back(
    shop: ProductsShop,
) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 4)])
    assert await shop.stock(product["id"]) == 6

    async def stock_is_back() -> bool:
        return bool(await shop.stock(product["id"]) == 10)

    await eventually(stock_is_back)
    assert (await shop.read(reservation_id)).json()["status"] == "RELEASED"
    late = await shop.confirm(reservation_id)
    assert late.status_code == 409
    assert late.json()["code"] == "CONFLICT"
    await asyncio.sleep(3 * SWEEP.total_seconds())
    assert await shop.stock(product["id"]) == 10  # once, not once per sweep


async def test_a_confirmed_reservation_does_not_expire(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 4)])
    confirmed = await shop.confirm(reservation_id)
    assert confirmed.json()["status"] == "CONFIRMED"

    await asyncio.sleep(TTL.total_seconds() + 5 * SWEEP.total_seconds())

    assert await shop.stock(product["id"]) == 6
    assert (await shop.read(reservation_id)).json()["status"] == "CONFIRMED"


async def test_everyone_racing_for_an_expired_reservation_returns_its_stock_once(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=10)
    reservation_ids = [new_id() for _ in range(5)]
    for reservation_id in reservation_ids:
        await shop.reserve(reservation_id, [(product["id"], 2)])
    assert await shop.stock(product["id"]) == 0
    # Let them lapse before the sweeper's next round can be sure to have seen them.
    await asyncio.sleep(TTL.total_seconds())
    service = service_of(client)

    await asyncio.gather(
        *(shop.release(r) for r in reservation_ids),
        *(shop.confirm(r) for r in reservation_ids),
        *(shop.reserve(r, [(product["id"], 2)]) for r in reservation_ids),
        *(service.reservations.sweep() for _ in range(3)),
    )

    assert await shop.stock(product["id"]) == 10
    statuses = {(await shop.read(r)).json()["status"] for r in reservation_ids}
    assert statuses == {"RELEASED"}


async def test_the_sweeper_rolls_back_a_half_applied_reservation(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    applied = await shop.create(stock=10)  # taken, and flagged as such
    unflagged = await shop.create(stock=10)  # taken, the worker died before flagging it
    untouched = await shop.create(stock=10)  # never reached
    reservation_id = new_id()
    db = database(client)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    # What a worker that died half-way through leaves behind.
    await db.products.update_one({"_id": ObjectId(applied["id"])}, {"$inc": {"stock": -2}})
    await db.products.update_one(
        {"_id": ObjectId(unflagged["id"])},
        {"$inc": {"stock": -3}, "$push": {"stock_marks": f"take:{reservation_id}"}},
    )

    def item(product: dict[str, Any], quantity: int, *, applied: bool) -> dict[str, Any]:
        return {
            "product_id": ObjectId(product["id"]),
            "quantity": quantity,
            "unit_price": 1000 if applied else None,
            "currency": "USD" if applied else None,
            "applied": applied,
            "returned": False,
        }

    await db.reservations.insert_one(
        {
            "_id": reservation_id,
            "status": "APPLYING",
            "items": [
                item(applied, 2, applied=True),
                item(unflagged, 3, applied=False),
                item(untouched, 4, applied=False),
            ],
            "created_at": long_ago,
            "updated_at": long_ago,
            "expires_at": long_ago + timedelta(seconds=30),  # the worker's lease: long gone
            "marks": True,
            "release_reason": None,
        }
    )

    async def rolled_back() -> bool:
        return await db.reservations.find_one({"_id": reservation_id}) is None

    await eventually(rolled_back)
    assert await shop.stock(applied["id"]) == 10
    assert await shop.stock(unflagged["id"]) == 10
    assert await shop.stock(untouched["id"]) == 10
    products = await db.products.find(
        {"_id": {"$in": [ObjectId(p["id"]) for p in (applied, unflagged, untouched)]}}
    ).to_list()
    assert [p["stock_marks"] for p in products] == [[], [], []]
    # The id is free again, and works.
    retried = await shop.reserve(reservation_id, [(untouched["id"], 4)])
    assert retried.json()["status"] == "PENDING"
    assert await shop.stock(untouched["id"]) == 6


async def test_a_reservation_still_being_applied_is_left_alone(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    db = database(client)
    now = datetime.now(UTC)
    await db.products.update_one({"_id": ObjectId(product["id"])}, {"$inc": {"stock": -2}})
    await db.reservations.insert_one(
        {
            "_id": reservation_id,
            "status": "APPLYING",
            "items": [
                {
                    "product_id": ObjectId(product["id"]),
                    "quantity": 2,
                    "applied": True,
                    "returned": False,
                    "unit_price": 1000,
                    "currency": "USD",
                }
            ],
            "created_at": now,
            "updated_at": now,
            "expires_at": now + timedelta(minutes=1),  # its worker's lease still runs
            "marks": True,
        }
    )

    await asyncio.sleep(5 * SWEEP.total_seconds())

    assert await shop.stock(product["id"]) == 8
    doc = await db.reservations.find_one({"_id": reservation_id})
    assert doc is not None
    assert doc["status"] == "APPLYING"


async def test_a_half_applied_reservation_from_before_a_stock_count_gives_nothing_back(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    db = database(client)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    # A worker took 3 (its mark says so) and died; then the admin counted the stock.
    await db.products.update_one(
        {"_id": ObjectId(product["id"])},
        {"$inc": {"stock": -3}, "$push": {"stock_marks": f"take:{reservation_id}"}},
    )
    await db.reservations.insert_one(
        {
            "_id": reservation_id,
            "status": "APPLYING",
            "items": [
                {
                    "product_id": ObjectId(product["id"]),
                    "quantity": 3,
                    "stock_epoch": None,  # taken before any count
                    "applied": False,
                    "returned": False,
                }
            ],
            "created_at": long_ago,
            "updated_at": long_ago,
            "expires_at": long_ago + timedelta(seconds=30),
            "marks": True,
        }
    )
    counted = await shop.client.execute(
        "mutation($id: ID!) { updateProduct(id: $id, input: {stock: 50}) { stock } }",
        {"id": product["id"]},
        token=shop.admin_token,
    )
    assert counted["data"]["updateProduct"]["stock"] == 50

    async def rolled_back() -> bool:
        return await db.reservations.find_one({"_id": reservation_id}) is None

    await eventually(rolled_back)
    assert await shop.stock(product["id"]) == 50
    raw = await db.products.find_one({"_id": ObjectId(product["id"])})
    assert raw is not None
    assert raw["stock_marks"] == []
