"""The Kibana saved objects hang together: references resolve, JSON attributes parse.

That the fields they use exist in a real mapping is checked in e2e/test_logs_pipeline.py,
against the mapping that real service logs produce.
"""

import copy
import json

from shopgraph_logpipeline.kibana import (
    json_attributes,
    load_saved_objects,
    referenced_fields,
    runtime_fields,
    unresolved_references,
)

OBJECTS = load_saved_objects()


def test_the_file_holds_the_data_view_searches_visualizations_and_dashboard() -> None:
    kinds = {(o["type"], o["id"]) for o in OBJECTS}
    assert ("index-pattern", "shopgraph-logs") in kinds
    assert {i for t, i in kinds if t == "search"} == {
        "shopgraph-errors",
        "shopgraph-slow-operations",
        "shopgraph-one-trace",
    }
    assert ("dashboard", "shopgraph-logs-overview") in kinds
    assert len(kinds) == len(OBJECTS), "ids are unique"


def test_every_json_attribute_parses() -> None:
    seen = 0
    for obj in OBJECTS:
        for _name, text in json_attributes(obj):
            json.loads(text)  # raises on the first broken one
            seen += 1
    assert seen >= 12  # searchSourceJSON everywhere, visState, panelsJSON, optionsJSON, ...


def test_every_reference_resolves() -> None:
    assert unresolved_references(OBJECTS) == []


def test_a_dangling_reference_is_reported() -> None:
    broken = copy.deepcopy(OBJECTS)
    dashboard = next(o for o in broken if o["type"] == "dashboard")
    dashboard["references"][0]["id"] = "no-such-visualization"
    search = next(o for o in broken if o["type"] == "search")
    search["references"] = []
    problems = unresolved_references(broken)
    assert any("no-such-visualization" in p for p in problems), problems
    assert any("has no such reference" in p for p in problems), problems


def test_fields_are_found_in_queries_columns_sorts_and_aggregations() -> None:
    fields = referenced_fields(OBJECTS)
    for field in ("@timestamp", "trace.id", "log.level", "error.code", "event.duration"):
        assert field in fields, field
    assert "fatal" not in fields, "quoted KQL values are not fields"


def test_the_trace_link_opens_the_same_trace_id_in_apm() -> None:
    """Any log line's trace.apm value links to its trace's spans in Kibana's APM app, as its
    trace.id value links to the trace's log lines (the one-trace search)."""
    [data_view] = [o for o in OBJECTS if o["type"] == "index-pattern"]
    formats = json.loads(data_view["attributes"]["fieldFormatMap"])
    assert formats["trace.apm"]["params"]["urlTemplate"] == "/app/apm/link-to/trace/{{value}}"
    assert "shopgraph-one-trace" in formats["trace.id"]["params"]["urlTemplate"]
    assert runtime_fields(OBJECTS) == {
        "trace.apm": "if (doc['trace.id'].size() > 0) { emit(doc['trace.id'].value); }"
    }
    fields = referenced_fields(OBJECTS)
    assert "trace.apm" not in fields, "a runtime field is in no mapping"
    assert "search/shopgraph-one-trace" in fields["trace.id"]
    [one_trace] = [o for o in OBJECTS if o["id"] == "shopgraph-one-trace"]
    assert "trace.apm" in one_trace["attributes"]["columns"]
