"""The service object: one name for a service's state, from its lifespan to its resolvers.

Every subgraph has a `service.py` with a `<Name>Service` class (its storage and domain
objects) and `running_service(settings)`, the one place its lifespan is written: it opens the
storage, starts the housekeeping and yields the service object. The app factory keeps that
object as `app.state.service`; resolvers get it as `info.context.service`; the readiness
probe asks it `check_ready()`.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Service(Protocol):
    """What every service object offers to the readiness probe."""

    async def check_ready(self) -> None:
        """Raise when the service's storage cannot answer."""


# `lambda: running_service(settings)`: opens the service for the app's lifetime.
RunningService = Callable[[], AbstractAsyncContextManager[Service]]
