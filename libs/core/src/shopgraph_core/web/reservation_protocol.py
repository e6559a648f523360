"""The stock reservation protocol between orders and products: the JSON bodies of products'
internal REST API, in one place for the service that answers (products) and the one that
calls (orders). docs/architecture.md draws the protocol and its timing.

    POST   /internal/reservations              ReserveBody -> ReservationBody
    POST   /internal/reservations/{id}/confirm             -> ReservationBody
    DELETE /internal/reservations/{id}                     -> ReleasedBody
    GET    /internal/reservations/{id}                     -> ReservationBody

Errors are `shopgraph_core.internal`'s `{"code", "message", ...}` bodies.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

RESERVATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
MAX_RESERVATION_ID_LENGTH = 128
MAX_RESERVATION_ITEMS = 100
MAX_RESERVATION_QUANTITY = 1_000_000
MAX_PRODUCT_ID_LENGTH = 64


class ReservationStatus(StrEnum):
    """A reservation's status as callers see it (products' work in progress is its own)."""

    PENDING = "PENDING"  # the stock is held until the reservation expires
    CONFIRMED = "CONFIRMED"  # held for good, until released
    RELEASED = "RELEASED"  # given back (released, expired or rolled back); final


class ReserveItemBody(BaseModel):
    # Requests are checked to the letter: unknown fields and loose types are refused.
    model_config = ConfigDict(extra="forbid", strict=True)

    product_id: str = Field(alias="productId", min_length=1, max_length=MAX_PRODUCT_ID_LENGTH)
    quantity: int = Field(ge=1, le=MAX_RESERVATION_QUANTITY)


class ReserveBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reservation_id: str = Field(alias="reservationId", pattern=RESERVATION_ID_PATTERN)
    items: list[ReserveItemBody] = Field(min_length=1, max_length=MAX_RESERVATION_ITEMS)


class ReservedItemBody(BaseModel):
    # Answers are built by name (products) and read by alias, ignoring what is new (orders).
    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    product_id: str = Field(alias="productId")
    quantity: int
    # Known once the item's stock is taken: every answer to a reserve or confirm has them.
    unit_price: int | None = Field(alias="unitPrice")
    currency: str | None


class ReservationBody(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    reservation_id: str = Field(alias="reservationId")
    status: ReservationStatus
    items: list[ReservedItemBody] = Field(default_factory=list)


class ReleasedBody(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    reservation_id: str = Field(alias="reservationId")
    status: ReservationStatus = ReservationStatus.RELEASED
