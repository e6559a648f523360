"""The SQLite driver's one trip per statement (`sqlite_driver.py`): it answers as SQLAlchemy's
own aiosqlite cursor does, statement for statement, and it makes one trip where that makes
four."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from shopgraph_core.storage.sql_engine import create_engine

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True),
)


async def _script(connection: AsyncConnection) -> list[Any]:
    """Every kind of answer a statement gives, and the errors, as plain values."""
    seen: list[Any] = []
    await connection.run_sync(metadata.create_all)
    result = await connection.execute(insert(items).values(name="a"))
    seen.append(("insert", result.inserted_primary_key, result.rowcount))
    result = await connection.execute(insert(items), [{"name": "b"}, {"name": "c"}, {"name": "d"}])
    seen.append(("executemany", result.rowcount))
    result = await connection.execute(
        update(items).where(items.c.id > 1).values(name=items.c.name + "!")
    )
    seen.append(("update", result.rowcount))
    result = await connection.execute(update(items).where(items.c.id > 99).values(name="x"))
    seen.append(("update nothing", result.rowcount))
    result = await connection.execute(select(items).order_by(items.c.id))
    seen.append(("select", list(result.keys()), [tuple(row) for row in result]))
    result = await connection.execute(select(items).where(items.c.id < 0))
    seen.append(("select nothing", list(result.keys()), result.all()))
    result = await connection.execute(delete(items).where(items.c.id == 4))
    seen.append(("delete", result.rowcount))
    result = await connection.execute(text("SELECT count(*) AS n FROM items"))
    seen.append(("text", result.scalar_one()))
    streamed = await connection.stream(select(items.c.name).order_by(items.c.id))
    seen.append(("stream", [row.name async for row in streamed]))
    for bad in (insert(items).values(id=1, name="again"), text("SELECT nope FROM items")):
        try:
            async with connection.begin_nested():
                await connection.execute(bad)
        except (IntegrityError, OperationalError) as error:
            seen.append(("error", type(error).__name__, type(error.orig).__name__, str(error.orig)))
    return seen


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    ours = create_engine(f"sqlite:///{tmp_path / 'ours.db'}")
    theirs = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'theirs.db'}")
    yield ours, theirs
    await ours.dispose()
    await theirs.dispose()


async def test_it_answers_as_sqlalchemys_own_cursor(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    ours, theirs = engines
    async with ours.begin() as connection:
        answers = await _script(connection)
    async with theirs.begin() as connection:
        assert answers == await _script(connection)
    assert ("update", 3) in answers  # the script ran to the end
    assert answers[-1][:2] == ("error", "OperationalError")


async def _count_trips(engine: AsyncEngine) -> list[int]:
    """Counts calls onto the pool's one connection's thread; each still runs (a spy)."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, aiosqlite.Connection)
    calls = [0]
    real: Callable[..., Awaitable[Any]] = driver._execute

    async def execute(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await real(*args, **kwargs)

    driver._execute = execute  # type: ignore[method-assign]
    return calls


async def test_a_statement_is_one_trip_to_aiosqlites_thread(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    ours, _ = engines
    async with ours.begin() as connection:
        await connection.run_sync(metadata.create_all)
    calls = await _count_trips(ours)
    async with ours.begin() as connection:  # the statement, then the commit
        await connection.execute(insert(items).values(name="a"))
    assert calls == [2]
    async with ours.connect() as connection:  # the statement, then the rollback on close
        assert (await connection.execute(select(items.c.name))).scalars().all() == ["a"]
    assert calls == [4]
