"""`shopgraph-products serve | export-schema | seed`."""

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn

from shopgraph_products.app import create_app
from shopgraph_products.catalogue import Catalogue
from shopgraph_products.demo import DEMO_PRODUCTS
from shopgraph_products.schema import create_schema
from shopgraph_products.service import open_store
from shopgraph_products.settings import ProductsSettings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shopgraph-products")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the subgraph (uvicorn)")
    commands.add_parser("seed", help="add the demo products that are missing (by SKU), then exit")
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
    settings = ProductsSettings()
    if args.command == "seed":
        inserted = asyncio.run(seed(settings))
        sys.stdout.write(f"seeded {inserted} new of {len(DEMO_PRODUCTS)} demo products\n")
        return
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


async def seed(settings: ProductsSettings) -> int:
    store = open_store(settings)
    try:
        await store.init()
        return await Catalogue().seed(DEMO_PRODUCTS)
    finally:
        await store.close()


if __name__ == "__main__":
    main()
