"""Placing an order: a small saga across orders and products, each step idempotent.

1. validate the items, before anything else is touched;
2. reserve the stock in products under a reservation id derived from the order id (products
   answers the same id with the same reservation and holds nothing more);
3. store the order, with the unit prices products answered, in one transaction;
4. confirm the reservation (until then products would let it expire after its TTL).

A failure in 2 leaves nothing; a failure in 3 releases the reservation; a crash between 3
and 4 is repaired by the reconciler (reconciler.py), which runs step 4 (`settle`) again.
With an idempotency key the order id is derived from (user, key), so retries, even racing
ones, share one reservation and collide on one row: the database decides the winner and the
others answer with the winner's order. The order keeps a fingerprint of the request (its
items); the same key with other items is a CONFLICT, never the first order passed off as the
answer to a different request.
"""

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import AppError, Conflict, NotFound, UpstreamUnavailable
from shopgraph_core.storage.sql import SqlStore
from shopgraph_core.web.reservation_protocol import ReservationStatus
from shopgraph_orders.metrics import ORDERS_PLACED
from shopgraph_orders.models import OrderItemRow, OrderRow, OrderStatus
from shopgraph_orders.order_queries import OrderQueries
from shopgraph_orders.order_rules import (
    MAX_RESERVATION_ATTEMPTS,
    OrderItemRequest,
    check_idempotency_key,
    check_items,
    check_same_request,
    order_id_for,
    priced,
    request_fingerprint,
    reservation_id_for,
)
from shopgraph_orders.products_client import ProductsClient, ProductsClientError, Reservation

logger = logging.getLogger("shopgraph.orders")


class OrderPlacing:
    def __init__(self, store: SqlStore, products: ProductsClient, queries: OrderQueries) -> None:
        self.store = store
        self.products = products
        self.queries = queries

    async def create(
        self,
        caller: Caller,
        items: Sequence[OrderItemRequest],
        idempotency_key: str | None = None,
    ) -> OrderRow:
        wanted = check_items(items)
        key = check_idempotency_key(idempotency_key)
        fingerprint = request_fingerprint(wanted)
        if key is not None:
            order_id = order_id_for(caller.user_id, key)
            existing = await self.queries.by_key(caller.user_id, key)
            if existing is not None:
                return await self.settle(check_same_request(existing, fingerprint))
        else:
            order_id = str(uuid.uuid4())

        reservation = await self._reserve(order_id, wanted)
        try:
            currency, total = priced(reservation)
        except (AppError, ProductsClientError):
            await self.release_quietly(reservation.reservation_id)
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
        return await self.settle(check_same_request(stored, fingerprint))

    async def _reserve(self, order_id: str, wanted: Sequence[OrderItemRequest]) -> Reservation:
        items = [(item.product_id, item.quantity) for item in wanted]
        for attempt in range(MAX_RESERVATION_ATTEMPTS):
            reservation_id = reservation_id_for(order_id, attempt)
            try:
                reservation = await self.products.reserve(reservation_id, items)
            except UpstreamUnavailable:
                # A timed-out call may have reserved after all: give it back, best effort.
                # If that fails too, products expires the reservation after its TTL.
                await self.release_quietly(reservation_id)
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
                await self.queries.by_key(order.user_id, order.idempotency_key)
                if order.idempotency_key is not None
                else None
            )
            if winner is not None:
                return winner
            await self.release_quietly(order.reservation_id)
            raise
        except BaseException:
            # The write failed (or we were cancelled). If it committed after all, keep it.
            try:
                committed = await self.queries.get(order.id)
            except Exception:
                committed = None
            if committed is not None:
                return committed
            await self.release_quietly(order.reservation_id)
            raise
        return order

    async def settle(self, order: OrderRow) -> OrderRow:
        """Step 4: confirm the reservation of a stored order, if that has not happened yet."""
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
        return await self.queries.get(order.id) or order, lost

    async def release_quietly(self, reservation_id: str) -> bool:
        """Give a reservation back, best effort: products expires it after its TTL anyway."""
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
