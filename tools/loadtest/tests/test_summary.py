"""The .jtl summary, on committed samples whose numbers were worked out by hand."""

import json
from pathlib import Path

import pytest

from shopgraph_loadtest.summary import Summary, percentile, read_jtl, summarize

DATA = Path(__file__).parent / "data"


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (
        50,
        95,
        99,
    )
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.95) == 0


def test_a_passing_run_per_sampler_and_in_total() -> None:
    summary = summarize(read_jtl(DATA / "passing.jtl"), plan="mixed")

    assert summary.duration_s == pytest.approx(9.08)
    assert list(summary.samplers) == ["products page", "login", "createOrder"]
    total = summary.total
    assert (total.requests, total.failures, total.error_percent) == (19, 0, 0)
    assert total.throughput_rps == pytest.approx(19 / 9.08, abs=0.001)
    assert (total.p50_ms, total.p95_ms, total.p99_ms, total.max_ms) == (70, 500, 500, 500)
    page = summary.samplers["products page"]
    assert (page.requests, page.p50_ms, page.p95_ms) == (10, 50, 100)
    assert summary.samplers["login"].p50_ms == 300


def test_out_of_stock_is_counted_but_is_no_failure() -> None:
    orders = summarize(read_jtl(DATA / "passing.jtl"), plan="mixed").samplers["createOrder"]

    assert (orders.requests, orders.failures, orders.out_of_stock) == (4, 0, 1)
    assert orders.codes == {"OUT_OF_STOCK": 1}


def test_a_failing_run_counts_failures_by_code() -> None:
    summary = summarize(read_jtl(DATA / "failing.jtl"), plan="mixed")

    total = summary.total
    assert (total.requests, total.failures, total.rate_limited, total.out_of_stock) == (22, 3, 1, 1)
    assert total.error_percent == pytest.approx(100 * 3 / 22, abs=0.001)
    assert summary.duration_s == pytest.approx(12.1)
    assert total.codes == {
        "OUT_OF_STOCK": 1,
        "RATE_LIMITED": 1,
        "HTTP org.apache.http.conn.HttpHostConnectException": 1,
        "INTERNAL_SERVER_ERROR": 1,
        "UPSTREAM_UNAVAILABLE": 1,
    }
    markdown = summary.to_markdown()
    assert "| **TOTAL** | 22 |" in markdown
    assert "Failures by code: RATE_LIMITED 1" in markdown


def test_the_warm_up_is_left_out() -> None:
    # Samples start every 0.5 s: a 5 s warm-up leaves out the first ten (the products pages).
    summary = summarize(read_jtl(DATA / "passing.jtl"), plan="mixed", warmup_s=5)

    assert summary.total.requests == 9
    assert "products page" not in summary.samplers
    assert summary.duration_s == pytest.approx(9.08 - 5)
    assert "after a 5 s warm-up" in summary.to_markdown()


def test_summary_json_round_trips(tmp_path: Path) -> None:
    summary = summarize(read_jtl(DATA / "failing.jtl"), plan="mixed")

    again = Summary.from_json(summary.to_json())

    assert again == summary
    assert json.loads(summary.to_json())["total"]["p95_ms"] == summary.total.p95_ms


def test_a_file_that_is_no_jtl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jtl"
    path.write_text("<testResults/>\n")

    with pytest.raises(ValueError, match=r"not a CSV \.jtl"):
        read_jtl(path)
