"""The service around the domain: migrations, the depth limit, health probes."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from shopgraph_core.storage.sql_engine import create_engine
from shopgraph_orders.cli import main
from shopgraph_testing.drivers.orders import OrdersShop
from shopgraph_testing.graphql import GraphQLClient, error_codes


def deep_user_orders_query(levels: int) -> str:
    """myOrders -> Order.user -> User.orders -> Order.user -> ... `levels` times."""
    inner = "id"
    for _ in range(levels):
        inner = f"user {{ orders {{ edges {{ node {{ {inner} }} }} }} }}"
    return f"query Deep {{ myOrders {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_a_query_deeper_than_the_limit_is_refused(
    client: GraphQLClient, shop: OrdersShop
) -> None:
    _, token = shop.customer()

    deep = await client.execute(deep_user_orders_query(4), token=token)
    shallow = await client.execute(deep_user_orders_query(1), token=token)

    assert error_codes(deep) == ["BAD_USER_INPUT"]
    assert deep["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 12"
    assert "data" not in deep or deep["data"] is None
    assert "errors" not in shallow, shallow


async def test_health_probes(client: GraphQLClient) -> None:
    live = await client.http.get("/health/live")
    ready = await client.http.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "UP"})
    assert (ready.status_code, ready.json()) == (200, {"status": "UP"})


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def test_migrate_command_creates_the_tables(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopgraph_testing.servers import new_mysql_database

    url = (
        new_mysql_database(request.getfixturevalue("mariadb_url"), "orders_migrate")
        if backend == "mariadb"
        else f"sqlite:///{tmp_path / 'migrated.db'}"
    )
    monkeypatch.setenv("DATABASE_URL", url)

    # The command runs its own event loop, as it does from a shell.
    await asyncio.to_thread(main, ["migrate"])
    await asyncio.to_thread(main, ["migrate"])  # again: nothing to do

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            indexes = await connection.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("orders")}
            )
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("orders")}
            )
            uniques = await connection.run_sync(
                lambda c: {u["name"] for u in inspect(c).get_unique_constraints("orders")}
            )
    finally:
        await engine.dispose()
    assert {"orders", "order_items", "alembic_version"} <= tables
    assert {"ix_orders_user_created", "ix_orders_reconcile"} <= indexes
    assert "uq_orders_user_idempotency_key" in uniques | indexes
    assert "request_fingerprint" in columns
