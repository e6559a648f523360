"""Drives the products subgraph the way the gateway and the orders service would."""

import uuid
from typing import Any, Protocol

import httpx

from shopgraph_products.service import ProductsService
from shopgraph_products.settings import ProductsSettings
from shopgraph_testing.graphql import Answer, GraphQLClient
from shopgraph_testing.servers import new_mongo_database
from shopgraph_testing.tokens import TestTokens

# The internal API's credential in these tests: random per run, as a generated one would be.
SERVICE_TOKEN = "test-service-token-" + uuid.uuid4().hex

CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { id sku name description price { amount currency } stock createdAt }
}"""
PRODUCT = "query Product($id: ID!) { product(id: $id) { id sku name stock } }"


class ProductsSettingsFactory(Protocol):
    """Makes settings on a fresh database of the run's MongoDB server; keyword arguments
    override fields (e.g. `reservation_ttl_s=1`)."""

    # Any: each field has its own type, and the settings model validates them.
    def __call__(self, **overrides: Any) -> ProductsSettings: ...


def products_settings_factory(mongodb_url: str) -> ProductsSettingsFactory:
    def make(**overrides: Any) -> ProductsSettings:
        return ProductsSettings(
            environment="test",
            mongodb_url=new_mongo_database(mongodb_url, "products"),
            internal_service_token=SERVICE_TOKEN,
            **overrides,
        )

    return make


def service_of(client: GraphQLClient) -> ProductsService:
    """The in-process app's service object."""
    assert client.app is not None
    service: ProductsService = client.app.state.service
    return service


class ProductsShop:
    """Creates products as an admin over GraphQL, and reserves stock over the internal REST
    API as the orders service does."""

    def __init__(self, client: GraphQLClient, tokens: TestTokens) -> None:
        self.client = client
        self.tokens = tokens
        self.admin_token = tokens.admin()
        self.service_token = SERVICE_TOKEN

    async def create(self, **fields: object) -> Answer:
        """A new product (the `createProduct` payload); `fields` override the input."""
        product = {
            "sku": f"SKU-{uuid.uuid4().hex[:12]}",
            "name": "Test Product",
            "price": 1000,
            "stock": 10,
            **fields,
        }
        body = await self.client.execute(CREATE, {"input": product}, token=self.admin_token)
        assert "errors" not in body, body
        created: Answer = body["data"]["createProduct"]
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
