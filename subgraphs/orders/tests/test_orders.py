"""createOrder and cancelOrder against a real products service, on SQLite and MariaDB."""

import asyncio
import uuid
from typing import Any

import pytest

from shopgraph_orders.orders import order_id_for, reservation_id_for
from shopgraph_testing.drivers.orders import OrdersShop
from shopgraph_testing.graphql import error_codes


async def test_order_total_is_the_sum_of_the_prices_products_charged(shop: OrdersShop) -> None:
    mug = await shop.product(price=1250, stock=10)
    tea = await shop.product(price=399, stock=5)
    user_id, token = shop.customer()

    body = await shop.create_order(token, [(mug["id"], 2), (tea["id"], 3)])

    assert "errors" not in body, body
    order = body["data"]["createOrder"]
    assert order["status"] == "CONFIRMED"
    assert order["total"] == {"amount": 2 * 1250 + 3 * 399, "currency": "USD"}
    assert order["user"] == {"id": user_id}
    assert order["createdAt"].endswith("+00:00")
    assert order["items"] == [
        {
            "quantity": 2,
            "unitPrice": {"amount": 1250, "currency": "USD"},
            "product": {"id": mug["id"]},
        },
        {
            "quantity": 3,
            "unitPrice": {"amount": 399, "currency": "USD"},
            "product": {"id": tea["id"]},
        },
    ]
    assert await shop.stock(mug["id"]) == 8
    assert await shop.stock(tea["id"]) == 2
    reservation = await shop.reservation(reservation_id_for(order["id"]))
    assert reservation is not None
    assert reservation["status"] == "CONFIRMED"
    stored = await shop.orders.get(order["id"])
    assert stored is not None
    assert stored.reservation_confirmed


async def test_the_unit_price_is_kept_when_the_product_price_changes(shop: OrdersShop) -> None:
    product = await shop.product(price=500, stock=3)
    _, token = shop.customer()
    placed = (await shop.create_order(token, [(product["id"], 1)]))["data"]["createOrder"]

    await shop._products_graphql(
        "mutation($id: ID!) { updateProduct(id: $id, input: {price: 900}) { id } }",
        {"id": product["id"]},
    )
    body = await shop.client.execute(
        "query($id: ID!) { order(id: $id) { total { amount } items { unitPrice { amount } } } }",
        {"id": placed["id"]},
        token=token,
    )

    assert body["data"]["order"] == {
        "total": {"amount": 500},
        "items": [{"unitPrice": {"amount": 500}}],
    }


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([("P", 0)], "items.0.quantity"),
        ([("P", -3)], "items.0.quantity"),
        ([("P", 1), ("P", 2)], "items.1.productId"),
        ([("", 1)], "items.0.productId"),
    ],
)
async def test_bad_items_are_refused_before_products_is_asked(
    shop: OrdersShop, items: list[tuple[str, int]], field: str
) -> None:
    product = await shop.product(stock=4)
    _, token = shop.customer()
    items = [(product["id"] if p == "P" else p, q) for p, q in items]

    body = await shop.create_order(token, items)

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field
    assert body["data"] is None
    assert await shop.stock(product["id"]) == 4


async def test_bad_idempotency_key_is_bad_user_input(shop: OrdersShop) -> None:
    product = await shop.product()
    _, token = shop.customer()

    for key in ("", "   ", "k" * 201, " " * 5 + "k" * 196, "cart\x00-1", "cart-\u202e1"):
        body = await shop.create_order(token, [(product["id"], 1)], key=key)
        assert error_codes(body) == ["BAD_USER_INPUT"], key


async def test_anonymous_cannot_order(shop: OrdersShop) -> None:
    product = await shop.product(stock=2)

    body = await shop.create_order(None, [(product["id"], 1)])

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert await shop.stock(product["id"]) == 2


async def test_unknown_product_is_not_found_and_nothing_is_reserved(shop: OrdersShop) -> None:
    product = await shop.product(stock=3)
    _, token = shop.customer()
    before = await shop.order_count()

    for missing in ("0123456789abcdef01234567", "not-an-object-id"):
        body = await shop.create_order(token, [(product["id"], 1), (missing, 1)])
        assert error_codes(body) == ["NOT_FOUND"], body
        assert body["errors"][0]["extensions"]["productId"] == missing

    assert await shop.stock(product["id"]) == 3
    assert await shop.order_count() == before


async def test_out_of_stock_reserves_nothing_of_any_item(shop: OrdersShop) -> None:
    plenty = await shop.product(stock=10)
    scarce = await shop.product(stock=1)
    _, token = shop.customer()
    before = await shop.order_count()

    body = await shop.create_order(token, [(plenty["id"], 4), (scarce["id"], 2)])

    assert error_codes(body) == ["OUT_OF_STOCK"]
    assert body["errors"][0]["extensions"]["productId"] == scarce["id"]
    assert await shop.stock(plenty["id"]) == 10
    assert await shop.stock(scarce["id"]) == 1
    assert await shop.order_count() == before


async def test_mixed_currencies_are_refused_and_the_stock_returned(shop: OrdersShop) -> None:
    dollars = await shop.product(currency="USD", stock=5)
    euros = await shop.product(currency="EUR", stock=5)
    _, token = shop.customer()
    before = await shop.order_count()

    body = await shop.create_order(token, [(dollars["id"], 1), (euros["id"], 1)])

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "currency" in body["errors"][0]["message"]
    assert await shop.stock(dollars["id"]) == 5
    assert await shop.stock(euros["id"]) == 5
    assert await shop.order_count() == before


async def test_a_retry_with_the_same_key_returns_the_same_order(shop: OrdersShop) -> None:
    product = await shop.product(stock=10)
    user_id, token = shop.customer()
    key = f"checkout-{uuid.uuid4()}"

    first = await shop.create_order(token, [(product["id"], 3)], key=key)
    again = await shop.create_order(token, [(product["id"], 3)], key=key)

    assert "errors" not in first, first
    assert again["data"]["createOrder"] == first["data"]["createOrder"]
    assert first["data"]["createOrder"]["id"] == order_id_for(user_id, key)
    assert await shop.stock(product["id"]) == 7


async def test_the_same_key_with_other_items_is_a_conflict(shop: OrdersShop) -> None:
    first_product, second_product = await shop.product(stock=10), await shop.product(stock=10)
    _, token = shop.customer()
    key = f"checkout-{uuid.uuid4()}"
    first = await shop.create_order(
        token, [(first_product["id"], 3), (second_product["id"], 1)], key=key
    )
    assert "errors" not in first, first

    other_quantity = await shop.create_order(token, [(first_product["id"], 4)], key=key)
    other_items = await shop.create_order(
        token, [(first_product["id"], 3), (second_product["id"], 2)], key=key
    )
    # The same items in another order are the same request: the first order, as before.
    reordered = await shop.create_order(
        token, [(second_product["id"], 1), (first_product["id"], 3)], key=key
    )

    for refused in (other_quantity, other_items):
        assert error_codes(refused) == ["CONFLICT"], refused
        assert "idempotencyKey" in refused["errors"][0]["message"]
        assert refused["errors"][0]["extensions"]["field"] == "idempotencyKey"
    assert reordered["data"]["createOrder"] == first["data"]["createOrder"]
    assert await shop.stock(first_product["id"]) == 7
    assert await shop.stock(second_product["id"]) == 9


async def test_racing_retries_with_one_key_make_one_order(
    shop: OrdersShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = await shop.product(stock=10)
    _, token = shop.customer()
    key = f"double-click-{uuid.uuid4()}"
    before = await shop.order_count()
    client = shop.orders.products
    reserve, reserved = client.reserve, []

    async def counting_reserve(*args: Any) -> Any:  # counts calls; products answers them
        reserved.append(args[0])
        return await reserve(*args)

    monkeypatch.setattr(client, "reserve", counting_reserve)
    bodies = await asyncio.gather(
        *(shop.create_order(token, [(product["id"], 2)], key=key) for _ in range(4))
    )
    monkeypatch.undo()

    # They really raced: each went to products, under the one reservation id they share.
    assert len(reserved) == 4
    assert len(set(reserved)) == 1

    for body in bodies:
        assert "errors" not in body, body
    assert len({body["data"]["createOrder"]["id"] for body in bodies}) == 1
    assert await shop.order_count() == before + 1
    assert await shop.stock(product["id"]) == 8


async def test_the_same_key_of_two_customers_makes_two_orders(shop: OrdersShop) -> None:
    product = await shop.product(stock=10)
    (_, alice), (_, bob) = shop.customer(), shop.customer()

    a = await shop.create_order(alice, [(product["id"], 1)], key="cart-1")
    b = await shop.create_order(bob, [(product["id"], 1)], key="cart-1")

    assert a["data"]["createOrder"]["id"] != b["data"]["createOrder"]["id"]
    assert await shop.stock(product["id"]) == 8


async def test_a_key_whose_first_attempt_failed_can_be_retried(shop: OrdersShop) -> None:
    product = await shop.product(stock=1)
    _, token = shop.customer()
    key = f"retry-{uuid.uuid4()}"

    refused = await shop.create_order(token, [(product["id"], 2)], key=key)
    placed = await shop.create_order(token, [(product["id"], 1)], key=key)

    assert error_codes(refused) == ["OUT_OF_STOCK"]
    assert "errors" not in placed, placed
    assert await shop.stock(product["id"]) == 0


async def test_a_key_whose_reservation_was_released_gets_a_fresh_one(shop: OrdersShop) -> None:
    # An earlier attempt reserved under the key's id, then gave the stock back (e.g. its
    # database write failed). The retry must not be stuck on that released reservation.
    product = await shop.product(stock=5)
    user_id, token = shop.customer()
    key = f"released-{uuid.uuid4()}"
    first_id = reservation_id_for(order_id_for(user_id, key))
    await shop.orders.products.reserve(first_id, [(product["id"], 2)])
    await shop.orders.products.release(first_id)

    body = await shop.create_order(token, [(product["id"], 2)], key=key)

    assert "errors" not in body, body
    stored = await shop.orders.get(body["data"]["createOrder"]["id"])
    assert stored is not None
    assert stored.reservation_id == reservation_id_for(order_id_for(user_id, key), 1)
    assert await shop.stock(product["id"]) == 3


async def test_cancel_returns_the_stock_once(shop: OrdersShop) -> None:
    product = await shop.product(stock=6)
    _, token = shop.customer()
    order = (await shop.create_order(token, [(product["id"], 4)]))["data"]["createOrder"]
    assert await shop.stock(product["id"]) == 2

    cancelled = await shop.cancel_order(token, order["id"])
    again = await shop.cancel_order(token, order["id"])

    assert cancelled["data"]["cancelOrder"]["status"] == "CANCELLED"
    assert again == cancelled
    assert await shop.stock(product["id"]) == 6
    reservation = await shop.reservation(reservation_id_for(order["id"]))
    assert reservation is not None
    assert reservation["status"] == "RELEASED"
    stored = await shop.orders.get(order["id"])
    assert stored is not None
    assert stored.stock_released


async def test_racing_cancels_return_the_stock_once(shop: OrdersShop) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    order = (await shop.create_order(token, [(product["id"], 5)]))["data"]["createOrder"]

    bodies = await asyncio.gather(*(shop.cancel_order(token, order["id"]) for _ in range(3)))

    assert {body["data"]["cancelOrder"]["status"] for body in bodies} == {"CANCELLED"}
    assert await shop.stock(product["id"]) == 5


async def test_a_retry_of_a_cancelled_order_returns_it_cancelled(shop: OrdersShop) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    key = f"cancelled-{uuid.uuid4()}"
    order = (await shop.create_order(token, [(product["id"], 1)], key=key))["data"]
    await shop.cancel_order(token, order["createOrder"]["id"])

    retried = await shop.create_order(token, [(product["id"], 1)], key=key)

    assert retried["data"]["createOrder"]["status"] == "CANCELLED"
    assert await shop.stock(product["id"]) == 5


async def test_only_the_owner_or_an_admin_may_cancel(shop: OrdersShop) -> None:
    product = await shop.product(stock=5)
    (_, owner), (_, other), (_, admin) = shop.customer(), shop.customer(), shop.admin()
    order = (await shop.create_order(owner, [(product["id"], 2)]))["data"]["createOrder"]

    by_other = await shop.cancel_order(other, order["id"])
    anonymous = await shop.cancel_order(None, order["id"])
    by_admin = await shop.cancel_order(admin, order["id"])

    assert error_codes(by_other) == ["NOT_FOUND"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert by_admin["data"]["cancelOrder"]["status"] == "CANCELLED"
    assert await shop.stock(product["id"]) == 5


async def test_cancelling_an_unknown_order_is_not_found(shop: OrdersShop) -> None:
    _, token = shop.customer()

    body = await shop.cancel_order(token, str(uuid.uuid4()))

    assert error_codes(body) == ["NOT_FOUND"]


async def test_internal_errors_reveal_nothing(shop: OrdersShop) -> None:
    # A wrong service credential is an operator's mistake: INTERNAL_SERVER_ERROR, no detail.
    product = await shop.product(stock=2)
    _, token = shop.customer()
    client = shop.orders.products
    real = client._http.headers["X-Service-Token"]
    client._http.headers["X-Service-Token"] = "wrong"
    try:
        body: dict[str, Any] = await shop.create_order(token, [(product["id"], 1)])
    finally:
        client._http.headers["X-Service-Token"] = real

    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["message"] == "Internal server error"
    assert await shop.stock(product["id"]) == 2
