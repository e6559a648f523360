"""Products subgraph throughput next to a bare FastAPI endpoint doing the same catalogue read,
on FerretDB (MongoDB wire protocol on SQLite, started privately as the tests start it).

Scenarios: `product(id)`, `products(first: 20)`, and `_entities` of 20 and of 100 products
(the gateway's batches), each against the bare endpoint making the same read.

Only FerretDB on SQLite: FerretDB v1.24's MySQL backend exists, but only behind a hidden flag
of FerretDB's own command, and the embeddable package our server wraps (tools/ferretdb)
offers just the PostgreSQL and SQLite backends, so there is no products-on-MariaDB to
measure (docs/performance.md).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query

from benchmarks.harness import (
    Options,
    Report,
    Scenario,
    Table,
    graphql_ok,
    graphql_post,
    http_get,
    measure_pair,
    run_uvicorn,
    spawned_server,
    whole_batch,
)
from shopgraph_products.app import create_app
from shopgraph_products.catalogue import Catalogue, cursor_of
from shopgraph_products.models import ProductDoc
from shopgraph_products.service import open_store
from shopgraph_products.settings import ProductsSettings
from shopgraph_testing.servers import mongo_server, new_mongo_database

FIELDS = "id sku name description price { amount currency } stock"
PRODUCT = f"query Product($id: ID!) {{ product(id: $id) {{ {FIELDS} }} }}"
PAGE_SIZE = 20
PRODUCTS = (
    f"query Products {{ products(first: {PAGE_SIZE}) {{ edges {{ node {{ {FIELDS} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)
ENTITIES = (
    "query Entities($r: [_Any!]!) { _entities(representations: $r) "
    f"{{ ... on Product {{ {FIELDS} }} }} }}"
)
CATALOGUE_SIZE = 120
BATCHES = (20, 100)
TARGET = 0.7  # issue 17: every subgraph's hottest read at >= 0.7x its bare baseline


def _json(product: ProductDoc) -> dict[str, Any]:
    """The fields the GraphQL queries ask for, as the schema names them."""
    return {
        "id": str(product.id),
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price": {"amount": product.price, "currency": product.currency},
        "stock": product.stock,
    }


def _bare_app(settings: ProductsSettings) -> FastAPI:
    """The baseline: the catalogue reads the resolvers make (`Catalogue.by_ids` for
    `product(id)` and `_entities`, `Catalogue.page` for `products`), on the service's own
    store (`open_store`: the same pymongo client, options and command listeners, the same
    Beanie documents), answered as plain JSON. No GraphQL, no DataLoader, no token check,
    none of the service's middleware (metrics, body limit), no reservation sweeper; the same
    uvicorn."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings)
        try:
            await store.init()
            yield
        finally:
            await store.close()

    app = FastAPI(lifespan=lifespan)
    catalogue = Catalogue()

    @app.get("/product/{product_id}")
    async def one(product_id: str) -> dict[str, Any]:
        (product,) = await catalogue.by_ids([product_id])
        assert product is not None
        return _json(product)

    @app.get("/products")
    async def page(first: int = PAGE_SIZE) -> dict[str, Any]:
        found = await catalogue.page(first=first)
        return {
            "products": [_json(p) for p in found.products],
            "hasNextPage": found.has_next_page,
            "endCursor": cursor_of(found.products[-1]) if found.products else None,
        }

    @app.get("/products/by-id")
    async def many(ids: list[str] = Query()) -> list[dict[str, Any] | None]:  # noqa: B008 - FastAPI's idiom
        return [None if p is None else _json(p) for p in await catalogue.by_ids(ids)]

    return app


def _settings(mongodb_url: str) -> ProductsSettings:
    return ProductsSettings(environment="test", mongodb_url=mongodb_url, log_level="WARNING")


def _serve(port: int, kind: str, mongodb_url: str) -> None:
    settings = _settings(mongodb_url)
    run_uvicorn(_bare_app(settings) if kind == "bare" else create_app(settings), port)


async def _seed(mongodb_url: str) -> list[str]:
    """A catalogue of CATALOGUE_SIZE products, through the domain; their ids."""
    store = open_store(_settings(mongodb_url))
    try:
        await store.init()
        await Catalogue().seed(
            [
                {
                    "sku": f"BENCH-{i:04d}",
                    "name": f"Benchmark product {i}",
                    "description": "A product of the benchmark's catalogue. " * 3,
                    "price": 1000 + i,
                    "stock": 1000,
                }
                for i in range(CATALOGUE_SIZE)
            ]
        )
        return [str(product.id) for product in await ProductDoc.find_all().to_list()]
    finally:
        await store.close()


async def run(options: Options, report: Report) -> None:
    table = Table("products subgraph vs bare FastAPI, FerretDB on SQLite")
    if options.mysql_base_url:
        note = (
            "products: FerretDB on SQLite only (no MySQL backend in FerretDB's embeddable package)"
        )
        print(f"  {note}")
        report.skipped.append(note)
    with mongo_server() as server:
        mongodb_url = new_mongo_database(server, "bench_products")
        ids = await _seed(mongodb_url)
        with (
            spawned_server("products", _serve, "products", mongodb_url) as products,
            spawned_server("bare products", _serve, "bare", mongodb_url) as bare,
        ):
            one = ids[len(ids) // 2]
            await measure_pair(
                table,
                Scenario("bare: read 1 product", bare, http_get(f"/product/{one}")),
                Scenario(
                    "products: product(id)",
                    products,
                    graphql_post(PRODUCT, {"id": one}),
                    graphql_ok(lambda data: data["product"]["id"] == one),
                ),
                options,
                target=TARGET,
            )
            await measure_pair(
                table,
                Scenario(f"bare: read a page of {PAGE_SIZE}", bare, http_get("/products")),
                Scenario(
                    f"products: products(first: {PAGE_SIZE})",
                    products,
                    graphql_post(PRODUCTS),
                    graphql_ok(lambda data: len(data["products"]["edges"]) == PAGE_SIZE),
                ),
                options,
                target=TARGET,
            )
            for size in BATCHES:
                batch = ids[:size]
                representations = [{"__typename": "Product", "id": i} for i in batch]
                await measure_pair(
                    table,
                    Scenario(
                        f"bare: read {size} products by id",
                        bare,
                        http_get("/products/by-id", {"ids": batch}),
                    ),
                    Scenario(
                        f"products: _entities x{size}",
                        products,
                        graphql_post(ENTITIES, {"r": representations}),
                        whole_batch(size),
                    ),
                    options,
                    target=TARGET,
                )
    report.tables.append(table)
