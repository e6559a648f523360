"""Release reasons are an enum beside the stored status, stored and counted as before it."""

import uuid
from datetime import UTC, datetime

from bson import ObjectId

from shopgraph_products.metrics import RELEASE_OUTCOMES
from shopgraph_products.models import ReleaseReason
from shopgraph_testing.drivers.products import ProductsShop, service_of
from shopgraph_testing.graphql import GraphQLClient


def test_each_reason_is_counted_under_the_label_it_had() -> None:
    # Before the enum, the outcome label was the stored reason, lower-cased.
    assert {reason: reason.value.lower() for reason in ReleaseReason} == RELEASE_OUTCOMES


async def test_a_reservation_released_before_the_enum_still_reads(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=5)
    db = service_of(client).store.database
    reservation_id = f"order-{uuid.uuid4().hex}"
    now = datetime.now(UTC).replace(microsecond=0)
    # As an earlier version wrote it: the reason a string, "RELEASED" like the status.
    await db.reservations.insert_one(
        {
            "_id": reservation_id,
            "status": "RELEASED",
            "items": [
                {
                    "product_id": ObjectId(product["id"]),
                    "quantity": 2,
                    "unit_price": 1000,
                    "currency": "EUR",
                    "stock_epoch": None,
                    "applied": True,
                    "returned": True,
                }
            ],
            "created_at": now,
            "updated_at": now,
            "expires_at": now,
            "marks": False,
            "release_reason": "RELEASED",
        }
    )

    read = await shop.read(reservation_id)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "RELEASED"
    assert (await shop.confirm(reservation_id)).json()["code"] == "CONFLICT"
    released = await shop.release(reservation_id)
    assert released.json() == {"reservationId": reservation_id, "status": "RELEASED"}
    assert await shop.stock(product["id"]) == 5  # released already: nothing comes back twice
