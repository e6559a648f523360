"""Admission of reservations per product, in this process: answer OUT_OF_STOCK without writing.

When many customers race for a few units, most of them lose. Without a gate every loser
still writes (its reservation lock, a take that matches nothing, the lock's removal), and on
a server that runs writes one at a time (our FerretDB, see tools/ferretdb) the winners then
queue behind the losers' writes until the callers time out. So, per product, this process
lets through at most the stock it last saw of takes at once; the others wait for one of them
to finish. Once the stock it knows of is used up and none of its own takes is in flight, a
fresh read decides: OUT_OF_STOCK at once, with no write at all.

Only an optimisation: the conditional update in the database still decides who gets the
stock, across processes and replicas, so a stale count here costs writes, never an oversell.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from bson import ObjectId

ReadStock = Callable[[Sequence[ObjectId]], Awaitable[dict[ObjectId, int]]]


class StockShort(Exception):
    """A fresh read found less stock than asked for."""

    def __init__(self, product_id: ObjectId, stock: int) -> None:
        super().__init__(f"{product_id} has {stock}")
        self.product_id = product_id
        self.stock = stock


@dataclass(slots=True)
class _Gauge:
    known: int  # the stock as this process last saw it
    asked: int = 0  # what this process's takes in flight ask for
    users: int = 0  # requests holding or waiting for it; gone when none


class StockGate:
    def __init__(self) -> None:
        self._gauges: dict[ObjectId, _Gauge] = {}
        self._changed = asyncio.Event()

    @asynccontextmanager
    async def admitted(
        self,
        wanted: Sequence[tuple[ObjectId, int]],
        seen: dict[ObjectId, int],
        read: ReadStock,
        until: float,
    ) -> AsyncIterator[None]:
        """Hold room for `wanted` (product, quantity) while the body takes the stock.

        `seen` is the stock the caller just read (used when no request here knows better);
        `read` reads it afresh. Raises StockShort when a fresh read shows too little. After
        the loop time `until` it stops waiting and lets the database decide.
        """
        gauges = [self._gauge(oid, seen[oid]) for oid, _ in wanted]
        admitted = False
        try:
            await self._wait_for_room(wanted, gauges, read, until)
            for gauge, (_, quantity) in zip(gauges, wanted, strict=True):
                gauge.asked += quantity
            admitted = True
            yield
        finally:
            for gauge, (oid, quantity) in zip(gauges, wanted, strict=True):
                if admitted:
                    gauge.asked -= quantity
                gauge.users -= 1
                if gauge.users == 0:
                    del self._gauges[oid]
            self._notify()

    def saw(self, product_id: ObjectId, stock: int) -> None:
        """What a take (or a read after a failed one) found the stock to be."""
        if (gauge := self._gauges.get(product_id)) is not None and gauge.known != stock:
            gauge.known = stock
            self._notify()

    def _gauge(self, product_id: ObjectId, stock: int) -> _Gauge:
        gauge = self._gauges.get(product_id)
        if gauge is None:
            # Those already here count on fresher news than this caller's read.
            gauge = self._gauges[product_id] = _Gauge(known=stock)
        gauge.users += 1
        return gauge

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_room(
        self,
        wanted: Sequence[tuple[ObjectId, int]],
        gauges: Sequence[_Gauge],
        read: ReadStock,
        until: float,
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            short = [
                (oid, quantity, gauge)
                for gauge, (oid, quantity) in zip(gauges, wanted, strict=True)
                if gauge.known - gauge.asked < quantity
            ]
            if not short:
                return
            timed_out = loop.time() >= until
            if timed_out or any(gauge.asked == 0 for _, _, gauge in short):
                # Nothing of ours in flight will change the count: ask the database.
                fresh = await read([oid for oid, _, _ in short])
                for oid, quantity, gauge in short:
                    gauge.known = fresh[oid]
                    if gauge.known < quantity:
                        raise StockShort(oid, gauge.known)
                if timed_out:
                    return  # there is stock, and we waited long enough: let the database decide
                continue
            changed = self._changed
            with suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=until - loop.time())
