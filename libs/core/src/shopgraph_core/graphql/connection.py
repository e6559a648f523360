"""Relay-style connections: one generic Edge and Connection for every paged list.

Strawberry names a generic type after its argument, so `Connection[Product]` prints as
`ProductConnection` with `edges: [ProductEdge!]!`, the names the contract gives; the
committed SDL and its drift check (`scripts/schema.sh --check`) prove they do not change.
`PageInfo` exists in several subgraphs, so it is declared @shareable.
"""

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import strawberry

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo


def connection_of(
    items: Iterable[ItemT],
    *,
    has_next_page: bool,
    cursor: Callable[[ItemT], str],
    node: Callable[[ItemT], NodeT],
) -> Connection[NodeT]:
    """One page of `items` as a connection; the page ends at its last edge's cursor."""
    edges = [Edge(cursor=cursor(item), node=node(item)) for item in items]
    end_cursor = edges[-1].cursor if edges else None
    return Connection(
        edges=edges, page_info=PageInfo(has_next_page=has_next_page, end_cursor=end_cursor)
    )
