"""What a gateway in front of a subgraph costs: the same query sent to the subgraph directly
and through the Node gateway (Apollo Gateway, `gateway/`), then through Apollo Router when a
router binary is installed (ROUTER_BIN, `router` on PATH, or ~/.cargo/bin/router).

The stack is the one `make run` starts, by the same code (tools/stack: its Topology says
what runs with which environment, its Supervisor starts and stops it, its demo data is
seeded), on ports moved by --port-offset, without Prometheus, traces or the explorer, and with
every subgraph logging warnings only, as in the other benchmarks. The subgraphs keep
requiring the gateway credential; the direct requests present it, as the gateway does.

The two gateways listen on the same port, so they take turns: the direct rate each gateway is
compared to is measured in turns with it (harness.measure_pair), while it runs. The gateway
cost is 1 - gateway/direct.
"""

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    Check,
    Options,
    Report,
    Scenario,
    Table,
    graphql_ok,
    graphql_post,
    measure_pair,
)
from shopgraph_core.web.guards import GATEWAY_TOKEN_HEADER
from shopgraph_stack.stack import graphql, seed_demo_data
from shopgraph_stack.supervisor import Supervisor, supervised
from shopgraph_stack.topology import (
    DEV_CUSTOMER_EMAIL,
    DEV_CUSTOMER_PASSWORD,
    Component,
    Topology,
    admin_credentials,
    find_router,
)

PAGE_SIZE = 20
ME = "query Me { me { id name email } }"
PRODUCTS = (
    f"query Products {{ products(first: {PAGE_SIZE}) {{ edges {{ node {{ id sku name "
    "description price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }"
)
# Only fields orders resolves itself (Product by id included), so the gateway's plan is one
# fetch, like the direct request: the cost measured is the gateway's, not a second subgraph's.
MY_ORDERS = (
    f"query MyOrders {{ myOrders(first: {PAGE_SIZE}) {{ edges {{ node {{ id status "
    "total { amount currency } createdAt items { quantity unitPrice { amount currency } "
    "product { id } } } } pageInfo { hasNextPage endCursor } } }"
)
LOGIN = "mutation Login($i: LoginInput!) { login(input: $i) { token user { id } } }"
CREATE_PRODUCT = "mutation Create($i: CreateProductInput!) { createProduct(input: $i) { id } }"
CREATE_ORDER = "mutation Order($i: CreateOrderInput!) { createOrder(input: $i) { id } }"
STACK_PARTS = ("ferretdb", "users", "products", "orders")
ROUTER_TARGET = 0.8  # issue 17: the router costs at most 20% of the direct throughput


@dataclasses.dataclass(frozen=True)
class Query:
    label: str
    subgraph: str
    text: str
    check: Check
    authenticated: bool = False


def _quiet(component: Component) -> Component:
    return dataclasses.replace(component, env={**component.env, "LOG_LEVEL": "WARNING"})


def _component(topology: Topology, name: str) -> Component:
    return next(c for c in topology.components() if c.name == name)


@contextmanager
def _stack(options: Options) -> Iterator[tuple[Topology, Supervisor]]:
    """The subgraphs, their FerretDB and the Node gateway, with the demo data. Its folder
    (databases, logs) is removed after a run that went well, and kept for a look otherwise."""
    data_dir = Path(tempfile.mkdtemp(prefix="shopgraph-bench-stack-"))
    topology = Topology.load(data_dir, options.port_offset, "node", traces="off")
    with supervised(topology.data_dir / "logs", echo=False) as supervisor:
        try:
            for component in topology.components():
                if component.name in (*STACK_PARTS, "gateway"):
                    supervisor.start(_quiet(component))
            seed_demo_data(topology, supervisor)
            yield topology, supervisor
        except BaseException:
            print(f"  the stack's logs are in {topology.data_dir / 'logs'}", flush=True)
            raise
    shutil.rmtree(data_dir, ignore_errors=True)


def _login(url: str, email: str, password: str) -> tuple[str, str]:
    answer = graphql(url, LOGIN, {"i": {"email": email, "password": password}})
    login = answer["data"]["login"]
    return login["token"], login["user"]["id"]


def _prepare(gateway_url: str) -> tuple[str, str]:
    """A page of products and of the demo customer's orders; the customer's token and id."""
    admin_token, _ = _login(gateway_url, *admin_credentials(os.environ))
    product_ids = []
    for i in range(PAGE_SIZE):
        product = {"sku": f"BENCH-GW-{i:03d}", "name": f"Gateway bench {i}", "price": 900 + i}
        answer = graphql(
            gateway_url, CREATE_PRODUCT, {"i": {**product, "stock": 1000}}, token=admin_token
        )
        product_ids.append(answer["data"]["createProduct"]["id"])
    token, user_id = _login(gateway_url, DEV_CUSTOMER_EMAIL, DEV_CUSTOMER_PASSWORD)
    # The demo data placed one order already.
    for i in range(PAGE_SIZE - 1):
        items = [{"productId": product_ids[i], "quantity": 1}]
        answer = graphql(gateway_url, CREATE_ORDER, {"i": {"items": items}}, token=token)
        assert "errors" not in answer, answer
    return token, user_id


def _queries(user_id: str) -> list[Query]:
    def page_of(field: str) -> Check:
        return graphql_ok(lambda data: len(data[field]["edges"]) == PAGE_SIZE)

    return [
        Query("me", "users", ME, graphql_ok(lambda d: d["me"]["id"] == user_id), True),
        Query(f"products(first: {PAGE_SIZE})", "products", PRODUCTS, page_of("products")),
        Query(f"myOrders(first: {PAGE_SIZE})", "orders", MY_ORDERS, page_of("myOrders"), True),
    ]


async def _turn(
    table: Table,
    gateway: str,
    *,
    topology: Topology,
    queries: list[Query],
    token: str,
    options: Options,
    target: float | None,
) -> None:
    """Each query directly and through the gateway running now, in turns."""
    direct_headers = {GATEWAY_TOKEN_HEADER: topology.gateway_token()}
    for query in queries:
        auth: dict[str, Any] = {"Authorization": f"Bearer {token}"} if query.authenticated else {}
        await measure_pair(
            table,
            Scenario(
                f"{query.label}: direct to {query.subgraph}",
                topology.subgraph_url(query.subgraph),
                graphql_post(query.text, headers={**direct_headers, **auth}),
                query.check,
            ),
            Scenario(
                f"{query.label}: {gateway}",
                topology.gateway_url,
                graphql_post(query.text, headers=auth),
                query.check,
            ),
            options,
            target=target,
        )


async def run(options: Options, report: Report) -> None:
    where = "FerretDB on SQLite, SQLite"
    node = Table(f"Node gateway vs the subgraph called directly, {where}", show_cost=True)
    router = Table(f"Apollo Router vs the subgraph called directly, {where}", show_cost=True)
    router_binary = find_router()
    with _stack(options) as (topology, supervisor):
        token, user_id = _prepare(topology.gateway_url)
        queries = _queries(user_id)
        await _turn(
            node,
            "Node gateway",
            topology=topology,
            queries=queries,
            token=token,
            options=options,
            target=None,
        )
        report.tables.append(node)
        if router_binary is None:
            why = "Apollo Router: no binary (make router, or ROUTER_BIN); its table is left out"
            print(f"  {why}", flush=True)
            report.skipped.append(why)
            return
        supervisor.stop("gateway")
        supervisor.start(
            _quiet(_component(dataclasses.replace(topology, gateway="router"), "router"))
        )
        await _turn(
            router,
            "Apollo Router",
            topology=topology,
            queries=queries,
            token=token,
            options=options,
            target=ROUTER_TARGET,
        )
        router.notes.append(f"router binary: {router_binary}")
        report.tables.append(router)
