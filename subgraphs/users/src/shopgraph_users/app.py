"""The users service's app: its keys, its JWKS route, and the shared app factory."""

from fastapi import APIRouter, FastAPI, Request

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.runtime.app import create_service_app
from shopgraph_users.schema import create_schema
from shopgraph_users.service import UsersService, running_service
from shopgraph_users.settings import UsersSettings
from shopgraph_users.signing_key import load_key, load_or_create_dev_key

jwks_router = APIRouter()


@jwks_router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> dict[str, object]:
    """The public keys that verify our tokens; every other service fetches them."""
    service: UsersService = request.app.state.service
    return service.issuer.jwks()


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
    return create_service_app(
        settings=settings,
        schema=create_schema(settings),
        running_service=lambda: running_service(settings, issuer),
        verifier=issuer.verifier(),
        routers=[jwks_router],
    )
