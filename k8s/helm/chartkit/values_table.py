"""The chart README's table of values, generated from the comments in values.yaml.

    python -m chartkit.values_table           rewrite README.md's table
    python -m chartkit.values_table --check   fail when it is stale

(from k8s/helm, with `uv run --frozen`; `make chart-docs` runs both generators).

A key documented with a `# -- text` comment on the line(s) above it becomes one row (its whole
subtree is its default). A key without one must be a section whose every child is documented;
an undocumented leaf is an error, so a new value cannot arrive without its comment.
"""

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.generated import write_or_check

CHART = Path(__file__).resolve().parents[1] / "shopgraph"
VALUES = CHART / "values.yaml"
README = CHART / "README.md"
START, END = "<!-- values-table:start -->", "<!-- values-table:end -->"
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.\-]+):(?P<rest>.*)$")


@dataclass(frozen=True)
class Row:
    key: str
    default: str
    description: str


def _lookup(values: Any, path: list[str]) -> Any:
    for part in path:
        values = values[part]
    return values


def rows(text: str) -> tuple[list[Row], list[str]]:
    """The documented keys in file order, and the undocumented leaves (problems)."""
    values = yaml.safe_load(text)
    found: list[Row] = []
    problems: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, key) of the enclosing keys
    covered_below: int | None = None  # inside a documented key's subtree: its indent
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending = [stripped.removeprefix("# --").strip()]
            continue
        if stripped.startswith("#") or not stripped or stripped.startswith("-"):
            if not stripped.startswith("#"):
                pending = []
            continue
        match = KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        if covered_below is not None:
            if indent > covered_below:
                continue
            covered_below = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = [key for _, key in stack] + [match["key"]]
        value = _lookup(values, path)
        if pending:
            found.append(Row(".".join(path), json.dumps(value), " ".join(pending)))
            covered_below = indent
        elif not isinstance(value, dict) or not value:
            problems.append(".".join(path))
        pending = []
        stack.append((indent, match["key"]))
    return found, problems


def table(found: list[Row]) -> str:
    lines = ["| key | default | description |", "| --- | --- | --- |"]
    for row in found:
        default = row.default.replace("|", "\\|")
        description = row.description.replace("|", "\\|")
        lines.append(f"| `{row.key}` | `{default}` | {description} |")
    return "\n".join(lines)


def render_readme(readme: str, found: list[Row]) -> str:
    before, _, rest = readme.partition(START)
    _, _, after = rest.partition(END)
    return f"{before}{START}\n{table(found)}\n{END}{after}"


def main(argv: list[str]) -> int:
    found, problems = rows(VALUES.read_text())
    if problems:
        print("values without a `# --` comment: " + ", ".join(problems), file=sys.stderr)
        return 1
    return write_or_check(README, render_readme(README.read_text(), found), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
