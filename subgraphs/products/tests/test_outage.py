"""MongoDB away under the running service: UPSTREAM_UNAVAILABLE, readiness DOWN."""

import contextlib
import os

import pytest

from shopgraph_products.app import create_app
from shopgraph_products.settings import ProductsSettings
from shopgraph_testing.graphql import serve_in_process
from shopgraph_testing.outages import answers_during_outage
from shopgraph_testing.servers import mongo_server, new_mongo_database
from shopgraph_testing.tokens import TestTokens

CREATE = """
mutation C($input: CreateProductInput!) { createProduct(input: $input) { id } }"""


@pytest.mark.servers  # starts a FerretDB of its own, to stop it
async def test_a_mongodb_outage_is_upstream_unavailable(
    tokens: TestTokens, caplog: pytest.LogCaptureFixture
) -> None:
    if os.environ.get("MONGODB_URL"):
        pytest.skip("stops its database server, so it needs a private one")
    with contextlib.ExitStack() as server:
        base_url = server.enter_context(mongo_server())
        settings = ProductsSettings(
            environment="test", mongodb_url=new_mongo_database(base_url, "outage")
        )
        app = create_app(settings, verifier=tokens.verifier())
        async with serve_in_process(app) as client:
            admin = tokens.admin()
            product = {"sku": "OUT-1", "name": "Tea", "price": 100, "stock": 3}
            created = await client.execute(CREATE, {"input": product}, token=admin)
            product_id = created["data"]["createProduct"]["id"]
            server.close()  # FerretDB stops here, under the running service

            await answers_during_outage(
                client,
                caplog,
                [
                    ("query P($id: ID!) { product(id: $id) { id stock } }", {"id": product_id}),
                    ("{ products(first: 5) { edges { node { id } } } }", {}),
                    (CREATE, {"input": {**product, "sku": "OUT-2"}}),
                ],
                token=admin,
            )
