"""The error codes of the public contract, and the exception that carries one.

Resolvers raise `AppError` (or a subclass); the GraphQL layer turns it into an error with
`extensions.code`. Anything else is a bug and reaches the client only as INTERNAL_SERVER_ERROR.
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Added to the contract after its first eight: too many attempts (logins, sign-ups);
    # `extensions.retryAfterSeconds` says when to try again.
    RATE_LIMITED = "RATE_LIMITED"


# HTTP status for the same codes on the internal REST endpoints.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.OUT_OF_STOCK: 409,
    ErrorCode.UPSTREAM_UNAVAILABLE: 503,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
    ErrorCode.RATE_LIMITED: 429,
}


class AppError(Exception):
    """An expected failure whose message is safe to show to the client."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, *, code: ErrorCode | None = None, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extensions = extensions

    def to_extensions(self) -> dict[str, Any]:
        return {"code": self.code.value, **self.extensions}


class BadUserInput(AppError):
    code = ErrorCode.BAD_USER_INPUT


class Unauthenticated(AppError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(AppError):
    code = ErrorCode.FORBIDDEN


class NotFound(AppError):
    code = ErrorCode.NOT_FOUND


class Conflict(AppError):
    code = ErrorCode.CONFLICT


class OutOfStock(AppError):
    code = ErrorCode.OUT_OF_STOCK


class UpstreamUnavailable(AppError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE


class RateLimited(AppError):
    """Too many attempts; the client may retry after `retry_after_seconds`."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_seconds)
