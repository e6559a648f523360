"""The orders subgraph's GraphQL schema, as named in contract/contract.graphql.

`Order` is an entity of this subgraph. `User` is the users subgraph's entity, to which this
one contributes `orders`; `Product` is a reference only products resolves. `Money` and
`PageInfo` are shared with products (@shareable, one definition in shopgraph_core).

Visibility: a customer sees only their own orders and an admin sees all. Another customer's
order answers NOT_FOUND, exactly like an id that does not exist, so that order ids reveal
nothing; `User.orders` of another user is FORBIDDEN (the user is not a secret, their orders
are). Anonymous callers get UNAUTHENTICATED.
"""

from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from shopgraph_core.graphql.arguments import given, page_size
from shopgraph_core.graphql.connection import Connection, connection_of
from shopgraph_core.graphql.context import RequestContext
from shopgraph_core.graphql.money import Money
from shopgraph_core.graphql.schema import SubgraphSchema, build_schema
from shopgraph_core.graphql.selection import selects
from shopgraph_core.graphql.strawberry_internals import unresolvable_key
from shopgraph_core.settings import ServiceSettings
from shopgraph_core.validation.paging import DEFAULT_PAGE_SIZE
from shopgraph_orders.models import OrderItemRow, OrderRow
from shopgraph_orders.models import OrderStatus as OrderStatusValue
from shopgraph_orders.order_queries import OrderPage, cursor_of
from shopgraph_orders.order_rules import OrderItemRequest, can_see
from shopgraph_orders.service import OrdersService

OrderStatus = strawberry.enum(OrderStatusValue, name="OrderStatus")
Context = RequestContext[OrdersService]


def _orders_by_id(info: Info[Context, None]) -> DataLoader[str, OrderRow | None]:
    return info.context.loader("orders_by_id", info.context.service.orders.by_ids)


def _items_by_order(info: Info[Context, None]) -> DataLoader[str, list[OrderItemRow]]:
    return info.context.loader("items_by_order", info.context.service.orders.items_of)


@strawberry.federation.type(keys=[unresolvable_key("id")])
class Product:
    """A product of the products subgraph; only its id is known here."""

    id: strawberry.ID


@strawberry.type
class OrderItem:
    quantity: int
    unit_price: Money = strawberry.field(description="The price when the order was placed.")
    # An attribute, not a resolver: a page of orders has a product per item, and a plain
    # field skips graphql-core's per-field machinery (shopgraph_core.graphql.execution).
    product: Product = strawberry.field(description="Resolved by the products subgraph.")

    @classmethod
    def from_row(cls, row: OrderItemRow) -> "OrderItem":
        return cls(
            quantity=row.quantity,
            unit_price=Money(amount=row.unit_price, currency=row.currency),
            product=Product(id=strawberry.ID(row.product_id)),
        )


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    total: Money
    status: OrderStatus  # type: ignore[valid-type]
    created_at: datetime
    _user_id: strawberry.Private[str]

    @strawberry.field(description="Resolved by the users subgraph.")
    def user(self) -> "User":
        return User(id=strawberry.ID(self._user_id))

    # An attribute, not a resolver: whoever makes Orders loads the items of all of them in
    # one query when the operation selects `items` (`_orders_of`), so a page of 20 orders runs
    # no resolver, coroutine or DataLoader future per order (docs/performance.md). Empty, and
    # never read, when the operation does not select it.
    items: list[OrderItem]

    @classmethod
    async def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID
    ) -> "Order | None":
        caller = info.context.require_caller()
        row = await _orders_by_id(info).load(str(id))
        if row is None or not can_see(caller, row):
            return None
        # One reference at a time, so the items go through a DataLoader: every order of
        # an `_entities` batch lands in the same query.
        items = await _items_by_order(info).load(row.id) if selects(info, "items") else []
        return cls.from_row(row, items)

    @classmethod
    def from_row(cls, row: OrderRow, items: Sequence[OrderItemRow]) -> "Order":
        return cls(
            id=strawberry.ID(row.id),
            total=Money(amount=row.total, currency=row.currency),
            status=OrderStatusValue(row.status),
            created_at=row.created_at,
            _user_id=row.user_id,
            items=[OrderItem.from_row(item) for item in items],
        )


async def _orders_of(info: Info[Context, None], rows: Sequence[OrderRow]) -> list[Order]:
    """`rows` as Orders, with the items of all of them read in one query when the operation
    selects `items`."""
    if rows and selects(info, "items"):
        items = await info.context.service.orders.items_of([row.id for row in rows])
    else:
        items = [[] for _ in rows]
    return [Order.from_row(row, its) for row, its in zip(rows, items, strict=True)]


async def _order_of(info: Info[Context, None], row: OrderRow) -> Order:
    [order] = await _orders_of(info, [row])
    return order


async def _connection(info: Info[Context, None], page: OrderPage) -> Connection[Order]:
    orders = await _orders_of(info, page.orders)
    return connection_of(
        zip(page.orders, orders, strict=True),
        has_next_page=page.has_next_page,
        cursor=lambda pair: cursor_of(pair[0]),
        node=lambda pair: pair[1],
    )


@strawberry.federation.type(keys=["id"])
class User:
    """The users subgraph's user, to which this subgraph adds `orders`."""

    id: strawberry.ID

    @strawberry.field(description="The user's orders, newest first: the user themself or an admin.")
    async def orders(
        self,
        info: Info[Context, None],
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Order]:
        info.context.require_self_or_admin(str(self.id), "see these orders")
        page = await info.context.service.orders.page_for_user(
            str(self.id), first=page_size(first), after=given(after)
        )
        return await _connection(info, page)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "User":
        return cls(id=id)


@strawberry.input
class OrderItemInput:
    product_id: strawberry.ID
    quantity: int = strawberry.field(description="At least 1.")


@strawberry.input
class CreateOrderInput:
    items: list[OrderItemInput] = strawberry.field(
        description="At least one; each product at most once."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key returns the same order, never a second one.",
    )


@strawberry.type
class Query:
    @strawberry.field(description="An order by id: its owner or an admin.")
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> Order | None:
        caller = info.context.require_caller()
        row = await info.context.service.orders.visible(caller, str(id))
        return await _order_of(info, row)

    @strawberry.field(description="The caller's orders, newest first.")
    async def my_orders(
        self,
        info: Info[Context, None],
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Order]:
        caller = info.context.require_caller()
        page = await info.context.service.orders.page_for_user(
            caller.user_id, first=page_size(first), after=given(after)
        )
        return await _connection(info, page)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Reserves the stock and places the order, atomically.")
    async def create_order(self, info: Info[Context, None], input: CreateOrderInput) -> Order:
        caller = info.context.require_caller()
        items = [OrderItemRequest(str(item.product_id), item.quantity) for item in input.items]
        row = await info.context.service.orders.create(caller, items, input.idempotency_key)
        return await _order_of(info, row)

    @strawberry.mutation(description="Cancels the order and gives its stock back.")
    async def cancel_order(self, info: Info[Context, None], id: strawberry.ID) -> Order:
        caller = info.context.require_caller()
        row = await info.context.service.orders.cancel(caller, str(id))
        return await _order_of(info, row)


def create_schema(settings: ServiceSettings | None = None) -> SubgraphSchema:
    return build_schema(
        settings=settings or ServiceSettings(),
        query=Query,
        mutation=Mutation,
        types=[Order, User, Product],
    )
