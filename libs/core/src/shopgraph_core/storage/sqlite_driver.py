"""SQLAlchemy's aiosqlite adapter, with each statement run in one trip to aiosqlite's thread.

aiosqlite runs every sqlite3 call on a thread of its own and hands the result back to the
event loop; each such trip cost about 55 us of CPU here (docs/performance.md). SQLAlchemy's
adapter makes four for every statement: open a cursor, execute, fetch the rows, close the
cursor. This one runs the same four sqlite3 calls, in the same order, as one function on that
thread. What SQLAlchemy sees afterwards (description, rows, rowcount, lastrowid, exceptions)
is what its own cursor would have held. Server-side cursors (`stream`) keep SQLAlchemy's.

It reaches into both libraries, hence the bounds on them in pyproject.toml: SQLAlchemy's
adapter classes are not public, and `aiosqlite.Connection._execute` (the queue to its thread)
is private, as `_conn` already is to SQLAlchemy's adapter.
"""

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

# What a statement leaves for SQLAlchemy: description, lastrowid (None from sqlite3 before
# any insert, passed on as SQLAlchemy's own cursor does), rowcount, rows.
_Outcome = tuple[Any, Any, int, list[Any] | None]
_Run = Callable[[sqlite3.Connection, str, Any], _Outcome]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """On aiosqlite's thread: SQLAlchemy's cursor.execute, as sqlite3 calls."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, -1, -1, cursor.fetchall()
        return None, cursor.lastrowid, cursor.rowcount, None
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, cursor.lastrowid, cursor.rowcount, None
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._apply(_run, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._apply(_run_many, operation, seq_of_parameters)

    def _apply(self, run: _Run, operation: Any, parameters: Any) -> None:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            # `_conn` is read here, on the loop, as SQLAlchemy's adapter does: a closed
            # connection raises before anything is queued. (aiosqlite leaves `_execute` untyped.)
            queue: Callable[..., Awaitable[_Outcome]] = driver._execute
            outcome = self.await_(queue(run, driver._conn, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description, lastrowid, rowcount, rows = outcome
        self.lastrowid, self.rowcount = lastrowid, rowcount
        self._rows = deque(rows) if rows is not None else deque()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(..., module=...)`: SQLAlchemy's, whose
    connections make `OneTripCursor`s."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:
            return adapted  # SQLAlchemy's legacy async_fallback mode: left as it is
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
