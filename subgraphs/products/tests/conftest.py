import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio

from shopgraph_core.testing.graphql_client import GraphQLClient, serve_in_process
from shopgraph_core.testing.servers import new_mongo_database
from shopgraph_core.testing.tokens import TestTokens
from shopgraph_products.app import create_app
from shopgraph_products.service import ProductsService
from shopgraph_products.settings import ProductsSettings

SERVICE_TOKEN = "test-service-token-" + uuid.uuid4().hex

CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { id sku name description price { amount currency } stock createdAt }
}"""
PRODUCT = "query Product($id: ID!) { product(id: $id) { id sku name stock } }"


SettingsFactory = Callable[..., ProductsSettings]


@pytest.fixture(scope="session")
def products_settings(mongodb_url: str) -> SettingsFactory:
    """Settings for an app of its own, on a fresh database of the run's MongoDB server."""

    def make(**overrides: Any) -> ProductsSettings:
        return ProductsSettings(
            environment="test",
            mongodb_url=new_mongo_database(mongodb_url, "products"),
            internal_service_token=SERVICE_TOKEN,
            **overrides,
        )

    return make


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(
    products_settings: SettingsFactory, tokens: TestTokens
) -> AsyncIterator[GraphQLClient]:
    # Beanie binds its documents to one database per process: one app at a time, per module.
    app = create_app(products_settings(), verifier=tokens.verifier())
    async with serve_in_process(app) as client:
        yield client


def service_of(client: GraphQLClient) -> ProductsService:
    assert client.app is not None
    service: ProductsService = client.app.state.service
    return service


class Shop:
    """Drives the products subgraph the way the gateway and the orders service would."""

    def __init__(self, client: GraphQLClient, tokens: TestTokens) -> None:
        self.client = client
        self.tokens = tokens
        self.admin_token = tokens.admin()
        self.service_token = SERVICE_TOKEN

    async def create(self, **fields: Any) -> dict[str, Any]:
        product = {
            "sku": f"SKU-{uuid.uuid4().hex[:12]}",
            "name": "Test Product",
            "price": 1000,
            "stock": 10,
            **fields,
        }
        body = await self.client.execute(CREATE, {"input": product}, token=self.admin_token)
        assert "errors" not in body, body
        created: dict[str, Any] = body["data"]["createProduct"]
        return created

    async def stock(self, product_id: str) -> int:
        body = await self.client.execute(PRODUCT, {"id": product_id})
        stock: int = body["data"]["product"]["stock"]
        return stock

    async def reserve(
        self, reservation_id: str, items: list[tuple[str, int]], *, token: str = SERVICE_TOKEN
    ) -> httpx.Response:
        return await self.client.http.post(
            "/internal/reservations",
            json={
                "reservationId": reservation_id,
                "items": [{"productId": p, "quantity": q} for p, q in items],
            },
            headers={"X-Service-Token": token},
        )

    async def confirm(self, reservation_id: str) -> httpx.Response:
        return await self.client.http.post(
            f"/internal/reservations/{reservation_id}/confirm",
            headers={"X-Service-Token": SERVICE_TOKEN},
        )

    async def release(self, reservation_id: str) -> httpx.Response:
        return await self.client.http.delete(
            f"/internal/reservations/{reservation_id}", headers={"X-Service-Token": SERVICE_TOKEN}
        )

    async def read(self, reservation_id: str) -> httpx.Response:
        return await self.client.http.get(
            f"/internal/reservations/{reservation_id}", headers={"X-Service-Token": SERVICE_TOKEN}
        )


@pytest.fixture
def shop(client: GraphQLClient, tokens: TestTokens) -> Shop:
    return Shop(client, tokens)
