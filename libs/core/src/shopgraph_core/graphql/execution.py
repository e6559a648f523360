"""A graphql-core executor that answers plain leaf fields without its general machinery.

Why: a page of orders with their items is 525 fields, and graphql-core spends about 5 us on
each (`docs/performance.md`, "Why the ratios stay under 0.7x"): for every field it builds a
`GraphQLResolveInfo` and a `Path`, calls the resolver through Strawberry's wrapper, asks
whether the result is awaitable and walks `complete_value` down to the scalar. Most of those
fields are plain leaves: an attribute of the object, a scalar or enum, no arguments.

A *plain leaf* here is a Strawberry field with no resolver and no field extensions (so no
permission classes: Strawberry implements them as extensions), whose GraphQL type is a scalar
or an enum, nullable or not. Its answer is `coerce_output_value(resolve(source))`, exactly
what graphql-core computes for it. Whatever is not the common case goes graphql-core's own way,
which then does everything it always did: a null (the non-null check and its error), an
exception raised or returned, a value the scalar refuses (its error, with its path), any
schema extension hooking `resolve` (graphql-core middleware), every other field.

Only the execution of a selection set changes; parsing, validation (depth, alias and token
limits), authorisation in resolvers and error shaping are untouched.

It also leaves no reference cycle behind. graphql-core 3.3 gives every executor resolve-info
helpers that are its own bound methods (executor -> helpers -> method -> executor), so the
whole of a request (its context, DataLoaders, their futures and every row they loaded: some
750 objects for a page of orders) could only be freed by Python's cyclic garbage collector,
whose collections then cost more than a millisecond per such request. Ours hold the executor
weakly, and a request's objects go the moment it is answered (`docs/performance.md`).
"""

import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined

from shopgraph_core.graphql.strawberry_internals import StrawberryExecutor, is_plain_attribute


class PlainLeaf(NamedTuple):
    resolve: Callable[..., Any]  # Strawberry's resolver of a plain attribute; ignores `info`
    leaf_type: GraphQLLeafType  # coerces the value, as graphql-core would


# Per object type name: its plain leaf fields, by field name.
PlainLeaves = Mapping[str, Mapping[str, PlainLeaf]]

_NOT_PLAIN = object()


def plain_leaves_of(schema: GraphQLSchema) -> dict[str, dict[str, PlainLeaf]]:
    """Every plain leaf field of `schema`'s object types (the module docstring says which)."""
    found: dict[str, dict[str, PlainLeaf]] = {}
    for name, named_type in schema.type_map.items():
        if name.startswith("__") or not isinstance(named_type, GraphQLObjectType):
            continue
        leaves: dict[str, PlainLeaf] = {}
        for field_name, field in named_type.fields.items():
            field_type = field.type
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            resolve = field.resolve
            if (
                isinstance(field_type, GraphQLScalarType | GraphQLEnumType)
                and not field.args
                and resolve is not None
                and is_plain_attribute(resolve)
            ):
                leaves[field_name] = PlainLeaf(resolve, field_type)
        if leaves:
            found[name] = leaves
    return found


class PlainLeafExecutor(StrawberryExecutor):
    """Strawberry's executor, answering the plain leaves of a selection set directly.

    Made per schema by `executor_for`, which fills `plain_leaves`.
    """

    plain_leaves: ClassVar[PlainLeaves] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same helpers as graphql-core's, without the cycle (the module docstring says why).
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_held_weakly(self.gather_async_work),
            track=_held_weakly(self.track_async_work),
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        leaves = self.plain_leaves.get(parent_type.name)
        middleware = self.middleware_manager
        if leaves is None or (middleware is not None and middleware.middlewares):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        others: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            leaf = leaves.get(field_details_list[0].node.name.value)
            value = _NOT_PLAIN if leaf is None else _plain_value(leaf, source_value)
            if value is _NOT_PLAIN:
                # A placeholder keeps the selection's order: update() keeps a key's place.
                results[response_name] = None
                others[response_name] = field_details_list
            else:
                results[response_name] = value
        if not others:
            return results
        completed = super().execute_fields(
            parent_type, source_value, path, others, position_context
        )
        if self.is_awaitable(completed):
            return _merged_later(results, completed, others)
        return _merged(results, completed, others)  # type: ignore[arg-type] # not awaitable


def _held_weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, called through a weak reference to its object. A helper is only called by a
    resolver running in that executor's work, so the executor is alive whenever it is."""
    held = weakref.WeakMethod(method)

    def call(*args: Any) -> Any:
        bound = held()
        if bound is None:
            raise ReferenceError("the executor of this resolve info has finished")
        return bound(*args)

    return call


def _plain_value(leaf: PlainLeaf, source: Any) -> Any:
    """The field's coerced value, or _NOT_PLAIN for anything graphql-core must handle itself."""
    try:
        value = leaf.resolve(source, None)
        if value is None or isinstance(value, Exception):
            return _NOT_PLAIN
        coerced = leaf.leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core runs it again, and reports the error itself
        return _NOT_PLAIN
    return _NOT_PLAIN if coerced is None or coerced is Undefined else coerced


def _merged(
    results: dict[str, Any], completed: dict[str, Any], others: GroupedFieldSet
) -> dict[str, Any]:
    results.update(completed)
    if len(completed) != len(others):
        # graphql-core leaves out a field it does not know (Undefined); so do we.
        for response_name in others.keys() - completed.keys():
            del results[response_name]
    return results


async def _merged_later(
    results: dict[str, Any], completed: Awaitable[dict[str, Any]], others: GroupedFieldSet
) -> dict[str, Any]:
    return _merged(results, await completed, others)


def executor_for(schema: GraphQLSchema) -> type[PlainLeafExecutor]:
    """A `PlainLeafExecutor` for `schema`: pass it as Strawberry's `execution_context_class`."""
    return type(
        "PlainLeafExecutor", (PlainLeafExecutor,), {"plain_leaves": plain_leaves_of(schema)}
    )
