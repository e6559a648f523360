"""What an order request must be, and what follows from it: pure rules, no I/O.

The items are checked before anything else is touched; an idempotency key derives the order
id (the same for every retry) and the reservation ids that retries move on to; the request's
fingerprint tells a retry from another request under the same key; products' prices give the
order's one currency and its total.
"""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.errors import BadUserInput, Conflict
from shopgraph_core.validation.text import check_text
from shopgraph_orders.models import OrderRow
from shopgraph_orders.products_client import ProductsClientError, Reservation

MAX_ITEMS = 100
MAX_QUANTITY = 1_000_000
MAX_PRODUCT_ID_LENGTH = 64
MAX_IDEMPOTENCY_KEY_LENGTH = 200
# GraphQL's Int is 32 bits; a total beyond it could not be shown.
MAX_TOTAL = 2**31 - 1
# How many fresh reservations one idempotency key may take after earlier ones were released.
MAX_RESERVATION_ATTEMPTS = 5

# Order ids of keyed orders are uuid5(ORDER_ID_NAMESPACE, "<user id>\n<key>").
ORDER_ID_NAMESPACE = uuid.UUID("6f0c8f65-2b4e-5c4c-9a51-3c1a0f4b7e21")


@dataclass(frozen=True, slots=True)
class OrderItemRequest:
    """One item of a createOrder request: a product and how many of it."""

    product_id: str
    quantity: int


def check_items(items: Sequence[OrderItemRequest]) -> list[OrderItemRequest]:
    if not items:
        raise BadUserInput("An order needs at least one item", field="items")
    if len(items) > MAX_ITEMS:
        raise BadUserInput(f"An order holds at most {MAX_ITEMS} items", field="items")
    seen: set[str] = set()
    checked = []
    for index, item in enumerate(items):
        product_id = item.product_id.strip()
        if not product_id or len(product_id) > MAX_PRODUCT_ID_LENGTH:
            raise BadUserInput("Invalid product id", field=f"items.{index}.productId")
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise BadUserInput(
                f"Quantity must be between 1 and {MAX_QUANTITY}",
                field=f"items.{index}.quantity",
            )
        if product_id in seen:
            raise BadUserInput(
                "Each product may appear only once in an order", field=f"items.{index}.productId"
            )
        seen.add(product_id)
        checked.append(OrderItemRequest(product_id, item.quantity))
    return checked


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    # Checked like any stored text (not blank, no control characters), but kept exactly as
    # sent, surrounding spaces included: a retry is recognised by the same string.
    check_text(
        key, field="idempotencyKey", label="idempotencyKey", max_length=MAX_IDEMPOTENCY_KEY_LENGTH
    )
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise BadUserInput(
            f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters",
            field="idempotencyKey",
        )
    return key


def request_fingerprint(items: Sequence[OrderItemRequest]) -> str:
    """What makes two createOrder requests the same one: their items and quantities, in any
    order. Stored with the order, so a reused idempotency key can be told apart."""
    canonical = "\n".join(
        f"{i.product_id}\t{i.quantity}" for i in sorted(items, key=lambda i: i.product_id)
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_same_request(order: OrderRow, fingerprint: str) -> OrderRow:
    """The order stored under a key, if it answered this very request; CONFLICT otherwise."""
    # Orders stored before fingerprints existed have none: they are taken as the same request.
    if order.request_fingerprint is not None and order.request_fingerprint != fingerprint:
        raise Conflict(
            "This idempotencyKey was already used for an order with other items or "
            "quantities; use a new key for a new order",
            field="idempotencyKey",
        )
    return order


def order_id_for(user_id: str, idempotency_key: str) -> str:
    """The id of the order a user places with a key: the same for every retry."""
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{user_id}\n{idempotency_key}"))


def reservation_id_for(order_id: str, attempt: int = 0) -> str:
    return f"order:{order_id}" if attempt == 0 else f"order:{order_id}:{attempt + 1}"


def can_see(caller: Caller, order: OrderRow) -> bool:
    return caller.is_admin or order.user_id == caller.user_id


def priced(reservation: Reservation) -> tuple[str, int]:
    """The order's currency and total from what products charged."""
    if not reservation.items:
        raise ProductsClientError("products answered a reservation without items")
    currencies = {item.currency for item in reservation.items}
    if len(currencies) != 1:
        raise BadUserInput(
            "All products of an order must be priced in one currency, found "
            + ", ".join(sorted(currencies)),
            field="items",
        )
    total = sum(item.unit_price * item.quantity for item in reservation.items)
    if total > MAX_TOTAL:
        raise BadUserInput("The order's total is too large; split the order", field="items")
    return currencies.pop(), total
