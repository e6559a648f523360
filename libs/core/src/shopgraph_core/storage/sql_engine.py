"""The SQL engine: URLs to async drivers, connection settings, and its metrics hooks.

MySQL/MariaDB through aiomysql (PyMySQL under asyncio) in production, SQLite through
aiosqlite as the embedded default.
"""

import time
from pathlib import Path
from typing import Any

import aiosqlite
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState, QueuePool

from shopgraph_core.observability.metrics import DB_QUERY_DURATION, POOLS, PoolUsage, sql_operation
from shopgraph_core.storage.sqlite_driver import one_trip_dbapi

# Plain scheme names a user may type, mapped to the async drivers we ship.
_ASYNC_DRIVERS = {
    "mysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
    "mysql+pymysql": "mysql+aiomysql",
    "sqlite": "sqlite+aiosqlite",
}
MYSQL_CONNECT_TIMEOUT_S = 10
SQLITE_POOL_SIZE = 32


def async_url(url: str) -> str:
    """`mysql://…` or `sqlite:///…` becomes the async driver's URL; others pass unchanged."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        return url
    parsed = parsed.set(drivername=driver)
    if driver == "mysql+aiomysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets readers run beside the writer; busy_timeout queues writers instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        pooling: dict[str, Any] = {}
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # Enough pooled connections for a busy process's concurrent requests: one past
            # the pool's size is closed when given back, and each new aiosqlite connection
            # starts a thread and runs the pragmas again (docs/performance.md). (A database
            # in memory is one static connection.)
            pooling = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 10}
        # The pool's own reset rolls back every returned connection: see `_roll_back_if_open`.
        # One trip to aiosqlite's thread per statement instead of four (sqlite_driver.py).
        engine = sa_create_async_engine(
            url, module=one_trip_dbapi(), pool_reset_on_return=None, **pooling
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _roll_back_if_open)
    else:
        engine = sa_create_async_engine(
            url,
            pool_pre_ping=True,
            pool_recycle=1800,
            pool_size=10,
            max_overflow=10,
            isolation_level="READ COMMITTED",
            # A stopped server refuses at once (UPSTREAM_UNAVAILABLE, see `outages`); one that
            # does not answer at all fails the request in 10 s rather than aiomysql's minute.
            # Not less: connecting to a busy server takes seconds under CPU contention.
            connect_args={"connect_timeout": MYSQL_CONNECT_TIMEOUT_S},
        )
    trace_statements(engine)
    measure_engine(engine)
    return engine


def _roll_back_if_open(
    dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState
) -> None:
    """A returned SQLite connection is rolled back only when SQLite says a transaction is open.

    A session that committed or rolled back leaves none, yet SQLAlchemy's default reset rolls
    back again: one more trip to aiosqlite's thread per session, 70-100 us of CPU
    (docs/performance.md). SQLite knows for certain (`in_transaction` is
    sqlite3_get_autocommit). MariaDB keeps SQLAlchemy's reset: aiomysql's flag for the same
    question is stale after a statement that returns rows (measured, docs/performance.md).
    """
    if state.terminate_only or not state.asyncio_safe:
        return  # closed, not reused; and no I/O outside the event loop (garbage collection)
    driver = record.driver_connection
    if not isinstance(driver, aiosqlite.Connection) or driver.in_transaction:
        dbapi_connection.rollback()


_STARTED = "shopgraph.query_started"


def trace_statements(engine: AsyncEngine) -> None:
    """A client span per statement, with `db.statement` holding the SQL and its placeholders,
    never the values. SQLAlchemyInstrumentor instruments only the first engine of a process
    (it warns and skips the next one, which tests open), so each engine gets its own tracer."""
    usage = metrics.get_meter("shopgraph.sql").create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    tracer = trace.get_tracer("shopgraph.sql")
    # The listeners it registers keep it alive with the engine; untyped upstream.
    EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]


def measure_engine(engine: AsyncEngine) -> None:
    """Statement durations into DB_QUERY_DURATION, and the pool's usage into POOLS."""
    sync_engine = engine.sync_engine
    db_system = sync_engine.dialect.name  # "mysql" (MariaDB too) or "sqlite"

    def before(conn: Connection, _c: Any, _s: str, _p: Any, context: Any, _m: bool) -> None:
        setattr(context, _STARTED, time.perf_counter())

    def after(conn: Connection, _c: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        if (started := getattr(context, _STARTED, None)) is not None:
            DB_QUERY_DURATION.labels(db_system, sql_operation(statement), "ok").observe(
                time.perf_counter() - started
            )

    def failed(context: ExceptionContext) -> None:
        started = getattr(context.execution_context, _STARTED, None)
        if started is not None and context.statement is not None:
            DB_QUERY_DURATION.labels(db_system, sql_operation(context.statement), "error").observe(
                time.perf_counter() - started
            )

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", failed)
    POOLS.register(db_system, engine, _pool_usage)


def _pool_usage(engine: AsyncEngine) -> PoolUsage:
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):  # SQLite in memory: one static connection
        return PoolUsage(0, 0, 1)
    in_use = pool.checkedout()
    # overflow() counts from -size up: connections open beyond the base size, or not yet made.
    return PoolUsage(in_use, pool.checkedin() + in_use, pool.size() + _max_overflow(pool))


def _max_overflow(pool: QueuePool) -> int:
    most: int = getattr(pool, "_max_overflow", 0)  # not public; -1 means unbounded
    return max(most, 0)
