"""The command line: bad input gives one clear line and exit code 2 before JMeter starts."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shopgraph_loadtest.cli import main
from shopgraph_loadtest.summary import read_jtl, summarize, write_summary
from shopgraph_testing.json_server import json_server
from shopgraph_testing.servers import free_port

DATA = Path(__file__).parent / "data"


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return int(stopped.value.code or 0)


def test_an_unknown_plan_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _exit_code(["run", "--plan", "soak", "--results", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err == "load: error: no plan named 'soak'; the plans are: mixed, smoke\n"


def test_an_unreachable_target_gives_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}/graphql"

    assert _exit_code(["run", "--plan", "smoke", "--target", url, "--results", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"load: error: cannot reach {url} (ConnectError"), err
    assert list(tmp_path.iterdir()) == []  # nothing was prepared or run


@pytest.fixture
def not_graphql() -> Iterator[str]:
    """Some other HTTP server: a wrong TARGET must be named, not crash the runner."""
    with json_server(lambda _: (200, {"data": None, "errors": [{"message": "no"}]})) as server:
        yield f"{server.url}/graphql"


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


def test_compare_knees_refuses_a_file_that_is_not_a_knee_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"
    summary.write_text('{"plan": "mixed"}')

    assert _exit_code(["compare-knees", str(summary), "--out", str(tmp_path / "c.png")]) == 2

    assert capsys.readouterr().err == f"load: error: {summary} is not a knee.json (no steps)\n"
    assert not (tmp_path / "c.png").exists()


def test_profile_report_of_a_folder_without_a_profile_gives_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _exit_code(["profile-report", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("load: error: [Errno 2] No such file or directory"), err
