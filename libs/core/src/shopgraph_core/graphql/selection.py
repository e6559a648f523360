"""What an operation asks for below the field being resolved: look-ahead for resolvers that
load a related list with its parents (one query for a page) instead of a resolver per parent.

Strawberry's public `Info.selected_fields` does the reading: aliases, inline fragments and
named fragments (nested too) come out as plain selections.
"""

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection


def selects(info: Info[Any, Any], field_name: str) -> bool:
    """Whether a field called `field_name` is selected anywhere below the field `info`
    resolves, under any alias and through any fragment.

    It errs on the side of loading: `@skip` and `@include` are not evaluated, and a field of
    that name on any type below counts. A resolver may load a little more than asked for,
    never less.
    """
    return any(_selects(field.selections, field_name) for field in info.selected_fields)


def _selects(selections: Iterable[Selection], field_name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == field_name:
            return True
        if _selects(selection.selections, field_name):
            return True
    return False
