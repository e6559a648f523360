"""The documents this service keeps: products and stock reservations (Beanie)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from beanie import Document, Indexed, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

# The largest stock a product may have: what a GraphQL Int can carry. Every path that writes
# stock keeps it within 0..MAX_STOCK, so no product can ever fail to serialise.
MAX_STOCK = 2**31 - 1


class ProductDoc(Document):
    sku: Annotated[str, Indexed(unique=True)]
    name: str
    description: str = ""
    price: int  # minor units
    currency: str
    stock: int  # units for sale now; reservations have taken theirs out already
    # Changes (to a fresh value) with every stock count, i.e. `updateProduct(stock:)`: stock
    # taken by a reservation comes back on release only within the count it was taken from.
    # None until the first count.
    stock_epoch: str | None = None
    created_at: datetime
    updated_at: datetime
    # Marks of reservation steps applied to this document's stock, written in the same atomic
    # update as the stock change itself; see reservations.py. Empty but for moments.
    stock_marks: list[str] = Field(default_factory=list)

    class Settings:
        name = "products"


class ReservationDocStatus(StrEnum):
    """Where a stored reservation is, work in progress included; callers see only
    `shopgraph_core.web.reservation_protocol.ReservationStatus` (internal_api.py maps them)."""

    APPLYING = "APPLYING"  # taking the items' stock; the document is the lock
    PENDING = "PENDING"  # all stock taken; awaits confirmation until expires_at
    CONFIRMED = "CONFIRMED"  # the order stands; only an explicit release returns the stock
    RELEASING = "RELEASING"  # giving the stock back
    RELEASED = "RELEASED"  # all stock given back; final


class ReleaseReason(StrEnum):
    """Why a reservation's stock was given back (kept with it from RELEASING on)."""

    # A caller released it (a cancelled order, a failed one). Stored as "RELEASED", as it was
    # before this enum existed, so documents already written read the same.
    REQUESTED = "RELEASED"
    EXPIRED = "EXPIRED"  # PENDING past its TTL, released by the sweeper or the next request
    FAILED = "FAILED"  # could not be applied: rolled back, then forgotten so the id is free


class ReservationItem(BaseModel):
    product_id: PydanticObjectId
    quantity: int
    unit_price: int | None = None
    currency: str | None = None
    # The product's stock_epoch this item's stock is (to be) taken from; see ProductDoc.
    stock_epoch: str | None = None
    # Progress, so that whoever finishes an interrupted reservation knows what was done.
    applied: bool = False  # this item's stock was taken (written when the reservation is PENDING)
    returned: bool = False  # this item is settled on release (written when RELEASED)


class ReservationDoc(Document):
    # The caller's reservation id: the unique _id makes the document its own lock.
    id: str  # type: ignore[assignment]
    status: ReservationDocStatus
    items: list[ReservationItem]
    created_at: datetime
    updated_at: datetime
    # PENDING: when the reservation expires. APPLYING and RELEASING: when the lease of the
    # request doing the work runs out and the sweeper may take over.
    expires_at: datetime
    # Product documents may still hold marks of this reservation (cleared when it settles).
    marks: bool = True
    # Why it was released; None until it is.
    release_reason: ReleaseReason | None = None

    class Settings:
        name = "reservations"
        indexes = [
            IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            IndexModel([("marks", ASCENDING), ("updated_at", ASCENDING)]),
        ]
