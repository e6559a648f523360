from pathlib import Path

from shopgraph_products.cli import SCHEMA_FILE, main


def test_committed_sdl_matches_the_code(tmp_path: Path) -> None:
    exported = tmp_path / "schema.graphql"

    main(["export-schema", "--output", str(exported)])

    assert SCHEMA_FILE.read_text() == exported.read_text(), (
        "subgraphs/products/schema.graphql is stale: run `make schema`"
    )
