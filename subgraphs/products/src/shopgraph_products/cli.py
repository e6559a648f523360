"""`shopgraph-products serve | export-schema | seed`."""

from pathlib import Path

from shopgraph_core.runtime.cli import ExtraCommand, ServiceCli
from shopgraph_products.app import create_app
from shopgraph_products.catalogue import Catalogue
from shopgraph_products.demo import DEMO_PRODUCTS
from shopgraph_products.schema import create_schema
from shopgraph_products.service import open_store
from shopgraph_products.settings import ProductsSettings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


async def seed(settings: ProductsSettings) -> str:
    """Adds the demo products that are missing (by SKU)."""
    store = open_store(settings)
    try:
        await store.init()
        inserted = await Catalogue().seed(DEMO_PRODUCTS)
    finally:
        await store.close()
    return f"seeded {inserted} new of {len(DEMO_PRODUCTS)} demo products"


cli = ServiceCli(
    name="products",
    settings=ProductsSettings,
    create_app=create_app,
    create_schema=create_schema,
    schema_file=SCHEMA_FILE,
    extra={"seed": ExtraCommand("add the demo products that are missing (by SKU)", seed)},
)
main = cli.main
