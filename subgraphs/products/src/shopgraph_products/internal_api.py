"""Internal REST for the orders service: stock reservations. Not part of the graph.

    POST   /internal/reservations  {"reservationId", "items": [{"productId", "quantity"}]}
    POST   /internal/reservations/{id}/confirm
    DELETE /internal/reservations/{id}
    GET    /internal/reservations/{id}

Every call needs the service credential in X-Service-Token (401 otherwise). Errors are
`{"code", "message", ...}` with the HTTP status of the code (see shopgraph_core.web.internal).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from shopgraph_core.web.internal import internal_router
from shopgraph_products.reservations import ItemRequest, Reservations
from shopgraph_products.settings import ProductsSettings

RESERVATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
MAX_ITEMS = 100
MAX_QUANTITY = 1_000_000

ReservationId = Annotated[str, Path(pattern=RESERVATION_ID_PATTERN, max_length=128)]


class ReservationItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    product_id: str = Field(alias="productId", min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class ReservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reservation_id: str = Field(alias="reservationId", pattern=RESERVATION_ID_PATTERN)
    items: list[ReservationItemIn] = Field(min_length=1, max_length=MAX_ITEMS)


def _reservations(request: Request) -> Reservations:
    reservations: Reservations = request.app.state.service.reservations
    return reservations


def create_internal_router(settings: ProductsSettings) -> APIRouter:
    router = internal_router(settings.internal_service_token, tags=["internal"])

    @router.post("/reservations")
    async def reserve(body: ReservationIn, request: Request) -> dict[str, Any]:
        """Reserve every item's stock, or none (404 NOT_FOUND, 409 OUT_OF_STOCK).

        The same reservationId again returns the same reservation and reserves nothing more;
        with other items it is 409 CONFLICT.
        """
        items = [ItemRequest(i.product_id, i.quantity) for i in body.items]
        view = await _reservations(request).reserve(body.reservation_id, items)
        return view.to_json()

    @router.post("/reservations/{reservation_id}/confirm")
    async def confirm(reservation_id: ReservationId, request: Request) -> dict[str, Any]:
        """PENDING -> CONFIRMED (idempotent); 409 CONFLICT once expired or released."""
        view = await _reservations(request).confirm(reservation_id)
        return view.to_json()

    @router.delete("/reservations/{reservation_id}")
    async def release(reservation_id: ReservationId, request: Request) -> dict[str, Any]:
        """Give the stock back, exactly once, whatever the status (CONFIRMED too).

        Idempotent: releasing again, or releasing an id never reserved, also answers 200
        RELEASED, so a caller that lost a response can always just retry.
        """
        await _reservations(request).release(reservation_id)
        return {"reservationId": reservation_id, "status": "RELEASED"}

    @router.get("/reservations/{reservation_id}")
    async def read(reservation_id: ReservationId, request: Request) -> dict[str, Any]:
        """The reservation as it stands (404 NOT_FOUND when unknown)."""
        view = await _reservations(request).get(reservation_id)
        return view.to_json()

    return router
