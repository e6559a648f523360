"""Every piece of Strawberry we use that is not its public API, in one place.

Strawberry (0.x) may change these in any release, so libs/core/pyproject.toml bounds it from
above to the minor version the lock was tested with. Raising that bound means: update the
lock, run `make test` (the hardening, metrics and schema-export tests cover each piece below)
and adjust this module only.

- the validation rules behind QueryDepthLimiter and MaxAliasesLimiter: the extensions
  themselves validate every request again; the rules alone join our one cached rule set;
- `ExecutionContext.operation_type`, which raises (not returns None) when the document did
  not parse;
- the federation `@key` directive object, for a key with `resolvable: false` (a reference
  to another subgraph's entity), which `strawberry.federation.type` cannot say by itself;
- `StrawberryGraphQLCoreExecutionContext`, the graphql-core executor Strawberry runs, the
  name and `_is_default` mark of its resolver for a plain attribute, and the field definition
  it keeps in each graphql-core field's extensions (its default resolver and Python name), on
  which `graphql.execution` builds (test_plain_field_execution fails if any changes);
  `Schema._schema`, the graphql-core schema it executes;
- `Schema.process_errors`, which `SubgraphSchema` overrides to shape errors in place: it
  relies on Strawberry passing the very list it then sends (checked by test_output_errors).
"""

import operator
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLSchema
from strawberry.extensions.max_aliases import create_validator as _alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as _depth_validator
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as StrawberryExecutor
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

__all__ = [
    "StrawberryExecutor",
    "alias_limit_rule",
    "depth_limit_rule",
    "graphql_core_schema",
    "operation_type_name",
    "plain_attribute_getter",
    "unresolvable_key",
]


def depth_limit_rule(max_depth: int) -> Any:
    """A graphql-core validation rule refusing documents nested deeper than `max_depth`."""
    return _depth_validator(max_depth, None, None)


def alias_limit_rule(max_aliases: int) -> Any:
    """A graphql-core validation rule refusing documents with more than `max_aliases`."""
    return _alias_validator(max_aliases)


def operation_type_name(execution_context: ExecutionContext) -> str:
    """ "query", "mutation" or "subscription"; "unknown" when the document did not parse."""
    try:
        return execution_context.operation_type.value
    except (RuntimeError, AttributeError, KeyError):
        return "unknown"


def unresolvable_key(fields: str) -> Key:
    """`@key(fields: ..., resolvable: false)`: this subgraph only refers to the entity."""
    return Key(fields=FieldSet(fields), resolvable=False)


def _is_plain_attribute(resolve: Callable[..., Any]) -> bool:
    """Whether graphql-core's resolver for a field is Strawberry's for a plain attribute: no
    resolver, no field extensions (so no permission classes), no exception handlers. Only then
    does Strawberry use `_get_basic_result`, which builds no `Info` and ignores the one given
    (`_is_default` alone also marks a resolver-less field that has extensions)."""
    return getattr(resolve, "_is_default", False) is True and (
        getattr(resolve, "__name__", None) == "_get_basic_result"
    )


def plain_attribute_getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """For a plain attribute field (`_is_plain_attribute`), what its resolver reads, without
    the resolver: `attrgetter(name)` when Strawberry reads it with `getattr`, the default. For
    any other field, None."""
    resolve = field.resolve
    if resolve is None or not _is_plain_attribute(resolve):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        isinstance(definition, StrawberryField)
        and definition.default_resolver is getattr
        and definition.python_name
    ):
        return operator.attrgetter(definition.python_name)

    def read(source: Any) -> Any:  # a configured default resolver: Strawberry's own call
        return resolve(source, None)

    return read


def graphql_core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core `GraphQLSchema` a Strawberry schema executes."""
    return schema._schema  # Strawberry has no public name for it
