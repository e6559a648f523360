"""The orders service's app: the shared app factory over the orders service."""

from fastapi import FastAPI

from shopgraph_core.auth.verifier import TokenVerifier
from shopgraph_core.runtime.app import create_service_app
from shopgraph_orders.schema import create_schema
from shopgraph_orders.service import running_service
from shopgraph_orders.settings import OrdersSettings


def create_app(
    settings: OrdersSettings | None = None, *, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The app; `verifier` replaces the JWKS-backed token verifier (tests)."""
    settings = settings or OrdersSettings()
    return create_service_app(
        settings=settings,
        schema=create_schema(settings),
        running_service=lambda: running_service(settings),
        verifier=verifier,
    )
