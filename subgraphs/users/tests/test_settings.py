"""Production refuses to start on any development default."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from shopgraph_users.settings import UsersSettings

SAFE = {
    "environment": "production",
    "database_url": "mysql://users:secret@mariadb:3306/users",
    "jwt_private_key_file": Path("/run/secrets/jwt.pem"),
    "jwks_url": "http://users:4001/.well-known/jwks.json",
    "gateway_token": "gateway-" + "g" * 40,
}


def test_safe_production_settings_are_accepted() -> None:
    settings = UsersSettings(**SAFE)  # type: ignore[arg-type]

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
    ],
)
def test_unsafe_production_settings_are_refused(change: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        UsersSettings(**{**SAFE, **change})  # type: ignore[arg-type]


def test_development_defaults_turn_the_explorer_on() -> None:
    settings = UsersSettings(environment="development")  # type: ignore[arg-type]

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
