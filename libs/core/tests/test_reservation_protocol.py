"""The reservation protocol's bodies: what products accepts, and what orders reads back."""

import pytest
from pydantic import ValidationError

from shopgraph_core.web.reservation_protocol import (
    ReleasedBody,
    ReservationBody,
    ReservationStatus,
    ReserveBody,
    ReservedItemBody,
)

PRODUCT = "0123456789abcdef01234567"


def test_a_reserve_body_keeps_its_wire_names() -> None:
    body = ReserveBody.model_validate(
        {"reservationId": "order:1", "items": [{"productId": PRODUCT, "quantity": 2}]}
    )
    assert body.model_dump(by_alias=True) == {
        "reservationId": "order:1",
        "items": [{"productId": PRODUCT, "quantity": 2}],
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"reservation_id": "order:1", "items": [{"productId": PRODUCT, "quantity": 2}]},
        {"reservationId": "order:1", "items": [{"productId": PRODUCT, "quantity": "2"}]},
        {"reservationId": "order:1", "items": [{"productId": PRODUCT, "quantity": 0}]},
        {"reservationId": "order:1", "items": [{"productId": PRODUCT, "quantity": 1_000_001}]},
        {"reservationId": "order:1", "items": [{"productId": "", "quantity": 1}]},
        {"reservationId": "order:1", "items": []},
        {"reservationId": "order:1", "items": [{"productId": PRODUCT, "quantity": 1, "x": 1}]},
        {"reservationId": "/order", "items": [{"productId": PRODUCT, "quantity": 1}]},
        {"reservationId": "o" * 129, "items": [{"productId": PRODUCT, "quantity": 1}]},
    ],
    ids=[
        "snake-case",
        "quantity-as-text",
        "zero",
        "too-many",
        "empty-product",
        "no-items",
        "unknown-field",
        "bad-id",
        "long-id",
    ],
)
def test_a_reserve_body_is_checked_to_the_letter(raw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ReserveBody.model_validate(raw)


def test_a_reservation_answer_reads_back_what_products_writes() -> None:
    written = ReservationBody(
        reservation_id="order:1",
        status=ReservationStatus.PENDING,
        items=[ReservedItemBody(product_id=PRODUCT, quantity=2, unit_price=150, currency="EUR")],
    ).model_dump(mode="json", by_alias=True)
    assert written == {
        "reservationId": "order:1",
        "status": "PENDING",
        "items": [{"productId": PRODUCT, "quantity": 2, "unitPrice": 150, "currency": "EUR"}],
    }
    read = ReservationBody.model_validate({**written, "addedLater": True})
    assert read.status is ReservationStatus.PENDING
    assert read.items[0].unit_price == 150


def test_a_status_outside_the_protocol_is_refused() -> None:
    with pytest.raises(ValidationError):
        ReservationBody.model_validate({"reservationId": "r", "status": "APPLYING", "items": []})


def test_a_release_answer_is_the_id_and_released() -> None:
    assert ReleasedBody(reservation_id="r").model_dump(mode="json", by_alias=True) == {
        "reservationId": "r",
        "status": "RELEASED",
    }
