"""The orders service's state: its database, its products client and its orders."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from shopgraph_core.runtime.periodic import running_every
from shopgraph_core.storage.sql import SqlStore, open_sql_store
from shopgraph_orders.orders import Orders
from shopgraph_orders.products_client import ProductsClient
from shopgraph_orders.settings import OrdersSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class OrdersService:
    def __init__(self, store: SqlStore, products: ProductsClient, orders: Orders) -> None:
        self.store = store
        self.products = products
        self.orders = orders

    async def check_ready(self) -> None:
        await self.store.check_ready()


def products_client(
    settings: OrdersSettings, transport: httpx.AsyncBaseTransport | None = None
) -> ProductsClient:
    return ProductsClient(
        settings.products_internal_url,
        settings.internal_service_token,
        connect_timeout_s=settings.products_connect_timeout_s,
        timeout_s=settings.products_timeout_s,
        retries=settings.products_retries,
        backoff_s=settings.products_retry_backoff_s,
        transport=transport,
    )


@asynccontextmanager
async def running_service(settings: OrdersSettings) -> AsyncIterator[OrdersService]:
    """The service with its database open, its products client ready and the reconciler
    running."""
    async with (
        open_sql_store(settings, MIGRATIONS_DIR) as store,
        products_client(settings) as products,
    ):
        orders = Orders(
            store, products, reconcile_after=timedelta(seconds=settings.reconcile_after_s)
        )
        async with running_every(
            settings.reconcile_interval_s, orders.reconcile_once, name="orders-reconciler"
        ):
            yield OrdersService(store, products, orders)
