"""What orders tells Prometheus: orders placed and cancelled, and its calls to products."""

from shopgraph_testing.drivers.orders import OrdersShop
from shopgraph_testing.graphql import GraphQLClient
from shopgraph_testing.metrics import sample


async def metrics(client: GraphQLClient) -> str:
    return (await client.http.get("/metrics")).text


def calls(page: str, outcome: str) -> float:
    return sample(
        page,
        "shopgraph_internal_client_request_duration_seconds_count",
        peer="products",
        outcome=outcome,
    )


async def test_orders_placed_and_cancelled_are_counted(
    client: GraphQLClient, shop: OrdersShop
) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    before = await metrics(client)

    placed = await shop.create_order(token, [(product["id"], 1)])
    assert "errors" not in placed, placed
    cancelled = await shop.cancel_order(token, placed["data"]["createOrder"]["id"])
    assert "errors" not in cancelled, cancelled
    after = await metrics(client)

    for name in ("shopgraph_orders_placed_total", "shopgraph_orders_cancelled_total"):
        assert sample(after, name) - sample(before, name) == 1, name
    # reserve, confirm, release: each one call answered 2xx, timed with its method
    assert calls(after, "2xx") - calls(before, "2xx") >= 3
    for method in ("POST", "DELETE"):
        assert sample(
            after,
            "shopgraph_internal_client_request_duration_seconds_count",
            peer="products",
            method=method,
        ) > sample(
            before,
            "shopgraph_internal_client_request_duration_seconds_count",
            peer="products",
            method=method,
        )


async def test_calls_that_get_no_answer_are_counted_as_errors(
    client: GraphQLClient, shop: OrdersShop
) -> None:
    product = await shop.product(stock=5)
    _, token = shop.customer()
    before = await metrics(client)
    shop.products.stop()
    try:
        failed = await shop.create_order(token, [(product["id"], 1)])
    finally:
        shop.products.start()
    after = await metrics(client)

    assert failed["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert calls(after, "error") - calls(before, "error") >= 1
    assert sample(after, "shopgraph_orders_placed_total") == sample(
        before, "shopgraph_orders_placed_total"
    )
