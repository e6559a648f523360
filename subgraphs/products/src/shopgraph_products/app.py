"""The products service: its storage, its internal reservations API, and the app factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shopgraph_core.auth.verifier import TokenVerifier
from shopgraph_core.runtime.app import create_service_app
from shopgraph_products.internal_api import create_internal_router
from shopgraph_products.schema import create_schema
from shopgraph_products.service import ProductsService, running_service
from shopgraph_products.settings import ProductsSettings


def create_app(
    settings: ProductsSettings | None = None, *, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The app; tokens are verified against the users service's JWKS unless `verifier`."""
    settings = settings or ProductsSettings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[ProductsService]:
        async with running_service(settings) as service:
            yield service

    return create_service_app(
        settings=settings,
        schema=create_schema(settings),
        lifespan=lifespan,
        verifier=verifier,
        routers=[create_internal_router(settings)],
    )
