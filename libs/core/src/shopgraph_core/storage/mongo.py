"""Document storage shared by the services that keep MongoDB data (products).

Beanie 2 documents over pymongo's native async client. The same code runs on MongoDB and on
FerretDB (the dev and test server: MongoDB wire protocol on SQLite); what FerretDB v1 lacks
is listed below, so services stay inside the common subset:

- no multi-document transactions: a change to several documents is a sequence of
  single-document conditional updates, made safe by the caller (see products' reservations);
- `findAndModify` takes no projection (`fields`): fetch whole documents;
- `$pull` with a condition (`{"$pull": {"a": {"$in": [...]}}}`) silently matches nothing:
  use `$pullAll` with exact values;
- no text indexes: search with an escaped, anchored-nowhere `$regex`.

Beanie binds its document classes to one database per process (`init_beanie` is global), so
a process serves one store at a time; tests open one app after another, never two at once.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from beanie import Document, init_beanie
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shopgraph_core.observability.metrics import POOLS, PoolUsage
from shopgraph_core.storage.mongo_monitoring import (
    CommandDispatcher,
    CommandTimer,
    CommandTracer,
    PoolCounter,
)

# Fail fast when the server is away, instead of pymongo's 30 s: with no server to select, a
# request answers UPSTREAM_UNAVAILABLE within about two seconds (see `outages`), and the
# readiness probe, which gives up after 3 s, sees the same. The connect timeout stays
# pymongo's (20 s): at 2 s, new connections to a busy server failed under CPU contention.
# Options in MONGODB_URL (serverSelectionTimeoutMS=...) take precedence.
DEFAULT_TIMEOUTS_MS = {"serverSelectionTimeoutMS": 2000}


class MongoStore:
    """A client, its database and the service's Beanie documents."""

    def __init__(
        self,
        url: str,
        *,
        document_models: Sequence[type[Document]],
        app_name: str = "shopgraph",
        default_database: str = "shopgraph",
    ) -> None:
        self.url = url
        self.commands = CommandDispatcher()
        self.pool = PoolCounter()
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            url,
            tz_aware=True,
            appname=app_name,
            **_timeouts_not_in(url),
            event_listeners=[self.commands, CommandTracer(), CommandTimer(), self.pool],
        )
        POOLS.register("mongodb", self, _pool_usage)
        self.database: AsyncDatabase[dict[str, Any]] = self.client.get_default_database(
            default=default_database
        )
        self._document_models = list(document_models)

    async def init(self) -> None:
        """Bind the documents to this database and create their indexes."""
        await init_beanie(
            database=self.database,
            document_models=self._document_models,
            skip_indexes=await self._is_ferretdb_restart(),
        )

    async def _is_ferretdb_restart(self) -> bool:
        """True on FerretDB when the database exists already (the service restarts).

        FerretDB v1 drops the connection when asked to create a compound index that exists
        already, which Beanie asks at every start (MongoDB takes it as a no-op). So on FerretDB
        (dev and test only) the first start creates the indexes and restarts leave them be.
        """
        build_info = await self.client.admin.command("buildInfo")
        if "ferretdbVersion" not in build_info:
            return False
        return bool(await self.database.list_collection_names())

    async def check_ready(self) -> None:
        await self.database.command("ping")

    async def close(self) -> None:
        POOLS.unregister(self)
        await self.client.close()


def _timeouts_not_in(url: str) -> dict[str, Any]:
    """The default timeouts the URL does not set itself (URL options are case-insensitive)."""
    options = url.partition("?")[2].lower()
    return {k: v for k, v in DEFAULT_TIMEOUTS_MS.items() if f"{k.lower()}=" not in options}


def _pool_usage(store: MongoStore) -> PoolUsage:
    most = store.client.options.pool_options.max_pool_size or 0
    return PoolUsage(store.pool.in_use, store.pool.open, most)


def parse_object_id(value: str) -> ObjectId | None:
    """The ObjectId spelt by `value` (24 hex digits), None for anything else."""
    if len(value) != 24:  # ObjectId() also takes 12 raw bytes, which is not an id we issue
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def object_ids(values: Iterable[str]) -> list[ObjectId]:
    """The distinct valid ObjectIds among `values`, malformed ones dropped."""
    found: dict[ObjectId, None] = {}
    for value in values:
        if (oid := parse_object_id(value)) is not None:
            found[oid] = None
    return list(found)
