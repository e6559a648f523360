"""Orders through the gateway: placing, racing, idempotency, visibility, outages, depth."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from shopgraph_orders.orders import order_id_for, reservation_id_for
from shopgraph_testing.drivers.gateway import Gateway
from shopgraph_testing.graphql import error_codes

CREATE_PRODUCT = """
mutation CreateProduct($i: CreateProductInput!) {
  createProduct(input: $i) { id name price { amount currency } stock }
}"""
STOCK = "query Stock($id: ID!) { product(id: $id) { stock } }"
CREATE_ORDER = """
mutation CreateOrder($i: CreateOrderInput!) {
  createOrder(input: $i) { id status total { amount currency } }
}"""
MY_ORDERS = """
query MyOrders {
  myOrders {
    edges { node {
      id status
      total { amount }
      items { quantity unitPrice { amount } product { name price { amount } } }
      user { email }
    } }
  }
}"""


def make_product(gateway: Gateway, *, stock: int, price: int = 1000, name: str = "E2E") -> Any:
    body = gateway.execute(
        CREATE_PRODUCT,
        {
            "i": {
                "sku": f"E2E-{uuid.uuid4().hex[:12]}",
                "name": f"{name} {uuid.uuid4().hex[:6]}",
                "price": price,
                "stock": stock,
            }
        },
        token=gateway.admin_token(),
    )
    assert "errors" not in body, body
    return body["data"]["createProduct"]


def stock_of(gateway: Gateway, product_id: str) -> int:
    stock: int = gateway.execute(STOCK, {"id": product_id})["data"]["product"]["stock"]
    return stock


def order(
    gateway: Gateway, token: str, items: list[tuple[str, int]], key: str | None = None
) -> dict[str, Any]:
    order_input: dict[str, Any] = {"items": [{"productId": p, "quantity": q} for p, q in items]}
    if key is not None:
        order_input["idempotencyKey"] = key
    body: dict[str, Any] = gateway.execute(CREATE_ORDER, {"i": order_input}, token=token)
    return body


def reservation(gateway: Gateway, reservation_id: str) -> dict[str, Any] | None:
    """The reservation as products holds it (its internal API); None when it holds none."""
    topology = gateway.topology
    response = httpx.get(
        f"{topology.subgraph_url('products')}/internal/reservations/{reservation_id}",
        headers={"X-Service-Token": topology.internal_token()},
        timeout=10,
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_one_query_returns_an_order_with_its_products_and_user(gateway: Gateway) -> None:
    mug = make_product(gateway, stock=10, price=1250, name="Mug")
    tea = make_product(gateway, stock=10, price=399, name="Tea")
    signed_up = gateway.sign_up(password="orders e2e 1")
    login = gateway.execute(
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": signed_up["user"]["email"], "password": "orders e2e 1"}},
    )
    token = login["data"]["login"]["token"]

    placed = order(gateway, token, [(mug["id"], 2), (tea["id"], 1)])
    body = gateway.execute(MY_ORDERS, token=token)

    assert "errors" not in placed, placed
    assert placed["data"]["createOrder"]["total"] == {"amount": 2899, "currency": "USD"}
    assert "errors" not in body, body
    assert body["data"]["myOrders"]["edges"] == [
        {
            "node": {
                "id": placed["data"]["createOrder"]["id"],
                "status": "CONFIRMED",
                "total": {"amount": 2 * 1250 + 399},
                "items": [
                    {
                        "quantity": 2,
                        "unitPrice": {"amount": 1250},
                        "product": {"name": mug["name"], "price": {"amount": 1250}},
                    },
                    {
                        "quantity": 1,
                        "unitPrice": {"amount": 399},
                        "product": {"name": tea["name"], "price": {"amount": 399}},
                    },
                ],
                "user": {"email": signed_up["user"]["email"]},
            }
        }
    ]
    assert stock_of(gateway, mug["id"]) == 8
    # The user's own orders through the users entity, and cancelling gives the stock back.
    me = gateway.execute("{ me { orders(first: 5) { edges { node { id } } } } }", token=token)
    assert me["data"]["me"]["orders"]["edges"] == [
        {"node": {"id": placed["data"]["createOrder"]["id"]}}
    ]
    cancelled = gateway.execute(
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        {"id": placed["data"]["createOrder"]["id"]},
        token=token,
    )
    assert cancelled["data"]["cancelOrder"] == {"status": "CANCELLED"}
    assert stock_of(gateway, mug["id"]) == 10


def test_forty_customers_race_for_ten_in_stock(gateway: Gateway) -> None:
    product = make_product(gateway, stock=10, name="Limited")
    with ThreadPoolExecutor(max_workers=8) as pool:
        customers = list(pool.map(lambda _: gateway.sign_up(), range(40)))

    def attempt(customer: dict[str, Any]) -> dict[str, Any]:
        return order(gateway, customer["token"], [(product["id"], 1)], key="race")

    with ThreadPoolExecutor(max_workers=40) as pool:
        bodies = list(pool.map(attempt, customers))

    placed = [b["data"]["createOrder"] for b in bodies if not b.get("errors")]
    refused = [error_codes(b) for b in bodies if b.get("errors")]
    assert [o["status"] for o in placed] == ["CONFIRMED"] * 10, bodies
    assert refused == [["OUT_OF_STOCK"]] * 30, refused
    assert stock_of(gateway, product["id"]) == 0
    # Every winner's reservation is confirmed; every loser's is gone: nothing is left held.
    for customer, body in zip(customers, bodies, strict=True):
        order_id = order_id_for(customer["user"]["id"], "race")
        held = reservation(gateway, reservation_id_for(order_id))
        if body.get("errors"):
            assert held is None, held
            mine = gateway.execute(MY_ORDERS, token=customer["token"])
            assert mine["data"]["myOrders"]["edges"] == []
        else:
            assert held is not None
            assert held["status"] == "CONFIRMED"


def test_the_same_idempotency_key_sent_twice_at_once_makes_one_order(gateway: Gateway) -> None:
    product = make_product(gateway, stock=10)
    token = gateway.sign_up()["token"]
    key = f"double-submit-{uuid.uuid4()}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        bodies = list(pool.map(lambda _: order(gateway, token, [(product["id"], 3)], key), [1, 2]))

    assert all("errors" not in b for b in bodies), bodies
    assert bodies[0]["data"]["createOrder"]["id"] == bodies[1]["data"]["createOrder"]["id"]
    assert stock_of(gateway, product["id"]) == 7
    mine = gateway.execute(MY_ORDERS, token=token)
    assert len(mine["data"]["myOrders"]["edges"]) == 1


def test_a_customer_cannot_read_anothers_order(gateway: Gateway) -> None:
    product = make_product(gateway, stock=5)
    owner, other = gateway.sign_up(), gateway.sign_up()
    placed = order(gateway, owner["token"], [(product["id"], 1)])["data"]["createOrder"]
    query = "query($id: ID!) { order(id: $id) { id total { amount } } }"

    theirs = gateway.execute(query, {"id": placed["id"]}, token=other["token"])
    own = gateway.execute(query, {"id": placed["id"]}, token=owner["token"])
    as_admin = gateway.execute(query, {"id": placed["id"]}, token=gateway.admin_token())

    # NOT_FOUND, exactly like an unknown id: ids reveal nothing (see orders' schema.py).
    assert error_codes(theirs) == ["NOT_FOUND"]
    assert theirs["data"] == {"order": None}
    assert own["data"]["order"]["id"] == placed["id"]
    assert as_admin["data"]["order"]["id"] == placed["id"]
    anonymous = gateway.execute(query, {"id": placed["id"]})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


def test_with_products_down_nothing_is_reserved_or_stored(gateway: Gateway) -> None:
    product = make_product(gateway, stock=5)
    customer = gateway.sign_up()
    key = f"outage-{uuid.uuid4()}"

    gateway.supervisor.stop("products")
    try:
        body = order(gateway, customer["token"], [(product["id"], 2)], key=key)
    finally:
        gateway.supervisor.restart("products")

    assert error_codes(body) == ["UPSTREAM_UNAVAILABLE"], body
    assert "127.0.0.1" not in str(body)
    assert stock_of(gateway, product["id"]) == 5
    order_id = order_id_for(customer["user"]["id"], key)
    assert reservation(gateway, reservation_id_for(order_id)) is None
    mine = gateway.execute(MY_ORDERS, token=customer["token"])
    assert mine["data"]["myOrders"]["edges"] == []
    # Products is back: the same key now places the order, once.
    retried = order(gateway, customer["token"], [(product["id"], 2)], key=key)
    assert "errors" not in retried, retried
    assert stock_of(gateway, product["id"]) == 3


def test_a_query_deeper_than_the_limit_is_refused(gateway: Gateway) -> None:
    token = gateway.sign_up()["token"]
    inner = "id"
    for _ in range(5):  # myOrders -> Order.user -> User.orders -> Order.user -> ...
        inner = f"user {{ orders {{ edges {{ node {{ {inner} }} }} }} }}"
    deep = f"query Deep {{ myOrders {{ edges {{ node {{ {inner} }} }} }} }}"

    body = gateway.execute(deep, token=token)

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert "exceeds maximum operation depth of 12" in body["errors"][0]["message"]
    assert not (body.get("data") or {}).get("myOrders")
