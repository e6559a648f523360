"""What products tells Prometheus: reservation outcomes, MongoDB commands and its pool.

Runs its own app with a short RESERVATION_TTL, so that an expiry is seen too.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio

from shopgraph_testing.drivers.products import ProductsSettingsFactory, ProductsShop
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.metrics import sample
from shopgraph_testing.tokens import TestTokens

# Long enough for the confirm and release below to land first on a loaded machine, short
# enough to watch the last reservation expire.
TTL_S, SWEEP_S = 8.0, 0.1


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(
    products_settings: ProductsSettingsFactory, tokens: TestTokens
) -> AsyncIterator[GraphQLClient]:
    from shopgraph_products.app import create_app

    settings = products_settings(reservation_ttl=TTL_S, reservation_sweep_interval=SWEEP_S)
    async with serve_in_process(create_app(settings, verifier=tokens.verifier())) as client:
        yield client


def new_id() -> str:
    return f"order-{uuid.uuid4().hex}"


async def outcomes(client: GraphQLClient) -> dict[str, float]:
    page = (await client.http.get("/metrics")).text
    names = ("reserved", "confirmed", "released", "expired", "failed", "out_of_stock")
    return {o: sample(page, "shopgraph_stock_reservations_total", outcome=o) for o in names}


async def test_every_reservation_outcome_is_counted(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    product = await shop.create(stock=5)
    before = await outcomes(client)

    kept, given_back, left = new_id(), new_id(), new_id()
    assert (await shop.reserve(kept, [(product["id"], 1)])).status_code == 200
    assert (await shop.confirm(kept)).status_code == 200
    assert (await shop.reserve(given_back, [(product["id"], 1)])).status_code == 200
    assert (await shop.release(given_back)).status_code in (200, 204)
    assert (await shop.reserve(new_id(), [(product["id"], 50)])).status_code == 409
    assert (await shop.reserve(left, [(product["id"], 1)])).status_code == 200
    deadline = asyncio.get_running_loop().time() + TTL_S + 30
    while (await outcomes(client))["expired"] == before["expired"]:
        assert asyncio.get_running_loop().time() < deadline, "the reservation never expired"
        await asyncio.sleep(0.1)
    after = await outcomes(client)

    assert {o: after[o] - before[o] for o in after} == {
        "reserved": 3,
        "confirmed": 1,
        "released": 1,
        "expired": 1,
        # Refused before taking anything (a short stock is read, not written): nothing to roll back.
        "failed": 0,
        "out_of_stock": 1,
    }


async def test_mongodb_commands_and_the_pool_are_measured(
    client: GraphQLClient, shop: ProductsShop
) -> None:
    before = (await client.http.get("/metrics")).text
    await shop.create(stock=1)
    after = (await client.http.get("/metrics")).text

    def inserts(page: str) -> float:
        name = "shopgraph_db_query_duration_seconds_count"
        return sample(page, name, db_system="mongodb", operation="insert")

    assert inserts(after) > inserts(before)
    assert sample(after, "shopgraph_db_pool_connections_open", db_system="mongodb") >= 1
    assert sample(after, "shopgraph_db_pool_connections_max", db_system="mongodb") == 100
