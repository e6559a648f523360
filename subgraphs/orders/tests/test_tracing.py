"""createOrder's spans, against the real products service: the server span named by the
operation, one client span per reservation call named by products' route template, DB
statements without their values, and a refused order's span carrying the contract's code.
That products continues the trace is proven end to end (e2e/test_tracing.py)."""

import uuid
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from shopgraph_testing.spans import recorded_spans, spans_of_trace

Shop = Any  # tests/conftest.py's Shop: drives products and orders


def _under(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    current: ReadableSpan | None = span
    while current is not None and current.parent is not None:
        current = by_id.get(current.parent.span_id)
        if current is ancestor:
            return True
    return False


async def _traced_order(
    shop: Shop, operation: str, stock: int, quantity: int
) -> tuple[dict[str, Any], dict[str, Any], list[ReadableSpan]]:
    """Places an order of `quantity` of a new product with `stock`, under a client's trace:
    the product, the answer, and the spans of that trace."""
    product = await shop.product(stock=stock)
    _, token = shop.customer()
    trace_id = uuid.uuid4().hex
    with recorded_spans() as exporter:
        body = await shop.client.execute(
            f"mutation {operation}($i: CreateOrderInput!) {{ createOrder(input: $i) {{ id }} }}",
            {"i": {"items": [{"productId": product["id"], "quantity": quantity}]}},
            token=token,
            headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"},
        )
    return product, body, spans_of_trace(exporter, trace_id)


async def test_a_placed_order_is_one_trace_through_orders_and_products(shop: Shop) -> None:
    product, body, spans = await _traced_order(shop, "PlaceOrder", stock=5, quantity=2)
    assert "errors" not in body, body

    [server] = [s for s in spans if s.name == "mutation PlaceOrder"]
    assert server.attributes is not None
    assert server.attributes["graphql.operation.type"] == "mutation"
    assert "error.type" not in server.attributes
    calls = [s for s in spans if s.attributes and s.attributes.get("peer.service") == "products"]
    assert [s.name for s in calls] == [
        "POST /internal/reservations",
        "POST /internal/reservations/{reservation_id}/confirm",
    ]
    for call in calls:
        assert call.attributes is not None
        assert call.attributes["http.response.status_code"] == 200
        assert _under(call, server, spans)
    statements = [
        str(s.attributes["db.statement"])
        for s in spans
        if s.attributes and "db.statement" in s.attributes
    ]
    assert statements, [s.name for s in spans]
    # Placeholders only: the order's values (its product id) never reach an attribute.
    assert not any(product["id"] in statement for statement in statements), statements


async def test_a_refused_order_is_recorded_with_its_code(shop: Shop) -> None:
    _, body, spans = await _traced_order(shop, "TooMany", stock=1, quantity=5)
    assert body["errors"][0]["extensions"]["code"] == "OUT_OF_STOCK"

    [server] = [s for s in spans if s.name == "mutation TooMany"]
    assert server.attributes is not None
    assert server.attributes["error.type"] == "OUT_OF_STOCK"
    assert server.attributes["graphql.error.code"] == "OUT_OF_STOCK"
    assert server.status.status_code.name == "ERROR"
    [reserve] = [s for s in spans if s.name == "POST /internal/reservations"]
    assert reserve.attributes is not None
    assert reserve.attributes["http.response.status_code"] == 409
    assert reserve.attributes["error.type"] == "409"
