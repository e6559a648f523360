"""The reconciler: finishes what a request could not, so a crash loses no stock and holds none.

Every orders process runs it in its lifespan (every RECONCILE_INTERVAL_S). Each pass confirms
the reservations of CONFIRMED orders that were stored but never confirmed (the saga's step 4,
`OrderPlacing.settle`), and releases the stock of CANCELLED orders whose release did not get
through (`OrderCancelling.release_stock`). Only orders older than RECONCILE_AFTER_S are
touched, so requests in flight finish their own work; every step is idempotent, so replicas
may overlap. docs/architecture.md ties these delays to products' reservation TTL.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import Conflict
from shopgraph_core.storage.sql import SqlStore
from shopgraph_orders.cancelling import OrderCancelling
from shopgraph_orders.models import OrderRow, OrderStatus
from shopgraph_orders.placing import OrderPlacing

logger = logging.getLogger("shopgraph.orders")

RECONCILE_BATCH = 100


@dataclass(slots=True)
class ReconcileReport:
    confirmed: int = 0
    released: int = 0
    lost: int = 0
    failed: int = 0


class Reconciler:
    def __init__(
        self,
        store: SqlStore,
        placing: OrderPlacing,
        cancelling: OrderCancelling,
        *,
        reconcile_after: timedelta,
    ) -> None:
        self.store = store
        self.placing = placing
        self.cancelling = cancelling
        self.reconcile_after = reconcile_after

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
                settled = await self.placing.settle(order)
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
                await self.cancelling.release_stock(order)
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
