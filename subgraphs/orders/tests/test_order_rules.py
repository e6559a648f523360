"""Orders' own limits fit the reservation protocol's, so a checked order is always a valid call."""

import re
import uuid

import pytest

from shopgraph_core.errors import BadUserInput
from shopgraph_core.web.reservation_protocol import (
    MAX_PRODUCT_ID_LENGTH,
    MAX_RESERVATION_ITEMS,
    MAX_RESERVATION_QUANTITY,
    RESERVATION_ID_PATTERN,
    ReserveBody,
)
from shopgraph_orders import order_rules
from shopgraph_orders.order_rules import OrderItemRequest, check_items, reservation_id_for


def test_the_order_limits_are_within_the_protocol_limits() -> None:
    assert order_rules.MAX_ITEMS <= MAX_RESERVATION_ITEMS
    assert order_rules.MAX_QUANTITY <= MAX_RESERVATION_QUANTITY
    assert order_rules.MAX_PRODUCT_ID_LENGTH <= MAX_PRODUCT_ID_LENGTH


def test_every_reservation_id_an_order_uses_is_one_products_accepts() -> None:
    order_id = str(uuid.uuid4())
    for attempt in range(order_rules.MAX_RESERVATION_ATTEMPTS):
        assert re.fullmatch(RESERVATION_ID_PATTERN, reservation_id_for(order_id, attempt))


def test_the_largest_order_that_passes_is_a_valid_reserve_body() -> None:
    items = [
        OrderItemRequest(f"{index:0{order_rules.MAX_PRODUCT_ID_LENGTH}d}", order_rules.MAX_QUANTITY)
        for index in range(order_rules.MAX_ITEMS)
    ]
    checked = check_items(items)
    ReserveBody.model_validate(
        {
            "reservationId": reservation_id_for(str(uuid.uuid4()), 4),
            "items": [{"productId": i.product_id, "quantity": i.quantity} for i in checked],
        }
    )
    with pytest.raises(BadUserInput):
        check_items([*items, OrderItemRequest("one-more", 1)])
