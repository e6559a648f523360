"""Stock reservations: what orders place against, all or nothing, never overselling.

FerretDB v1 (our dev and test server) has no multi-document transactions, so a reservation
is a sequence of single-document atomic updates, made safe like this:

- The reservation document is inserted first, status APPLYING: its unique _id (the caller's
  reservation id) is the lock, so the same id reserves at most once, also when two requests
  race. A second request with that id waits for the first one's outcome and returns it.
- Each item's stock is taken with one conditional update of the product document,
  `{stock >= q}` -> `{$inc: {stock: -q}}`, which also pushes a mark "take:<id>" into
  the product's `stock_marks` in the same atomic write. So no oversell, ever, and the product
  itself records that this reservation took its stock. The reservation's item is then
  flagged `applied` (progress for whoever has to finish the job).
- When an item cannot be taken, the items already taken are given back (compensation) and
  the reservation is forgotten: nothing stays reserved.
- Giving stock back is `{stock_marks != "return:<id>"}` -> `{$inc: {stock: +q}, $push: ...}`:
  at most once per reservation and product however often it is retried.
- A reservation whose worker died while APPLYING (or RELEASING) is finished by the sweeper once
  the worker's lease ran out. For an item not flagged `applied` it adds a mark "block:<id>"
  and, in the same atomic update, learns whether "take:<id>" was there: if it was, the stock
  was taken and is given back; if not, the block makes sure a late take can never happen.
- PENDING reservations expire after RESERVATION_TTL: the sweeper (every
  RESERVATION_SWEEP_INTERVAL) and any request that meets one release them. Status changes
  are compare-and-set updates on the reservation, so exactly one actor releases.
- Marks are removed from the products once the reservation has settled.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shopgraph_core.errors import BadUserInput, Conflict, NotFound, OutOfStock
from shopgraph_core.mongo import parse_object_id
from shopgraph_products.metrics import STOCK_RESERVATIONS, count_release
from shopgraph_products.models import (
    ProductDoc,
    ReservationDoc,
    ReservationItem,
    ReservationStatus,
    utcnow,
)

logger = logging.getLogger("shopgraph.products.reservations")

Status = ReservationStatus
POLL_INTERVAL_S = 0.02
FAILED, EXPIRED, RELEASED = "FAILED", "EXPIRED", "RELEASED"  # why a reservation was released
SWEEP_BATCH = 100
# What callers see: the work-in-progress states are not theirs to know.
PUBLIC_STATUS = {
    Status.PENDING: "PENDING",
    Status.CONFIRMED: "CONFIRMED",
    Status.RELEASING: "RELEASED",  # on its way, exactly once, whoever finishes it
    Status.RELEASED: "RELEASED",
}


@dataclass(frozen=True, slots=True)
class ItemRequest:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReservationView:
    reservation_id: str
    status: str
    items: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"reservationId": self.reservation_id, "status": self.status, "items": self.items}


def _view(doc: ReservationDoc) -> ReservationView:
    items = [
        {
            "productId": str(item.product_id),
            "quantity": item.quantity,
            "unitPrice": item.unit_price,
            "currency": item.currency,
        }
        for item in doc.items
    ]
    return ReservationView(doc.id, PUBLIC_STATUS.get(doc.status, doc.status.value), items)


def _parse(raw: dict[str, Any]) -> ReservationDoc:
    doc: ReservationDoc = ReservationDoc.model_validate(raw)
    return doc


def _marks(reservation_id: str) -> tuple[str, str, str]:
    return f"take:{reservation_id}", f"block:{reservation_id}", f"return:{reservation_id}"


def _later(now: datetime, delta: timedelta) -> datetime:
    moment = now + delta
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Reservations:
    def __init__(self, *, ttl: timedelta, lease: timedelta, wait: timedelta) -> None:
        self.ttl = ttl
        # How long a request may work on a reservation (APPLYING, RELEASING) before the
        # sweeper considers it dead and takes over. Much longer than the work takes.
        self.lease = lease
        self.wait = wait

    @property
    def _reservations(self) -> Any:
        return ReservationDoc.get_pymongo_collection()

    @property
    def _products(self) -> Any:
        return ProductDoc.get_pymongo_collection()

    # ---- the API -------------------------------------------------------------------------

    async def reserve(self, reservation_id: str, items: Sequence[ItemRequest]) -> ReservationView:
        wanted = self._check_items(items)
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            now = utcnow()
            doc = ReservationDoc(
                id=reservation_id,
                status=Status.APPLYING,
                items=[ReservationItem(product_id=oid, quantity=q) for oid, q in wanted],
                created_at=now,
                updated_at=now,
                expires_at=_later(now, self.lease),
            )
            try:
                await doc.insert()
            except DuplicateKeyError:
                existing = await self._settled(reservation_id, deadline)
                if existing is None:  # a failed attempt that was just forgotten: try again
                    continue
                if existing.release_reason == FAILED:  # being forgotten: wait, then try again
                    if asyncio.get_running_loop().time() >= deadline:
                        raise Conflict(
                            "The reservation is still being rolled back; retry",
                            reservationId=reservation_id,
                        ) from None
                    await asyncio.sleep(POLL_INTERVAL_S)
                    continue
                if sorted((i.product_id, i.quantity) for i in existing.items) != sorted(wanted):
                    raise Conflict(
                        "This reservation id was already used for other items",
                        reservationId=reservation_id,
                    ) from None
                return _view(existing)
            return _view(await self._apply(doc))

    async def confirm(self, reservation_id: str) -> ReservationView:
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            doc = await self._settled(reservation_id, deadline)
            if doc is None:
                raise NotFound("Reservation not found", reservationId=reservation_id)
            if doc.status is Status.CONFIRMED:
                return _view(doc)
            if doc.status is not Status.PENDING:
                raise Conflict(
                    "The reservation was released (expired or cancelled)",
                    reservationId=reservation_id,
                )
            now = utcnow()
            raw = await self._reservations.find_one_and_update(
                {"_id": reservation_id, "status": Status.PENDING, "expires_at": {"$gt": now}},
                {"$set": {"status": Status.CONFIRMED, "updated_at": now}},
                return_document=ReturnDocument.AFTER,
            )
            if raw is not None:
                logger.info("reservation confirmed", extra={"reservation.id": reservation_id})
                STOCK_RESERVATIONS.count("confirmed")
                return _view(_parse(raw))
            # It expired or changed under us: look again.

    async def release(self, reservation_id: str) -> None:
        """Give the stock back. Unknown and already released ids are fine (idempotent)."""
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            doc = await self._settled(reservation_id, deadline)
            if doc is None or doc.status is Status.RELEASED:
                return
            if doc.status is Status.RELEASING:
                # Someone else is giving it back; wait for them so the caller reads the stock.
                if asyncio.get_running_loop().time() >= deadline:
                    return
                await asyncio.sleep(POLL_INTERVAL_S)
                continue
            claimed = await self._claim(doc, reason=RELEASED)
            if claimed is not None:
                await self._give_back(claimed)
                return

    async def get(self, reservation_id: str) -> ReservationView:
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        doc = await self._settled(reservation_id, deadline)
        if doc is None:
            raise NotFound("Reservation not found", reservationId=reservation_id)
        return _view(doc)

    async def sweep(self) -> int:
        """Release what expired and finish what a dead worker left; returns how many."""
        now = utcnow()
        stale = ReservationDoc.find(
            {
                "status": {"$in": [Status.APPLYING, Status.PENDING, Status.RELEASING]},
                "expires_at": {"$lte": now},
            }
        ).limit(SWEEP_BATCH)
        released = 0
        for doc in await stale.to_list():
            if await self._take_over(doc):
                released += 1
        # Marks whose clean-up was interrupted (settled reservations only).
        leftovers = ReservationDoc.find(
            {
                "marks": True,
                "status": {"$in": [Status.PENDING, Status.CONFIRMED, Status.RELEASED]},
                "updated_at": {"$lte": now - self.lease},
            }
        ).limit(SWEEP_BATCH)
        for doc in await leftovers.to_list():
            await self._clear_marks(doc)
        return released

    # ---- the steps -----------------------------------------------------------------------

    @staticmethod
    def _check_items(items: Sequence[ItemRequest]) -> list[tuple[ObjectId, int]]:
        if not items:
            raise BadUserInput("A reservation needs at least one item", field="items")
        wanted: list[tuple[ObjectId, int]] = []
        for item in items:
            if item.quantity < 1:
                raise BadUserInput(
                    "quantity must be at least 1", field="quantity", productId=item.product_id
                )
            oid = parse_object_id(item.product_id)
            if oid is None:
                raise NotFound("Product not found", productId=item.product_id)
            if any(oid == seen for seen, _ in wanted):
                raise BadUserInput(
                    "Each product may appear only once", field="items", productId=item.product_id
                )
            wanted.append((oid, item.quantity))
        return wanted

    async def _apply(self, doc: ReservationDoc) -> ReservationDoc:
        """Take every item's stock, or none; `doc` is our freshly inserted lock."""
        take, block, _ = _marks(doc.id)
        lease_ends = doc.expires_at
        failure: Exception | None = None
        for index, item in enumerate(doc.items):
            if utcnow() >= lease_ends:  # the sweeper may be rolling us back by now
                failure = Conflict("The reservation took too long; retry", reservationId=doc.id)
                break
            raw = await self._products.find_one_and_update(
                {
                    "_id": item.product_id,
                    "stock": {"$gte": item.quantity},
                    "stock_marks": {"$nin": [take, block]},
                },
                {"$inc": {"stock": -item.quantity}, "$push": {"stock_marks": take}},
                return_document=ReturnDocument.AFTER,
            )
            if raw is None:
                failure = await self._why_not_taken(doc.id, item)
                break
            item.applied, item.unit_price, item.currency = True, raw["price"], raw["currency"]
            await self._reservations.update_one(
                {"_id": doc.id},
                {
                    "$set": {
                        f"items.{index}.applied": True,
                        f"items.{index}.unit_price": raw["price"],
                        f"items.{index}.currency": raw["currency"],
                    }
                },
            )
        if failure is None:
            now = utcnow()
            raw = await self._reservations.find_one_and_update(
                {"_id": doc.id, "status": Status.APPLYING, "expires_at": lease_ends},
                {
                    "$set": {
                        "status": Status.PENDING,
                        "expires_at": _later(now, self.ttl),
                        "updated_at": now,
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
            if raw is not None:
                pending = _parse(raw)
                await self._clear_marks(pending)
                logger.info("stock reserved", extra={"reservation.id": doc.id})
                STOCK_RESERVATIONS.count("reserved")
                return pending
            failure = Conflict("The reservation took too long; retry", reservationId=doc.id)
        # All or nothing: give back what was taken, then forget the attempt.
        claimed = await self._claim(doc, reason=FAILED, expires_at=lease_ends)
        if claimed is not None:
            await self._give_back(claimed)
        raise failure

    async def _why_not_taken(self, reservation_id: str, item: ReservationItem) -> Exception:
        raw = await self._products.find_one({"_id": item.product_id})
        product_id = str(item.product_id)
        if raw is None:
            return NotFound("Product not found", productId=product_id)
        if f"block:{reservation_id}" in raw.get("stock_marks", []):
            return Conflict("The reservation took too long; retry", reservationId=reservation_id)
        STOCK_RESERVATIONS.count("out_of_stock")
        return OutOfStock(
            f"Only {raw['stock']} of {raw['name']!r} left, {item.quantity} asked for",
            productId=product_id,
        )

    async def _take_over(self, doc: ReservationDoc) -> bool:
        """Release a lapsed reservation: expired PENDING, or APPLYING/RELEASING left by a
        worker whose lease ran out. False when someone else got to it first."""
        reasons = {Status.PENDING: EXPIRED, Status.APPLYING: FAILED}
        claimed = await self._claim(doc, reason=reasons.get(doc.status), expires_at=doc.expires_at)
        if claimed is None:
            return False
        await self._give_back(claimed)
        return True

    async def _claim(
        self, doc: ReservationDoc, *, reason: str | None, expires_at: datetime | None = None
    ) -> ReservationDoc | None:
        """Become the one who releases `doc` (compare-and-set on its status); None: lost."""
        now = utcnow()
        condition: dict[str, Any] = {"_id": doc.id, "status": doc.status}
        if expires_at is not None:
            condition["expires_at"] = expires_at
        changes: dict[str, Any] = {
            "status": Status.RELEASING,
            "expires_at": _later(now, self.lease),
            "updated_at": now,
            "marks": True,
        }
        if reason is not None:
            changes["release_reason"] = reason
        raw = await self._reservations.find_one_and_update(
            condition, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        return None if raw is None else _parse(raw)

    async def _give_back(self, doc: ReservationDoc) -> None:
        """Return the stock of every applied item exactly once; `doc` is ours (RELEASING)."""
        take, block, give = _marks(doc.id)
        for index, item in enumerate(doc.items):
            if item.returned:
                continue
            applied = item.applied
            if not applied:
                # Taken without the flag written (the worker died in between)? Learn it, and
                # block any late take, in one atomic step.
                before = await self._products.find_one_and_update(
                    {"_id": item.product_id},
                    {"$addToSet": {"stock_marks": block}},
                    return_document=ReturnDocument.BEFORE,
                )
                applied = before is not None and take in before.get("stock_marks", [])
            if applied:
                await self._products.update_one(
                    {"_id": item.product_id, "stock_marks": {"$ne": give}},
                    {"$inc": {"stock": item.quantity}, "$push": {"stock_marks": give}},
                )
            await self._reservations.update_one(
                {"_id": doc.id}, {"$set": {f"items.{index}.returned": True}}
            )
        now = utcnow()
        raw = await self._reservations.find_one_and_update(
            {"_id": doc.id, "status": Status.RELEASING},
            {"$set": {"status": Status.RELEASED, "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if raw is not None:
            await self._clear_marks(_parse(raw))
            count_release(doc.release_reason)
        logger.info(
            "stock released",
            extra={"reservation.id": doc.id, "reservation.reason": doc.release_reason},
        )

    async def _clear_marks(self, doc: ReservationDoc) -> None:
        await self._products.update_many(
            {"_id": {"$in": [item.product_id for item in doc.items]}},
            {"$pullAll": {"stock_marks": list(_marks(doc.id))}},
        )
        if doc.status is Status.RELEASED and doc.release_reason == FAILED:
            # A failed attempt is forgotten, so that its id may be tried again.
            await self._reservations.delete_one({"_id": doc.id, "status": Status.RELEASED})
            return
        await self._reservations.update_one(
            {"_id": doc.id, "status": doc.status}, {"$set": {"marks": False}}
        )

    async def _settled(self, reservation_id: str, deadline: float) -> ReservationDoc | None:
        """The reservation once no request is applying it, with lapsed ones released first."""
        loop = asyncio.get_running_loop()
        while True:
            doc = await ReservationDoc.get(reservation_id)
            if doc is None:
                return None
            now = utcnow()
            lapsed = doc.expires_at <= now
            if doc.status is Status.APPLYING and not lapsed:
                if loop.time() >= deadline:
                    raise Conflict(
                        "The reservation is still being applied; retry",
                        reservationId=reservation_id,
                    )
                await asyncio.sleep(POLL_INTERVAL_S)
                continue
            if lapsed and doc.status in (Status.APPLYING, Status.PENDING, Status.RELEASING):
                # Expired, or its worker died: release it here rather than wait for the sweeper.
                await self._take_over(doc)
                continue
            return doc
