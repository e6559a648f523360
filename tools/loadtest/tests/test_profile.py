"""The profile run's pure parts: /proc reading, the listener's process, py-spy's output."""

import os
import socket
from pathlib import Path

import pytest

from shopgraph_loadtest.jmeter import LoadTestError
from shopgraph_loadtest.profile import (
    PY_SPY,
    ProfileRun,
    ServiceProfile,
    cpu_seconds,
    listening_pid,
    py_spy_errors,
    recorder_argv,
    report_markdown,
    session_cpu_seconds,
)


def test_cpu_seconds_reads_a_command_name_with_spaces_and_parentheses(tmp_path: Path) -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    fields = ["S", *["0"] * 10, str(3 * ticks), str(ticks), *["0"] * 30]
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_text(f"42 (shop (graph) x) {' '.join(fields)}\n")
    assert cpu_seconds(42, proc=tmp_path) == 4.0


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_listening_pid_finds_this_process_by_its_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listening_pid(port, os.getsid(0)) == os.getpid()
        with pytest.raises(LoadTestError, match="no process of session"):
            listening_pid(port, session=-1)


def test_py_spy_errors_are_read_from_its_last_line() -> None:
    log = "py-spy> Sampling\npy-spy> Wrote raw flamegraph data to 'x'. Samples: 407 Errors: 6\n"
    assert py_spy_errors(log) == 6
    assert py_spy_errors("") == 0


def test_recorder_is_low_overhead_and_writes_collapsed_stacks(tmp_path: Path) -> None:
    argv = recorder_argv(123, tmp_path / "users.collapsed.txt", 60)
    assert argv[0] == str(PY_SPY)
    assert {"--nonblocking", "--function"} <= set(argv)
    assert argv[argv.index("--rate") + 1] == "100"
    assert argv[argv.index("--format") + 1] == "raw"
    assert "--idle" not in argv


def test_report_redoes_the_numbers_from_the_files(tmp_path: Path) -> None:
    (tmp_path / "users.collapsed.txt").write_text(
        "main (shopgraph-users:1);verify_secret (argon2/low_level.py:163) 3\n"
        "main (shopgraph-users:1);Runner.run (asyncio/runners.py:86) 1\n"
    )
    run = ProfileRun(
        threads=4,
        gateway="node",
        window_s=60.0,
        requests=1200,
        throughput_rps=20.0,
        p95_ms=300.0,
        failures=0,
        rate_hz=100,
        load_average=(2.0, 3.0),
        services=[ServiceProfile("users", 1, 4, 0, 6.0, 5.0)],
        stack_cpu_ms_per_request={"gateway": 4.0, "users": 5.0},
    )
    assert ProfileRun.from_json(run.to_json()) == run
    text = report_markdown(run, tmp_path)
    assert "| users | 4 | 0 | 6.0 | 5.00 |" in text
    assert "| 1 | password hashing (argon2) | 75.0 | 3.75 |" in text
    assert "gateway 4.00, users 5.00; total 9.00." in text
    assert "| 1 | password hashing (argon2) | **3.75** | 3.75 |" in text


def test_session_cpu_seconds_adds_up_the_sessions_processes() -> None:
    assert session_cpu_seconds(os.getsid(0)) >= cpu_seconds(os.getpid())
    assert session_cpu_seconds(-1) == 0.0
