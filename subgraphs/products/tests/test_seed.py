"""Starting again: `seed` adds the demo catalogue once, the service restarts on its data."""

from typing import Any

import pytest
from pymongo import MongoClient

from shopgraph_products.app import create_app
from shopgraph_products.cli import main
from shopgraph_products.demo import DEMO_PRODUCTS
from shopgraph_testing.drivers.products import ProductsSettingsFactory
from shopgraph_testing.graphql import error_codes, serve_in_process
from shopgraph_testing.servers import new_mongo_database
from shopgraph_testing.tokens import TestTokens


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


async def test_the_service_starts_again_on_its_existing_database(
    products_settings: ProductsSettingsFactory, tokens: TestTokens
) -> None:
    settings = products_settings()
    create = "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }"
    new = {"sku": "RESTART-1", "name": "Survivor", "price": 1, "stock": 1}

    async with serve_in_process(create_app(settings, verifier=tokens.verifier())) as first:
        created = await first.execute(create, {"i": new}, token=tokens.admin())
    async with serve_in_process(create_app(settings, verifier=tokens.verifier())) as again:
        ready = await again.http.get("/health/ready")
        duplicate = await again.execute(create, {"i": new}, token=tokens.admin())

    assert ready.status_code == 200
    assert created["data"]["createProduct"]["id"]
    assert error_codes(duplicate) == ["CONFLICT"]  # the data, and its unique index, are kept
