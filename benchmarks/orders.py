"""Orders subgraph throughput next to a bare FastAPI endpoint doing the same SQL reads, on
SQLite (or MariaDB with --mariadb).

Scenarios: `myOrders(first: 20)` with each order's items (the customer's order history), and
`_entities` of 20 and of 100 orders (Order is an entity of this subgraph), each against the
bare endpoint making the same reads.

Set-up writes the orders and their items as rows, straight into the database through the
service's own store and row classes: placing them through the API would need a products
service to reserve stock, and reading them needs none (`Order.items` resolves its products
by id only, and the reconciler has nothing to do for confirmed orders). The subgraph verifies
tokens against a JWKS served by this process (shopgraph_testing), as the tests do.
"""

import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query

from benchmarks.harness import (
    Options,
    Report,
    Scenario,
    Table,
    graphql_ok,
    graphql_post,
    http_get,
    measure_pair,
    run_uvicorn,
    spawned_server,
    whole_batch,
)
from shopgraph_core.auth.verifier import Role
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.storage.sql import SqlStore, open_sql_store
from shopgraph_orders.app import create_app
from shopgraph_orders.models import OrderItemRow, OrderRow, OrderStatus
from shopgraph_orders.order_queries import OrderQueries, cursor_of
from shopgraph_orders.service import MIGRATIONS_DIR
from shopgraph_orders.settings import OrdersSettings
from shopgraph_testing.jwks import jwks_server
from shopgraph_testing.servers import new_mysql_database
from shopgraph_testing.tokens import TestTokens

ORDER_FIELDS = "id status total { amount currency } createdAt"
ITEM_FIELDS = "quantity unitPrice { amount currency } product { id }"
PAGE_SIZE = 20
MY_ORDERS = (
    f"query MyOrders {{ myOrders(first: {PAGE_SIZE}) {{ edges {{ node {{ {ORDER_FIELDS} "
    f"items {{ {ITEM_FIELDS} }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
ENTITIES = (
    "query Entities($r: [_Any!]!) { _entities(representations: $r) "
    f"{{ ... on Order {{ {ORDER_FIELDS} }} }} }}"
)
ORDER_COUNT = 100
ITEMS_PER_ORDER = 3
BATCHES = (20, 100)
TARGET = 0.7  # issue 17: every subgraph's hottest read at >= 0.7x its bare baseline


def _order_json(row: OrderRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "total": {"amount": row.total, "currency": row.currency},
        "createdAt": row.created_at.isoformat(),
    }


def _item_json(row: OrderItemRow) -> dict[str, Any]:
    return {
        "quantity": row.quantity,
        "unitPrice": {"amount": row.unit_price, "currency": row.currency},
        "product": {"id": row.product_id},
    }


def _bare_app(database_url: str) -> FastAPI:
    """The baseline: the reads the resolvers make (`OrderQueries.page_for_user` then one
    `items_of` for the page, as the items DataLoader batches them; `OrderQueries.by_ids` for
    `_entities`), on the service's own SqlStore and row classes, answered as plain JSON. No
    GraphQL, no DataLoader, no token verification (the user is a query parameter), no
    visibility check, none of the service's middleware, no reconciler; the same uvicorn."""
    queries = OrderQueries(SqlStore(database_url, MIGRATIONS_DIR))
    app = FastAPI()

    @app.get("/orders")
    async def page(user: str, first: int = PAGE_SIZE) -> dict[str, Any]:
        found = await queries.page_for_user(user, first=first, after=None)
        items = await queries.items_of([o.id for o in found.orders])
        return {
            "orders": [
                {**_order_json(o), "items": [_item_json(i) for i in its]}
                for o, its in zip(found.orders, items, strict=True)
            ],
            "hasNextPage": found.has_next_page,
            "endCursor": cursor_of(found.orders[-1]) if found.orders else None,
        }

    @app.get("/orders/by-id")
    async def many(ids: list[str] = Query()) -> list[dict[str, Any] | None]:  # noqa: B008 - FastAPI's idiom
        return [None if o is None else _order_json(o) for o in await queries.by_ids(ids)]

    return app


def orders_settings(data_dir: str, database_url: str | None, jwks_url: str) -> OrdersSettings:
    return OrdersSettings(
        environment="test",
        SHOPGRAPH_DATA_DIR=Path(data_dir),
        database_url=database_url,
        jwks_url=jwks_url,
        log_level="WARNING",
        # Never called: reading orders asks products nothing.
        products_internal_url="http://127.0.0.1:9",
    )


def _serve(port: int, kind: str, data_dir: str, database_url: str | None, jwks_url: str) -> None:
    settings = orders_settings(data_dir, database_url, jwks_url)
    if kind == "bare":
        run_uvicorn(_bare_app(settings.effective_database_url), port)
    else:
        run_uvicorn(create_app(settings), port)


async def seed_orders(settings: OrdersSettings, user_id: str) -> list[str]:
    """ORDER_COUNT confirmed orders of `user_id`, ITEMS_PER_ORDER items each, a second
    apart; their ids, newest first."""
    now = utcnow(Precision.MICROSECOND)
    orders = [
        OrderRow(
            id=str(uuid.uuid4()),
            user_id=user_id,
            status=OrderStatus.CONFIRMED,
            currency="USD",
            total=ITEMS_PER_ORDER * 1000,
            reservation_id=f"order:{n}",
            reservation_confirmed=True,
            stock_released=False,
            created_at=now - timedelta(seconds=n),
            updated_at=now - timedelta(seconds=n),
        )
        for n in range(ORDER_COUNT)
    ]
    async with open_sql_store(settings, MIGRATIONS_DIR) as store, store.session() as session:
        session.add_all(orders)
        await session.flush()  # the order rows first, then their items (foreign key)
        session.add_all(
            OrderItemRow(
                order_id=order.id,
                position=position,
                product_id=f"{position:024x}",
                quantity=1,
                unit_price=1000,
                currency="USD",
            )
            for order in orders
            for position in range(ITEMS_PER_ORDER)
        )
        await session.commit()
    return [order.id for order in orders]


async def run(options: Options, report: Report) -> None:
    table = Table(f"orders subgraph vs bare FastAPI, {options.sql_name}")
    database_url = (
        new_mysql_database(options.mysql_base_url, "bench_orders")
        if options.mysql_base_url
        else None
    )
    tokens = TestTokens()
    user_id = str(uuid.uuid4())
    auth = {"Authorization": f"Bearer {tokens.issue(user_id, Role.CUSTOMER)}"}
    with (
        tempfile.TemporaryDirectory(prefix="shopgraph-bench-orders-") as data_dir,
        jwks_server(tokens) as jwks_url,
    ):
        ids = await seed_orders(orders_settings(data_dir, database_url, jwks_url), user_id)
        with (
            spawned_server("orders", _serve, "orders", data_dir, database_url, jwks_url) as orders,
            spawned_server("bare orders", _serve, "bare", data_dir, database_url, jwks_url) as bare,
        ):
            await measure_pair(
                table,
                Scenario(
                    f"bare: read {PAGE_SIZE} orders and their items",
                    bare,
                    http_get("/orders", {"user": user_id}),
                ),
                Scenario(
                    f"orders: myOrders(first: {PAGE_SIZE}) with items",
                    orders,
                    graphql_post(MY_ORDERS, headers=auth),
                    graphql_ok(
                        lambda data: (
                            [e["node"]["id"] for e in data["myOrders"]["edges"]] == ids[:PAGE_SIZE]
                        )
                    ),
                ),
                options,
                target=TARGET,
            )
            for size in BATCHES:
                batch = ids[:size]
                representations = [{"__typename": "Order", "id": i} for i in batch]
                await measure_pair(
                    table,
                    Scenario(
                        f"bare: read {size} orders by id",
                        bare,
                        http_get("/orders/by-id", {"ids": batch}),
                    ),
                    Scenario(
                        f"orders: _entities x{size}",
                        orders,
                        graphql_post(ENTITIES, {"r": representations}, auth),
                        whole_batch(size),
                    ),
                    options,
                    target=TARGET,
                )
    report.tables.append(table)
