"""The users service: its storage, its keys, and the shared app factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.runtime.app import create_service_app
from shopgraph_core.runtime.periodic import running_every
from shopgraph_core.storage.sql import open_sql_store
from shopgraph_users.accounts import Accounts
from shopgraph_users.schema import create_schema
from shopgraph_users.settings import UsersSettings
from shopgraph_users.throttle import CLEANUP_INTERVAL_S, Throttle
from shopgraph_users.tokens import load_key, load_or_create_dev_key

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

jwks_router = APIRouter()


@jwks_router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> dict[str, object]:
    """The public keys that verify our tokens; every other service fetches them."""
    accounts: Accounts = request.app.state.service
    return accounts.issuer.jwks()


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    settings = settings or UsersSettings()
    key = (
        load_key(settings.jwt_private_key_file)
        if settings.jwt_private_key_file
        else load_or_create_dev_key(settings.dev_key_file)
    )
    issuer = TokenIssuer(
        key, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl=settings.token_ttl
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[Accounts]:
        async with open_sql_store(settings, MIGRATIONS_DIR) as store:
            throttle = Throttle(store, settings)
            accounts = Accounts(store, issuer, throttle)
            if settings.shopgraph_admin_email and settings.shopgraph_admin_password:
                await accounts.ensure_admin(
                    email=settings.shopgraph_admin_email,
                    password=settings.shopgraph_admin_password.get_secret_value(),
                )
            async with running_every(
                CLEANUP_INTERVAL_S, throttle.forget_expired, name="throttle cleanup"
            ):
                yield accounts

    return create_service_app(
        settings=settings,
        schema=create_schema(settings),
        lifespan=lifespan,
        verifier=issuer.verifier(),
        routers=[jwks_router],
    )
