"""A component the system can do without (Prometheus) may fail to start; others may not."""

import os
import sys

import pytest

from shopgraph_stack.supervisor import supervised
from shopgraph_stack.topology import Component

EXITS_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]


def test_an_optional_component_that_fails_is_reported_and_left_out(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    flaky = Component("flaky", EXITS_AT_ONCE, dict(os.environ), ready_port=1, optional=True)
    with supervised(tmp_path, echo=False) as supervisor:
        supervisor.start(flaky, timeout_s=10)
        assert not supervisor.running("flaky")
        assert supervisor.failed() is None  # the stack goes on
    assert "flaky did not start, going on without it" in capsys.readouterr().out


def test_a_required_component_that_fails_stops_the_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    needed = Component("needed", EXITS_AT_ONCE, dict(os.environ), ready_port=1)
    with (
        supervised(tmp_path, echo=False) as supervisor,
        pytest.raises(RuntimeError, match="exited with 3"),
    ):
        supervisor.start(needed, timeout_s=10)
