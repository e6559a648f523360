"""GraphQL hardening and error shaping shared by every subgraph.

- parse and validation results are cached; depth, alias and token limits refuse abusive
  documents before they run;
- introspection can be switched off (off in production);
- every error leaves with `extensions.code` from the contract, and unexpected errors are
  logged here with their traceback but reach the client as a bare INTERNAL_SERVER_ERROR.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule
from strawberry.types import ExecutionContext

from shopgraph_core.errors import AppError, ErrorCode
from shopgraph_core.settings import ServiceSettings

logger = logging.getLogger("shopgraph.graphql")

INTERNAL_MESSAGE = "Internal server error"
CACHE_SIZE = 1000


@dataclass(slots=True)
class OperationRecord:
    """What the telemetry middleware needs to know about the operation that ran."""

    name: str | None
    type: str
    outcome: str


def _shape_error(error: GraphQLError, *, debug: bool) -> GraphQLError:
    original = error.original_error
    if isinstance(original, AppError):
        message, extensions = original.message, original.to_extensions()
    elif original is None:
        # Parse, validation and variable errors: the client sent a document we refuse.
        code = (error.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT.value)
        message, extensions = error.message, {**(error.extensions or {}), "code": code}
    else:
        logger.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=(type(original), original, original.__traceback__),
        )
        message = f"{INTERNAL_MESSAGE}: {original}" if debug else INTERNAL_MESSAGE
        extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    return GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, extensions=extensions,
    )


class ErrorShaping(SchemaExtension):
    """Gives every error a contract code and masks the unexpected ones."""

    def __init__(self, *, debug: bool = False) -> None:
        self._debug = debug

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_shape_error(e, debug=self._debug) for e in result.errors]
        _record_operation(self.execution_context)


def _record_operation(execution_context: ExecutionContext) -> None:
    """Leave the operation's name, type and outcome on the request for the middleware."""
    request = getattr(execution_context.context, "request", None)
    if request is None:
        return
    result = execution_context.result
    errors = result.errors if result is not None else None
    outcome = "ok"
    if errors:
        outcome = str((errors[0].extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR))
    try:
        op_type = execution_context.operation_type.value
    except (RuntimeError, AttributeError, KeyError):  # the document did not parse
        op_type = "unknown"
    request.state.graphql = OperationRecord(execution_context.operation_name, op_type, outcome)


def hardening_extensions(
    settings: ServiceSettings,
) -> list[Callable[[], SchemaExtension]]:
    """Extension factories (one instance per request) for the schema of any subgraph."""
    # Rules are built once so that the validation cache sees the same rule set every time.
    rules: list[Any] = [
        depth_limit_rule(settings.max_query_depth, None, None),
        alias_limit_rule(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens, debug = settings.max_tokens, settings.debug_errors
    return [
        lambda: ErrorShaping(debug=debug),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]


class SubgraphSchema(strawberry.federation.Schema):
    """A federation 2 schema whose errors are logged by `ErrorShaping`, not by Strawberry."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(
    *,
    settings: ServiceSettings,
    query: type,
    mutation: type | None = None,
    types: Iterable[type] = (),
) -> SubgraphSchema:
    return SubgraphSchema(
        query=query,
        mutation=mutation,
        types=list(types),
        extensions=hardening_extensions(settings),
    )
