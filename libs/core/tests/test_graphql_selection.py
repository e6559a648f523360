"""`selects`: what an operation asks for below a field, read through aliases and fragments,
on a real Strawberry schema."""

from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from shopgraph_core.graphql.selection import selects


@strawberry.type
class Line:
    quantity: int


@strawberry.type
class Order:
    id: strawberry.ID
    items: list[Line]


@strawberry.type
class Edge:
    node: Order


@strawberry.type
class Page:
    edges: list[Edge]
    items_total: int


@strawberry.type
class Query:
    @strawberry.field
    def page(self, info: Info[dict[str, list[bool]], None]) -> Page:
        info.context["asked"].append(selects(info, "items"))
        order = Order(id=strawberry.ID("1"), items=[Line(quantity=1)])
        return Page(edges=[Edge(node=order)], items_total=1)


SCHEMA = strawberry.Schema(query=Query)


def asked(query: str, variables: dict[str, Any] | None = None) -> list[bool]:
    context: dict[str, list[bool]] = {"asked": []}
    result = SCHEMA.execute_sync(query, variables, context_value=context)
    assert result.errors is None, result.errors
    return context["asked"]


@pytest.mark.parametrize(
    "query",
    [
        "{ page { edges { node { items { quantity } } } } }",
        "{ page { edges { node { lines: items { quantity } } } } }",
        "{ page { edges { node { ... on Order { items { quantity } } } } } }",
        "{ page { edges { node { ... @include(if: true) { items { quantity } } } } } }",
        "{ page { ...P } } fragment P on Page { edges { ...E } } "
        "fragment E on Edge { node { id items { quantity } } }",
    ],
    ids=["direct", "aliased", "inline fragment", "untyped fragment", "nested named fragments"],
)
def test_a_selected_field_is_found_however_it_is_written(query: str) -> None:
    assert asked(query) == [True]


@pytest.mark.parametrize(
    "query",
    [
        "{ page { edges { node { id } } } }",
        # A name only shares its first letters, and an alias is not a field's name.
        "{ page { itemsTotal items: itemsTotal } }",
    ],
    ids=["not selected", "similar names and aliases"],
)
def test_a_field_not_selected_is_not_found(query: str) -> None:
    assert asked(query) == [False]


def test_skip_and_include_are_not_evaluated_so_it_errs_on_loading() -> None:
    query = "query($no: Boolean!) { page { edges { node { items @skip(if: $no) { quantity } } } } }"

    assert asked(query, {"no": True}) == [True]


def test_each_field_is_asked_about_its_own_selection() -> None:
    query = "{ bare: page { itemsTotal } full: page { edges { node { items { quantity } } } } }"

    assert asked(query) == [False, True]
