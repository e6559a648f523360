"""Production refuses to start on any development default."""

from typing import Any

import pytest
from pydantic import ValidationError

from shopgraph_orders.settings import OrdersSettings

# Values of many types, as the environment would give them; the model validates each.
SAFE: dict[str, Any] = {
    "environment": "production",
    "database_url": "mysql://orders:secret@mariadb:3306/orders",
    "jwks_url": "http://users:4001/.well-known/jwks.json",
    "gateway_token": "gateway-" + "g" * 40,
    "products_internal_url": "http://products:4002",
    "internal_service_token": "a-managed-secret-of-at-least-32-characters",
}


def test_safe_production_settings_are_accepted() -> None:
    settings = OrdersSettings(**SAFE)

    assert not settings.graphiql_enabled
    assert not settings.introspection_enabled
    assert not settings.effective_migrate_on_start
    assert settings.port == 4003


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"database_url": None}, "DATABASE_URL"),
        ({"database_url": "sqlite:///orders.db"}, "DATABASE_URL"),
        ({"migrate_on_start": True}, "MIGRATE_ON_START"),
        ({"products_internal_url": "http://127.0.0.1:4002"}, "PRODUCTS_INTERNAL_URL"),
        ({"products_internal_url": "http://localhost:4002"}, "PRODUCTS_INTERNAL_URL"),
        ({"internal_service_token": "dev-internal-token"}, "INTERNAL_SERVICE_TOKEN"),
        ({"internal_service_token": "short"}, "INTERNAL_SERVICE_TOKEN"),
        ({"graphiql": True}, "GRAPHIQL"),
        ({"introspection": True}, "INTROSPECTION"),
        ({"debug_errors": True}, "DEBUG_ERRORS"),
        ({"jwks_url": "http://127.0.0.1:4001/.well-known/jwks.json"}, "JWKS_URL"),
        ({"gateway_token": None}, "GATEWAY_TOKEN"),
        ({"gateway_token": "short"}, "GATEWAY_TOKEN"),
    ],
)
def test_unsafe_production_settings_are_refused(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        OrdersSettings(**{**SAFE, **change})


def test_development_defaults_work_on_a_laptop() -> None:
    settings = OrdersSettings(environment="development")

    assert settings.effective_migrate_on_start
    assert settings.effective_database_url.endswith("orders.db")
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.products_internal_url == "http://127.0.0.1:4002"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the stack launcher sets (tools/stack/src/shopgraph_stack/topology.py).
    monkeypatch.setenv("PORT", "14003")
    monkeypatch.setenv("HOST", "10.1.2.3")
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", "/var/lib/shopgraph")
    monkeypatch.setenv("JWKS_URL", "http://127.0.0.1:14001/.well-known/jwks.json")
    monkeypatch.setenv("INTERNAL_SERVICE_TOKEN", "from-the-environment")
    monkeypatch.setenv("PRODUCTS_INTERNAL_URL", "http://127.0.0.1:14002")

    settings = OrdersSettings()

    assert settings.port == 14003
    assert settings.host == "10.1.2.3"
    assert settings.effective_database_url == "sqlite:////var/lib/shopgraph/orders.db"
    assert settings.jwks_url.startswith("http://127.0.0.1:14001")
    assert settings.internal_service_token.get_secret_value() == "from-the-environment"
    assert settings.products_internal_url == "http://127.0.0.1:14002"
