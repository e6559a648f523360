"""The one start-and-poll loop, on real processes and real sockets."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopgraph_testing.processes import (
    NotReady,
    ServerProcess,
    http_ok,
    port_open,
    wait_until_ready,
)
from shopgraph_testing.servers import free_port


def test_ready_returns_as_soon_as_the_probe_says_so() -> None:
    answers = iter([False, False, True])

    wait_until_ready("thing", lambda: next(answers), 5, interval_s=0.01)

    assert next(answers, "done") == "done"


def test_a_process_that_exits_while_starting_fails_at_once_and_says_why() -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    started = time.monotonic()

    with pytest.raises(NotReady, match=r"thing exited with 3 while starting: see the log"):
        wait_until_ready("thing", lambda: False, 60, process=process, why=lambda: ": see the log")

    assert time.monotonic() - started < 5, "it did not wait for the timeout"


def test_not_ready_in_time_is_an_error() -> None:
    with pytest.raises(NotReady, match="thing was not ready within 0s"):
        wait_until_ready("thing", lambda: False, 0.2, interval_s=0.05)


def test_port_open_sees_a_listener() -> None:
    port = free_port()
    assert not port_open(port)()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert port_open(port)()


def test_http_ok_is_false_while_nothing_answers() -> None:
    assert not http_ok(f"http://127.0.0.1:{free_port()}/health")()


def test_a_server_process_starts_pauses_resumes_and_stops(tmp_path: Path) -> None:
    port = free_port()
    server = ServerProcess(
        "http.server",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        {"PATH": "/usr/bin:/bin"},
        tmp_path / "server.log",
        http_ok(f"http://127.0.0.1:{port}/"),
    )
    server.start(timeout_s=60)
    try:
        assert http_ok(f"http://127.0.0.1:{port}/")()
        server.pause()
        assert not http_ok(f"http://127.0.0.1:{port}/")(), "a paused server answers nothing"
        server.resume()
        assert http_ok(f"http://127.0.0.1:{port}/")()
    finally:
        server.stop()
    assert not port_open(port)()
