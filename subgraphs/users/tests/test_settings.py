"""Production refuses to start on any development default."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shopgraph_users.settings import UsersSettings

# Values of many types, as the environment would give them; the model validates each.
SAFE: dict[str, Any] = {
    "environment": "production",
    "database_url": "mysql://users:secret@mariadb:3306/users",
    "jwt_private_key_file": Path("/run/secrets/jwt.pem"),
    "jwks_url": "http://users:4001/.well-known/jwks.json",
    "gateway_token": "gateway-" + "g" * 40,
}


def test_safe_production_settings_are_accepted() -> None:
    settings = UsersSettings(**SAFE)

    assert not settings.graphiql_enabled
    assert not settings.introspection_enabled
    assert not settings.effective_migrate_on_start


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"database_url": None}, "DATABASE_URL"),
        ({"database_url": "sqlite:///users.db"}, "DATABASE_URL"),
        ({"jwt_private_key_file": None}, "JWT_PRIVATE_KEY_FILE"),
        ({"graphiql": True}, "GRAPHIQL"),
        ({"introspection": True}, "INTROSPECTION"),
        ({"debug_errors": True}, "DEBUG_ERRORS"),
        ({"migrate_on_start": True}, "MIGRATE_ON_START"),
        ({"jwks_url": "http://127.0.0.1:4001/.well-known/jwks.json"}, "JWKS_URL"),
        ({"gateway_token": None}, "GATEWAY_TOKEN"),
        ({"gateway_token": "short"}, "GATEWAY_TOKEN"),
        ({"throttle_enabled": False}, "THROTTLE_ENABLED"),
        ({"login_backoff_cap": timedelta(days=1)}, "LOGIN_BACKOFF_CAP"),
        ({"login_account_window": timedelta(hours=2)}, "LOGIN_ACCOUNT_WINDOW"),
        ({"login_address_window": timedelta(hours=2)}, "LOGIN_ADDRESS_WINDOW"),
        ({"login_account_max_failures": 2}, "LOGIN_ACCOUNT_MAX_FAILURES"),
        ({"sign_up_max_per_address": 100_000}, "SIGN_UP_MAX_PER_ADDRESS"),
        ({"forwarded_for_trusted_hops": 0}, "FORWARDED_FOR_TRUSTED_HOPS"),
    ],
)
def test_unsafe_production_settings_are_refused(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        UsersSettings(**{**SAFE, **change})


def test_development_defaults_turn_the_explorer_on() -> None:
    settings = UsersSettings(environment="development")

    assert settings.graphiql_enabled
    assert settings.introspection_enabled
    assert settings.effective_migrate_on_start


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:p@db/users")
    monkeypatch.setenv("PORT", "5001")
    monkeypatch.setenv("SHOPGRAPH_ADMIN_EMAIL", "boss@example.com")

    settings = UsersSettings()

    assert settings.effective_database_url == "mysql://u:p@db/users"
    assert settings.port == 5001
    assert settings.shopgraph_admin_email == "boss@example.com"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"login_backoff_base": timedelta(0)}, "LOGIN_BACKOFF_BASE must be positive"),
        ({"sign_up_window": timedelta(seconds=-1)}, "SIGN_UP_WINDOW must be positive"),
        ({"login_backoff_cap": timedelta(milliseconds=1)}, "LOGIN_BACKOFF_CAP must be at least"),
        ({"login_free_failures": 0}, "login_free_failures"),
    ],
)
def test_throttle_settings_must_make_sense_anywhere(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        UsersSettings(environment="test", **change)


def test_throttle_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_BACKOFF_CAP", "PT10M")
    monkeypatch.setenv("SIGN_UP_MAX_PER_ADDRESS", "5")
    monkeypatch.setenv("FORWARDED_FOR_TRUSTED_HOPS", "2")

    settings = UsersSettings()

    assert settings.login_backoff_cap == timedelta(minutes=10)
    assert settings.sign_up_max_per_address == 5
    assert settings.forwarded_for_trusted_hops == 2
