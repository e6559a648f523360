"""The periodic runner: runs its step at once and then every interval, survives failures
(storage outages without a traceback), and stops with its block."""

import asyncio
import logging

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from shopgraph_core.runtime.periodic import running_every

INTERVAL_S = 0.02


async def test_the_step_runs_at_once_then_every_interval_until_the_block_ends() -> None:
    runs = 0

    async def step() -> None:
        nonlocal runs
        runs += 1

    async with running_every(INTERVAL_S, step, name="counter"):
        await asyncio.sleep(0)  # let the task start
        assert runs == 1
        await asyncio.sleep(INTERVAL_S * 10)
    stopped_at = runs
    await asyncio.sleep(INTERVAL_S * 5)

    assert stopped_at >= 3
    assert runs == stopped_at  # nothing runs after the block


async def test_failures_are_logged_and_the_next_round_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures: list[BaseException] = [
        ServerSelectionTimeoutError("no server"),
        RuntimeError("a bug"),
    ]
    succeeded = asyncio.Event()

    async def step() -> None:
        if failures:
            raise failures.pop(0)
        succeeded.set()

    with caplog.at_level(logging.WARNING, logger="shopgraph.background"):
        async with running_every(INTERVAL_S, step, name="sweeper"):
            await asyncio.wait_for(succeeded.wait(), timeout=5)

    outage, bug = caplog.records[:2]
    assert (outage.levelno, outage.exc_info) == (logging.WARNING, None)
    assert "sweeper: storage unavailable (ServerSelectionTimeoutError)" in outage.getMessage()
    assert bug.levelno == logging.ERROR
    assert bug.exc_info is not None  # a bug keeps its traceback


async def test_a_step_in_flight_is_cancelled_when_the_block_ends() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow_step() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with running_every(INTERVAL_S, slow_step, name="slow"):
        await started.wait()

    assert cancelled.is_set()
