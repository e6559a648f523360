"""Internal REST for the orders service: stock reservations. Not part of the graph.

    POST   /internal/reservations  {"reservationId", "items": [{"productId", "quantity"}]}
    POST   /internal/reservations/{id}/confirm
    DELETE /internal/reservations/{id}
    GET    /internal/reservations/{id}

The bodies are `shopgraph_core.web.reservation_protocol`'s, which orders reads with the same
models; this module turns the stored reservation into the answer its callers see. Every call
needs the service credential in X-Service-Token (401 otherwise). Errors are
`{"code", "message", ...}` with the HTTP status of the code (see shopgraph_core.web.internal).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from shopgraph_core.web.internal import internal_router
from shopgraph_core.web.reservation_protocol import (
    MAX_RESERVATION_ID_LENGTH,
    RESERVATION_ID_PATTERN,
    ReleasedBody,
    ReservationBody,
    ReservationStatus,
    ReserveBody,
    ReservedItemBody,
)
from shopgraph_products.models import ReservationDoc, ReservationDocStatus
from shopgraph_products.reservations import ReservationItemRequest, Reservations
from shopgraph_products.settings import ProductsSettings

ReservationId = Annotated[
    str, Path(pattern=RESERVATION_ID_PATTERN, max_length=MAX_RESERVATION_ID_LENGTH)
]

# What callers see: the work-in-progress states are not theirs to know. APPLYING is never
# answered: a request waits until the reservation is applied or rolled back.
STATUS_SEEN = {
    ReservationDocStatus.PENDING: ReservationStatus.PENDING,
    ReservationDocStatus.CONFIRMED: ReservationStatus.CONFIRMED,
    # On its way, exactly once, whoever finishes it.
    ReservationDocStatus.RELEASING: ReservationStatus.RELEASED,
    ReservationDocStatus.RELEASED: ReservationStatus.RELEASED,
}


def reservation_body(doc: ReservationDoc) -> ReservationBody:
    return ReservationBody(
        reservation_id=doc.id,
        status=STATUS_SEEN[doc.status],
        items=[
            ReservedItemBody(
                product_id=str(item.product_id),
                quantity=item.quantity,
                unit_price=item.unit_price,
                currency=item.currency,
            )
            for item in doc.items
        ],
    )


def _reservations(request: Request) -> Reservations:
    reservations: Reservations = request.app.state.service.reservations
    return reservations


def create_internal_router(settings: ProductsSettings) -> APIRouter:
    router = internal_router(settings.internal_service_token, tags=["internal"])

    @router.post("/reservations")
    async def reserve(body: ReserveBody, request: Request) -> ReservationBody:
        """Reserve every item's stock, or none (404 NOT_FOUND, 409 OUT_OF_STOCK).

        The same reservationId again returns the same reservation and reserves nothing more;
        with other items it is 409 CONFLICT.
        """
        items = [ReservationItemRequest(i.product_id, i.quantity) for i in body.items]
        doc = await _reservations(request).reserve(body.reservation_id, items)
        return reservation_body(doc)

    @router.post("/reservations/{reservation_id}/confirm")
    async def confirm(reservation_id: ReservationId, request: Request) -> ReservationBody:
        """PENDING -> CONFIRMED (idempotent); 409 CONFLICT once expired or released."""
        return reservation_body(await _reservations(request).confirm(reservation_id))

    @router.delete("/reservations/{reservation_id}")
    async def release(reservation_id: ReservationId, request: Request) -> ReleasedBody:
        """Give the stock back, exactly once, whatever the status (CONFIRMED too).

        Idempotent: releasing again, or releasing an id never reserved, also answers 200
        RELEASED, so a caller that lost a response can always just retry.
        """
        await _reservations(request).release(reservation_id)
        return ReleasedBody(reservation_id=reservation_id)

    @router.get("/reservations/{reservation_id}")
    async def read(reservation_id: ReservationId, request: Request) -> ReservationBody:
        """The reservation as it stands (404 NOT_FOUND when unknown)."""
        return reservation_body(await _reservations(request).get(reservation_id))

    return router
