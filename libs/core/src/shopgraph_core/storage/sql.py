"""A SQL service's database (users, orders): engine, sessions, readiness and migrations.

The engine and its drivers are in `sql_engine`, Alembic in `sql_migrations`, the settings
(`SqlServiceSettings`) with every other setting in `shopgraph_core.settings`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.types import TypeDecorator

from shopgraph_core.observability.metrics import POOLS
from shopgraph_core.settings import SqlServiceSettings
from shopgraph_core.storage.sql_engine import async_url, create_engine
from shopgraph_core.storage.sql_migrations import upgrade_to_newest


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC (MySQL DATETIME keeps no zone)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class SqlStore:
    """A service's SQL database: engine, sessions, readiness and migrations."""

    def __init__(self, url: str, migrations_dir: Path) -> None:
        self.url = async_url(url)
        self.engine = create_engine(self.url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._migrations_dir = migrations_dir

    def session(self) -> AsyncSession:
        return self.sessions()

    async def check_ready(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def migrate(self) -> None:
        """Bring the schema to the newest revision over this store's engine."""
        await upgrade_to_newest(self.engine, self.url, self._migrations_dir)

    async def close(self) -> None:
        POOLS.unregister(self.engine)
        await self.engine.dispose()


@asynccontextmanager
async def open_sql_store(
    settings: SqlServiceSettings, migrations_dir: Path
) -> AsyncIterator[SqlStore]:
    """The service's database for the app's lifetime, migrated first where settings say so."""
    store = SqlStore(settings.effective_database_url, migrations_dir)
    try:
        if settings.effective_migrate_on_start:
            await store.migrate()
        yield store
    finally:
        await store.close()
