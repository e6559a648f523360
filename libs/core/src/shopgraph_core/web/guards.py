"""ASGI guards every service app wears in front of its routes.

- `BodySizeLimit`: a request body over the limit is refused with HTTP 413 before the app
  reads it whole (Content-Length is checked first; a chunked body is counted as it streams).
- `GatewayOnly`: when a gateway credential is configured, /graphql answers only requests
  that carry it in `x-shopgraph-gateway-token` (the router and the Node gateway add it), so a
  subgraph reached directly, past the gateway, answers nobody.

Refusals carry a contract code: a GraphQL error body on /graphql, the internal API's
`{"code", "message"}` elsewhere.
"""

import hmac
import json
from typing import Any

from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopgraph_core.errors import HTTP_STATUS, AppError, BadUserInput, Forbidden

GATEWAY_TOKEN_HEADER = "x-shopgraph-gateway-token"


def _error_body(error: AppError, *, graphql: bool) -> bytes:
    body: dict[str, Any]
    if graphql:
        body = {"errors": [{"message": error.message, "extensions": error.to_extensions()}]}
    else:
        body = {"code": error.code.value, "message": error.message, **error.extensions}
    return json.dumps(body).encode()


async def send_error(
    send: Send, error: AppError, *, graphql: bool, status: int | None = None
) -> None:
    payload = _error_body(error, graphql=graphql)
    await send(
        {
            "type": "http.response.start",
            "status": status or HTTP_STATUS[error.code],
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, graphql_path: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.graphql_path = graphql_path

    def _refusal(self) -> AppError:
        return BadUserInput(
            f"Request body too large: at most {self.max_bytes} bytes", maxBytes=self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        graphql = scope["path"] == self.graphql_path
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_error(send, self._refusal(), graphql=graphql, status=413)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyTooLarge:
            if started:  # the app answered before reading it all; nothing more to say
                return
            await send_error(send, self._refusal(), graphql=graphql, status=413)


class GatewayOnly:
    def __init__(self, app: ASGIApp, *, token: SecretStr, graphql_path: str) -> None:
        self.app = app
        self.expected = token.get_secret_value().encode()
        self.graphql_path = graphql_path

    def _allowed(self, scope: Scope) -> bool:
        if scope["path"].rstrip("/") != self.graphql_path:
            return True  # probes, metrics, JWKS and the internal API have guards of their own
        if scope.get("method") == "GET" and b"query=" not in scope.get("query_string", b""):
            return True  # the GraphiQL page (development only) runs nothing by itself
        presented = dict(scope["headers"]).get(GATEWAY_TOKEN_HEADER.encode())
        # Compared in constant time; a missing header compares against nothing and fails.
        return presented is not None and hmac.compare_digest(presented, self.expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._allowed(scope):
            await send({"type": "websocket.close", "code": 4403})  # before accepting: HTTP 403
            return
        if scope["type"] == "http" and not self._allowed(scope):
            refusal = Forbidden("This subgraph answers only the gateway")
            await send_error(send, refusal, graphql=True)
            return
        await self.app(scope, receive, send)
