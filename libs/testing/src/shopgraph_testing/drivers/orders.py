"""Drives orders (in-process, as its callers would) against a REAL products service.

Products runs as it does in production: `shopgraph-products serve` in its own process, on a
free port, against the run's MongoDB-wire server, verifying tokens against a JWKS served
over HTTP (`shopgraph_testing.jwks`). Orders talks to it over HTTP, exactly as deployed.
"""

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from shopgraph_core.auth.verifier import Role
from shopgraph_orders.orders import Orders
from shopgraph_orders.settings import OrdersSettings
from shopgraph_testing.graphql import Answer, GraphQLClient, data_of
from shopgraph_testing.processes import ServerProcess, http_ok
from shopgraph_testing.servers import free_port, new_mongo_database
from shopgraph_testing.tokens import TestTokens

SERVICE_TOKEN = "orders-test-service-token-" + uuid.uuid4().hex
# Short enough that a test can watch an unconfirmed reservation expire (test_resilience.py).
RESERVATION_TTL_S = 8

CREATE_PRODUCT = """
mutation CreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) { id price { amount currency } stock }
}"""
PRODUCT_STOCK = "query Stock($id: ID!) { product(id: $id) { stock } }"
CREATE_ORDER = """
mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    id status createdAt total { amount currency } user { id }
    items { quantity unitPrice { amount currency } product { id } }
  }
}"""
CANCEL_ORDER = """
mutation CancelOrder($id: ID!) {
  cancelOrder(id: $id) { id status total { amount currency } }
}"""


class ProductsServer(ServerProcess):
    """`shopgraph-products serve` in a process of its own, which tests may stop and pause."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        binary = Path(sys.executable).parent / "shopgraph-products"
        super().__init__(
            "products", [str(binary), "serve"], env, log_file, http_ok(f"{self.url}/health/ready")
        )


def start_products(
    mongodb_url: str, jwks_url: str, log_dir: Path, **extra_env: str
) -> ProductsServer:
    """A started products process on a fresh database; the caller stops it."""
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "MONGODB_URL": new_mongo_database(mongodb_url, "orders_products"),
        "JWKS_URL": jwks_url,
        "INTERNAL_SERVICE_TOKEN": SERVICE_TOKEN,
        "RESERVATION_TTL": str(RESERVATION_TTL_S),
        "RESERVATION_SWEEP_INTERVAL": "0.5",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    server = ProductsServer(env, log_dir / "products.log")
    server.start()
    return server


# Any: each field has its own type, and the settings model validates them.
def orders_settings(
    data_dir: Path, database_url: str | None, products_url: str, jwks_url: str, **overrides: Any
) -> OrdersSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "SHOPGRAPH_DATA_DIR": data_dir,
        "database_url": database_url,
        "products_internal_url": products_url,
        "internal_service_token": SERVICE_TOKEN,
        "jwks_url": jwks_url,
        # Generous: on a loaded 2-core CI machine ten concurrent reservations can take
        # seconds. Tests about timeouts set their own (test_resilience.py).
        "products_timeout_s": 10.0,
        "products_retries": 2,
        "products_retry_backoff_s": 0.05,
        # Tests run the reconciler by hand, except the one that watches it run by itself.
        "reconcile_interval_s": 3600.0,
        "reconcile_after_s": 10.0,
    }
    values.update(overrides)
    return OrdersSettings(**values)


class OrdersShop:
    """Drives products (as an admin, directly) and orders (as its callers would)."""

    def __init__(self, client: GraphQLClient, products: ProductsServer, tokens: TestTokens) -> None:
        self.client = client
        self.products = products
        self.tokens = tokens
        self.admin_token = tokens.admin()

    @property
    def orders(self) -> Orders:
        assert self.client.app is not None
        orders: Orders = self.client.app.state.service.orders
        return orders

    def customer(self) -> tuple[str, str]:
        """A new customer's id and token."""
        user_id = str(uuid.uuid4())
        return user_id, self.tokens.issue(user_id, Role.CUSTOMER)

    def admin(self) -> tuple[str, str]:
        """A new admin's id and token."""
        user_id = str(uuid.uuid4())
        return user_id, self.tokens.issue(user_id, Role.ADMIN)

    async def _products_graphql(self, query: str, variables: dict[str, Any]) -> Answer:
        async with httpx.AsyncClient(base_url=self.products.url, timeout=30) as http:
            answer = await GraphQLClient(http).execute(query, variables, token=self.admin_token)
        return data_of(answer)

    async def product(self, *, price: int = 1250, stock: int = 10, currency: str = "USD") -> Answer:
        data = await self._products_graphql(
            CREATE_PRODUCT,
            {
                "input": {
                    "sku": f"ORD-{uuid.uuid4().hex[:12]}",
                    "name": "Order Test Product",
                    "price": price,
                    "currency": currency,
                    "stock": stock,
                }
            },
        )
        product: Answer = data["createProduct"]
        return product

    async def stock(self, product_id: str) -> int:
        data = await self._products_graphql(PRODUCT_STOCK, {"id": product_id})
        stock: int = data["product"]["stock"]
        return stock

    async def reservation(self, reservation_id: str) -> Answer | None:
        """The reservation as products holds it; None when products knows no such id."""
        async with httpx.AsyncClient(base_url=self.products.url, timeout=30) as http:
            response = await http.get(
                f"/internal/reservations/{reservation_id}",
                headers={"X-Service-Token": SERVICE_TOKEN},
            )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: Answer = response.json()
        return body

    async def create_order(
        self, token: str | None, items: list[tuple[str, int]], key: str | None = None
    ) -> Answer:
        order_input: dict[str, Any] = {"items": [{"productId": p, "quantity": q} for p, q in items]}
        if key is not None:
            order_input["idempotencyKey"] = key
        return await self.client.execute(CREATE_ORDER, {"input": order_input}, token=token)

    async def cancel_order(self, token: str | None, order_id: str) -> Answer:
        return await self.client.execute(CANCEL_ORDER, {"id": order_id}, token=token)

    async def order_count(self) -> int:
        from sqlalchemy import func, select

        from shopgraph_orders.models import OrderRow

        async with self.orders.store.session() as session:
            count = await session.scalar(select(func.count()).select_from(OrderRow))
        return int(count or 0)

    async def wait_for_stock(self, product_id: str, expected: int, timeout_s: float) -> int:
        """Products' stock once it is `expected`, or whatever it is after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while (stock := await self.stock(product_id)) != expected:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        return stock
