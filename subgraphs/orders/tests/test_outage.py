"""MariaDB away under the running service: UPSTREAM_UNAVAILABLE, readiness DOWN."""

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

from shopgraph_orders.app import create_app
from shopgraph_orders.settings import OrdersSettings
from shopgraph_testing.drivers.orders import ProductsServer
from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.outages import answers_during_outage
from shopgraph_testing.servers import mariadb_server, new_mysql_database
from shopgraph_testing.tokens import TestTokens

CREATE_ORDER = "mutation C($input: CreateOrderInput!) { createOrder(input: $input) { id } }"


@pytest.mark.mariadb
async def test_a_mariadb_outage_is_upstream_unavailable(
    products: ProductsServer,
    jwks_url: str,
    tokens: TestTokens,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if os.environ.get("TEST_MYSQL_URL"):
        pytest.skip("stops its database server, so it needs a private one")
    token = tokens.issue("outage-customer")
    with contextlib.ExitStack() as server:
        base_url = server.enter_context(mariadb_server())
        database_url = new_mysql_database(base_url, "outage")
        settings = OrdersSettings(
            environment="test",
            SHOPGRAPH_DATA_DIR=tmp_path,
            database_url=database_url,
            products_internal_url=products.url,
            jwks_url=jwks_url,
            reconcile_interval_s=3600.0,
        )
        async with serve_in_process(create_app(settings)) as client:
            before = await client.execute("{ myOrders { edges { cursor } } }", {}, token=token)
            assert "errors" not in before, before
            server.close()  # the MariaDB server stops here, under the running service

            order_input: dict[str, Any] = {
                "items": [{"productId": "0" * 24, "quantity": 1}],
                "idempotencyKey": "outage-1",
            }
            await answers_during_outage(
                client,
                caplog,
                [
                    ("{ myOrders { edges { cursor } } }", {}),
                    ("query O($id: ID!) { order(id: $id) { id } }", {"id": "o-1"}),
                    (CREATE_ORDER, {"input": order_input}),
                ],
                token=token,
            )
