"""Our patches to FerretDB's SQLite backend (tools/ferretdb/patches): a filter on `_id` reads
by the `_id` index, also beside other conditions and as an `$in` of ids, and every answer is
still the whole filter's.

SQLite's own query plan (through FerretDB's `explain`) says whether the index was used."""

import struct
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId, encode
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database

from shopgraph_testing.servers import new_mongo_database

IDS = [ObjectId() for _ in range(4)]
DOCS: list[dict[str, Any]] = [
    {"_id": IDS[0], "stock": 0},
    {"_id": IDS[1], "stock": 1},
    {"_id": IDS[2], "stock": 2},
    {"_id": IDS[3], "stock": 3, "stock_marks": ["take:r1"]},
    {"_id": "sku-1", "stock": 7},
    {"_id": 5, "stock": 5},
]


@pytest.fixture
def database(mongodb_url: str) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(new_mongo_database(mongodb_url, "ids"))
    try:
        database = client.get_default_database()
        if "ferretdbVersion" not in database.command("buildInfo"):
            pytest.skip("these are FerretDB's patches; MONGODB_URL names another server")
        yield database
    finally:
        client.close()


@pytest.fixture
def products(database: Database[dict[str, Any]]) -> Collection[dict[str, Any]]:
    database.products.insert_many([dict(doc) for doc in DOCS])
    return database.products


def plan(database: Database[dict[str, Any]], query: dict[str, Any]) -> str:
    explained = database.command("explain", {"find": "products", "filter": query})
    return " ".join(explained["queryPlanner"]["Plan"])


def matching(query: dict[str, Any]) -> list[dict[str, Any]]:
    """What the filters below select, worked out here."""
    wanted = query["_id"]
    ids = wanted["$in"] if isinstance(wanted, dict) else [wanted]
    least = query.get("stock", {}).get("$gte", 0)
    return [doc for doc in DOCS if doc["_id"] in ids and doc["stock"] >= least]


BY_ID = [
    pytest.param({"_id": IDS[1]}, id="an ObjectId"),
    pytest.param({"_id": "sku-1"}, id="a string"),
    pytest.param({"_id": IDS[1], "stock": {"$gte": 1}}, id="an ObjectId and a condition"),
    pytest.param({"_id": IDS[0], "stock": {"$gte": 1}}, id="a condition that fails"),
    pytest.param({"_id": {"$in": [IDS[0], IDS[2], "sku-1"]}}, id="$in of ids"),
    pytest.param(
        {"_id": {"$in": [IDS[0], IDS[2]]}, "stock": {"$gte": 1}}, id="$in and a condition"
    ),
    pytest.param({"_id": {"$in": [ObjectId()]}}, id="$in of an id not there"),
]


@pytest.mark.parametrize("query", BY_ID)
def test_a_filter_on_id_reads_by_the_index_and_answers_the_whole_filter(
    database: Database[dict[str, Any]],
    products: Collection[dict[str, Any]],
    query: dict[str, Any],
) -> None:
    assert "USING INDEX" in plan(database, query)
    assert sorted(products.find(query), key=str) == sorted(matching(query), key=str)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"_id": {"$in": [IDS[0], 5]}}, [DOCS[0], DOCS[5]], id="$in with a number"),
        pytest.param({"_id": {"$gt": IDS[1]}}, [DOCS[2], DOCS[3]], id="a range"),
        pytest.param({"stock": 2}, [DOCS[2]], id="no _id"),
    ],
)
def test_other_filters_scan_as_before(
    database: Database[dict[str, Any]],
    products: Collection[dict[str, Any]],
    query: dict[str, Any],
    expected: list[dict[str, Any]],
) -> None:
    assert "SCAN" in plan(database, query)
    assert sorted(products.find(query), key=str) == sorted(expected, key=str)


def test_conditional_writes_by_id_apply_only_when_the_condition_holds(
    products: Collection[dict[str, Any]],
) -> None:
    # The stock ledger's take: no update when the stock or the marks say no.
    take = {"$inc": {"stock": -2}, "$push": {"stock_marks": "take:r2"}}
    too_much = {"_id": IDS[1], "stock": {"$gte": 2}}
    assert products.find_one_and_update(too_much, take) is None
    already = {"_id": IDS[3], "stock_marks": {"$nin": ["take:r1"]}}
    assert products.find_one_and_update(already, take) is None
    enough = {"_id": IDS[2], "stock": {"$gte": 2}, "stock_marks": {"$nin": ["take:r2"]}}
    taken = products.find_one_and_update(enough, take, return_document=ReturnDocument.AFTER)
    assert taken == {"_id": IDS[2], "stock": 0, "stock_marks": ["take:r2"]}
    assert products.update_one(enough, take).matched_count == 0

    assert products.delete_one({"_id": IDS[3], "stock": 0}).deleted_count == 0
    assert products.delete_one({"_id": {"$in": [IDS[3]]}, "stock": 3}).deleted_count == 1
    assert products.count_documents({}) == len(DOCS) - 1
    assert products.find_one({"_id": IDS[1]}) == DOCS[1]


def test_a_filter_naming_id_twice_is_answered(
    database: Database[dict[str, Any]], products: Collection[dict[str, Any]]
) -> None:
    """The patch looks up `_id` only when the filter names it once (FerretDB's Get panics on
    a duplicated key); a filter that names it twice still gets an answer."""
    body = encode({"_id": IDS[1]})[4:-1] + encode({"_id": "sku-1"})[4:-1]
    twice = RawBSONDocument(struct.pack("<i", len(body) + 5) + body + b"\x00")
    answer = database.command({"find": "products", "filter": twice})
    assert answer["ok"] == 1.0
    assert database.command("ping")["ok"] == 1.0
    assert products.count_documents({}) == len(DOCS)
