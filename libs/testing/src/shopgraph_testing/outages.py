"""What every service must answer while its database is away, shared by every service's tests.

The test stops a real database server under the running service, then calls
`answers_during_outage`: each operation must fail with UPSTREAM_UNAVAILABLE (not
INTERNAL_SERVER_ERROR), no error may be logged (an outage is not a bug of ours), the
readiness probe must say 503 DOWN, and liveness must stay up.
"""

import logging
import time
from typing import Any

import pytest

from shopgraph_testing.graphql import GraphQLClient, error_codes


async def answers_during_outage(
    client: GraphQLClient,
    caplog: pytest.LogCaptureFixture,
    operations: list[tuple[str, dict[str, Any]]],
    *,
    token: str | None = None,
) -> list[float]:
    """Assert the outage answers; returns how long each operation took, in seconds."""
    took = []
    for query, variables in operations:
        caplog.clear()
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING):
            body = await client.execute(query, variables, token=token)
        took.append(time.perf_counter() - started)
        if set(error_codes(body)) != {"UPSTREAM_UNAVAILABLE"}:
            raise AssertionError(f"{query}: {body}")
        if "Internal" in str(body) or "://" in str(body):
            raise AssertionError(f"{query} leaks internals: {body}")
        if errors := [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]:
            raise AssertionError(f"{query} logged errors: {errors}")
    ready = await client.http.get("/health/ready")
    live = await client.http.get("/health/live")
    if (ready.status_code, ready.json()) != (503, {"status": "DOWN"}):
        raise AssertionError(f"readiness during the outage: {ready.status_code} {ready.text}")
    if live.status_code != 200:
        raise AssertionError(f"liveness during the outage: {live.status_code}")
    # Printed, not asserted: speed is measured in benchmarks, never in timed tests.
    print("answered during the outage in", ", ".join(f"{t:.2f}s" for t in took))
    return took
