from pathlib import Path

from shopgraph_orders.cli import SCHEMA_FILE, main


def test_committed_sdl_matches_the_code(tmp_path: Path) -> None:
    exported = tmp_path / "schema.graphql"

    main(["export-schema", "--output", str(exported)])

    assert SCHEMA_FILE.read_text() == exported.read_text(), (
        "subgraphs/orders/schema.graphql is stale: run `make schema`"
    )


def test_the_sdl_declares_the_federation_shape() -> None:
    sdl = SCHEMA_FILE.read_text()

    assert 'type Order @key(fields: "id")' in sdl
    assert 'type User @key(fields: "id")' in sdl
    assert 'type Product @key(fields: "id", resolvable: false)' in sdl
    assert "type Money @shareable" in sdl
    assert "type PageInfo @shareable" in sdl
