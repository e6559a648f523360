"""`shopgraph-orders serve | migrate | export-schema`."""

from pathlib import Path

from shopgraph_core.runtime.cli import ServiceCli
from shopgraph_core.runtime.sql_commands import migrate_command
from shopgraph_orders.app import create_app
from shopgraph_orders.schema import create_schema
from shopgraph_orders.service import MIGRATIONS_DIR
from shopgraph_orders.settings import OrdersSettings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

cli = ServiceCli(
    name="orders",
    settings=OrdersSettings,
    create_app=create_app,
    create_schema=create_schema,
    schema_file=SCHEMA_FILE,
    extra={"migrate": migrate_command(MIGRATIONS_DIR)},
)
main = cli.main
