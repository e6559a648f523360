"""The products service's app: its internal reservations API and the shared app factory."""

from fastapi import FastAPI

from shopgraph_core.auth.verifier import TokenVerifier
from shopgraph_core.runtime.app import create_service_app
from shopgraph_products.internal_api import create_internal_router
from shopgraph_products.schema import create_schema
from shopgraph_products.service import running_service
from shopgraph_products.settings import ProductsSettings


def create_app(
    settings: ProductsSettings | None = None, *, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The app; tokens are verified against the users service's JWKS unless `verifier`."""
    settings = settings or ProductsSettings()
    return create_service_app(
        settings=settings,
        schema=create_schema(settings),
        running_service=lambda: running_service(settings),
        verifier=verifier,
        routers=[create_internal_router(settings)],
    )
