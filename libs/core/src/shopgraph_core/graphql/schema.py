"""GraphQL hardening and error shaping shared by every subgraph.

- parse and validation results are cached; depth, alias and token limits refuse abusive
  documents before they run;
- plain fields, objects and lists are completed by a lighter path than graphql-core's
  (`graphql.execution`);
- introspection can be switched off (off in production);
- a request holding text that is not Unicode (a lone UTF-16 surrogate, from JSON's
  "\\ud800") is refused whole with BAD_USER_INPUT before it runs, whatever field it is for;
- every error leaves with `extensions.code` from the contract; a database outage is
  UPSTREAM_UNAVAILABLE (`storage.outages`); unexpected errors are logged here with their traceback
  but reach the client as a bare INTERNAL_SERVER_ERROR.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
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
from strawberry.types import ExecutionContext

from shopgraph_core.errors import AppError, BadUserInput, ErrorCode
from shopgraph_core.graphql.execution import executor_for
from shopgraph_core.graphql.strawberry_internals import (
    alias_limit_rule,
    depth_limit_rule,
    graphql_core_schema,
    operation_type_name,
)
from shopgraph_core.observability.telemetry import OperationRecord
from shopgraph_core.settings import ServiceSettings
from shopgraph_core.storage.outages import as_upstream_unavailable
from shopgraph_core.validation.text import has_lone_surrogate, unencodable_text

logger = logging.getLogger("shopgraph.graphql")

INTERNAL_MESSAGE = "Internal server error"
CACHE_SIZE = 1000


def _shape_error(error: GraphQLError, *, debug: bool) -> GraphQLError:
    original = error.original_error
    if original is not None and (outage := as_upstream_unavailable(original)) is not None:
        logger.warning(
            "storage unavailable in %s: %s",
            ".".join(str(p) for p in error.path or ()),
            type(original).__name__,
        )
        original = outage
    if isinstance(original, AppError):
        message, extensions = original.message, original.to_extensions()
    elif error.path is None and (original is None or isinstance(original, GraphQLError)):
        # Parse, validation and variable errors: the client sent a document we refuse.
        code = (error.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT.value)
        message, extensions = error.message, {**(error.extensions or {}), "code": code}
    else:
        # Raised while executing and not an AppError: a bug, or a result the schema cannot
        # carry (an Int out of range). Never the client's input, so never BAD_USER_INPUT.
        cause = original or error
        logger.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=(type(cause), cause, cause.__traceback__),
        )
        message = f"{INTERNAL_MESSAGE}: {original}" if debug else INTERNAL_MESSAGE
        extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class RefuseUnencodableText(SchemaExtension):
    """Refuses, before parsing, a request whose document, operation name or variables hold a
    lone UTF-16 surrogate: no resolver, driver or log line ever sees such a string."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        where = (
            ("query" if context.query is not None and has_lone_surrogate(context.query) else None)
            or unencodable_text(context.operation_name, "operationName")
            or unencodable_text(context.variables, "variables")
        )
        if where is not None:
            raise BadUserInput(
                "Strings must be valid Unicode: a lone UTF-16 surrogate was found",
                field=where,
            )
        yield


class OperationRecorder(SchemaExtension):
    """Leaves the operation's name, type and outcome on the request for the middleware."""

    def on_operation(self) -> Iterator[None]:
        yield
        _record_operation(self.execution_context)


def _record_operation(execution_context: ExecutionContext) -> None:
    # Called by OperationRecorder and by SubgraphSchema.process_errors: some failures reach
    # only one of them. Both leave the same record; OperationRecorder's docstring says what.
    request = getattr(execution_context.context, "request", None)
    if request is None:
        return
    result = execution_context.result
    errors = result.errors if result is not None else execution_context.pre_execution_errors
    outcome = "ok"
    if errors:
        outcome = str((errors[0].extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR))
    op_type = operation_type_name(execution_context)
    name = execution_context.operation_name
    if name is not None and has_lone_surrogate(name):
        name = None  # refused above; never a metric label or log field
    request.state.graphql = OperationRecord(name, op_type, outcome)


def hardening_extensions(
    settings: ServiceSettings,
) -> list[Callable[[], SchemaExtension]]:
    """Extension factories (one instance per request) for the schema of any subgraph."""
    # Rules are built once so that the validation cache sees the same rule set every time.
    rules: list[Any] = [
        depth_limit_rule(settings.max_query_depth),
        alias_limit_rule(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens = settings.max_tokens
    return [
        RefuseUnencodableText,
        OperationRecorder,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]


class SubgraphSchema(strawberry.federation.Schema):
    """A federation 2 schema whose errors all leave with a contract code.

    Strawberry hands every error list of every path (parse, validation, execution) to
    `process_errors` before it reaches the client, so shaping happens here, in place.
    """

    def __init__(self, *args: Any, debug_errors: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._debug_errors = debug_errors
        # Plain fields, objects and lists answered without graphql-core's general machinery
        # (graphql/execution.py); read by Strawberry at every execution.
        self.execution_context_class = executor_for(graphql_core_schema(self))

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        errors[:] = [_shape_error(e, debug=self._debug_errors) for e in errors]
        if execution_context is not None:
            _record_operation(execution_context)


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
        debug_errors=settings.debug_errors,
    )
