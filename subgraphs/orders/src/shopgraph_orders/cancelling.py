"""Cancelling an order: mark it CANCELLED, then give its stock back in products.

Cancelling again is harmless: products gives a reservation's stock back only once, however
often it is asked. When products is unreachable the cancellation still stands and the
reconciler (reconciler.py) releases the stock later; `stock_released` tracks it.
"""

import logging

from sqlalchemy import update

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import UpstreamUnavailable
from shopgraph_core.storage.sql import SqlStore
from shopgraph_orders.metrics import ORDERS_CANCELLED
from shopgraph_orders.models import OrderRow, OrderStatus
from shopgraph_orders.order_queries import OrderQueries
from shopgraph_orders.products_client import ProductsClient

logger = logging.getLogger("shopgraph.orders")


class OrderCancelling:
    def __init__(self, store: SqlStore, products: ProductsClient, queries: OrderQueries) -> None:
        self.store = store
        self.products = products
        self.queries = queries

    async def cancel(self, caller: Caller, order_id: str) -> OrderRow:
        """Cancel and give the stock back. Cancelling again is harmless; products releases
        a reservation only once, however often it is asked."""
        order = await self.queries.visible(caller, order_id)
        if order.status == OrderStatus.CONFIRMED:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    update(OrderRow)
                    .where(OrderRow.id == order.id, OrderRow.status == OrderStatus.CONFIRMED.value)
                    .values(
                        status=OrderStatus.CANCELLED.value, updated_at=utcnow(Precision.MICROSECOND)
                    )
                )
            order = await self.queries.get(order.id) or order
            logger.info("order cancelled", extra={"order.id": order.id})
            ORDERS_CANCELLED.count()
        if not order.stock_released:
            await self.release_stock(order)
        return order

    async def release_stock(self, order: OrderRow) -> None:
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
