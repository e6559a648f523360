"""Stock moves on the product documents: each one a single atomic update, at most once per
reservation however often it is retried.

A product document records which reservations moved its stock, in `stock_marks`:
"take:<id>" when a reservation took units, "return:<id>" when it gave them back, and
"block:<id>" when a release made sure a late take can no longer happen. The reservation
state machine (reservations.py) decides when to move stock; this module is how.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from shopgraph_core.errors import AppError, Conflict, NotFound, OutOfStock
from shopgraph_products.metrics import STOCK_RESERVATIONS
from shopgraph_products.models import MAX_STOCK, ProductDoc, ReservationItem
from shopgraph_products.stock_gate import StockGate

# A document as pymongo reads and writes it; ReservationDoc and ProductDoc are their models.
RawDoc = dict[str, Any]


def marks(reservation_id: str) -> tuple[str, str, str]:
    """The take, block and return marks of one reservation."""
    return f"take:{reservation_id}", f"block:{reservation_id}", f"return:{reservation_id}"


def out_of_stock(product: RawDoc, stock: int, quantity: int) -> OutOfStock:
    STOCK_RESERVATIONS.count("out_of_stock")
    return OutOfStock(
        f"Only {stock} of {product['name']!r} left, {quantity} asked for",
        productId=str(product["_id"]),
    )


@dataclass(frozen=True, slots=True)
class Retry:
    """A take matched nothing, yet there is stock: take again, from this stock count."""

    stock_epoch: str | None


class StockLedger:
    """Takes and gives back units on product documents; tells the gate what it saw."""

    def __init__(self, gate: StockGate) -> None:
        self.gate = gate

    @property
    def _products(self) -> AsyncCollection[RawDoc]:
        return ProductDoc.get_pymongo_collection()

    async def read_products(self, ids: Sequence[ObjectId]) -> dict[ObjectId, RawDoc]:
        found = await self._products.find(
            {"_id": {"$in": list(ids)}}, {"stock_marks": False}
        ).to_list()
        return {raw["_id"]: raw for raw in found}

    async def read_stock(self, ids: Sequence[ObjectId]) -> dict[ObjectId, int]:
        found = await self.read_products(ids)
        return {oid: found[oid]["stock"] if oid in found else 0 for oid in ids}

    async def take(self, reservation_id: str, item: ReservationItem) -> bool:
        """Take the item's units from its stock count, unless blocked or taken already;
        on success the item learns it is applied and at what price."""
        take, block, _ = marks(reservation_id)
        raw = await self._products.find_one_and_update(
            {
                "_id": item.product_id,
                "stock_epoch": item.stock_epoch,
                "stock": {"$gte": item.quantity},
                "stock_marks": {"$nin": [take, block]},
            },
            {"$inc": {"stock": -item.quantity}, "$push": {"stock_marks": take}},
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            return False
        self.gate.saw(item.product_id, raw["stock"])
        item.applied, item.unit_price, item.currency = True, raw["price"], raw["currency"]
        return True

    async def why_not_taken(self, reservation_id: str, item: ReservationItem) -> AppError | Retry:
        raw = await self._products.find_one({"_id": item.product_id})
        product_id = str(item.product_id)
        if raw is None:
            return NotFound("Product not found", productId=product_id)
        if f"block:{reservation_id}" in raw.get("stock_marks", []):
            return Conflict("The reservation took too long; retry", reservationId=reservation_id)
        self.gate.saw(item.product_id, raw["stock"])
        if raw["stock"] < item.quantity:
            return out_of_stock(raw, raw["stock"], item.quantity)
        # Enough stock now: it was counted anew, or came back since the take looked.
        return Retry(raw.get("stock_epoch"))

    async def block_and_learn_if_taken(self, reservation_id: str, item: ReservationItem) -> bool:
        """Block any late take of the item and learn whether it was taken, in one atomic
        step (for an item whose `applied` flag was never written: its worker died)."""
        take, block, _ = marks(reservation_id)
        before = await self._products.find_one_and_update(
            {"_id": item.product_id},
            {"$addToSet": {"stock_marks": block}},
            return_document=ReturnDocument.BEFORE,
        )
        return before is not None and take in before.get("stock_marks", [])

    async def give_back(self, reservation_id: str, item: ReservationItem) -> bool:
        """Put the item's quantity back, once, into the stock count it was taken from; True
        when it had to be capped at MAX_STOCK."""
        give = f"return:{reservation_id}"
        once_into_its_count = {
            "_id": item.product_id,
            "stock_epoch": item.stock_epoch,
            "stock_marks": {"$ne": give},
        }
        room = MAX_STOCK - item.quantity
        written = await self._products.update_one(
            {**once_into_its_count, "stock": {"$lte": room}},
            {"$inc": {"stock": item.quantity}, "$push": {"stock_marks": give}},
        )
        if written.matched_count:
            return False
        # Returned already, or counted anew since (then nothing comes back), or so much stock
        # that this would pass the largest a product may hold: then it fills up to it.
        written = await self._products.update_one(
            {**once_into_its_count, "stock": {"$gt": room}},
            {"$set": {"stock": MAX_STOCK}, "$push": {"stock_marks": give}},
        )
        return bool(written.matched_count)

    async def remove_marks(self, product_ids: Sequence[ObjectId], names: Sequence[str]) -> None:
        """Remove these marks from these products, in one update."""
        await self._products.update_many(
            {"_id": {"$in": list(product_ids)}}, {"$pullAll": {"stock_marks": list(names)}}
        )
