"""Production refuses to start on any development default."""

from typing import Any

import pytest
from pydantic import ValidationError

from shopgraph_products.settings import ProductsSettings

# Values of many types, as the environment would give them; the model validates each.
SAFE: dict[str, Any] = {
    "environment": "production",
    "mongodb_url": "mongodb://products:secret@mongo-0.internal:27017/shopgraph_products",
    "internal_service_token": "s3cr3t-" + "x" * 40,
    "jwks_url": "http://users:4001/.well-known/jwks.json",
    "gateway_token": "gateway-" + "g" * 40,
}


def test_safe_production_settings_are_accepted() -> None:
    settings = ProductsSettings(**SAFE)

    assert not settings.graphiql_enabled
    assert not settings.introspection_enabled


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"mongodb_url": "mongodb://127.0.0.1:27017/shopgraph_products"}, "MONGODB_URL"),
        ({"mongodb_url": "mongodb://localhost/shopgraph_products"}, "MONGODB_URL"),
        ({"internal_service_token": "dev-internal-token"}, "INTERNAL_SERVICE_TOKEN"),
        ({"internal_service_token": "short"}, "INTERNAL_SERVICE_TOKEN"),
        ({"graphiql": True}, "GRAPHIQL"),
        ({"debug_errors": True}, "DEBUG_ERRORS"),
        ({"jwks_url": "http://127.0.0.1:4001/.well-known/jwks.json"}, "JWKS_URL"),
        ({"gateway_token": None}, "GATEWAY_TOKEN"),
        ({"gateway_token": "short"}, "GATEWAY_TOKEN"),
    ],
)
def test_unsafe_production_settings_are_refused(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        ProductsSettings(**{**SAFE, **change})


def test_production_defaults_are_refused_together() -> None:
    with pytest.raises(ValidationError) as refused:
        ProductsSettings(environment="production")

    assert "MONGODB_URL" in str(refused.value)
    assert "INTERNAL_SERVICE_TOKEN" in str(refused.value)


def test_development_defaults() -> None:
    settings = ProductsSettings(environment="development")

    assert settings.port == 4002
    assert settings.mongodb_url == "mongodb://127.0.0.1:27017/shopgraph_products"
    assert settings.internal_service_token.get_secret_value() == "dev-internal-token"
    assert settings.reservation_ttl == 120


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "mongodb://mongo:27017/catalogue")
    monkeypatch.setenv("INTERNAL_SERVICE_TOKEN", "from-the-environment")
    monkeypatch.setenv("RESERVATION_TTL", "30")
    monkeypatch.setenv("PORT", "5002")

    settings = ProductsSettings()

    assert settings.mongodb_url == "mongodb://mongo:27017/catalogue"
    assert settings.internal_service_token.get_secret_value() == "from-the-environment"
    assert settings.reservation_ttl == 30
    assert settings.port == 5002
    assert "from-the-environment" not in repr(settings)
