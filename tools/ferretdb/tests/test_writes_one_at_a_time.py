"""Our patch to FerretDB's connection handler (tools/ferretdb/patches/03-*): write commands run
one at a time, so a conditional update is atomic as in MongoDB. Without it, FerretDB v1 lets
concurrent conditional writers all succeed on the same document (lost updates)."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pymongo import MongoClient, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shopgraph_testing.servers import new_mongo_database

STOCK = 10
BUYERS = 50


@pytest.fixture
def database(mongodb_url: str) -> Iterator[Database[dict[str, Any]]]:
    # One connection per buyer, so that their writes reach the server at the same time.
    client: MongoClient[dict[str, Any]] = MongoClient(
        new_mongo_database(mongodb_url, "writes"), maxPoolSize=BUYERS, minPoolSize=BUYERS
    )
    try:
        yield client.get_default_database()
    finally:
        client.close()


def test_concurrent_conditional_updates_never_take_more_than_there_is(
    database: Database[dict[str, Any]],
) -> None:
    products = database.products
    products.insert_one({"_id": "tea", "stock": STOCK})

    def buy(_: int) -> dict[str, Any] | None:
        return products.find_one_and_update(
            {"_id": "tea", "stock": {"$gte": 1}},
            {"$inc": {"stock": -1}},
            return_document=ReturnDocument.AFTER,
        )

    with ThreadPoolExecutor(BUYERS) as pool:
        bought = [answer for answer in pool.map(buy, range(BUYERS)) if answer is not None]

    assert len(bought) == STOCK
    assert sorted(answer["stock"] for answer in bought) == list(range(STOCK))
    assert products.find_one({"_id": "tea"}) == {"_id": "tea", "stock": 0}


def test_concurrent_inserts_of_one_id_store_it_once(database: Database[dict[str, Any]]) -> None:
    # The reservation lock: the first insert of an _id wins, every other one is refused.
    locks = database.locks

    def lock(n: int) -> bool:
        try:
            locks.insert_one({"_id": "reservation-1", "by": n})
        except DuplicateKeyError:
            return False
        return True

    with ThreadPoolExecutor(BUYERS) as pool:
        won = sum(pool.map(lock, range(BUYERS)))

    assert won == 1
    assert locks.count_documents({}) == 1
