"""The orders subgraph under test, against SQLite and MariaDB, with a REAL products service.

Products runs as it does in production: `shopgraph-products serve` in its own process, on a
free port, against the run's FerretDB (the `mongodb_url` fixture), verifying tokens against a
JWKS served over HTTP here. The orders app runs in-process (its real lifespan, its real
database) and talks to products over HTTP, exactly as deployed. Nothing is mocked.
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from shopgraph_core.auth.verifier import Role
from shopgraph_core.testing.graphql_client import GraphQLClient, serve_in_process
from shopgraph_core.testing.servers import free_port, new_mongo_database, new_mysql_database
from shopgraph_core.testing.tokens import TestTokens
from shopgraph_orders.app import create_app
from shopgraph_orders.orders import Orders
from shopgraph_orders.settings import OrdersSettings

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


@contextlib.contextmanager
def jwks_server(tokens: TestTokens) -> Iterator[str]:
    body = json.dumps(tokens.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


class ProductsServer:
    """`shopgraph-products serve` in a process of its own, which tests may stop and pause."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = env
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 90.0) -> None:
        binary = Path(sys.executable).parent / "shopgraph-products"
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [str(binary), "serve"],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"products exited while starting:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"products was not ready in {timeout_s}s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGCONT)  # a paused process cannot act on SIGTERM
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def pause(self) -> None:
        """Freeze the process: it still accepts connections (the kernel does) but answers
        nothing, like a service stuck in a long pause."""
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGCONT)

    def log_tail(self) -> str:
        return self._log_file.read_text(errors="replace")[-3000:]


class Shop:
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
        user_id = str(uuid.uuid4())
        return user_id, self.tokens.issue(user_id, Role.CUSTOMER)

    def admin(self) -> tuple[str, str]:
        user_id = str(uuid.uuid4())
        return user_id, self.tokens.issue(user_id, Role.ADMIN)

    async def _products_graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.products.url, timeout=30) as http:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.admin_token}"},
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def product(
        self, *, price: int = 1250, stock: int = 10, currency: str = "USD"
    ) -> dict[str, Any]:
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
        product: dict[str, Any] = data["createProduct"]
        return product

    async def stock(self, product_id: str) -> int:
        data = await self._products_graphql(PRODUCT_STOCK, {"id": product_id})
        stock: int = data["product"]["stock"]
        return stock

    async def reservation(self, reservation_id: str) -> dict[str, Any] | None:
        """The reservation as products holds it; None when products knows no such id."""
        async with httpx.AsyncClient(base_url=self.products.url, timeout=30) as http:
            response = await http.get(
                f"/internal/reservations/{reservation_id}",
                headers={"X-Service-Token": SERVICE_TOKEN},
            )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def create_order(
        self, token: str | None, items: list[tuple[str, int]], key: str | None = None
    ) -> dict[str, Any]:
        order_input: dict[str, Any] = {"items": [{"productId": p, "quantity": q} for p, q in items]}
        if key is not None:
            order_input["idempotencyKey"] = key
        return await self.client.execute(CREATE_ORDER, {"input": order_input}, token=token)

    async def cancel_order(self, token: str | None, order_id: str) -> dict[str, Any]:
        return await self.client.execute(CANCEL_ORDER, {"id": order_id}, token=token)

    async def order_count(self) -> int:
        from sqlalchemy import func, select

        from shopgraph_orders.models import OrderRow

        async with self.orders.store.session() as session:
            count = await session.scalar(select(func.count()).select_from(OrderRow))
        return int(count or 0)

    async def wait_for_stock(self, product_id: str, expected: int, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while (stock := await self.stock(product_id)) != expected:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        return stock


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest.fixture(scope="session")
def jwks_url(tokens: TestTokens) -> Iterator[str]:
    with jwks_server(tokens) as url:
        yield url


def start_products(
    mongodb_url: str, jwks_url: str, log_dir: Path, **extra_env: str
) -> ProductsServer:
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


@pytest.fixture(scope="session")
def start_products_server(mongodb_url: str, jwks_url: str) -> Callable[[Path], ProductsServer]:
    """Starts a products process of a test's own (on a fresh database); the test stops it."""

    def start(log_dir: Path) -> ProductsServer:
        return start_products(mongodb_url, jwks_url, log_dir)

    return start


@pytest.fixture(scope="session")
def products(
    start_products_server: Callable[[Path], ProductsServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ProductsServer]:
    server = start_products_server(tmp_path_factory.mktemp("products"))
    try:
        yield server
    finally:
        server.stop()


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
def shop(client: GraphQLClient, products: ProductsServer, tokens: TestTokens) -> Shop:
    return Shop(client, products, tokens)
