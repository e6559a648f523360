"""The Kibana saved objects: import them, and read what they reference.

The NDJSON is what Kibana's saved-objects export writes: one object per line, with the
fields Kibana keeps as JSON strings (`searchSourceJSON`, `visState`, `panelsJSON`, ...) and a
`references` list that names the objects each one points at.
"""

import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from shopgraph_logpipeline.assets import SAVED_OBJECTS, load_saved_objects

# KQL `field : value` / `field >= n`; quoted values are cut out first so they never match.
_KQL_FIELD = re.compile(r"(?<![\w.@])([A-Za-z_@][\w.@]*)\s*(?::|>=|<=|>|<)")
_KQL_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def import_saved_objects(
    kibana_url: str, path: Path = SAVED_OBJECTS, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """POST the file to the saved-objects import API with overwrite=true.

    Credentials: KIBANA_API_KEY, else KIBANA_USERNAME/KIBANA_PASSWORD, else the ES_ ones
    (one elastic user usually serves both). KIBANA_SPACE imports into another space.
    """
    env = os.environ if environ is None else environ
    headers = {"kbn-xsrf": "shopgraph"}  # Kibana refuses API writes without it
    auth: tuple[str, str] | None = None
    if api_key := env.get("KIBANA_API_KEY") or env.get("ES_API_KEY"):
        headers["Authorization"] = f"ApiKey {api_key}"
    elif username := env.get("KIBANA_USERNAME") or env.get("ES_USERNAME"):
        auth = (username, env.get("KIBANA_PASSWORD") or env.get("ES_PASSWORD", ""))
    space = env.get("KIBANA_SPACE")
    prefix = f"/s/{space}" if space else ""
    verify: str | bool = env.get("KIBANA_CA_CERT") or True
    with httpx.Client(
        base_url=kibana_url.rstrip("/"), headers=headers, auth=auth, verify=verify, timeout=60
    ) as client:
        response = client.post(
            f"{prefix}/api/saved_objects/_import",
            params={"overwrite": "true"},
            files={"file": (path.name, path.read_bytes(), "application/ndjson")},
        )
    if response.is_error:
        raise ImportFailedError(f"HTTP {response.status_code}: {response.text[:500]}")
    result: dict[str, Any] = response.json()
    if not result.get("success"):
        raise ImportFailedError(json.dumps(result.get("errors", result))[:2000])
    return result


class ImportFailedError(RuntimeError):
    """Kibana refused the import, or part of it."""


def json_attributes(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every attribute Kibana stores as a JSON string: (dotted name, text)."""

    def walk(node: dict[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                yield from walk(value, f"{name}.")
            elif isinstance(value, str) and (
                key.endswith("JSON")
                or key in ("visState", "fieldFormatMap", "fieldAttrs", "runtimeFieldMap")
            ):
                yield name, value

    yield from walk(obj.get("attributes", {}), "")


def unresolved_references(objects: list[dict[str, Any]]) -> list[str]:
    """References that name no object in the file, and named refs that no reference provides."""
    present = {(o["type"], o["id"]) for o in objects}
    problems: list[str] = []
    for obj in objects:
        where = f"{obj['type']}/{obj['id']}"
        names = set()
        for ref in obj.get("references", []):
            names.add(ref["name"])
            if (ref["type"], ref["id"]) not in present:
                problems.append(f"{where}: reference {ref['name']} -> {ref['type']}/{ref['id']}")
        for needed in _ref_names_used(obj):
            if needed not in names:
                problems.append(f"{where}: uses {needed!r} but has no such reference")
    return problems


def _ref_names_used(obj: dict[str, Any]) -> Iterator[str]:
    attributes = obj.get("attributes", {})
    source = attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if source and (index_ref := json.loads(source).get("indexRefName")):
        yield index_ref
    if panels := attributes.get("panelsJSON"):
        for panel in json.loads(panels):
            if ref := panel.get("panelRefName"):
                # Kibana 7.14+ names a panel's reference "<panelIndex>:<panelRefName>".
                yield f"{panel['panelIndex']}:{ref}"


_DOC_FIELD = re.compile(r"doc\['([^']+)'\]")


def runtime_fields(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The data views' runtime fields (Kibana computes them; no mapping has them): name ->
    the Painless script that emits them."""
    found: dict[str, str] = {}
    for obj in objects:
        runtime = json.loads(obj.get("attributes", {}).get("runtimeFieldMap") or "{}")
        found.update({name: spec["script"]["source"] for name, spec in runtime.items()})
    return found


def referenced_fields(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Field name -> the objects that use it: queries, columns, sorts, aggregations, formats,
    and the fields runtime fields read. Runtime fields themselves are left out: they are
    not in any mapping."""
    used: dict[str, set[str]] = {}
    runtime = runtime_fields(objects)

    def add(field: str, obj: dict[str, Any]) -> None:
        if field not in runtime:
            used.setdefault(field, set()).add(f"{obj['type']}/{obj['id']}")

    for obj in objects:
        attributes = obj.get("attributes", {})
        for script in json.loads(attributes.get("runtimeFieldMap") or "{}").values():
            for field in _DOC_FIELD.findall(script["script"]["source"]):
                add(field, obj)
        if time_field := attributes.get("timeFieldName"):
            add(time_field, obj)
        for key in json.loads(attributes.get("fieldFormatMap") or "{}"):
            add(key, obj)
        for column in attributes.get("columns", []):
            add(column, obj)
        for field, _direction in attributes.get("sort", []):
            add(field, obj)
        source = attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if source:
            query = json.loads(source).get("query", {}).get("query", "")
            for field in _KQL_FIELD.findall(_KQL_QUOTED.sub('""', query)):
                add(field, obj)
        if vis_state := attributes.get("visState"):
            for agg in json.loads(vis_state).get("aggs", []):
                if field := agg.get("params", {}).get("field"):
                    add(field, obj)
    return used


def aggregated_fields(objects: list[dict[str, Any]]) -> set[str]:
    """Fields a visualization aggregates or a search sorts on: these need doc values."""
    fields: set[str] = set()
    for obj in objects:
        attributes = obj.get("attributes", {})
        fields.update(f for f, _ in attributes.get("sort", []))
        if vis_state := attributes.get("visState"):
            for agg in json.loads(vis_state).get("aggs", []):
                if field := agg.get("params", {}).get("field"):
                    fields.add(field)
    return fields


__all__ = [
    "ImportFailedError",
    "aggregated_fields",
    "import_saved_objects",
    "json_attributes",
    "load_saved_objects",
    "referenced_fields",
    "runtime_fields",
    "unresolved_references",
]
