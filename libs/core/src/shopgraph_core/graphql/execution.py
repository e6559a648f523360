"""A graphql-core executor that answers plain fields and completes objects and lists without
its general machinery.

Why: a page of orders with their items is 525 fields, and graphql-core spends a few
microseconds on each (`docs/performance.md`, "Why the ratios stay under 0.7x"): for every
field it builds a `GraphQLResolveInfo`, calls the resolver through Strawberry's wrapper, asks
whether the result is awaitable, and walks `complete_value` through five calls down to each
object's fields. Most of an answer is the common case: attributes of Python objects, objects
and lists of them.

What this executor does itself (everything else goes graphql-core's own way, unchanged):

- A *plain leaf*: a Strawberry field with no resolver and no field extensions (so no
  permission classes: Strawberry implements them as extensions), whose GraphQL type is a
  scalar or an enum, nullable or not. Its answer is `coerce_output_value(attribute)`, or
  null for a null in a nullable field, exactly what graphql-core computes for it.
- A *plain object field*: such an attribute whose type is an object type or a list of one;
  null for a null in a nullable one.
- Completing an object (of an object type without `is_type_of`) or a Python list of such
  objects, whichever field it came from: straight to that object's fields, with the same
  paths, the same error handling at each level and the same null propagation as
  graphql-core's `execute_field` and `complete_list_item_value`.

It hands a field back to graphql-core *before anything ran* whenever the case is not the
common one: a null or an exception where a value was expected (graphql-core then raises the
same error at the same path; a null in a nullable field is simply null), a value the
scalar refuses, an item that is awaitable, an
iterable that is not a list, an abstract type, a type with `is_type_of`, `@defer` or `@stream`
anywhere near the field, and a schema extension hooking `resolve` (graphql-core middleware:
then nothing here runs). Parsing, validation (depth, alias and token limits), authorisation
in resolvers and error shaping are untouched. `test_plain_field_execution.py` runs every case
on this executor and on Strawberry's own and compares answers, errors, paths and key order.

It also leaves no reference cycle behind. graphql-core 3.3 gives every executor resolve-info
helpers that are its own bound methods (executor -> helpers -> method -> executor), so the
whole of a request (its context, DataLoaders, their futures and every row they loaded: some
750 objects for a page of orders) could only be freed by Python's cyclic garbage collector,
whose collections then cost more than a millisecond per such request. Ours hold the executor
weakly, and a request's objects go the moment it is answered (`docs/performance.md`).
"""

import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, NamedTuple, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel

from shopgraph_core.graphql.strawberry_internals import StrawberryExecutor, plain_attribute_getter


class PlainLeaf(NamedTuple):
    get: Callable[[Any], Any]  # the attribute's value, as Strawberry's resolver reads it
    leaf_type: GraphQLLeafType  # coerces the value, as graphql-core would
    nullable: bool  # a None is then the answer; otherwise it is graphql-core's error to raise


class PlainObjectField(NamedTuple):
    get: Callable[[Any], Any]
    field_type: GraphQLOutputType  # an object type or a list of one, with its non-null wrappers
    nullable: bool  # a None is then the answer; otherwise it is graphql-core's error to raise


class TypePlan(NamedTuple):
    """An object type's plain fields, by field name."""

    leaves: Mapping[str, PlainLeaf]
    objects: Mapping[str, PlainObjectField]


_NOT_PLAIN = object()  # graphql-core's way: nothing has run yet
_Awaiting = TypeVar("_Awaiting", dict[str, Any], list[Any])


def plain_leaves_of(schema: GraphQLSchema) -> dict[str, dict[str, PlainLeaf]]:
    """Every plain leaf field of `schema`'s object types, by type name."""
    return {name: dict(plan.leaves) for name, plan in plans_of(schema).items() if plan.leaves}


def plain_object_fields_of(schema: GraphQLSchema) -> dict[str, dict[str, PlainObjectField]]:
    """Every plain object field of `schema`'s object types, by type name."""
    return {name: dict(plan.objects) for name, plan in plans_of(schema).items() if plan.objects}


def plans_of(schema: GraphQLSchema) -> dict[str, TypePlan]:
    """Each object type's plain fields (the module docstring says which)."""
    plans: dict[str, TypePlan] = {}
    for name, named_type in schema.type_map.items():
        if name.startswith("__") or not isinstance(named_type, GraphQLObjectType):
            continue
        leaves: dict[str, PlainLeaf] = {}
        objects: dict[str, PlainObjectField] = {}
        for field_name, field in named_type.fields.items():
            get = None if field.args else plain_attribute_getter(field)
            if get is None:
                continue
            named = _unwrapped(field.type)
            nullable = not isinstance(field.type, GraphQLNonNull)
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                if not isinstance(_without_non_null(field.type), GraphQLList):
                    leaves[field_name] = PlainLeaf(get, named, nullable)
            elif isinstance(named, GraphQLObjectType):
                objects[field_name] = PlainObjectField(get, field.type, nullable)
        if leaves or objects:
            plans[name] = TypePlan(leaves, objects)
    return plans


def _without_non_null(field_type: GraphQLOutputType) -> GraphQLOutputType:
    return field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type


def _unwrapped(field_type: GraphQLOutputType) -> Any:
    while isinstance(field_type, GraphQLNonNull | GraphQLList):
        field_type = field_type.of_type
    return field_type


class PlainFieldExecutor(StrawberryExecutor):
    """Strawberry's executor, answering the common case itself (the module docstring).

    Made per schema by `executor_for`, which fills `plans`.
    """

    plans: ClassVar[Mapping[str, TypePlan]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same helpers as graphql-core's, without the cycle (the module docstring says why).
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_held_weakly(self.gather_async_work),
            track=_held_weakly(self.track_async_work),
        )
        middleware = self.middleware_manager
        # A schema extension hooking `resolve` must see every field: all goes graphql-core's way.
        self._plain = middleware is None or not middleware.middlewares

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's `execute_fields`, field by field in the same order, with plain
        fields answered here."""
        plan = self.plans.get(parent_type.name) if self._plain else None
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        leaves, objects = plan
        if position_context is not None:
            objects = {}  # incremental delivery (@defer) below: graphql-core's way
        type_name = parent_type.name
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_name = field_details_list[0].node.name.value
                leaf = leaves.get(field_name)
                if leaf is not None:
                    value = _plain_value(leaf, source_value)
                    if value is not _NOT_PLAIN:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, type_name)
                result: Any = _NOT_PLAIN
                object_field = objects.get(field_name)
                if object_field is not None:
                    result = self._plain_object_field(
                        object_field, source_value, field_details_list, field_path
                    )
                if result is _NOT_PLAIN:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                if result is not Undefined:  # a field unknown to the schema is left out
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            self._settle(results, awaitable_fields)
            raise
        return _with_awaited(results, awaitable_fields) if awaitable_fields else results

    def complete_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's `complete_value`, with objects and lists of objects completed
        directly (a resolver's result, or a list's item)."""
        if position_context is None and self._plain:
            completed = self._complete_plainly(return_type, field_details_list, path, result)
            if completed is not _NOT_PLAIN:
                return completed
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_object_field(
        self,
        field: PlainObjectField,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """What graphql-core's `execute_field` answers for a plain object field, or
        _NOT_PLAIN before anything ran."""
        try:
            value = field.get(source)
        except Exception:  # graphql-core reads it again and reports the error itself
            return _NOT_PLAIN
        if value is None and field.nullable:
            return None
        field_type = field.field_type
        try:
            completed = self._complete_plainly(field_type, field_details_list, path, value)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, field_details_list, path)
            return None
        if completed is not _NOT_PLAIN and self.is_awaitable(completed):
            return self._completed_later(completed, field_type, field_details_list, path)
        return completed

    async def _completed_later(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _complete_plainly(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
    ) -> Any:
        """`result` completed as graphql-core completes it, or _NOT_PLAIN before anything
        ran. An object or a list is never null, so a non-null type needs no check here."""
        if result is None or isinstance(result, Exception):
            return _NOT_PLAIN
        if isinstance(return_type, GraphQLNonNull):
            return_type = return_type.of_type
        if type(return_type) is GraphQLObjectType:
            if return_type.is_type_of is not None:
                return _NOT_PLAIN
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                return_type, field_details_list
            )
            if new_defer_usages:
                return _NOT_PLAIN
            return self.execute_fields(return_type, result, path, grouped_field_set, None)
        if type(return_type) is GraphQLList and type(result) is list:
            return self._complete_list(return_type, field_details_list, path, result)
        return _NOT_PLAIN

    def _complete_list(
        self,
        list_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        path: Path,
        items: list[Any],
    ) -> Any:
        """graphql-core's `complete_iterable_value` for a list of objects, or _NOT_PLAIN
        before anything ran."""
        plain = self._plain_list(list_type, field_details_list, path, items)
        if plain is None:
            return _NOT_PLAIN
        object_type, grouped_field_set = plain
        item_type = list_type.of_type
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    completed.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    value = self.execute_fields(
                        object_type, item, item_path, grouped_field_set, None
                    )
                except Exception as raw_error:
                    # Raises again if the item is non-null: the list's field handles it.
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    value = None
                if is_awaitable(value):
                    awaitable_indices.append(index)
                    value = self._completed_later(value, item_type, field_details_list, item_path)
                completed.append(value)
        except Exception:
            self._settle(completed, awaitable_indices)
            raise
        return _with_awaited(completed, awaitable_indices) if awaitable_indices else completed

    def _settle(self, container: _Awaiting, keys: list[Any]) -> None:
        """As graphql-core does when a field or item fails: the awaitables already started
        for the others may fail too, so they are settled in the background."""
        if keys:
            self.settle_in_background([container[key] for key in keys])

    def _plain_list(
        self,
        list_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        path: Path,
        items: list[Any],
    ) -> tuple[GraphQLObjectType, GroupedFieldSet] | None:
        """The item type and its fields, if `items` is a list this executor completes."""
        item_type = list_type.of_type
        non_null_items = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if non_null_items else item_type
        if type(object_type) is not GraphQLObjectType or object_type.is_type_of is not None:
            return None
        if not isinstance(path.key, int) and field_details_list[0].node.directives:
            return None  # perhaps @stream (graphql-core looks at the first node only)
        if not _plain_items(items, non_null_items, self.is_awaitable):
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        return None if new_defer_usages else (object_type, grouped_field_set)


def _plain_items(items: list[Any], non_null: bool, is_awaitable: Callable[[Any], bool]) -> bool:
    """No item that graphql-core must see: a null where none may be, an error, an awaitable."""
    for item in items:
        if item is None:
            if non_null:
                return False
        elif isinstance(item, Exception) or is_awaitable(item):
            return False
    return True


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
        value = leaf.get(source)
        if value is None:
            return None if leaf.nullable else _NOT_PLAIN
        if isinstance(value, Exception):
            return _NOT_PLAIN
        coerced = leaf.leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core runs it again, and reports the error itself
        return _NOT_PLAIN
    return _NOT_PLAIN if coerced is None or coerced is Undefined else coerced


async def _with_awaited(container: _Awaiting, keys: list[Any]) -> _Awaiting:
    """`container` (an object's fields, or a list's items) with the awaitables at `keys`
    replaced by their results. As graphql-core: one is awaited, more are gathered."""
    if len(keys) == 1:
        container[keys[0]] = await container[keys[0]]
    else:
        awaited = await gather_with_cancel(*(container[key] for key in keys))
        for key, value in zip(keys, awaited, strict=True):
            container[key] = value
    return container


def executor_for(schema: GraphQLSchema) -> type[PlainFieldExecutor]:
    """A `PlainFieldExecutor` for `schema`: pass it as Strawberry's `execution_context_class`."""
    return type("PlainFieldExecutor", (PlainFieldExecutor,), {"plans": plans_of(schema)})
