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
- `Schema.process_errors`, which `SubgraphSchema` overrides to shape errors in place: it
  relies on Strawberry passing the very list it then sends (checked by test_output_errors).
"""

from typing import Any

from strawberry.extensions.max_aliases import create_validator as _alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as _depth_validator
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import ExecutionContext


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
