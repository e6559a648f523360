"""What the MongoDB client reports as it works: commands traced, timed and counted, and the
connections its pools hold. pymongo fixes a client's listeners when it is built; `MongoStore`
builds its client with one of each of these."""

from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
    ConnectionCheckedInEvent,
    ConnectionCheckedOutEvent,
    ConnectionClosedEvent,
    ConnectionCreatedEvent,
    ConnectionPoolListener,
)

from shopgraph_core.observability.metrics import DB_QUERY_DURATION, mongo_operation
from shopgraph_core.observability.tracing import tracer

CommandCallback = Callable[[CommandStartedEvent], None]


class CommandDispatcher(CommandListener):
    """The one listener a client is built with; callbacks come and go at run time.

    pymongo fixes a client's listeners at construction, so tests that count commands
    (to prove batching) subscribe here instead of building a client of their own.
    """

    def __init__(self) -> None:
        self._callbacks: list[CommandCallback] = []

    def subscribe(self, callback: CommandCallback) -> None:
        self._callbacks.append(callback)

    def unsubscribe(self, callback: CommandCallback) -> None:
        self._callbacks.remove(callback)

    def started(self, event: CommandStartedEvent) -> None:
        for callback in list(self._callbacks):
            callback(event)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


class CommandTracer(CommandListener):
    """A client span for every MongoDB command, child of the request being served.

    pymongo's async client emits these events in the task that sent the command, so the
    current span is the request's.
    """

    def __init__(self) -> None:
        self._spans: dict[tuple[int, int], trace.Span] = {}

    @staticmethod
    def _key(
        event: CommandStartedEvent | CommandSucceededEvent | CommandFailedEvent,
    ) -> tuple[int, int]:
        return (event.request_id, event.operation_id or 0)

    def started(self, event: CommandStartedEvent) -> None:
        span = tracer().start_span(
            f"mongodb {event.command_name}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "db.system": "mongodb",
                "db.name": event.database_name,
                "db.operation.name": event.command_name,
                "db.collection.name": str(event.command.get(event.command_name, "")),
            },
        )
        self._spans[self._key(event)] = span

    def succeeded(self, event: CommandSucceededEvent) -> None:
        if span := self._spans.pop(self._key(event), None):
            span.end()

    def failed(self, event: CommandFailedEvent) -> None:
        if span := self._spans.pop(self._key(event), None):
            span.set_status(trace.Status(trace.StatusCode.ERROR, event.failure.get("codeName")))
            span.end()


class CommandTimer(CommandListener):
    """Every command's duration (as the driver measured it) into DB_QUERY_DURATION."""

    def started(self, event: CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: CommandSucceededEvent) -> None:
        DB_QUERY_DURATION.labels("mongodb", mongo_operation(event.command_name), "ok").observe(
            event.duration_micros / 1e6
        )

    def failed(self, event: CommandFailedEvent) -> None:
        DB_QUERY_DURATION.labels("mongodb", mongo_operation(event.command_name), "error").observe(
            event.duration_micros / 1e6
        )


class PoolCounter(ConnectionPoolListener):
    """Connections open and checked out, summed over the client's pools (one per server)."""

    def __init__(self) -> None:
        self.open = 0
        self.in_use = 0

    def connection_created(self, event: ConnectionCreatedEvent) -> None:
        self.open += 1

    def connection_closed(self, event: ConnectionClosedEvent) -> None:
        self.open -= 1

    def connection_checked_out(self, event: ConnectionCheckedOutEvent) -> None:
        self.in_use += 1

    def connection_checked_in(self, event: ConnectionCheckedInEvent) -> None:
        self.in_use -= 1

    # The pool's other events change neither count.
    def pool_created(self, event: Any) -> None:
        pass

    def pool_ready(self, event: Any) -> None:
        pass

    def pool_cleared(self, event: Any) -> None:
        pass

    def pool_closed(self, event: Any) -> None:
        pass

    def connection_ready(self, event: Any) -> None:
        pass

    def connection_check_out_started(self, event: Any) -> None:
        pass

    def connection_check_out_failed(self, event: Any) -> None:
        pass
