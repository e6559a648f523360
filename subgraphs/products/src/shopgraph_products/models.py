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


class ReservationStatus(StrEnum):
    APPLYING = "APPLYING"  # taking the items' stock; the document is the lock
    PENDING = "PENDING"  # all stock taken; awaits confirmation until expires_at
    CONFIRMED = "CONFIRMED"  # the order stands; only an explicit release returns the stock
    RELEASING = "RELEASING"  # giving the stock back
    RELEASED = "RELEASED"  # all stock given back; final


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
    status: ReservationStatus
    items: list[ReservationItem]
    created_at: datetime
    updated_at: datetime
    # PENDING: when the reservation expires. APPLYING and RELEASING: when the lease of the
    # request doing the work runs out and the sweeper may take over.
    expires_at: datetime
    # Product documents may still hold marks of this reservation (cleared when it settles).
    marks: bool = True
    # Why it was released: RELEASED (asked for), EXPIRED, FAILED (could not be applied).
    release_reason: str | None = None

    class Settings:
        name = "reservations"
        indexes = [
            IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            IndexModel([("marks", ASCENDING), ("updated_at", ASCENDING)]),
        ]
