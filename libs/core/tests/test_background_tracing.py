"""A background job's round is a trace of its own: the lines it logs carry `trace.id` and
`span.id` as a request's do, a failing round is recorded as an error, and a quiet one is
marked as background so that the collector keeps it only when it fails."""

import asyncio
import io
import json
import logging
from typing import Any

from shopgraph_core.observability.logs import configure_logging
from shopgraph_core.observability.tracing import BACKGROUND_ATTRIBUTE, configure_tracing
from shopgraph_core.runtime.periodic import running_every
from shopgraph_testing.spans import recorded_spans

job_logger = logging.getLogger("shopgraph.test.sweeper")


async def test_each_round_logs_with_its_own_trace_and_failures_are_errors() -> None:
    configure_tracing("background-test", None)  # as the app factory does; no export
    stream = io.StringIO()
    rounds = 0
    three_rounds = asyncio.Event()

    async def sweep() -> None:
        nonlocal rounds
        rounds += 1
        job_logger.info("swept round %d", rounds)
        if rounds == 3:
            three_rounds.set()
        if rounds == 2:
            raise RuntimeError("the second round breaks")

    previous = logging.getLogger().handlers[:]
    configure_logging("background-test", "INFO", stream)
    try:
        with recorded_spans() as exporter:
            async with running_every(0.05, sweep, name="test-sweeper"):
                await asyncio.wait_for(three_rounds.wait(), 10)
            spans = [s for s in exporter.get_finished_spans() if s.name == "test-sweeper"]
    finally:
        logging.getLogger().handlers[:] = previous

    lines: list[dict[str, Any]] = [json.loads(line) for line in stream.getvalue().splitlines()]
    swept = [line for line in lines if line["message"].startswith("swept round")]
    failed = [line for line in lines if "failed; trying again" in line["message"]]
    assert len(swept) >= 3
    assert failed
    by_trace = {format(s.context.trace_id, "032x"): s for s in spans if s.context is not None}
    for line in [*swept, *failed]:
        span = by_trace[line["trace"]["id"]]  # every line belongs to a round's trace
        assert line["span"]["id"] == format(span.context.span_id, "016x")
    assert len({line["trace"]["id"] for line in swept}) == len(swept), "one trace per round"
    assert all(s.parent is None and s.attributes for s in spans)
    assert all(s.attributes[BACKGROUND_ATTRIBUTE] is True for s in spans if s.attributes)
    broken = by_trace[failed[0]["trace"]["id"]]
    assert broken.status.status_code.name == "ERROR"
    assert broken.attributes is not None
    assert broken.attributes["error.type"] == "RuntimeError"
    assert [s for s in spans if s.status.status_code.name == "ERROR"] == [broken]
