"""Stock reservations: what orders place against, all or nothing, never overselling.

FerretDB v1 (our dev and test server) has no multi-document transactions, so a reservation
is a sequence of single-document atomic updates, made safe like this:

- The reservation document is inserted first, status APPLYING: its unique _id (the caller's
  reservation id) is the lock, so the same id reserves at most once, also when two requests
  race. A second request with that id waits for the first one's outcome and returns it.
- Each item's stock is taken with one conditional update of the product document,
  `{stock >= q, stock_epoch: e}` -> `{$inc: {stock: -q}}`, which also pushes a mark
  "take:<id>" into the product's `stock_marks` in the same atomic write. So no oversell, ever,
  and the product itself records that this reservation took its stock. The epoch `e` (the
  product's stock count, see below) was written into the reservation before the take.
- The reservation then becomes PENDING in one update that also records, per item, that its
  stock was taken (`applied`) and at what price.
- When an item cannot be taken, the items already taken are given back (compensation) and
  the reservation is forgotten: nothing stays reserved. When none was taken, forgetting is
  just deleting the lock.
- Giving stock back is `{stock_epoch: e, stock_marks != "return:<id>"}` -> `{$inc: {stock:
  +q}, $push: ...}`: at most once per reservation and product however often it is retried,
  and only into the stock count it was taken from.
- A reservation whose worker died while APPLYING (or RELEASING) is finished by the sweeper once
  the worker's lease ran out. For an item not flagged `applied` it adds a mark "block:<id>"
  and, in the same atomic update, learns whether "take:<id>" was there: if it was, the stock
  was taken and is given back; if not, the block makes sure a late take can never happen.
- PENDING reservations expire after RESERVATION_TTL: the sweeper (every
  RESERVATION_SWEEP_INTERVAL) and any request that meets one release them. Status changes
  are compare-and-set updates on the reservation, so exactly one actor releases.
- Marks are removed from the products by the sweeper once the reservation has settled, many
  reservations in one update (a failed attempt removes its own at once, so its id is free).

Stock counts. `updateProduct(stock: n)` is a count: from then on n units are for sale, and it
starts a new `stock_epoch`. Units held by reservations taken before the count were the
admin's to count (or not): releasing such a reservation later gives nothing back, so no
release can push the stock past what the admin set. `adjustStock(by: k)` is a delta, and
keeps the epoch: reservations out keep coming back. Whatever the path, stock stays within
0..MAX_STOCK (see the README beside this package).

This module is the reservation's state machine; the stock moves on the product documents
(take, block, give back, marks) are stock_ledger.py's. A saturated service answers rather
than times out: see stock_gate.py. A winning reservation
costs four writes (lock, take, PENDING, confirm); a loser none once the stock is known to be
gone, and three (lock, failed take, unlock) when it raced for the last units.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import AppError, BadUserInput, Conflict, NotFound
from shopgraph_core.storage.mongo import parse_object_id
from shopgraph_products.metrics import STOCK_RESERVATIONS, count_release
from shopgraph_products.models import (
    MAX_STOCK,
    ReleaseReason,
    ReservationDoc,
    ReservationDocStatus,
    ReservationItem,
)
from shopgraph_products.stock_gate import StockGate, StockShort
from shopgraph_products.stock_ledger import RawDoc, StockLedger, marks, out_of_stock

logger = logging.getLogger("shopgraph.products.reservations")

POLL_INTERVAL_S = 0.02
SWEEP_BATCH = 100
TAKE_ATTEMPTS = 3  # per item, when the stock changed between a take and the look why


@dataclass(frozen=True, slots=True)
class ReservationItemRequest:
    """One item a reservation asks for: a product (an id as sent) and how many of it."""

    product_id: str
    quantity: int


def _parse(raw: RawDoc) -> ReservationDoc:
    doc: ReservationDoc = ReservationDoc.model_validate(raw)
    return doc


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
        self.gate = StockGate()
        self.ledger = StockLedger(self.gate)

    @property
    def _reservations(self) -> AsyncCollection[RawDoc]:
        return ReservationDoc.get_pymongo_collection()

    # ---- the API -------------------------------------------------------------------------

    async def reserve(
        self, reservation_id: str, items: Sequence[ReservationItemRequest]
    ) -> ReservationDoc:
        wanted = self._check_items(items)
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            if await ReservationDoc.get(reservation_id) is None:
                try:
                    return await self._reserve_anew(reservation_id, wanted, deadline)
                except DuplicateKeyError:
                    pass  # a request with the same id got there first: its outcome is ours
            existing = await self._settled(reservation_id, deadline)
            if existing is None:  # a failed attempt that was just forgotten: try again
                continue
            if existing.release_reason is ReleaseReason.FAILED:
                # Being forgotten: wait, then try again.
                if asyncio.get_running_loop().time() >= deadline:
                    raise Conflict(
                        "The reservation is still being rolled back; retry",
                        reservationId=reservation_id,
                    )
                await asyncio.sleep(POLL_INTERVAL_S)
                continue
            if sorted((i.product_id, i.quantity) for i in existing.items) != sorted(wanted):
                raise Conflict(
                    "This reservation id was already used for other items",
                    reservationId=reservation_id,
                )
            return existing

    async def confirm(self, reservation_id: str) -> ReservationDoc:
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            doc = await self._settled(reservation_id, deadline)
            if doc is None:
                raise NotFound("Reservation not found", reservationId=reservation_id)
            if doc.status is ReservationDocStatus.CONFIRMED:
                return doc
            if doc.status is not ReservationDocStatus.PENDING:
                raise Conflict(
                    "The reservation was released (expired or cancelled)",
                    reservationId=reservation_id,
                )
            now = utcnow(Precision.MILLISECOND)
            raw = await self._reservations.find_one_and_update(
                {
                    "_id": reservation_id,
                    "status": ReservationDocStatus.PENDING,
                    "expires_at": {"$gt": now},
                },
                {"$set": {"status": ReservationDocStatus.CONFIRMED, "updated_at": now}},
                return_document=ReturnDocument.AFTER,
            )
            if raw is not None:
                logger.info("reservation confirmed", extra={"reservation.id": reservation_id})
                STOCK_RESERVATIONS.count("confirmed")
                return _parse(raw)
            # It expired or changed under us: look again.

    async def release(self, reservation_id: str) -> None:
        """Give the stock back. Unknown and already released ids are fine (idempotent)."""
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        while True:
            doc = await self._settled(reservation_id, deadline)
            if doc is None or doc.status is ReservationDocStatus.RELEASED:
                return
            if doc.status is ReservationDocStatus.RELEASING:
                # Someone else is giving it back; wait for them so the caller reads the stock.
                if asyncio.get_running_loop().time() >= deadline:
                    return
                await asyncio.sleep(POLL_INTERVAL_S)
                continue
            claimed = await self._claim(doc, reason=ReleaseReason.REQUESTED)
            if claimed is not None:
                await self._give_back(claimed)
                return

    async def get(self, reservation_id: str) -> ReservationDoc:
        deadline = asyncio.get_running_loop().time() + self.wait.total_seconds()
        doc = await self._settled(reservation_id, deadline)
        if doc is None:
            raise NotFound("Reservation not found", reservationId=reservation_id)
        return doc

    async def sweep(self) -> int:
        """Release what expired, finish what a dead worker left, and clear settled marks;
        returns how many reservations it released."""
        now = utcnow(Precision.MILLISECOND)
        stale = ReservationDoc.find(
            {
                "status": {
                    "$in": [
                        ReservationDocStatus.APPLYING,
                        ReservationDocStatus.PENDING,
                        ReservationDocStatus.RELEASING,
                    ]
                },
                "expires_at": {"$lte": now},
            }
        ).limit(SWEEP_BATCH)
        released = 0
        for doc in await stale.to_list():
            if await self._take_over(doc):
                released += 1
        settled = ReservationDoc.find(
            {
                "marks": True,
                "status": {
                    "$in": [
                        ReservationDocStatus.PENDING,
                        ReservationDocStatus.CONFIRMED,
                        ReservationDocStatus.RELEASED,
                    ]
                },
                "release_reason": {"$ne": ReleaseReason.FAILED},
            }
        ).limit(SWEEP_BATCH)
        await self._clear_marks(await settled.to_list())
        # Failed attempts forget themselves at once; these are the ones whose worker died
        # doing it. Only old ones: the id may be in use again by a newer attempt.
        forgotten = ReservationDoc.find(
            {
                "marks": True,
                "status": ReservationDocStatus.RELEASED,
                "release_reason": ReleaseReason.FAILED,
                "updated_at": {"$lte": now - self.lease},
            }
        ).limit(SWEEP_BATCH)
        for doc in await forgotten.to_list():
            await self._forget(doc)
        return released

    # ---- the steps -----------------------------------------------------------------------

    @staticmethod
    def _check_items(items: Sequence[ReservationItemRequest]) -> list[tuple[ObjectId, int]]:
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

    async def _reserve_anew(
        self, reservation_id: str, wanted: Sequence[tuple[ObjectId, int]], deadline: float
    ) -> ReservationDoc:
        """Reserve under an id not in use: a read decides what it can, the gate admits, then
        the lock and the takes. DuplicateKeyError: another request took the id meanwhile."""
        products = await self.ledger.read_products([oid for oid, _ in wanted])
        for oid, quantity in wanted:
            if (product := products.get(oid)) is None:
                raise NotFound("Product not found", productId=str(oid))
            if product["stock"] < quantity:
                raise out_of_stock(product, product["stock"], quantity)
        seen = {oid: products[oid]["stock"] for oid, _ in wanted}
        try:
            async with self.gate.admitted(wanted, seen, self.ledger.read_stock, deadline):
                now = utcnow(Precision.MILLISECOND)
                doc = ReservationDoc(
                    id=reservation_id,
                    status=ReservationDocStatus.APPLYING,
                    items=[
                        ReservationItem(
                            product_id=oid,
                            quantity=quantity,
                            stock_epoch=products[oid].get("stock_epoch"),
                        )
                        for oid, quantity in wanted
                    ],
                    created_at=now,
                    updated_at=now,
                    expires_at=_later(now, self.lease),
                )
                await doc.insert()
                return await self._apply(doc)
        except StockShort as short:
            quantity = dict(wanted)[short.product_id]
            raise out_of_stock(products[short.product_id], short.stock, quantity) from None

    async def _apply(self, doc: ReservationDoc) -> ReservationDoc:
        """Take every item's stock, or none; `doc` is our freshly inserted lock."""
        lease_ends = doc.expires_at
        taken = 0  # the items before this one are taken
        failure: AppError | None = None
        for index in range(len(doc.items)):
            failure = await self._take(doc, index)
            if failure is not None:
                break
            taken += 1
        if failure is None:
            now = utcnow(Precision.MILLISECOND)
            changes: dict[str, Any] = {
                "status": ReservationDocStatus.PENDING,
                "expires_at": _later(now, self.ttl),
                "updated_at": now,
            }
            for index, item in enumerate(doc.items):
                changes[f"items.{index}.applied"] = True
                changes[f"items.{index}.unit_price"] = item.unit_price
                changes[f"items.{index}.currency"] = item.currency
            raw = await self._reservations.find_one_and_update(
                {"_id": doc.id, "status": ReservationDocStatus.APPLYING, "expires_at": lease_ends},
                {"$set": changes},
                return_document=ReturnDocument.AFTER,
            )
            if raw is not None:
                logger.info("stock reserved", extra={"reservation.id": doc.id})
                STOCK_RESERVATIONS.count("reserved")
                return _parse(raw)
            # Too slow: the sweeper took over, and gives back what we took.
            raise Conflict("The reservation took too long; retry", reservationId=doc.id)
        # All or nothing: give back what was taken, then forget the attempt.
        if taken == 0:
            # Nothing to give back and no mark left anywhere: dropping the lock forgets it.
            await self._reservations.delete_one(
                {"_id": doc.id, "status": ReservationDocStatus.APPLYING, "expires_at": lease_ends}
            )
            raise failure
        claimed = await self._claim(doc, reason=ReleaseReason.FAILED, expires_at=lease_ends)
        if claimed is not None:
            for index, item in enumerate(claimed.items):
                # What we know for sure spares the generic recovery its reads and blocks.
                item.applied = index < taken
                item.returned = index >= taken
            await self._give_back(claimed)
        raise failure

    async def _take(self, doc: ReservationDoc, index: int) -> AppError | None:
        """Take item `index`'s stock; the error that stops the reservation, None when taken."""
        item = doc.items[index]
        for _ in range(TAKE_ATTEMPTS):
            # The sweeper may be rolling us back by now.
            if utcnow(Precision.MILLISECOND) >= doc.expires_at:
                break
            if await self.ledger.take(doc.id, item):
                return None
            why = await self.ledger.why_not_taken(doc.id, item)
            if isinstance(why, AppError):
                return why
            if why.stock_epoch != item.stock_epoch:
                # The admin counted the stock since we read it: take from the new count, and
                # say so in the lock first, so whoever finishes this knows where it came from.
                written = await self._reservations.update_one(
                    {
                        "_id": doc.id,
                        "status": ReservationDocStatus.APPLYING,
                        "expires_at": doc.expires_at,
                    },
                    {"$set": {f"items.{index}.stock_epoch": why.stock_epoch}},
                )
                if written.matched_count == 0:
                    break
                item.stock_epoch = why.stock_epoch
        return Conflict("The reservation took too long; retry", reservationId=doc.id)

    async def _take_over(self, doc: ReservationDoc) -> bool:
        """Release a lapsed reservation: expired PENDING, or APPLYING/RELEASING left by a
        worker whose lease ran out. False when someone else got to it first."""
        # RELEASING keeps the reason it was claimed with.
        reasons = {
            ReservationDocStatus.PENDING: ReleaseReason.EXPIRED,
            ReservationDocStatus.APPLYING: ReleaseReason.FAILED,
        }
        claimed = await self._claim(doc, reason=reasons.get(doc.status), expires_at=doc.expires_at)
        if claimed is None:
            return False
        await self._give_back(claimed)
        return True

    async def _claim(
        self,
        doc: ReservationDoc,
        *,
        reason: ReleaseReason | None,
        expires_at: datetime | None = None,
    ) -> ReservationDoc | None:
        """Become the one who releases `doc` (compare-and-set on its status); None: lost."""
        now = utcnow(Precision.MILLISECOND)
        condition: dict[str, Any] = {"_id": doc.id, "status": doc.status}
        if expires_at is not None:
            condition["expires_at"] = expires_at
        changes: dict[str, Any] = {
            "status": ReservationDocStatus.RELEASING,
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
        """Return the stock of every applied item exactly once; `doc` is ours (RELEASING).

        Safe to repeat from the start (a worker that dies here leaves it to the sweeper): the
        block and the return marks make each step happen at most once.
        """
        for item in doc.items:
            if item.returned:
                continue
            # Taken without the flag written (the worker died in between)? Learn it, and
            # block any late take, in one atomic step.
            applied = item.applied or await self.ledger.block_and_learn_if_taken(doc.id, item)
            if applied and await self.ledger.give_back(doc.id, item):
                logger.warning(
                    "stock capped at %d on release",
                    MAX_STOCK,
                    extra={"reservation.id": doc.id, "product.id": str(item.product_id)},
                )
        now = utcnow(Precision.MILLISECOND)
        changes: dict[str, Any] = {"status": ReservationDocStatus.RELEASED, "updated_at": now}
        for index in range(len(doc.items)):
            changes[f"items.{index}.returned"] = True
        raw = await self._reservations.find_one_and_update(
            {"_id": doc.id, "status": ReservationDocStatus.RELEASING},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        if raw is not None:
            count_release(doc.release_reason)
            if doc.release_reason is ReleaseReason.FAILED:
                await self._forget(_parse(raw))
        logger.info(
            "stock released",
            extra={"reservation.id": doc.id, "reservation.reason": doc.release_reason},
        )

    async def _forget(self, doc: ReservationDoc) -> None:
        """Drop a failed attempt (RELEASED, FAILED) and its marks, so its id may be used again."""
        await self.ledger.remove_marks([item.product_id for item in doc.items], marks(doc.id))
        await self._reservations.delete_one(
            {"_id": doc.id, "status": ReservationDocStatus.RELEASED}
        )

    async def _clear_marks(self, docs: Sequence[ReservationDoc]) -> None:
        """Remove the marks of settled reservations from their products, all in one update.

        Open ones (PENDING, CONFIRMED) lose their take and block marks, which nothing reads
        once every item is flagged applied; their return marks may still come, so those stay
        until the reservation is RELEASED, which is final.
        """
        if not docs:
            return
        names: list[str] = []
        product_ids: set[ObjectId] = set()
        for doc in docs:
            take, block, give = marks(doc.id)
            names += (
                [take, block, give]
                if doc.status is ReservationDocStatus.RELEASED
                else [take, block]
            )
            product_ids.update(item.product_id for item in doc.items)
        await self.ledger.remove_marks(list(product_ids), names)
        released = [doc.id for doc in docs if doc.status is ReservationDocStatus.RELEASED]
        still_open = [doc.id for doc in docs if doc.status is not ReservationDocStatus.RELEASED]
        for ids, statuses in (
            (still_open, [ReservationDocStatus.PENDING, ReservationDocStatus.CONFIRMED]),
            (released, [ReservationDocStatus.RELEASED]),
        ):
            if ids:
                await self._reservations.update_many(
                    {"_id": {"$in": ids}, "status": {"$in": statuses}}, {"$set": {"marks": False}}
                )

    async def _settled(self, reservation_id: str, deadline: float) -> ReservationDoc | None:
        """The reservation once no request is applying it, with lapsed ones released first."""
        loop = asyncio.get_running_loop()
        while True:
            doc = await ReservationDoc.get(reservation_id)
            if doc is None:
                return None
            now = utcnow(Precision.MILLISECOND)
            lapsed = doc.expires_at <= now
            if doc.status is ReservationDocStatus.APPLYING and not lapsed:
                if loop.time() >= deadline:
                    raise Conflict(
                        "The reservation is still being applied; retry",
                        reservationId=reservation_id,
                    )
                await asyncio.sleep(POLL_INTERVAL_S)
                continue
            if lapsed and doc.status in (
                ReservationDocStatus.APPLYING,
                ReservationDocStatus.PENDING,
                ReservationDocStatus.RELEASING,
            ):
                # Expired, or its worker died: release it here rather than wait for the sweeper.
                await self._take_over(doc)
                continue
            return doc
