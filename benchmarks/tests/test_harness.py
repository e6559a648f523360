"""The harness's tables: ratios, costs and verdicts as printed and as Markdown. Nothing here
measures anything: the rates are made up."""

from benchmarks.harness import Measurement, Report, Row, Table, mean_of


def _rate(rate: float) -> Measurement:
    return Measurement(rate=rate, p50_ms=10.0, p95_ms=20.0, answers=int(rate), turns=(rate,))


def _table(show_cost: bool = False) -> Table:
    table = Table("t", show_cost=show_cost)
    table.add(Row("bare", _rate(200.0)))
    table.add(Row("graphql", _rate(150.0), baseline="bare", target=0.7))
    table.add(Row("slow", _rate(100.0), baseline="bare", target=0.7))
    table.add(Row("alone", _rate(50.0)))
    return table


def test_a_pair_is_the_mean_of_its_turns() -> None:
    pair = mean_of([_rate(100.0), _rate(50.0)])
    assert (pair.rate, pair.turns, pair.answers) == (75.0, (100.0, 50.0), 150)


def test_ratios_are_to_the_named_baseline() -> None:
    table = _table()
    assert table.ratio(table.rows[1]) == 0.75
    assert table.ratio(table.rows[0]) is None


def test_text_says_which_targets_are_met() -> None:
    lines = _table().render_text().splitlines()
    assert lines[0] == "t"
    assert lines[2].split()[-1] == "baseline"
    assert lines[3].split()[-4:] == ["0.75x", ">=", "0.7x:", "met"]
    assert lines[4].split()[-4:] == ["0.50x", ">=", "0.7x:", "MISSED"]
    assert lines[5].split()[-1] == "-"


def test_gateway_tables_show_the_cost_and_its_limit() -> None:
    markdown = _table(show_cost=True).render_markdown().splitlines()
    assert markdown[2] == (
        "| scenario | req/s | turns | p50 ms | p95 ms | vs baseline | cost | target |"
    )
    assert markdown[3] == "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    assert markdown[5] == "| graphql | 150.0 | 150 | 10.0 | 20.0 | 0.75x | 25% | cost <= 30%: met |"


def test_the_report_holds_the_facts_and_every_table() -> None:
    report = Report(seconds=5, concurrency=16)
    report.tables.append(_table())
    report.stages["users"] = 12.3
    report.finish()
    markdown = report.render_markdown()
    assert markdown.startswith(f"### Run of {report.started:%Y-%m-%d %H:%M} UTC\n")
    assert "16 clients in a closed loop, 5 s per scenario (two turns of 2.5 s" in markdown
    assert "stages: users 12 s" in markdown
    assert "| slow | 100.0 | 100 | 10.0 | 20.0 | 0.50x | >= 0.7x: MISSED |" in markdown
