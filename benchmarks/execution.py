"""GraphQL execution alone, in memory: Strawberry's own executor against the plain-field
executor every subgraph runs (`shopgraph_core.graphql.execution`), on one schema and one
answer.

The schema has the shape of orders' `myOrders(first: 20)` with three items per order, the
read furthest from its bare baseline (docs/performance.md, "Why the ratios stay under 0.7x"):
a connection of 20 orders, each with its status, total, creation time, items (an async
resolver, as orders' is) and each item's price and product, over 500 fields. It is built as
the subgraphs build theirs (`build_schema`: the shared Money and connection types, the
hardening extensions, the parse and validation caches), and the data is already in memory:
no HTTP, no database, no DataLoader, so the two rows differ only in how the executor
completes fields.

A rate here is executions per second of one sequential loop in this process (there are no
clients, so `--concurrency` does not apply); p50 and p95 are of one execution. The two
executors run in turns, A B B A, like every other pair.
"""

import enum
from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry

from benchmarks.harness import Measurement, Options, Report, Table, measure_in_turns, one_loop
from shopgraph_core.graphql.connection import Connection, connection_of
from shopgraph_core.graphql.execution import PlainFieldExecutor
from shopgraph_core.graphql.money import Money
from shopgraph_core.graphql.schema import SubgraphSchema, build_schema
from shopgraph_core.graphql.strawberry_internals import StrawberryExecutor
from shopgraph_core.settings import ServiceSettings

PAGE_SIZE = 20
ITEMS_PER_ORDER = 3
QUERY = (
    f"query MyOrders {{ myOrders(first: {PAGE_SIZE}) {{ edges {{ node {{ id status "
    "total { amount currency } createdAt items { quantity unitPrice { amount currency } "
    "product { id } } } } pageInfo { hasNextPage endCursor } } }"
)
WARM_UP = 20


class StatusValue(enum.Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


Status = strawberry.enum(StatusValue, name="Status")


@strawberry.type
class Product:
    id: strawberry.ID


@strawberry.type
class OrderItem:
    quantity: int
    unit_price: Money
    product: Product  # an attribute, as in orders' schema


@strawberry.type
class Order:
    id: strawberry.ID
    status: Status  # type: ignore[valid-type]
    total: Money
    created_at: datetime
    _items: strawberry.Private[list[OrderItem]]

    @strawberry.field
    async def items(self) -> list[OrderItem]:
        return self._items


def _orders() -> list[Order]:
    created = datetime(2026, 12, 2, tzinfo=UTC)
    return [
        Order(
            id=strawberry.ID(f"order-{n}"),
            status=StatusValue.CONFIRMED,
            total=Money(amount=ITEMS_PER_ORDER * 1000, currency="USD"),
            created_at=created - timedelta(seconds=n),
            _items=[
                OrderItem(
                    quantity=1,
                    unit_price=Money(amount=1000, currency="USD"),
                    product=Product(id=strawberry.ID(f"{position:024x}")),
                )
                for position in range(ITEMS_PER_ORDER)
            ],
        )
        for n in range(PAGE_SIZE)
    ]


ORDERS = _orders()


@strawberry.type
class Query:
    @strawberry.field
    async def my_orders(self, first: int = PAGE_SIZE) -> Connection[Order]:
        return connection_of(
            ORDERS[:first], has_next_page=True, cursor=lambda order: str(order.id), node=lambda o: o
        )


def _schema(executor: type[Any] | None) -> SubgraphSchema:
    """The schema as `build_schema` makes it; `executor` replaces its plain-field executor."""
    schema = build_schema(settings=ServiceSettings(), query=Query)
    if executor is not None:
        schema.execution_context_class = executor
    return schema


async def _answer(schema: SubgraphSchema) -> dict[str, Any]:
    result = await schema.execute(QUERY)
    if result.errors or result.data is None:
        raise RuntimeError(f"execution benchmark: the query failed: {result.errors}")
    return result.data


async def _executions(schema: SubgraphSchema, seconds: float) -> Measurement:
    for _ in range(WARM_UP):
        await _answer(schema)
    return await one_loop(lambda: schema.execute(QUERY), seconds)


async def run(options: Options, report: Report) -> None:
    table = Table(f"GraphQL execution in memory, myOrders(first: {PAGE_SIZE}) with items")
    standard = _schema(StrawberryExecutor)
    plain = _schema(None)
    if not issubclass(plain.execution_context_class, PlainFieldExecutor):
        raise RuntimeError("execution benchmark: build_schema no longer sets the executor")
    if await _answer(standard) != await _answer(plain):
        raise RuntimeError("execution benchmark: the two executors answer differently")
    await measure_in_turns(
        table,
        ("Strawberry's executor", lambda seconds: _executions(standard, seconds)),
        ("plain-field executor (ours)", lambda seconds: _executions(plain, seconds)),
        options.seconds,
        unit="executions/s",
    )
    table.notes.append(
        "req/s here is executions/s of one loop in the benchmark's process: no HTTP, no clients"
    )
    report.tables.append(table)
