"""SQL storage shared by the services that keep relational data (users, orders).

MySQL/MariaDB through aiomysql (PyMySQL under asyncio) in production, SQLite through
aiosqlite as the embedded default. Alembic migrations run over the service's own engine.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Connection, Dialect, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from shopgraph_core.cli import ExtraCommand
from shopgraph_core.metrics import DB_QUERY_DURATION, POOLS, PoolUsage, sql_operation
from shopgraph_core.settings import ServiceSettings

# Plain scheme names a user may type, mapped to the async drivers we ship.
_ASYNC_DRIVERS = {
    "mysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
    "mysql+pymysql": "mysql+aiomysql",
    "sqlite": "sqlite+aiosqlite",
}


MYSQL_CONNECT_TIMEOUT_S = 10


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


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    url = async_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa_create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        engine = sa_create_async_engine(
            url,
            echo=echo,
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


def utcnow() -> datetime:
    # Microseconds are dropped: MySQL DATETIME keeps whole seconds unless told otherwise.
    return datetime.now(UTC).replace(microsecond=0)


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
        config = alembic_config(self._migrations_dir, self.url)

        def upgrade(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        async with self.engine.begin() as connection:
            await connection.run_sync(upgrade)

    async def close(self) -> None:
        POOLS.unregister(self.engine)
        await self.engine.dispose()


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


class SqlServiceSettings(ServiceSettings):
    """Settings of a service that keeps SQL data (users, orders)."""

    # None: an embedded SQLite file in the data folder, named after the service.
    database_url: str | None = None
    # Development and test apply migrations at start; production runs `shopgraph-X migrate`.
    migrate_on_start: bool | None = None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / f'{self.service_name}.db'}"

    @property
    def effective_migrate_on_start(self) -> bool:
        if self.migrate_on_start is None:
            return not self.is_production
        return self.migrate_on_start

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if self.database_url is None or is_sqlite(self.database_url):
            problems.append("DATABASE_URL must name a MySQL/MariaDB server, not SQLite")
        if self.migrate_on_start:
            problems.append(
                f"MIGRATE_ON_START must be off; run `shopgraph-{self.service_name} migrate`"
            )
        return problems


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


SqlSettingsT = TypeVar("SqlSettingsT", bound=SqlServiceSettings)


def migrate_command(migrations_dir: Path) -> ExtraCommand[SqlSettingsT]:
    """The `migrate` command of a SQL service: how production applies migrations."""

    async def migrate(settings: SqlSettingsT) -> str:
        store = SqlStore(settings.effective_database_url, migrations_dir)
        try:
            await store.migrate()
        finally:
            await store.close()
        return "database is at the newest revision"

    return ExtraCommand("apply database migrations, then exit", migrate)
