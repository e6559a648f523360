"""SQLite's pool: a file database keeps enough connections for a busy process; a database in
memory is the one static connection SQLAlchemy gives it."""

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.pool import QueuePool, StaticPool

from shopgraph_core.storage.sql_engine import SQLITE_POOL_SIZE, create_engine


async def test_a_file_database_pools_enough_connections(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        pool = engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == SQLITE_POOL_SIZE
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_a_database_in_memory_still_opens() -> None:
    engine = create_engine("sqlite://")
    try:
        assert isinstance(engine.sync_engine.pool, StaticPool)
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar() == 1
    finally:
        await engine.dispose()
