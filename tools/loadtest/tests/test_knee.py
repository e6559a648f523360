"""The knee finder: thread steps, the knee's choice, and the report with its chart."""

import json
from pathlib import Path

import pytest

from shopgraph_loadtest.knee import (
    KneeRun,
    Step,
    compare_markdown,
    draw_comparison,
    find_knee,
    report_markdown,
    thread_steps,
    write_report,
)
from shopgraph_loadtest.summary import read_jtl, summarize

DATA = Path(__file__).parent / "data"


def _step(threads: int, rps: float, p95: float, failures: int = 0) -> Step:
    return Step(threads, rps, p95, failures, 0.0, 0)


STEPS = [
    _step(1, 20, 60),
    _step(2, 38, 80),
    _step(4, 61, 190),
    _step(8, 66, 420),  # the knee: the most throughput with p95 <= 500 and no failures
    _step(16, 70, 900),  # more throughput, but p95 over the SLO
    _step(32, 72, 450, failures=3),  # under the p95 bound, but failing
]


def test_thread_steps_double_up_to_the_maximum() -> None:
    assert thread_steps(1, 16) == [1, 2, 4, 8, 16]
    assert thread_steps(1, 12) == [1, 2, 4, 8, 12]
    assert thread_steps(3, 3) == [3]
    with pytest.raises(ValueError, match="thread steps"):
        thread_steps(0, 4)


def test_the_knee_is_the_most_throughput_within_the_slo() -> None:
    knee = find_knee(STEPS, p95_objective_ms=500)

    assert knee == STEPS[3]


def test_no_step_within_the_slo_means_no_knee() -> None:
    assert find_knee(STEPS, p95_objective_ms=10) is None
    assert "there is no knee" in report_markdown(STEPS, 10, "t")


def test_a_step_comes_from_a_run_summary() -> None:
    summary = summarize(read_jtl(DATA / "failing.jtl"), plan="mixed")

    step = Step.from_summary(4, summary)

    assert (step.threads, step.failures, step.out_of_stock) == (4, 3, 1)
    assert step.p95_ms == summary.total.p95_ms
    assert not step.within(10_000)


def test_the_report_has_a_table_json_and_a_chart(tmp_path: Path) -> None:
    write_report(STEPS, 500, tmp_path, "mixed plan knee (test)")

    assert (tmp_path / "knee.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert json.loads((tmp_path / "knee.json").read_text())["knee"]["threads"] == 8
    markdown = (tmp_path / "knee.md").read_text()
    assert "| 8 | 66.0 | 420 | 0 | 0.00 | 0 | yes (knee) |" in markdown
    assert "| 16 | 70.0 | 900 | 0 | 0.00 | 0 | **no** |" in markdown
    assert "Knee: 66.0 rps at 8 threads (p95 420 ms)." in markdown


def test_compare_knees_reads_two_runs_and_draws_them_on_one_chart(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    for folder, steps, label in ((before, STEPS[:3], "d6d3601"), (after, STEPS, "after")):
        folder.mkdir()
        write_report(steps, 500, folder, label, {"label": label, "load_average_start": [1, 2, 3]})
    runs = [KneeRun.load(before / "knee.json"), KneeRun.load(after / "knee.json", "fixed")]
    assert [run.name for run in runs] == ["d6d3601", "fixed"]
    assert runs[0].knee == STEPS[2]
    assert runs[1].knee == STEPS[3]
    table = compare_markdown(runs)
    assert "| d6d3601 | 4 | 61.0 | 190 | 1.00 |" in table
    assert "| fixed | 8 | 66.0 | 420 | 1.08 |" in table
    chart = tmp_path / "knees.png"
    draw_comparison(runs, chart, "before and after")
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_knee_run_refuses_a_file_that_is_not_a_knee(tmp_path: Path) -> None:
    other = tmp_path / "summary.json"
    other.write_text(json.dumps({"plan": "mixed"}))
    with pytest.raises(ValueError, match=r"not a knee\.json"):
        KneeRun.load(other)
