"""Counting the MongoDB commands an operation sends, to prove batching."""

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.monitoring import CommandStartedEvent

from shopgraph_core.storage.mongo import MongoStore


class CommandLog:
    def __init__(self) -> None:
        self.commands: list[CommandStartedEvent] = []

    def names(self) -> list[str]:
        return [c.command_name for c in self.commands]

    def count(self, name: str | None = None) -> int:
        return sum(1 for c in self.commands if name is None or c.command_name == name)


@contextmanager
def count_commands(store: MongoStore) -> Iterator[CommandLog]:
    log = CommandLog()
    store.commands.subscribe(log.commands.append)
    try:
        yield log
    finally:
        store.commands.unsubscribe(log.commands.append)
