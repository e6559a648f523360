"""The GraphQL HTTP endpoint every subgraph mounts.

- `GraphQLEndpoint` is Strawberry's FastAPI router with a faster JSON encoder for answers.
  orjson encodes several times faster than the standard library; on a list read that is a
  measurable share of the request (docs/performance.md). A value orjson will not encode (an
  integer beyond 64 bits, a lone UTF-16 surrogate) falls back to `json.dumps`, so nothing is
  answered differently. Request bodies are still read by the standard library: orjson reads
  an integer beyond 64 bits as a float, which would change what a variable means.
- `JsonPostShortcut` answers the request gateways and clients nearly always send, one
  operation POSTed as JSON, without FastAPI's routing and dependency injection and
  Strawberry's request adapters, which were about a third of a small read's GraphQL overhead
  (docs/performance.md, sixth pass). It answers exactly what Strawberry's view would
  (`test_graphql_http.py` compares the two). Every other request (GET, GraphiQL, another
  content type, a batch, a body that is not one operation object) goes on to
  `GraphQLEndpoint` untouched, body included, so its refusals stay Strawberry's; only a body
  that is not JSON text is refused here, with 400, because the view answers two such bodies
  with a 500 (`UnreadableBody`).
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.http import process_result
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

# What the app factory passes to both: the request and the response whose headers and status
# resolvers may set.
ContextGetter = Callable[[Request, Response], Awaitable[Any]]

_POST_OPERATIONS = OperationType.from_http("POST")


def encode_json(data: object) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError: a value only the standard library writes
        return json.dumps(data, separators=(",", ":")).encode()


class GraphQLEndpoint(GraphQLRouter[Any, None]):
    def encode_json(self, data: object) -> bytes:
        return encode_json(data)


@dataclass(frozen=True, slots=True)
class JsonOperation:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class UnreadableBody(ValueError):
    """A JSON body that is not one: refused with 400, in Strawberry's words when it does not
    parse. Strawberry's view answers 500 to two such bodies (text that is not UTF-8/16/32, and
    JSON that is neither an object nor a list); the shortcut does not copy that."""


def json_operation(content_type: str | None, body: bytes) -> JsonOperation | None:
    """The one operation a JSON body holds; None when Strawberry's view should judge the
    request (another content type, a batch, a field of the wrong type, no query), since its
    answers to those are the contract's; `UnreadableBody` when the body is not JSON text."""
    # As exact as Strawberry's check: "Application/JSON" is refused there, so it goes there.
    if (content_type or "").partition(";")[0].strip() != "application/json":
        return None
    try:
        data = json.loads(body)
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError
        raise UnreadableBody("Unable to parse request body as JSON") from exc
    if isinstance(data, list):
        return None  # a batch: Strawberry refuses it unless batching is on
    if not isinstance(data, dict):
        raise UnreadableBody("The request body must be a JSON object")
    query = data.get("query")
    variables = data.get("variables")
    name = data.get("operationName")
    extensions = data.get("extensions")
    if (
        not isinstance(query, str)
        or not query
        or not isinstance(variables, dict | None)
        or not isinstance(name, str | None)
        or not isinstance(extensions, dict | None)
    ):
        return None
    return JsonOperation(query, variables, name, extensions)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read handed out again first."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class JsonPostShortcut:
    """ASGI middleware, innermost: a JSON POST of one operation to `graphql_path` is executed
    here, as Strawberry's view would execute it (`AsyncBaseHTTPView.run` and
    `GraphQLRouter.create_response`); anything else goes on to the app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        schema: BaseSchema,
        context_getter: ContextGetter,
        graphql_path: str,
    ) -> None:
        self.app = app
        self.schema = schema
        self.context_getter = context_getter
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == self.graphql_path
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        try:
            operation = json_operation(request.headers.get("content-type"), body)
        except UnreadableBody as exc:
            await PlainTextResponse(str(exc), status_code=400)(scope, receive, send)
            return
        if operation is None:
            await self.app(scope, _replaying(body, receive), send)
            return
        response = await self._execute(request, operation)
        await response(scope, receive, send)

    async def _execute(self, request: Request, operation: JsonOperation) -> Response:
        # As FastAPI makes the `Response` a route depends on: no status, no headers yet.
        sub_response = Response()
        sub_response.status_code = None  # type: ignore[assignment]
        del sub_response.headers["content-length"]
        context = await self.context_getter(request, sub_response)
        try:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=operation.extensions,
            )
        except CannotGetOperationTypeError as exc:
            return PlainTextResponse(exc.as_http_error_reason(), status_code=400)
        except InvalidOperationTypeError as exc:
            return PlainTextResponse(exc.as_http_error_reason("POST"), status_code=400)
        response = Response(
            encode_json(process_result(result)),
            media_type="application/json",
            status_code=sub_response.status_code or 200,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response
