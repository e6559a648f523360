"""The whole system, started in dependency order, with its demo data."""

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from shopgraph_stack.supervisor import Supervisor, supervised
from shopgraph_stack.topology import (
    DEV_ADMIN_EMAIL,
    DEV_CUSTOMER_EMAIL,
    DEV_CUSTOMER_PASSWORD,
    VENV_BIN,
    Topology,
)
from shopgraph_testing.graphql import Answer, BlockingGraphQLClient


def graphql(
    url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Answer:
    with httpx.Client(base_url=url, timeout=30) as http:
        return BlockingGraphQLClient(http).execute(query, variables, token=token)


def seed_demo_data(topology: Topology, supervisor: Supervisor) -> None:
    """Demo data, made idempotently: products from the products CLI, the rest via the API."""
    if "products" in topology.subgraphs:
        env = next(c.env for c in topology.components() if c.name == "products")
        subprocess.run(
            [str(VENV_BIN / "shopgraph-products"), "seed"], env=env, check=True, capture_output=True
        )
    gateway = topology.gateway_url
    signed_up = graphql(
        gateway,
        "mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }",
        {
            "i": {
                "email": DEV_CUSTOMER_EMAIL,
                "password": DEV_CUSTOMER_PASSWORD,
                "name": "Demo Customer",
            }
        },
    )
    codes = {e.get("extensions", {}).get("code") for e in signed_up.get("errors", [])}
    if codes - {"CONFLICT"}:
        raise RuntimeError(f"could not create the demo customer: {signed_up['errors']}")
    if "orders" in topology.subgraphs:
        _seed_demo_order(gateway)
    supervisor.say(f"✔ demo data: admin {DEV_ADMIN_EMAIL}, customer {DEV_CUSTOMER_EMAIL}")


def _seed_demo_order(gateway: str) -> None:
    login = graphql(
        gateway,
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": DEV_CUSTOMER_EMAIL, "password": DEV_CUSTOMER_PASSWORD}},
    )
    token = login["data"]["login"]["token"]
    products = graphql(gateway, "{ products(first: 2, inStock: true) { edges { node { id } } } }")
    ids = [edge["node"]["id"] for edge in products["data"]["products"]["edges"]]
    if ids:
        graphql(
            gateway,
            "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }",
            {
                "i": {
                    "items": [{"productId": i, "quantity": 1} for i in ids],
                    "idempotencyKey": "demo-order-1",
                }
            },
            token=token,
        )


@contextlib.contextmanager
def running_stack(
    data_dir: Path,
    *,
    port_offset: int = 0,
    gateway: str = "auto",
    echo: bool = True,
    demo_data: bool = True,
    traces: str = "auto",
    opensearch_url: str | None = None,
) -> Iterator[tuple[Topology, Supervisor]]:
    topology = Topology.load(
        data_dir, port_offset, gateway, traces=traces, opensearch_url=opensearch_url
    )
    with supervised(topology.data_dir / "logs", echo=echo) as supervisor:
        for component in topology.components():
            supervisor.start(component)
        if demo_data:
            seed_demo_data(topology, supervisor)
        yield topology, supervisor
