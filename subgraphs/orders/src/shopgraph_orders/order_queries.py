"""Reading orders: by id, in batches for the DataLoaders, and a user's orders page by page."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.errors import BadUserInput, NotFound
from shopgraph_core.storage.sql import SqlStore
from shopgraph_core.validation.paging import check_first, decode_cursor, encode_cursor
from shopgraph_orders.models import OrderItemRow, OrderRow
from shopgraph_orders.order_rules import can_see

NOT_FOUND_MESSAGE = "Order not found"


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[OrderRow]
    has_next_page: bool


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


class OrderQueries:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def get(self, order_id: str) -> OrderRow | None:
        async with self.store.session() as session:
            return await session.get(OrderRow, order_id)

    async def by_key(self, user_id: str, key: str) -> OrderRow | None:
        """The order a user placed with an idempotency key, if any."""
        query = select(OrderRow).where(OrderRow.user_id == user_id, OrderRow.idempotency_key == key)
        async with self.store.session() as session:
            found: OrderRow | None = await session.scalar(query)
        return found

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
