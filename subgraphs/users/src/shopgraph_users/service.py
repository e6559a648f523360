"""The users service's state: its database, its accounts and their throttle, its token issuer."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.runtime.periodic import running_every
from shopgraph_core.storage.sql import SqlStore, open_sql_store
from shopgraph_users.accounts import Accounts
from shopgraph_users.settings import UsersSettings
from shopgraph_users.throttle import CLEANUP_INTERVAL_S, Throttle

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class UsersService:
    def __init__(self, store: SqlStore, accounts: Accounts) -> None:
        self.store = store
        self.accounts = accounts
        self.throttle = accounts.throttle
        self.issuer = accounts.issuer

    async def check_ready(self) -> None:
        await self.store.check_ready()


@asynccontextmanager
async def running_service(
    settings: UsersSettings, issuer: TokenIssuer
) -> AsyncIterator[UsersService]:
    """The service with its database open, its admin account in place (when configured) and
    the throttle's cleanup running."""
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
            yield UsersService(store, accounts)
