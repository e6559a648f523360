"""Orders and their items, in the service's own SQL database."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeEngine

from shopgraph_core.storage.sql import UTCDateTime


class OrderStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class PreciseUTCDateTime(UTCDateTime):
    """UTC datetimes to the microsecond: orders are sorted and paged by creation time.

    MySQL's DATETIME keeps whole seconds unless asked for fractions (DATETIME(6)).
    """

    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=False))


class Base(DeclarativeBase):
    pass


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # A retry with the same key finds the first order; racing retries collide here.
        UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_idempotency_key"),
        # myOrders and User.orders: newest first, keyset-paged on (created_at, id).
        Index("ix_orders_user_created", "user_id", "created_at", "id"),
        # The reconciler's two questions: unconfirmed live orders, unreleased cancelled ones.
        Index("ix_orders_reconcile", "status", "reservation_confirmed", "stock_released"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # sha256 of the request's items (order_rules.request_fingerprint): a key reused for other
    # items is refused. None for orders stored before revision 0002.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger)
    # The products reservation that holds this order's stock.
    reservation_id: Mapped[str] = mapped_column(String(100))
    # False from storing the order until products has confirmed its reservation.
    reservation_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # True once products has taken the stock of a cancelled order back.
    stock_released: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(PreciseUTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(PreciseUTCDateTime())


class OrderItemRow(Base):
    __tablename__ = "order_items"

    order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    # The price products charged when the order was placed, in minor units.
    unit_price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
