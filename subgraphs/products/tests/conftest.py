"""Fixtures of the products suite: an app per module on a fresh database of the run's
MongoDB-wire server, test tokens, and its driver (shopgraph_testing.drivers.products)."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from shopgraph_products.app import create_app
from shopgraph_testing.drivers.products import (
    ProductsSettingsFactory,
    ProductsShop,
    products_settings_factory,
)
from shopgraph_testing.graphql import GraphQLClient, serve_in_process
from shopgraph_testing.tokens import TestTokens


@pytest.fixture(scope="session")
def products_settings(mongodb_url: str) -> ProductsSettingsFactory:
    """Settings for an app of its own, on a fresh database of the run's MongoDB server."""
    return products_settings_factory(mongodb_url)


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(
    products_settings: ProductsSettingsFactory, tokens: TestTokens
) -> AsyncIterator[GraphQLClient]:
    # Beanie binds its documents to one database per process: one app at a time, per module.
    app = create_app(products_settings(), verifier=tokens.verifier())
    async with serve_in_process(app) as client:
        yield client


@pytest.fixture
def shop(client: GraphQLClient, tokens: TestTokens) -> ProductsShop:
    return ProductsShop(client, tokens)
