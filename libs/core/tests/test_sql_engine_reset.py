"""What a SQLite connection goes back to the pool with: never an open transaction, and no
second rollback after a session that already ended its own (`_roll_back_if_open`)."""

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from shopgraph_core.storage.sql_engine import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'reset.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    yield engine
    await engine.dispose()


async def _driver(engine: AsyncEngine) -> aiosqlite.Connection:
    """The pool's one connection (the pool hands it out again, first in first out)."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        return driver


async def _count_rollbacks(driver: aiosqlite.Connection) -> list[int]:
    """Counts the driver's rollbacks from now on; each still runs (a spy, not a stand-in)."""
    calls = [0]
    real = driver.rollback

    async def rollback() -> None:
        calls[0] += 1
        await real()

    driver.rollback = rollback  # type: ignore[method-assign]
    return calls


async def test_a_committed_session_is_not_rolled_back_again(engine: AsyncEngine) -> None:
    calls = await _count_rollbacks(await _driver(engine))
    sessions = async_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (id) VALUES (1)"))
    assert calls == [0]
    async with sessions() as session:  # a read that ends by closing: its own rollback only
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 1
    assert calls == [1]


async def test_an_open_transaction_is_rolled_back_on_return(engine: AsyncEngine) -> None:
    driver = await _driver(engine)
    calls = await _count_rollbacks(driver)
    async with engine.connect() as connection:
        # Beside SQLAlchemy's back: the Connection has no transaction of its own to end, so
        # only the pool's reset stands between this insert and the connection's next user.
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute("INSERT INTO t (id) VALUES (2)")  # type: ignore[union-attr]
        assert driver.in_transaction
    assert calls == [1]
    assert not driver.in_transaction
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 0
