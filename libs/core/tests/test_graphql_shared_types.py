"""The generic connection prints the names the contract gives, and the Strawberry internals
the core wraps still do what the core relies on."""

import strawberry

from shopgraph_core.graphql.connection import Connection, connection_of
from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.settings import ServiceSettings


@strawberry.type
class Widget:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def widgets(self, first: int = 2) -> Connection[Widget]:
        names = ["a", "b", "c"]
        return connection_of(
            names[:first],
            has_next_page=first < len(names),
            cursor=lambda name: f"c-{name}",
            node=lambda name: Widget(name=name),
        )


SCHEMA = build_schema(
    settings=ServiceSettings(environment="test", max_query_depth=2, max_aliases=2), query=Query
)


def test_a_connection_of_widgets_prints_as_widget_connection_and_widget_edge() -> None:
    sdl = SCHEMA.as_str()

    assert "type WidgetConnection {\n  edges: [WidgetEdge!]!\n  pageInfo: PageInfo!\n}" in sdl
    assert "type WidgetEdge {\n  cursor: String!\n  node: Widget!\n}" in sdl
    assert "type PageInfo @shareable {\n  hasNextPage: Boolean!\n  endCursor: String\n}" in sdl


async def test_a_page_ends_at_its_last_cursor() -> None:
    full = await SCHEMA.execute(
        "{ widgets { edges { cursor } pageInfo { hasNextPage endCursor } } }"
    )
    empty = await SCHEMA.execute("{ widgets(first: 0) { pageInfo { hasNextPage endCursor } } }")

    assert full.data == {
        "widgets": {
            "edges": [{"cursor": "c-a"}, {"cursor": "c-b"}],
            "pageInfo": {"hasNextPage": True, "endCursor": "c-b"},
        }
    }
    assert empty.data == {"widgets": {"pageInfo": {"hasNextPage": True, "endCursor": None}}}


async def test_the_wrapped_depth_and_alias_rules_refuse_with_bad_user_input() -> None:
    # Depth is counted from 0: widgets, edges, node, name is 3, over the limit of 2.
    deep = await SCHEMA.execute("{ widgets { edges { node { name } } } }")
    aliased = await SCHEMA.execute(
        "{ a: widgets { __typename } b: widgets { __typename } c: widgets { __typename } }"
    )

    for result in (deep, aliased):
        assert result.errors is not None
        assert [(e.extensions or {}).get("code") for e in result.errors] == ["BAD_USER_INPUT"]
