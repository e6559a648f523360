"""Orders: placing, cancelling, reading and reconciling them. The domain, free of GraphQL.

Placing an order is a small saga across two services, each step idempotent:

1. validate the items, before anything else is touched;
2. reserve the stock in products under a reservation id derived from the order id (products
   answers the same id with the same reservation and holds nothing more);
3. store the order, with the unit prices products answered, in one transaction;
4. confirm the reservation (until then products would let it expire after its TTL).

A failure in 2 leaves nothing; a failure in 3 releases the reservation; a crash between 3
and 4 is repaired by the reconciler, which confirms the reservations of stored orders that
were never confirmed. With an idempotency key the order id is derived from (user, key), so
retries, even racing ones, share one reservation and collide on one row: the database
decides the winner and the others answer with the winner's order. The order keeps a
fingerprint of the request (its items); the same key with other items is a CONFLICT, never
the first order passed off as the answer to a different request.
"""

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import AppError, BadUserInput, Conflict, NotFound, UpstreamUnavailable
from shopgraph_core.storage.sql import SqlStore
from shopgraph_core.validation.paging import check_first, decode_cursor, encode_cursor
from shopgraph_core.validation.text import check_text
from shopgraph_orders.metrics import ORDERS_CANCELLED, ORDERS_PLACED
from shopgraph_orders.models import OrderItemRow, OrderRow, OrderStatus
from shopgraph_orders.products_client import (
    ProductsClient,
    ProductsClientError,
    Reservation,
    ReservationStatus,
)

logger = logging.getLogger("shopgraph.orders")

MAX_ITEMS = 100
MAX_QUANTITY = 1_000_000
MAX_PRODUCT_ID_LENGTH = 64
MAX_IDEMPOTENCY_KEY_LENGTH = 200
# GraphQL's Int is 32 bits; a total beyond it could not be shown.
MAX_TOTAL = 2**31 - 1
# How many fresh reservations one idempotency key may take after earlier ones were released.
MAX_RESERVATION_ATTEMPTS = 5
RECONCILE_BATCH = 100

# Order ids of keyed orders are uuid5(ORDER_ID_NAMESPACE, "<user id>\n<key>").
ORDER_ID_NAMESPACE = uuid.UUID("6f0c8f65-2b4e-5c4c-9a51-3c1a0f4b7e21")
NOT_FOUND_MESSAGE = "Order not found"


@dataclass(frozen=True, slots=True)
class ItemRequest:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[OrderRow]
    has_next_page: bool


@dataclass(slots=True)
class ReconcileReport:
    confirmed: int = 0
    released: int = 0
    lost: int = 0
    failed: int = 0


def check_items(items: Sequence[ItemRequest]) -> list[ItemRequest]:
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
        checked.append(ItemRequest(product_id, item.quantity))
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


def request_fingerprint(items: Sequence[ItemRequest]) -> str:
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


def cursor_of(order: OrderRow) -> str:
    return encode_cursor(f"{order.created_at.isoformat()}|{order.id}")


def parse_cursor(cursor: str) -> tuple[datetime, str]:
    created_at, _, order_id = decode_cursor(cursor).partition("|")
    try:
        when = datetime.fromisoformat(created_at)
    except ValueError as exc:
        raise BadUserInput("Malformed cursor", field="after") from exc
    if when.tzinfo is None or not order_id:
        raise BadUserInput("Malformed cursor", field="after")
    return when, order_id


def _priced(reservation: Reservation) -> tuple[str, int]:
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


class Orders:
    """The orders service's state: its database and its products client."""

    def __init__(
        self, store: SqlStore, products: ProductsClient, *, reconcile_after: timedelta
    ) -> None:
        self.store = store
        self.products = products
        self.reconcile_after = reconcile_after

    async def check_ready(self) -> None:
        await self.store.check_ready()

    # ---- reading ----

    async def get(self, order_id: str) -> OrderRow | None:
        async with self.store.session() as session:
            return await session.get(OrderRow, order_id)

    async def by_ids(self, ids: Sequence[str]) -> list[OrderRow | None]:
        """One query for all `ids`, answered in their order."""
        async with self.store.session() as session:
            rows = await session.scalars(select(OrderRow).where(OrderRow.id.in_(set(ids))))
            found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    async def items_of(self, order_ids: Sequence[str]) -> list[list[OrderItemRow]]:
        """One query for the items of all `order_ids`, answered in their order."""
        async with self.store.session() as session:
            rows = await session.scalars(
                select(OrderItemRow)
                .where(OrderItemRow.order_id.in_(set(order_ids)))
                .order_by(OrderItemRow.order_id, OrderItemRow.position)
            )
            found: dict[str, list[OrderItemRow]] = {}
            for row in rows:
                found.setdefault(row.order_id, []).append(row)
        return [found.get(i, []) for i in order_ids]

    async def visible(self, caller: Caller, order_id: str) -> OrderRow:
        """The order, if the caller may see it. Another's order is NOT_FOUND, like a missing
        one, so that ids reveal nothing about orders that are not the caller's."""
        order = await self.get(order_id)
        if order is None or not can_see(caller, order):
            raise NotFound(NOT_FOUND_MESSAGE)
        return order

    async def page_for_user(self, user_id: str, *, first: int, after: str | None) -> OrderPage:
        """A user's orders, newest first, keyset-paged on (created_at, id)."""
        first = check_first(first)
        query = select(OrderRow).where(OrderRow.user_id == user_id)
        if after is not None:
            created_at, order_id = parse_cursor(after)
            query = query.where(
                or_(
                    OrderRow.created_at < created_at,
                    and_(OrderRow.created_at == created_at, OrderRow.id < order_id),
                )
            )
        query = query.order_by(OrderRow.created_at.desc(), OrderRow.id.desc()).limit(first + 1)
        async with self.store.session() as session:
            rows = list(await session.scalars(query))
        return OrderPage(rows[:first], has_next_page=len(rows) > first)

    # ---- placing ----

    async def create(
        self, caller: Caller, items: Sequence[ItemRequest], idempotency_key: str | None = None
    ) -> OrderRow:
        wanted = check_items(items)
        key = check_idempotency_key(idempotency_key)
        fingerprint = request_fingerprint(wanted)
        if key is not None:
            order_id = order_id_for(caller.user_id, key)
            existing = await self._by_key(caller.user_id, key)
            if existing is not None:
                return await self._settle(check_same_request(existing, fingerprint))
        else:
            order_id = str(uuid.uuid4())

        reservation = await self._reserve(order_id, wanted)
        try:
            currency, total = _priced(reservation)
        except (AppError, ProductsClientError):
            await self._release_quietly(reservation.reservation_id)
            raise
        now = utcnow(Precision.MICROSECOND)
        order = OrderRow(
            id=order_id,
            user_id=caller.user_id,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            status=OrderStatus.CONFIRMED.value,
            currency=currency,
            total=total,
            reservation_id=reservation.reservation_id,
            reservation_confirmed=reservation.status is ReservationStatus.CONFIRMED,
            stock_released=False,
            created_at=now,
            updated_at=now,
        )
        lines = [
            OrderItemRow(
                order_id=order_id,
                position=position,
                product_id=item.product_id,
                quantity=item.quantity,
                unit_price=item.unit_price,
                currency=item.currency,
            )
            for position, item in enumerate(reservation.items)
        ]
        stored = await self._store(order, lines)
        if stored is order:
            logger.info("order placed", extra={"order.id": order.id, "user.id": caller.user_id})
            ORDERS_PLACED.count()
        return await self._settle(check_same_request(stored, fingerprint))

    async def _by_key(self, user_id: str, key: str) -> OrderRow | None:
        query = select(OrderRow).where(OrderRow.user_id == user_id, OrderRow.idempotency_key == key)
        async with self.store.session() as session:
            found: OrderRow | None = await session.scalar(query)
        return found

    async def _reserve(self, order_id: str, wanted: Sequence[ItemRequest]) -> Reservation:
        items = [(item.product_id, item.quantity) for item in wanted]
        for attempt in range(MAX_RESERVATION_ATTEMPTS):
            reservation_id = reservation_id_for(order_id, attempt)
            try:
                reservation = await self.products.reserve(reservation_id, items)
            except UpstreamUnavailable:
                # A timed-out call may have reserved after all: give it back, best effort.
                # If that fails too, products expires the reservation after its TTL.
                await self._release_quietly(reservation_id)
                raise
            if reservation.status is not ReservationStatus.RELEASED:
                return reservation
            # An earlier attempt with this idempotency key failed and gave its stock back;
            # the next id in the sequence is the one every retry of this key moves on to.
            logger.info("reservation %s was released; reserving anew", reservation_id)
        raise Conflict(
            "Too many failed attempts with this idempotencyKey; use a new one",
            field="idempotencyKey",
        )

    async def _store(self, order: OrderRow, lines: list[OrderItemRow]) -> OrderRow:
        """The stored order: this one, or the one a racing request with the same key stored."""
        try:
            async with self.store.session() as session, session.begin():
                session.add(order)
                await session.flush()  # the order row first, then its items (foreign key)
                session.add_all(lines)
        except IntegrityError:
            # Same id or same (user, key): a retry that raced this one has won. The
            # reservation is shared with it, so it must not be released here.
            winner = (
                await self._by_key(order.user_id, order.idempotency_key)
                if order.idempotency_key is not None
                else None
            )
            if winner is not None:
                return winner
            await self._release_quietly(order.reservation_id)
            raise
        except BaseException:
            # The write failed (or we were cancelled). If it committed after all, keep it.
            try:
                committed = await self.get(order.id)
            except Exception:
                committed = None
            if committed is not None:
                return committed
            await self._release_quietly(order.reservation_id)
            raise
        return order

    async def _settle(self, order: OrderRow) -> OrderRow:
        """Confirm the reservation of a stored order, if that has not happened yet."""
        if order.status != OrderStatus.CONFIRMED or order.reservation_confirmed:
            return order
        try:
            await self.products.confirm(order.reservation_id)
        except UpstreamUnavailable:
            # The order and its reservation stand; the reconciler confirms it later.
            logger.warning(
                "could not confirm reservation %s yet; the reconciler will",
                order.reservation_id,
                extra={"order.id": order.id},
            )
            return order
        except (Conflict, NotFound):
            # Expired, released or forgotten before we confirmed: the stock is not held.
            current, lost = await self._mark_lost(order)
            if lost:
                raise Conflict(
                    "The stock held for this order was given back before the order was "
                    "complete; place the order again"
                ) from None
            return current  # cancelled meanwhile by its owner: nothing was lost
        await self._mark_confirmed(order)
        return order

    async def _mark_confirmed(self, order: OrderRow) -> None:
        async with self.store.session() as session, session.begin():
            await session.execute(
                update(OrderRow).where(OrderRow.id == order.id).values(reservation_confirmed=True)
            )
        order.reservation_confirmed = True

    async def _mark_lost(self, order: OrderRow) -> tuple[OrderRow, bool]:
        """Cancel an order whose reservation products no longer holds; True if it was live."""
        async with self.store.session() as session, session.begin():
            result = await session.execute(
                update(OrderRow)
                .where(OrderRow.id == order.id, OrderRow.status == OrderStatus.CONFIRMED.value)
                .values(
                    status=OrderStatus.CANCELLED.value,
                    stock_released=True,
                    updated_at=utcnow(Precision.MICROSECOND),
                )
            )
        lost = bool(getattr(result, "rowcount", 0))
        if lost:
            logger.error(
                "reservation %s expired before it was confirmed; order cancelled",
                order.reservation_id,
                extra={"order.id": order.id},
            )
        return await self.get(order.id) or order, lost

    async def _release_quietly(self, reservation_id: str) -> bool:
        try:
            await self.products.release(reservation_id)
        except Exception:
            logger.warning(
                "could not release reservation %s; products expires it after its TTL",
                reservation_id,
                exc_info=True,
            )
            return False
        return True

    # ---- cancelling ----

    async def cancel(self, caller: Caller, order_id: str) -> OrderRow:
        """Cancel and give the stock back. Cancelling again is harmless; products releases
        a reservation only once, however often it is asked."""
        order = await self.visible(caller, order_id)
        if order.status == OrderStatus.CONFIRMED:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    update(OrderRow)
                    .where(OrderRow.id == order.id, OrderRow.status == OrderStatus.CONFIRMED.value)
                    .values(
                        status=OrderStatus.CANCELLED.value,
                        updated_at=utcnow(Precision.MICROSECOND),
                    )
                )
            order = await self.get(order.id) or order
            logger.info("order cancelled", extra={"order.id": order.id})
            ORDERS_CANCELLED.count()
        if not order.stock_released:
            await self._release(order)
        return order

    async def _release(self, order: OrderRow) -> None:
        """Release a cancelled order's stock; when products is away, the reconciler will."""
        try:
            await self.products.release(order.reservation_id)
        except UpstreamUnavailable:
            logger.warning(
                "could not release reservation %s yet; the reconciler will",
                order.reservation_id,
                extra={"order.id": order.id},
            )
            return
        async with self.store.session() as session, session.begin():
            await session.execute(
                update(OrderRow).where(OrderRow.id == order.id).values(stock_released=True)
            )
        order.stock_released = True

    # ---- reconciling ----

    async def reconcile_once(self) -> ReconcileReport:
        """Confirm what was stored but never confirmed; release what was cancelled but never
        released. Only orders older than `reconcile_after` are touched, so requests in flight
        finish their own work; every step is idempotent, so replicas may overlap."""
        report = ReconcileReport()
        cutoff = utcnow(Precision.MICROSECOND) - self.reconcile_after
        async with self.store.session() as session:
            unconfirmed = list(
                await session.scalars(
                    select(OrderRow)
                    .where(
                        OrderRow.status == OrderStatus.CONFIRMED.value,
                        OrderRow.reservation_confirmed.is_(False),
                        OrderRow.created_at < cutoff,
                    )
                    .limit(RECONCILE_BATCH)
                )
            )
            unreleased = list(
                await session.scalars(
                    select(OrderRow)
                    .where(
                        OrderRow.status == OrderStatus.CANCELLED.value,
                        OrderRow.stock_released.is_(False),
                        OrderRow.updated_at < cutoff,
                    )
                    .limit(RECONCILE_BATCH)
                )
            )
        for order in unconfirmed:
            try:
                settled = await self._settle(order)
            except Conflict:
                report.lost += 1
                continue
            except Exception:
                logger.exception("reconciler could not confirm order %s", order.id)
                report.failed += 1
                continue
            if settled.reservation_confirmed:
                report.confirmed += 1
            elif settled.status == OrderStatus.CANCELLED:
                report.lost += 1
            else:
                report.failed += 1
        for order in unreleased:
            try:
                await self._release(order)
            except Exception:
                logger.exception("reconciler could not release order %s", order.id)
                report.failed += 1
                continue
            if order.stock_released:
                report.released += 1
            else:
                report.failed += 1
        if report.confirmed or report.released or report.lost:
            logger.info(
                "reconciled orders: %d confirmed, %d released, %d lost",
                report.confirmed,
                report.released,
                report.lost,
            )
        return report
