"""Fixtures of the orders suite: orders in-process against SQLite and MariaDB, and a REAL
products service in a process of its own (shopgraph_testing.drivers.orders says how).
Nothing is mocked.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from shopgraph_orders.app import create_app
from shopgraph_orders.settings import OrdersSettings
from shopgraph_testing.drivers.orders import (
    OrdersShop,
    ProductsServer,
    orders_settings,
    start_products,
)
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.jwks import jwks_server
from shopgraph_testing.servers import new_mysql_database
from shopgraph_testing.tokens import TestTokens

StartProducts = Callable[[Path], ProductsServer]


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest.fixture(scope="session")
def jwks_url(tokens: TestTokens) -> Iterator[str]:
    with jwks_server(tokens) as url:
        yield url


@pytest.fixture(scope="session")
def start_products_server(mongodb_url: str, jwks_url: str) -> StartProducts:
    """Starts a products process of a test's own (on a fresh database); the test stops it."""

    def start(log_dir: Path) -> ProductsServer:
        return start_products(mongodb_url, jwks_url, log_dir)

    return start


@pytest.fixture(scope="session")
def products(
    start_products_server: StartProducts, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProductsServer]:
    server = start_products_server(tmp_path_factory.mktemp("products"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]
)
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "mariadb":
        return new_mysql_database(request.getfixturevalue("mariadb_url"), "orders")
    return None


@pytest.fixture(scope="module")
def settings(
    database_url: str | None,
    products: ProductsServer,
    jwks_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> OrdersSettings:
    return orders_settings(tmp_path_factory.mktemp("orders"), database_url, products.url, jwks_url)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(settings: OrdersSettings) -> AsyncIterator[GraphQLClient]:
    async with serve_in_process(create_app(settings)) as client:
        yield client


@pytest.fixture
def shop(client: GraphQLClient, products: ProductsServer, tokens: TestTokens) -> OrdersShop:
    return OrdersShop(client, products, tokens)
