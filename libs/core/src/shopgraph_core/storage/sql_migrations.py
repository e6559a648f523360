"""Alembic migrations over the service's own engine, and the body of every `env.py`."""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shopgraph_core.storage.sql_engine import async_url, create_engine


async def upgrade_to_newest(engine: AsyncEngine, url: str, migrations_dir: Path) -> None:
    """Bring the schema at `url` to the newest revision over `engine`, in this process."""
    config = alembic_config(migrations_dir, url)

    def upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def run_migrations(target_metadata: Any) -> None:
    """The body of every service's alembic `env.py`.

    In-process upgrades hand over a connection; the `alembic` command line gets its own.
    """
    from alembic import context

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return

    async def run_own_engine() -> None:
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as own:
            await own.run_sync(run)
        await engine.dispose()

    asyncio.run(run_own_engine())
