"""`shopgraph-users migrate`: how production applies migrations, separately from start."""

import pytest
from sqlalchemy import create_engine, inspect

from shopgraph_testing.servers import new_mysql_database
from shopgraph_users.cli import main


@pytest.mark.mariadb
def test_migrate_creates_the_schema_on_mariadb(
    mariadb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = new_mysql_database(mariadb_url, "migrate")
    monkeypatch.setenv("DATABASE_URL", url)

    main(["migrate"])
    main(["migrate"])  # a second run is a no-op

    engine = create_engine(url.replace("mysql://", "mysql+pymysql://"))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "throttle_counters", "alembic_version"} <= tables
