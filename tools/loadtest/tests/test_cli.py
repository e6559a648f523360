"""The command line: bad input gives one clear line and exit code 2 before JMeter starts."""

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shopgraph_loadtest.cli import main
from shopgraph_loadtest.summary import read_jtl, summarize, write_summary

DATA = Path(__file__).parent / "data"


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return int(stopped.value.code or 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unknown_plan_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _exit_code(["run", "--plan", "soak", "--results", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err == "load: error: no plan named 'soak'; the plans are: mixed, smoke\n"


def test_an_unreachable_target_gives_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/graphql"

    assert _exit_code(["run", "--plan", "smoke", "--target", url, "--results", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"load: error: cannot reach {url} (ConnectError"), err
    assert list(tmp_path.iterdir()) == []  # nothing was prepared or run


class _NotGraphQL(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"data": null, "errors": [{"message": "no"}]}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_graphql() -> Iterator[str]:
    """Some other HTTP server: a wrong TARGET must be named, not crash the runner."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotGraphQL)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    server.shutdown()
    server.server_close()


def test_a_target_that_is_not_graphql_is_named(
    capsys: pytest.CaptureFixture[str], not_graphql: str, tmp_path: Path
) -> None:
    assert _exit_code(["run", "--target", not_graphql, "--results", str(tmp_path)]) == 2

    assert capsys.readouterr().err == f"load: error: {not_graphql} answers HTTP 200, not GraphQL\n"


@pytest.mark.parametrize("target", ["", "127.0.0.1:4000/graphql", "ftp://example.com/graphql"])
def test_a_missing_or_malformed_target_is_refused(
    capsys: pytest.CaptureFixture[str], target: str
) -> None:
    assert _exit_code(["knee", "--target", target]) == 2

    assert "the target must be the gateway's GraphQL URL" in capsys.readouterr().err


def test_the_gate_command_fails_a_failing_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_summary(summarize(read_jtl(DATA / "failing.jtl"), plan="mixed"), tmp_path, "failing")

    assert _exit_code(["gate", str(tmp_path / "summary.json")]) == 1

    err = capsys.readouterr().err
    assert "load: SLO broken: total error_percent 13.636 % > 0.5 % (error_percent)" in err
    assert err.endswith("load: SLO gate failed\n")


def test_the_summarize_command_writes_json_and_markdown(tmp_path: Path) -> None:
    jtl = tmp_path / "results.jtl"
    jtl.write_bytes((DATA / "passing.jtl").read_bytes())

    assert _exit_code(["summarize", str(jtl)]) == 0

    assert (tmp_path / "summary.json").exists()
    assert "| **TOTAL** | 19 |" in (tmp_path / "summary.md").read_text()
