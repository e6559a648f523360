"""The client of the products service's internal reservation API.

    POST   {base}/internal/reservations                 reserve stock (idempotent per id)
    POST   {base}/internal/reservations/{id}/confirm    keep it for good (idempotent)
    DELETE {base}/internal/reservations/{id}            give the stock back (idempotent)

Every call names the reservation, so every call is idempotent and safe to repeat: connect
errors, timeouts and 5xx answers are retried a bounded number of times with exponential
backoff (and jitter, so that racing clients spread out). 4xx answers are final and become
the contract's error codes. When products stays unreachable the call raises
UPSTREAM_UNAVAILABLE. One `httpx.AsyncClient` (one connection pool) serves the app's life.
"""

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
from pydantic import SecretStr, ValidationError

from shopgraph_core.errors import (
    BadUserInput,
    Conflict,
    NotFound,
    OutOfStock,
    UpstreamUnavailable,
)
from shopgraph_core.observability.metrics import measured_transport
from shopgraph_core.observability.tracing import ROUTE_EXTENSION
from shopgraph_core.web.internal import SERVICE_TOKEN_HEADER
from shopgraph_core.web.reservation_protocol import (
    ReservationBody,
    ReservationStatus,
    ReserveBody,
    ReserveItemBody,
)

logger = logging.getLogger("shopgraph.orders.products")

UNAVAILABLE_MESSAGE = "The products service is unavailable; try again later"
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class ProductsClientError(RuntimeError):
    """Products answered in a way that is our bug or our misconfiguration (e.g. a 401)."""


@dataclass(frozen=True, slots=True)
class ReservedItem:
    """An item products holds for an order, at the price it charged."""

    product_id: str
    quantity: int
    unit_price: int
    currency: str


@dataclass(frozen=True, slots=True)
class Reservation:
    reservation_id: str
    status: ReservationStatus
    items: tuple[ReservedItem, ...]


def _reservation_from(body: ReservationBody) -> Reservation:
    items = []
    for item in body.items:
        if item.unit_price is None or item.currency is None:
            raise ProductsClientError("products answered a reservation item without a price")
        items.append(ReservedItem(item.product_id, item.quantity, item.unit_price, item.currency))
    return Reservation(body.reservation_id, body.status, tuple(items))


def _error_from(response: httpx.Response) -> Exception:
    """The exception for a final (4xx) answer."""
    try:
        body: dict[str, Any] = response.json()
        code, message = str(body.get("code", "")), str(body.get("message", ""))
    except (ValueError, AttributeError):
        body, code, message = {}, "", ""
    extensions = {"productId": body["productId"]} if body.get("productId") else {}
    status = response.status_code
    if status == 404 and code == "NOT_FOUND":
        return NotFound(message or "Product not found", **extensions)
    if status == 409 and code == "OUT_OF_STOCK":
        return OutOfStock(message or "Not enough stock", **extensions)
    if status == 409:
        return Conflict(message or "The reservation can no longer be changed", **extensions)
    if status == 400:
        return BadUserInput(message or "Products refused the order's items", **extensions)
    # 401/403 mean our credential is wrong: an operator's problem, never the client's.
    return ProductsClientError(f"products answered {status} {code}: {message}")


class ProductsClient:
    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        connect_timeout_s: float = 2.0,
        timeout_s: float = 3.0,
        retries: int = 2,
        backoff_s: float = 0.1,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._retries = retries
        self._backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/internal/",
            headers={SERVICE_TOKEN_HEADER: token.get_secret_value()},
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=measured_transport("products", transport, limits=POOL_LIMITS),
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def reserve(self, reservation_id: str, items: Sequence[tuple[str, int]]) -> Reservation:
        """Hold `quantity` of each product under `reservation_id`; the same id again
        returns the same reservation and holds nothing more."""
        body = ReserveBody(
            reservationId=reservation_id,
            items=[ReserveItemBody(productId=p, quantity=q) for p, q in items],
        )
        response = await self._call(
            "POST", "reservations", "/internal/reservations", body.model_dump(by_alias=True)
        )
        try:
            parsed = ReservationBody.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise ProductsClientError("products answered a malformed reservation") from exc
        return _reservation_from(parsed)

    async def confirm(self, reservation_id: str) -> None:
        """Keep the stock for good. CONFLICT when the reservation expired or was released."""
        await self._call(
            "POST",
            f"reservations/{quote(reservation_id, safe='')}/confirm",
            "/internal/reservations/{reservation_id}/confirm",
        )

    async def release(self, reservation_id: str) -> None:
        """Give the stock back, whatever the reservation's state; repeating is harmless."""
        await self._call(
            "DELETE",
            f"reservations/{quote(reservation_id, safe='')}",
            "/internal/reservations/{reservation_id}",
        )

    async def _call(
        self, method: str, path: str, route: str, json: dict[str, Any] | None = None
    ) -> httpx.Response:
        """One call, retried; `route` is its template on products, what its span is named by
        (the transport sends the trace context along)."""
        attempts = self._retries + 1
        for attempt in range(1, attempts + 1):
            try:
                response = await self._http.request(
                    method, path, json=json, extensions={ROUTE_EXTENSION: route}
                )
            except httpx.TransportError as exc:  # connect errors, timeouts, broken connections
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code < 500:
                    raise _error_from(response)
                problem = f"HTTP {response.status_code}"
            if attempt == attempts:
                logger.warning(
                    "products %s %s failed after %d attempts: %s", method, path, attempt, problem
                )
                break
            delay = self._backoff_s * 2 ** (attempt - 1)
            delay *= random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not cryptography
            logger.info(
                "products %s %s failed (%s); retry %d in %.2fs",
                method,
                path,
                problem,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
        raise UpstreamUnavailable(UNAVAILABLE_MESSAGE)
