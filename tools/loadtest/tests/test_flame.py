"""Collapsed stacks: parsing, frame totals, the component a sample is charged to, the SVG."""

import re

import pytest

from shopgraph_loadtest.flame import (
    OTHER,
    component_of_stack,
    component_samples,
    frame_totals,
    parse_collapsed,
    render_svg,
    shares_markdown,
)

ROOT = "<module> (shopgraph-products:1);Runner.run (asyncio/runners.py:86)"
EXECUTE = "execute (graphql/execution/execute.py:10)"
LOG = "Logger.info (logging/__init__.py:1)"
COMPLETE = "complete (graphql/execution/execute.py:50)"
# Four stacks, 10 samples; recursion in the third (`complete` twice on one stack).
COLLAPSED = f"""\
{ROOT};{EXECUTE};to_list (beanie/odm/queries/cursor.py:5);write (pymongo/network_layer.py:490) 4
{ROOT};{EXECUTE};{LOG};dumps (json/__init__.py:183) 3
{ROOT};{EXECUTE};{COMPLETE};{COMPLETE} 2
 1
"""


def test_parse_collapsed_adds_equal_stacks_and_keeps_empty_ones() -> None:
    stacks = parse_collapsed(COLLAPSED + f"{ROOT} 5\n{ROOT} 2\n")
    assert sum(stacks.values()) == 17
    assert stacks[tuple(ROOT.split(";"))] == 7
    assert stacks[()] == 1  # a thread sampled without a Python frame


def test_parse_collapsed_names_a_malformed_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_collapsed(f"{ROOT} 1\n{ROOT} many\n")


def test_frame_totals_count_a_recursive_frame_once_per_stack() -> None:
    totals = frame_totals(parse_collapsed(COLLAPSED))
    assert totals.samples == 10
    assert totals.inclusive_samples["complete (graphql/execution/execute.py:50)"] == 2
    assert totals.self_samples["complete (graphql/execution/execute.py:50)"] == 2
    assert totals.inclusive_samples[EXECUTE] == 9
    assert totals.top_self(1) == [("write (pymongo/network_layer.py:490)", 4, 40.0)]
    assert totals.top_inclusive(1)[0][1:] == (9, 90.0)


def test_a_sample_goes_to_its_innermost_component_unless_an_owner_called_it() -> None:
    stacks = parse_collapsed(COLLAPSED)
    assert component_samples(stacks) == {
        "MongoDB driver (pymongo, bson)": 4,
        # JSON encoding inside a log call is logging's cost.
        "logging (stdlib, ecs-logging)": 3,
        "GraphQL execute (graphql-core)": 2,
        OTHER.name: 1,
    }
    json_alone = ("dumps (json/__init__.py:183)",)
    assert component_of_stack(json_alone).name == "JSON encode/decode"
    # Frames of no component (typing, functools) are charged to their caller's.
    assert component_of_stack((EXECUTE, "cast (typing.py:1)")).name.startswith("GraphQL execute")


def test_shares_markdown_ranks_components_and_puts_them_in_ms() -> None:
    text = shares_markdown(parse_collapsed(COLLAPSED), cpu_ms_per_request=5.0, top=2)
    rows = [line for line in text.splitlines() if line.startswith("| 1 |")]
    assert rows == ["| 1 | MongoDB driver (pymongo, bson) | 40.0 | 2.00 |"]
    assert "| 40.0 | 4 | `write (pymongo/network_layer.py:490)` |" in text


def test_render_svg_is_well_formed_and_leaves_out_the_narrowest_frames() -> None:
    stacks = parse_collapsed(COLLAPSED + f"{ROOT};tiny (x/y.py:1) 1\n")
    svg = render_svg(stacks, "products <test>", min_percent=10)
    assert svg.startswith("<svg ")
    assert svg.rstrip().endswith("</svg>")
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert any(t.startswith("write (pymongo/network_layer.py:490) (4 samples") for t in titles)
    assert not any(t.startswith("tiny") for t in titles)  # 1 of 11 samples: under 10 %
    assert "products &lt;test&gt;" in svg


def test_a_worker_thread_waiting_on_its_queue_is_idle_not_its_library() -> None:
    waiting = (
        "Thread._bootstrap (threading.py:988)",
        "WorkerThread.run (anyio/_backends/_asyncio.py:1110)",
        "Queue.get (queue.py:154)",
        "Condition.wait (threading.py:295)",
    )
    assert component_of_stack(waiting).name.startswith("idle worker threads")
    working = ("Thread._bootstrap (threading.py:988)", "_worker (concurrent/futures/thread.py:69)")
    assert component_of_stack(working) == OTHER


def test_a_statement_on_aiosqlites_thread_is_the_sqlite_driver_not_our_code() -> None:
    one_trip = (
        "Thread._bootstrap (threading.py:988)",
        "_connection_worker_thread (aiosqlite/core.py:59)",
        "_run (shopgraph_core/storage/sqlite_driver.py:33)",
    )
    assert component_of_stack(one_trip).name.startswith("SQLite driver")
