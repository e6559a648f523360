"""The timing rule of docs/architecture.md: orders confirms a stored order's reservation
before products lets it expire, with the settings' defaults and with what the chart renders.

Products releases a PENDING reservation RESERVATION_TTL seconds after making it. Orders may
need, at worst, one whole products call (a reservation made by an attempt whose answer was
lost), RECONCILE_AFTER_S, RECONCILE_INTERVAL_S, and one more whole call to confirm it.
"""

from collections.abc import Mapping
from typing import Any

import pytest

from chartkit.manifests import env_of, named
from shopgraph_orders.settings import OrdersSettings
from shopgraph_products.settings import ProductsSettings

Doc = dict[str, Any]
ORDERS_TIMINGS = (
    "PRODUCTS_CONNECT_TIMEOUT_S", "PRODUCTS_TIMEOUT_S", "PRODUCTS_RETRIES",
    "PRODUCTS_RETRY_BACKOFF_S", "RECONCILE_INTERVAL_S", "RECONCILE_AFTER_S",
)  # fmt: skip
PRODUCTS_TIMINGS = ("RESERVATION_TTL",)
MAX_JITTER = 1.5  # products_client.py spreads each backoff over 0.5x to 1.5x


def one_products_call_s(orders: OrdersSettings) -> float:
    """The longest one reservation call may take, every retry and backoff included."""
    attempts = orders.products_retries + 1
    per_attempt = orders.products_connect_timeout_s + orders.products_timeout_s
    backoff = orders.products_retry_backoff_s * (2.0**orders.products_retries - 1) * MAX_JITTER
    return attempts * per_attempt + backoff


def latest_confirm_s(orders: OrdersSettings) -> float:
    """How long after products made a reservation orders may confirm it, at the latest."""
    return 2 * one_products_call_s(orders) + orders.reconcile_after_s + orders.reconcile_interval_s


def timing_problem(orders: OrdersSettings, products: ProductsSettings) -> str | None:
    latest = latest_confirm_s(orders)
    if latest < products.reservation_ttl:
        return None
    return (
        f"orders may confirm a reservation {latest:.1f} s after it was made, but products "
        f"releases it after RESERVATION_TTL={products.reservation_ttl:g} s"
    )


def settings_from(env: Mapping[str, str]) -> tuple[OrdersSettings, ProductsSettings]:
    """Both services' timing settings from an environment; the rest, and whatever `env` leaves
    out, at the class defaults (model_validate reads no process environment)."""
    orders = OrdersSettings.model_validate({k.lower(): env[k] for k in ORDERS_TIMINGS if k in env})
    products = ProductsSettings.model_validate(
        {k.lower(): env[k] for k in PRODUCTS_TIMINGS if k in env}
    )
    return orders, products


def test_the_defaults_keep_the_rule() -> None:
    orders, products = settings_from({})
    assert timing_problem(orders, products) is None
    # The margin docs/architecture.md states: 45.9 s of a 120 s TTL.
    assert latest_confirm_s(orders) == pytest.approx(45.9)
    assert products.reservation_ttl == 120


@pytest.mark.parametrize(
    "env",
    [
        {"RESERVATION_TTL": "45"},
        {"RECONCILE_AFTER_S": "100"},
        {"RECONCILE_INTERVAL_S": "60", "RECONCILE_AFTER_S": "30"},
        {"PRODUCTS_TIMEOUT_S": "20"},
        {"PRODUCTS_RETRIES": "5", "PRODUCTS_CONNECT_TIMEOUT_S": "5"},
    ],
)
def test_settings_that_break_the_rule_are_caught(env: dict[str, str]) -> None:
    orders, products = settings_from(env)
    problem = timing_problem(orders, products)
    assert problem is not None
    assert "RESERVATION_TTL" in problem


def test_every_value_set_the_chart_renders_keeps_the_rule(
    rendered: dict[str, list[Doc]],
) -> None:
    for value_set, docs in rendered.items():
        env: dict[str, str] = {}
        for service in ("orders", "products"):
            deployment = named(docs, "Deployment", f"shopgraph-{service}")
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            env.update(
                {
                    name: entry["value"]
                    for name, entry in env_of(container).items()
                    if "value" in entry
                }
            )
        # The chart sets them explicitly: a template that dropped one would test the defaults.
        assert set(ORDERS_TIMINGS + PRODUCTS_TIMINGS) <= env.keys(), value_set
        orders, products = settings_from(env)
        assert timing_problem(orders, products) is None, value_set
