"""The start-up banner tells the admin login the services really use."""

from shopgraph_stack.topology import (
    DEV_ADMIN_EMAIL,
    DEV_ADMIN_PASSWORD,
    Topology,
    admin_login_hint,
)


def test_the_dev_defaults_are_printed_when_nothing_overrides_them() -> None:
    assert admin_login_hint({}) == f"{DEV_ADMIN_EMAIL} / {DEV_ADMIN_PASSWORD}"


def test_an_overridden_login_is_printed_without_its_password() -> None:
    hint = admin_login_hint(
        {"SHOPGRAPH_ADMIN_EMAIL": "ops@shop.test", "SHOPGRAPH_ADMIN_PASSWORD": "s3cret-chosen"}
    )
    assert hint.startswith("ops@shop.test / ")
    assert "s3cret-chosen" not in hint
    assert DEV_ADMIN_PASSWORD not in hint
    assert "SHOPGRAPH_ADMIN_PASSWORD" in hint


def test_the_users_service_gets_the_same_login_the_banner_names(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHOPGRAPH_ADMIN_EMAIL", "ops@shop.test")
    monkeypatch.setenv("SHOPGRAPH_ADMIN_PASSWORD", "s3cret-chosen")
    users = next(c for c in Topology.load(tmp_path).components() if c.name == "users")
    assert users.env["SHOPGRAPH_ADMIN_EMAIL"] == "ops@shop.test"
    assert users.env["SHOPGRAPH_ADMIN_PASSWORD"] == "s3cret-chosen"
