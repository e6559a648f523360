"""The products service's state: its store, its catalogue and its reservations."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from shopgraph_core.runtime.periodic import running_every
from shopgraph_core.storage.mongo import MongoStore
from shopgraph_products.catalogue import Catalogue
from shopgraph_products.models import ProductDoc, ReservationDoc
from shopgraph_products.reservations import Reservations
from shopgraph_products.settings import ProductsSettings

logger = logging.getLogger("shopgraph.products")

# How long a request may work on one reservation before the sweeper takes over; the work
# takes milliseconds, so only a dead worker ever reaches it.
RESERVATION_LEASE = timedelta(seconds=30)


class ProductsService:
    def __init__(self, store: MongoStore, settings: ProductsSettings) -> None:
        self.store = store
        self.catalogue = Catalogue()
        self.reservations = Reservations(
            ttl=timedelta(seconds=settings.reservation_ttl),
            lease=RESERVATION_LEASE,
            wait=timedelta(seconds=settings.reservation_wait),
        )

    async def check_ready(self) -> None:
        await self.store.check_ready()


def open_store(settings: ProductsSettings) -> MongoStore:
    return MongoStore(
        settings.mongodb_url,
        document_models=[ProductDoc, ReservationDoc],
        app_name=f"shopgraph-{settings.service_name}",
        default_database="shopgraph_products",
    )


async def _sweep(reservations: Reservations) -> None:
    if released := await reservations.sweep():
        logger.info("released %d lapsed reservations", released)


@asynccontextmanager
async def running_service(settings: ProductsSettings) -> AsyncIterator[ProductsService]:
    """The service with its database open and its reservation sweeper running."""
    store = open_store(settings)
    try:
        await store.init()
        service = ProductsService(store, settings)
        async with running_every(
            settings.reservation_sweep_interval,
            lambda: _sweep(service.reservations),
            name="reservation-sweeper",
        ):
            yield service
    finally:
        await store.close()
