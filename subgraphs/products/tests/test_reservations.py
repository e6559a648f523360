"""The internal reservations API: all or nothing, idempotent, and never an oversell."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from shopgraph_testing.drivers.products import ProductsShop
from shopgraph_testing.graphql import GraphQLClient


def new_id() -> str:
    return f"order-{uuid.uuid4().hex}"


async def test_a_reservation_takes_the_stock_and_reports_prices(shop: ProductsShop) -> None:
    product = await shop.create(price=1250, currency="EUR", stock=5)
    reservation_id = new_id()

    response = await shop.reserve(reservation_id, [(product["id"], 2)])

    assert response.status_code == 200
    assert response.json() == {
        "reservationId": reservation_id,
        "status": "PENDING",
        "items": [
            {"productId": product["id"], "quantity": 2, "unitPrice": 1250, "currency": "EUR"}
        ],
    }
    assert await shop.stock(product["id"]) == 3
    assert (await shop.read(reservation_id)).json() == response.json()


async def test_fifty_concurrent_reservations_never_oversell(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)

    responses = await asyncio.gather(
        *(shop.reserve(new_id(), [(product["id"], 1)]) for _ in range(50))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [409] * 40
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"OUT_OF_STOCK"}
    assert await shop.stock(product["id"]) == 0


async def test_the_same_reservation_id_reserves_once(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()

    first = await shop.reserve(reservation_id, [(product["id"], 3)])
    again = await shop.reserve(reservation_id, [(product["id"], 3)])

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert await shop.stock(product["id"]) == 7


async def test_the_same_reservation_id_reserves_once_when_requests_race(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    other = await shop.create(stock=10)
    reservation_id = new_id()
    items = [(product["id"], 2), (other["id"], 1)]

    responses = await asyncio.gather(*(shop.reserve(reservation_id, items) for _ in range(10)))

    assert [r.status_code for r in responses] == [200] * 10
    assert all(r.json() == responses[0].json() for r in responses)
    assert responses[0].json()["status"] == "PENDING"
    assert await shop.stock(product["id"]) == 8
    assert await shop.stock(other["id"]) == 9


async def test_reusing_a_reservation_id_for_other_items_is_conflict(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 1)])

    response = await shop.reserve(reservation_id, [(product["id"], 2)])

    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
    assert await shop.stock(product["id"]) == 9


async def test_one_short_item_reserves_nothing(shop: ProductsShop) -> None:
    plenty = await shop.create(stock=5)
    scarce = await shop.create(stock=1)
    reservation_id = new_id()

    response = await shop.reserve(reservation_id, [(plenty["id"], 2), (scarce["id"], 3)])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "OUT_OF_STOCK"
    assert body["productId"] == scarce["id"]
    assert await shop.stock(plenty["id"]) == 5
    assert await shop.stock(scarce["id"]) == 1
    # A failed attempt is forgotten: the id may be used again once stock is there.
    assert (await shop.read(reservation_id)).status_code == 404
    retried = await shop.reserve(reservation_id, [(plenty["id"], 2), (scarce["id"], 1)])
    assert retried.status_code == 200
    assert await shop.stock(plenty["id"]) == 3
    assert await shop.stock(scarce["id"]) == 0


@pytest.mark.parametrize("missing", ["0123456789abcdef01234567", "not-an-object-id"])
async def test_an_unknown_product_is_not_found_and_reserves_nothing(
    shop: ProductsShop, missing: str
) -> None:
    product = await shop.create(stock=5)

    response = await shop.reserve(new_id(), [(product["id"], 1), (missing, 1)])

    assert response.status_code == 404
    assert response.json() == {
        "code": "NOT_FOUND",
        "message": "Product not found",
        "productId": missing,
    }
    assert await shop.stock(product["id"]) == 5


async def test_release_returns_the_stock_exactly_once(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 4)])

    first = await shop.release(reservation_id)
    second = await shop.release(reservation_id)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"reservationId": reservation_id, "status": "RELEASED"}
    assert await shop.stock(product["id"]) == 10
    assert (await shop.read(reservation_id)).json()["status"] == "RELEASED"


async def test_concurrent_releases_return_the_stock_once(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    other = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 4), (other["id"], 1)])

    responses = await asyncio.gather(*(shop.release(reservation_id) for _ in range(10)))

    assert [r.status_code for r in responses] == [200] * 10
    assert await shop.stock(product["id"]) == 10
    assert await shop.stock(other["id"]) == 10


async def test_confirm_is_idempotent_and_keeps_the_stock_taken(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 2)])

    first = await shop.confirm(reservation_id)
    second = await shop.confirm(reservation_id)

    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "CONFIRMED"
    assert await shop.stock(product["id"]) == 8
    again = await shop.reserve(reservation_id, [(product["id"], 2)])
    assert again.json()["status"] == "CONFIRMED"
    assert await shop.stock(product["id"]) == 8


async def test_releasing_a_confirmed_reservation_returns_its_stock(shop: ProductsShop) -> None:
    product = await shop.create(stock=10)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 6)])
    await shop.confirm(reservation_id)

    released = await shop.release(reservation_id)
    confirmed = await shop.confirm(reservation_id)

    assert released.status_code == 200
    assert await shop.stock(product["id"]) == 10
    assert confirmed.status_code == 409
    assert confirmed.json()["code"] == "CONFLICT"


async def test_unknown_reservations(shop: ProductsShop) -> None:
    unknown = new_id()

    released = await shop.release(unknown)
    confirmed = await shop.confirm(unknown)
    read = await shop.read(unknown)

    # Releasing what was never reserved is a no-op success, so callers can always retry.
    assert released.status_code == 200
    assert released.json() == {"reservationId": unknown, "status": "RELEASED"}
    assert confirmed.status_code == 404
    assert confirmed.json()["code"] == "NOT_FOUND"
    assert read.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reservationId": "r-1"},
        {"reservationId": "r-1", "items": []},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": 0}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": -2}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": "1"}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": 1.5}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": True}]},
        {"reservationId": "r-1", "items": [{"productId": "p"}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": 1, "x": 1}]},
        {"reservationId": "", "items": [{"productId": "p", "quantity": 1}]},
        {"reservationId": "has space", "items": [{"productId": "p", "quantity": 1}]},
        {"reservationId": 7, "items": [{"productId": "p", "quantity": 1}]},
        {"reservationId": "r-1", "items": [{"productId": "p", "quantity": 1}] * 101},
        {
            "reservationId": "r-1",
            "items": [
                {"productId": "0123456789abcdef01234567", "quantity": 1},
                {"productId": "0123456789abcdef01234567", "quantity": 2},
            ],
        },
    ],
)
async def test_a_bad_body_is_bad_user_input(shop: ProductsShop, body: dict[str, Any]) -> None:
    response = await shop.client.http.post(
        "/internal/reservations", json=body, headers={"X-Service-Token": shop.service_token}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_USER_INPUT"
    assert response.json()["message"]


async def test_malformed_json_is_bad_user_input(shop: ProductsShop) -> None:
    response = await shop.client.http.post(
        "/internal/reservations",
        content=b"{not json",
        headers={"X-Service-Token": shop.service_token, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("token", [None, "", "wrong-token", "dev-internal-token"])
async def test_the_service_credential_is_required(
    client: GraphQLClient, shop: ProductsShop, token: str | None
) -> None:
    product = await shop.create(stock=3)
    reservation_id = new_id()
    await shop.reserve(reservation_id, [(product["id"], 1)])
    headers = {} if token is None else {"X-Service-Token": token}
    body = {"reservationId": new_id(), "items": [{"productId": product["id"], "quantity": 1}]}
    calls = [
        client.http.post("/internal/reservations", json=body, headers=headers),
        client.http.post(f"/internal/reservations/{reservation_id}/confirm", headers=headers),
        client.http.delete(f"/internal/reservations/{reservation_id}", headers=headers),
        client.http.get(f"/internal/reservations/{reservation_id}", headers=headers),
        # Even a bad body is refused for the missing credential first.
        client.http.post("/internal/reservations", json={}, headers=headers),
    ]

    responses: list[httpx.Response] = [await call for call in calls]

    assert [r.status_code for r in responses] == [401] * 5
    assert {r.json()["code"] for r in responses} == {"UNAUTHENTICATED"}
    assert await shop.stock(product["id"]) == 2
    assert (await shop.read(reservation_id)).json()["status"] == "PENDING"


async def test_reservations_are_not_in_the_graph(client: GraphQLClient) -> None:
    sdl = (await client.execute("{ _service { sdl } }"))["data"]["_service"]["sdl"]

    assert "eservation" not in sdl
