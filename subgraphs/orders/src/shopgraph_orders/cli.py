"""`shopgraph-orders serve | migrate | export-schema`."""

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn

from shopgraph_core.sql import SqlStore
from shopgraph_orders.app import MIGRATIONS_DIR, create_app
from shopgraph_orders.schema import create_schema
from shopgraph_orders.settings import OrdersSettings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shopgraph-orders")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the subgraph (uvicorn)")
    commands.add_parser("migrate", help="apply database migrations, then exit")
    export = commands.add_parser("export-schema", help="print or write the subgraph SDL")
    export.add_argument("--output", type=Path, help=f"write here (e.g. {SCHEMA_FILE})")
    args = parser.parse_args(argv)

    if args.command == "export-schema":
        sdl = create_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(sdl)
        else:
            sys.stdout.write(sdl)
        return
    settings = OrdersSettings()
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


async def _migrate(settings: OrdersSettings) -> None:
    store = SqlStore(settings.effective_database_url, MIGRATIONS_DIR)
    try:
        await store.migrate()
    finally:
        await store.close()


if __name__ == "__main__":
    main()
