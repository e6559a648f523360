"""The orders service: its storage, its products client, its reconciler and the app factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from shopgraph_core.auth.verifier import TokenVerifier
from shopgraph_core.runtime.app import create_service_app
from shopgraph_core.runtime.periodic import running_every
from shopgraph_core.storage.sql import open_sql_store
from shopgraph_orders.orders import Orders
from shopgraph_orders.products_client import ProductsClient
from shopgraph_orders.schema import create_schema
from shopgraph_orders.settings import OrdersSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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


def create_app(
    settings: OrdersSettings | None = None, *, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The app; `verifier` replaces the JWKS-backed token verifier (tests)."""
    settings = settings or OrdersSettings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[Orders]:
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
                yield orders

    return create_service_app(
        settings=settings, schema=create_schema(settings), lifespan=lifespan, verifier=verifier
    )
