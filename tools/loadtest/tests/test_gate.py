"""The SLO gate against committed samples, and the committed SLO file itself."""

from pathlib import Path

import pytest

from shopgraph_loadtest.cli import SLO_FILE
from shopgraph_loadtest.gate import Slo, check
from shopgraph_loadtest.summary import read_jtl, summarize

DATA = Path(__file__).parent / "data"


def _slo(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(text)
    return path


SAMPLE_SLO = """
default:
  total: {p95_ms: 600, error_percent: 1, rate_limited: 0, min_requests: 10}
  samplers:
    login: {p95_ms: 600}
"""


def test_a_run_within_every_objective_passes(tmp_path: Path) -> None:
    slo = Slo.load(_slo(tmp_path, SAMPLE_SLO), plan="mixed")

    assert check(summarize(read_jtl(DATA / "passing.jtl"), plan="mixed"), slo) == []


def test_each_broken_objective_is_named(tmp_path: Path) -> None:
    slo = Slo.load(_slo(tmp_path, SAMPLE_SLO), plan="mixed")

    broken = check(summarize(read_jtl(DATA / "failing.jtl"), plan="mixed"), slo)

    assert broken == [
        "total p95_ms 900 ms > 600 ms (p95_ms)",
        "total error_percent 13.636 % > 1 % (error_percent)",
        "total rate_limited 1 > 0 (rate_limited)",
    ]


def test_lower_bounds_and_per_sampler_objectives(tmp_path: Path) -> None:
    slo = Slo.load(
        _slo(
            tmp_path,
            "mixed:\n  total: {p95_ms: 9999, min_requests: 100}\n"
            "  samplers:\n    login: {p95_ms: 400}\n    cancelOrder: {p95_ms: 400}\n",
        ),
        plan="mixed",
    )

    broken = check(summarize(read_jtl(DATA / "passing.jtl"), plan="mixed"), slo)

    assert broken == [
        "total requests 19 < 100 (min_requests)",
        "login p95_ms 500 ms > 400 ms (p95_ms)",
        "cancelOrder: no samples (the SLO file names a sampler the run lacks)",
    ]


def test_a_plan_without_its_own_section_uses_the_default(tmp_path: Path) -> None:
    path = _slo(tmp_path, "default:\n  total: {p95_ms: 1}\nsmoke:\n  total: {p95_ms: 2}\n")

    assert Slo.load(path, plan="mixed").p95_ms == 1
    assert Slo.load(path, plan="smoke").p95_ms == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default:\n  total: {p95: 500}\n", "unknown limits"),
        ("default:\n  total: {error_percent: 1}\n", "p95_ms is required"),
        ("smoke:\n  total: {p95_ms: 1}\n", "no objectives for the plan 'mixed'"),
    ],
)
def test_a_mistaken_slo_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Slo.load(_slo(tmp_path, text), plan="mixed")


@pytest.mark.parametrize("plan", ["smoke", "mixed", "another"])
def test_the_committed_slo_file_loads_for_every_plan(plan: str) -> None:
    assert Slo.load(SLO_FILE, plan=plan).p95_ms > 0
