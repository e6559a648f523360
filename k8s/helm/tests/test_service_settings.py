"""The services' own production check accepts the environment the chart gives them.

Each subgraph's settings class (ENVIRONMENT=production refuses unsafe defaults) is built from
the rendered container environment, with Secret references resolved from the rendered
Secrets (or, for the production-like set's existing Secrets, plausible stand-ins).
"""

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from chartkit.manifests import by_kind, env_of, named
from shopgraph_orders.settings import OrdersSettings
from shopgraph_products.settings import ProductsSettings
from shopgraph_users.settings import UsersSettings

Doc = dict[str, Any]
SETTINGS: dict[str, type[BaseSettings]] = {
    "users": UsersSettings, "products": ProductsSettings, "orders": OrdersSettings,
}  # fmt: skip
# What the production-like value set's pre-existing Secrets would hold.
EXISTING = {
    ("shopgraph-app", "internal-service-token"): "x" * 48,
    ("shopgraph-app", "gateway-token"): "y" * 48,
    ("shopgraph-admin", "admin-password"): "a-long-admin-password",
    ("shopgraph-users-db", "url"): "mysql://users:pw@mysql.example.internal:3306/users",
    ("shopgraph-orders-db", "url"): "mysql://orders:pw@mysql.example.internal:3306/orders",
    ("shopgraph-products-db", "url"): "mongodb://products:pw@mongo.example.internal:27017/products",
}


def environment(docs: list[Doc], container: Doc) -> dict[str, str]:
    secrets = {
        (s["metadata"]["name"], key): base64.b64decode(value).decode()
        for s in by_kind(docs, "Secret")
        for key, value in s["data"].items()
    }
    env = {}
    for name, entry in env_of(container).items():
        if "value" in entry:
            env[name] = entry["value"]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[name] = {**EXISTING, **secrets}[(ref["name"], ref["key"])]
    return env


@pytest.mark.parametrize("value_set", ["default", "production", "minimal"])
@pytest.mark.parametrize("service", ["users", "products", "orders"])
def test_production_settings_accept_the_rendered_environment(
    rendered: dict[str, list[Doc]], value_set: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = rendered[value_set]
    container = named(docs, "Deployment", f"shopgraph-{service}")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = environment(docs, container)
    assert env["ENVIRONMENT"] == "production"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = SETTINGS[service]()
    assert settings.is_production  # type: ignore[attr-defined]


def test_a_missing_setting_is_refused(
    rendered: dict[str, list[Doc]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: without its database URL, orders refuses production."""
    docs = rendered["default"]
    container = named(docs, "Deployment", "shopgraph-orders")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = environment(docs, container)
    del env["DATABASE_URL"]
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match="refuses to start in production: DATABASE_URL"):
        OrdersSettings()


def test_the_generated_signing_key_is_ed25519(rendered: dict[str, list[Doc]]) -> None:
    secret = named(rendered["default"], "Secret", "shopgraph-app")
    pem = base64.b64decode(secret["data"]["jwt-private-key.pem"])
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    for name in ("internal-service-token", "gateway-token"):
        assert len(base64.b64decode(secret["data"][name])) >= 32
