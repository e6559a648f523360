"""Internal REST endpoints: service-to-service calls that are not part of the graph.

They sit under `/internal/` on a service, are guarded by a shared service credential sent as
`X-Service-Token`, and answer errors as JSON `{"code", "message", ...extensions}` with the
HTTP status of the code (`errors.HTTP_STATUS`). The gateway never routes to them.
"""

import hmac
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import SecretStr

from shopgraph_core.errors import HTTP_STATUS, AppError, BadUserInput, ErrorCode, Unauthenticated
from shopgraph_core.storage.outages import as_upstream_unavailable

logger = logging.getLogger("shopgraph.internal")

SERVICE_TOKEN_HEADER = "X-Service-Token"


def error_response(error: AppError) -> JSONResponse:
    body = {"code": error.code.value, "message": error.message, **error.extensions}
    return JSONResponse(body, status_code=HTTP_STATUS[error.code])


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg"))
    return "Invalid request: " + "; ".join(str(p) for p in problems)


class InternalRoute(APIRoute):
    """Turns every failure of the route, its dependencies and its body into a JSON error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except AppError as exc:
                return error_response(exc)
            except RequestValidationError as exc:
                return error_response(BadUserInput(_validation_message(exc)))
            except Exception as exc:
                if (outage := as_upstream_unavailable(exc)) is not None:
                    logger.warning(
                        "storage unavailable in %s %s: %s",
                        request.method,
                        request.url.path,
                        type(exc).__name__,
                    )
                    return error_response(outage)
                logger.exception("unexpected error in %s %s", request.method, request.url.path)
                return error_response(
                    AppError("Internal server error", code=ErrorCode.INTERNAL_SERVER_ERROR)
                )

        return handle


def service_token_dependency(expected: SecretStr) -> Callable[[Request], None]:
    """A FastAPI dependency: the request must carry the service credential."""
    expected_bytes = expected.get_secret_value().encode()

    def require_service_token(request: Request) -> None:
        presented = request.headers.get(SERVICE_TOKEN_HEADER)
        # Compared in constant time; a missing header compares against nothing and fails.
        if presented is None or not hmac.compare_digest(presented.encode(), expected_bytes):
            raise Unauthenticated("A valid service credential is required")

    return require_service_token


def internal_router(token: SecretStr, **kwargs: Any) -> APIRouter:
    """A router under /internal that only callers holding `token` may use."""
    return APIRouter(
        prefix="/internal",
        route_class=InternalRoute,
        dependencies=[Depends(service_token_dependency(token))],
        include_in_schema=False,
        **kwargs,
    )
