"""When products is down, hung, or orders died half-way: nothing is lost, nothing is left.

This module runs its own products process, which it stops, freezes and restarts.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from shopgraph_core.clock import Precision, utcnow
from shopgraph_orders.app import create_app
from shopgraph_orders.models import OrderItemRow, OrderRow, OrderStatus
from shopgraph_orders.order_rules import reservation_id_for
from shopgraph_orders.reconciler import ReconcileReport
from shopgraph_orders.settings import OrdersSettings
from shopgraph_testing.drivers.orders import OrdersShop, ProductsServer
from shopgraph_testing.graphql import GraphQLClient, error_codes, serve_in_process

# Products' reservation TTL in these tests (RESERVATION_TTL_S in tests/conftest.py).
RESERVATION_TTL_S = 8


@pytest.fixture(scope="module")
def products(
    start_products_server: Callable[[Path], ProductsServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ProductsServer]:
    """Products of this module's own, since the tests here stop and freeze it."""
    server = start_products_server(tmp_path_factory.mktemp("resilience"))
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def impatient(settings: OrdersSettings) -> AsyncIterator[GraphQLClient]:
    """A second orders app on the same database that gives up on products quickly."""
    quick = settings.model_copy(
        update={"products_timeout_s": 0.5, "products_connect_timeout_s": 0.5, "products_retries": 1}
    )
    async with serve_in_process(create_app(quick)) as client:
        yield client


async def reconcile_now(shop: OrdersShop) -> ReconcileReport:
    """One reconciler pass that does not wait for orders to age."""
    reconciler = shop.orders.reconciler
    grace, reconciler.reconcile_after = reconciler.reconcile_after, timedelta(0)
    try:
        report: ReconcileReport = await reconciler.reconcile_once()
    finally:
        reconciler.reconcile_after = grace
    return report


async def store_unconfirmed_order(
    shop: OrdersShop, user_id: str, product: dict[str, Any], quantity: int, *, reserve: bool = True
) -> OrderRow:
    """What a crash between storing an order and confirming its reservation leaves."""
    order_id = str(uuid.uuid4())
    reservation_id = reservation_id_for(order_id)
    if reserve:
        await shop.orders.products.reserve(reservation_id, [(product["id"], quantity)])
    now = utcnow(Precision.MICROSECOND)
    order = OrderRow(
        id=order_id,
        user_id=user_id,
        idempotency_key=None,
        status=OrderStatus.CONFIRMED.value,
        currency="USD",
        total=product["price"]["amount"] * quantity,
        reservation_id=reservation_id,
        reservation_confirmed=False,
        stock_released=False,
        created_at=now,
        updated_at=now,
    )
    async with shop.orders.store.session() as session, session.begin():
        session.add(order)
        await session.flush()
        session.add(
            OrderItemRow(
                order_id=order_id,
                position=0,
                product_id=product["id"],
                quantity=quantity,
                unit_price=product["price"]["amount"],
                currency="USD",
            )
        )
    return order


async def test_products_down_is_upstream_unavailable_and_leaves_nothing(shop: OrdersShop) -> None:
    product = await shop.product(stock=4)
    _, token = shop.customer()
    [placed] = [(await shop.create_order(token, [(product["id"], 1)]))["data"]["createOrder"]]
    before = await shop.order_count()
    key = f"outage-{uuid.uuid4()}"

    shop.products.stop()
    try:
        plain = await shop.create_order(token, [(product["id"], 2)])
        keyed = await shop.create_order(token, [(product["id"], 2)], key=key)
        # Reading needs no products: orders keeps answering what it holds.
        mine = await shop.client.execute("{ myOrders { edges { node { id } } } }", token=token)
    finally:
        shop.products.start()

    for body in (plain, keyed):
        assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"], body
        assert body["data"] is None
        assert "127.0.0.1" not in str(body)
    assert mine["data"]["myOrders"]["edges"] == [{"node": {"id": placed["id"]}}]
    assert await shop.order_count() == before
    assert await shop.stock(product["id"]) == 3
    # Back up, the same key places the order, once.
    retried = await shop.create_order(token, [(product["id"], 2)], key=key)
    assert "errors" not in retried, retried
    assert await shop.stock(product["id"]) == 1


async def test_hung_products_times_out_and_leaves_nothing(
    shop: OrdersShop, impatient: GraphQLClient
) -> None:
    product = await shop.product(stock=6)
    _, token = shop.customer()
    before = await shop.order_count()
    order_input = {"items": [{"productId": product["id"], "quantity": 5}]}

    shop.products.pause()
    try:
        started = time.monotonic()
        body = await impatient.execute(
            "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }",
            {"i": order_input},
            token=token,
        )
        elapsed = time.monotonic() - started
    finally:
        shop.products.resume()

    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"], body
    # Two attempts at the reservation and two at releasing it, 0.5 s each, plus backoff.
    assert elapsed < 4, elapsed
    assert await shop.order_count() == before
    # Products now works through the requests it held: whatever it reserved is released,
    # by our release call or, failing that, by its TTL. No stock stays taken.
    stock = await shop.wait_for_stock(product["id"], 6, timeout_s=RESERVATION_TTL_S + 5)
    assert stock == 6
    assert await shop.order_count() == before


async def test_a_slow_products_is_retried_and_the_stock_taken_once(
    shop: OrdersShop, settings: OrdersSettings
) -> None:
    # The first attempt times out while products is frozen; products still carries it out
    # when it thaws, and the retry, under the same reservation id, gets that reservation.
    product = await shop.product(stock=6)
    _, token = shop.customer()
    patient = settings.model_copy(
        update={"products_timeout_s": 0.5, "products_retries": 4, "products_retry_backoff_s": 0.2}
    )
    async with serve_in_process(create_app(patient)) as client:
        shop.products.pause()
        try:
            placing = asyncio.create_task(
                client.execute(
                    "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }",
                    {"i": {"items": [{"productId": product["id"], "quantity": 2}]}},
                    token=token,
                )
            )
            await asyncio.sleep(0.8)
        finally:
            shop.products.resume()
        body = await placing

    assert "errors" not in body, body
    assert await shop.stock(product["id"]) == 4
    reservation = await shop.reservation(reservation_id_for(body["data"]["createOrder"]["id"]))
    assert reservation is not None
    assert reservation["status"] == "CONFIRMED"


async def test_reconciler_confirms_an_order_stored_but_never_confirmed(shop: OrdersShop) -> None:
    user_id, token = shop.customer()
    product = await shop.product(stock=5)
    order = await store_unconfirmed_order(shop, user_id, product, 2)
    pending = await shop.reservation(order.reservation_id)
    assert pending is not None
    assert pending["status"] == "PENDING"

    report = await reconcile_now(shop)

    assert report.confirmed >= 1
    confirmed = await shop.reservation(order.reservation_id)
    assert confirmed is not None
    assert confirmed["status"] == "CONFIRMED"  # products will not expire it now
    stored = await shop.orders.get(order.id)
    assert stored is not None
    assert stored.reservation_confirmed
    assert await shop.stock(product["id"]) == 3
    body = await shop.client.execute(
        "query($id: ID!) { order(id: $id) { status } }", {"id": order.id}, token=token
    )
    assert body["data"]["order"] == {"status": "CONFIRMED"}


async def test_reconciler_cancels_an_order_whose_reservation_expired(shop: OrdersShop) -> None:
    user_id, _ = shop.customer()
    product = await shop.product(stock=5)
    order = await store_unconfirmed_order(shop, user_id, product, 2)
    # Products gave the stock back before anyone confirmed (here: released, as on expiry).
    await shop.orders.products.release(order.reservation_id)

    report = await reconcile_now(shop)

    assert report.lost >= 1
    stored = await shop.orders.get(order.id)
    assert stored is not None
    assert stored.status == OrderStatus.CANCELLED
    assert stored.stock_released
    assert await shop.stock(product["id"]) == 5


async def test_the_reconciler_runs_by_itself(shop: OrdersShop, settings: OrdersSettings) -> None:
    user_id, _ = shop.customer()
    product = await shop.product(stock=5)
    eager = settings.model_copy(update={"reconcile_interval_s": 0.2, "reconcile_after_s": 0.0})

    async with serve_in_process(create_app(eager)) as client:
        assert client.app is not None
        order = await store_unconfirmed_order(shop, user_id, product, 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            stored = await shop.orders.get(order.id)
            if stored is not None and stored.reservation_confirmed:
                break
            await asyncio.sleep(0.1)

    assert stored is not None
    assert stored.reservation_confirmed
    reservation = await shop.reservation(order.reservation_id)
    assert reservation is not None
    assert reservation["status"] == "CONFIRMED"


async def test_cancel_while_products_is_down_returns_the_stock_later(shop: OrdersShop) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    order = (await shop.create_order(token, [(product["id"], 3)]))["data"]["createOrder"]

    shop.products.stop()
    try:
        body = await shop.cancel_order(token, order["id"])
    finally:
        shop.products.start()

    # The cancellation stands at once; the stock comes back when products can take it.
    assert body["data"]["cancelOrder"]["status"] == "CANCELLED"
    stored = await shop.orders.get(order["id"])
    assert stored is not None
    assert not stored.stock_released
    assert await shop.stock(product["id"]) == 2

    report = await reconcile_now(shop)

    assert report.released >= 1
    assert await shop.stock(product["id"]) == 5
    stored = await shop.orders.get(order["id"])
    assert stored is not None
    assert stored.stock_released
    # Cancelling again, or reconciling again, returns nothing more.
    await shop.cancel_order(token, order["id"])
    await reconcile_now(shop)
    assert await shop.stock(product["id"]) == 5
