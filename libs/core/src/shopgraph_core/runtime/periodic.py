"""Housekeeping that runs beside a service for its lifetime (sweepers, reconcilers)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from opentelemetry.trace import Status, StatusCode

from shopgraph_core.observability.tracing import background_span
from shopgraph_core.storage.outages import is_storage_outage

logger = logging.getLogger("shopgraph.background")


@asynccontextmanager
async def running_every(
    interval_s: float, step: Callable[[], Awaitable[object]], *, name: str
) -> AsyncIterator[None]:
    """Run `step` now and then every `interval_s` seconds until the block ends.

    A failing step is logged and tried again next round (its database may be away); every
    step must therefore be idempotent.
    """

    async def loop() -> None:
        while True:
            # Each round is a trace of its own: its queries and log lines share one id.
            with background_span(name) as span:
                try:
                    await step()
                except Exception as exc:
                    span.set_attribute("error.type", type(exc).__name__)
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    if is_storage_outage(exc):  # expected while the database is away
                        logger.warning(
                            "%s: storage unavailable (%s); trying again in %ss",
                            name,
                            type(exc).__name__,
                            interval_s,
                        )
                    else:
                        logger.exception("%s failed; trying again in %ss", name, interval_s)
            await asyncio.sleep(interval_s)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
