"""How resolvers read optional GraphQL arguments and input fields: one style everywhere.

Declare an optional argument or input field as `X | None = strawberry.UNSET`: the SDL then
shows no default, and `given()` reads "left out" and "null" alike as None. (Orders' `after`
arguments are declared `= None` instead, because their committed SDL prints `= null` and the
public schema must not change; `given()` reads them the same way.)

`first: Int = 20` is the one argument with a default; an explicit null means that default.
"""

from typing import TypeVar

import strawberry

from shopgraph_core.validation.paging import DEFAULT_PAGE_SIZE

T = TypeVar("T")


def given(value: T | None) -> T | None:
    """An optional argument's value; None when it was left out or given as null."""
    return None if value is strawberry.UNSET else value


def page_size(first: int | None) -> int:
    """`first: Int = 20` as in the contract: an explicit null means the default."""
    return DEFAULT_PAGE_SIZE if first is None else first
