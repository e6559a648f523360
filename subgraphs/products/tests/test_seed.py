"""`shopgraph-products seed`: the demo catalogue, added once however often it runs."""

from typing import Any

import pytest
from pymongo import MongoClient

from shopgraph_core.testing.servers import new_mongo_database
from shopgraph_products.cli import main
from shopgraph_products.demo import DEMO_PRODUCTS


def test_seed_is_idempotent(
    mongodb_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_mongo_database(mongodb_url, "seed")
    monkeypatch.setenv("MONGODB_URL", url)
    monkeypatch.setenv("ENVIRONMENT", "test")

    main(["seed"])
    first = capsys.readouterr().out
    main(["seed"])
    second = capsys.readouterr().out

    assert len(DEMO_PRODUCTS) == 12
    assert "seeded 12 new of 12" in first
    assert "seeded 0 new of 12" in second
    mongo: MongoClient[dict[str, Any]]
    with MongoClient(url) as mongo:
        products: list[dict[str, Any]] = list(mongo.get_default_database().products.find())
    assert sorted(p["sku"] for p in products) == sorted(p["sku"] for p in DEMO_PRODUCTS)
    assert all(p["currency"] == "USD" and p["price"] > 0 for p in products)
    assert any(p["stock"] == 0 for p in products)  # something for inStock to filter
