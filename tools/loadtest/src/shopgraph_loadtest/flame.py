"""Collapsed stacks (py-spy's `--format raw`) reduced to where the CPU goes, and drawn as SVG.

A collapsed stack is one line `root;caller;...;leaf COUNT`, each frame `function (file:line)`
with the file shortened to its package path (`strawberry/schema/execute.py`). From those:

* frame totals: a frame's **self** samples (it was the leaf) and **inclusive** samples (it was
  anywhere on the stack; counted once per stack, so recursion is not double-counted);
* components: every sample charged to one part of the stack (GraphQL parse, SQLAlchemy,
  logging, ...) by `COMPONENTS` below;
* a flame graph: an SVG with a tooltip (`<title>`) per frame, coloured by component.
"""

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

Stack = tuple[str, ...]
_LINE = re.compile(r"^(?P<stack>.*?) ?(?P<count>\d+)$")
_FILE = re.compile(r"\((?P<file>[^()]+?)(?::\d+)?\)$")


def parse_collapsed(text: str) -> Counter[Stack]:
    """Samples per stack (root first); equal stacks on several lines are added up.

    Not every stack starts at the interpreter's root: code running in a greenlet (SQLAlchemy's
    async bridge) has a stack of its own, starting where the greenlet was entered."""
    stacks: Counter[Stack] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not `frame;frame;... COUNT`: {line[:80]!r}")
        # A thread sampled with no Python frame at all gives an empty stack.
        frames = tuple(match["stack"].split(";")) if match["stack"] else ()
        stacks[frames] += int(match["count"])
    return stacks


def frame_file(frame: str) -> str:
    """The file part of `function (file:line)`, or "" for a frame without one."""
    match = _FILE.search(frame)
    return match["file"] if match else ""


@dataclass(frozen=True)
class FrameTotals:
    samples: int
    self_samples: Counter[str]
    inclusive_samples: Counter[str]

    def top_self(self, n: int) -> list[tuple[str, int, float]]:
        return [(f, c, self.percent(c)) for f, c in self.self_samples.most_common(n)]

    def top_inclusive(self, n: int) -> list[tuple[str, int, float]]:
        return [(f, c, self.percent(c)) for f, c in self.inclusive_samples.most_common(n)]

    def percent(self, count: int) -> float:
        return 100 * count / self.samples if self.samples else 0.0


def frame_totals(stacks: Mapping[Stack, int]) -> FrameTotals:
    self_samples: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        if stack:
            self_samples[stack[-1]] += count
        for frame in set(stack):
            inclusive[frame] += count
    return FrameTotals(sum(stacks.values()), self_samples, inclusive)


@dataclass(frozen=True)
class Component:
    """One part of a request's work, recognised by its frames' files (and function names)."""

    name: str
    pattern: str
    # Work done inside this component's frames belongs to it even when it calls code of
    # another component (logging's JSON encoding is logging's cost, not "JSON encoding").
    owns_callees: bool = False
    colour: str = "#c8c8c8"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def matches(self, frame: str) -> bool:
        return self.regex.search(frame) is not None


# Tried in order for each frame. Frames of no component (typing, functools, re, threading, ...)
# are skipped: their samples go to the nearest caller that has one.
COMPONENTS: tuple[Component, ...] = (
    Component("password hashing (argon2)", r"\(argon2/", True, "#9467bd"),
    Component(
        "JWT verify (PyJWT, cryptography, ours)",
        r"\((jwt|cryptography)/|\(shopgraph_core/auth/verifier",
        True,
        "#c5b0d5",
    ),
    Component("logging (stdlib, ecs-logging)", r"\((logging|ecs_logging)/", True, "#8c564b"),
    Component("metrics (prometheus_client)", r"\(prometheus_client/", True, "#c49c94"),
    Component(
        "OpenTelemetry",
        r"\((opentelemetry|google/protobuf)/|\(shopgraph_core/observability/tracing",
        True,
        "#e377c2",
    ),
    Component("JSON encode/decode", r"\((json|orjson)/", False, "#f7b6d2"),
    Component("GraphQL parse (graphql-core)", r"\(graphql/language/", False, "#1f77b4"),
    Component("GraphQL validate (graphql-core)", r"\(graphql/validation/", False, "#aec7e8"),
    Component("GraphQL execute (graphql-core)", r"\(graphql/execution/", False, "#17becf"),
    Component("graphql-core, other", r"\(graphql/", False, "#9edae5"),
    Component(
        "Strawberry extensions (ours and Strawberry's)",
        r"\(strawberry/extensions/|(RefuseUnencodableText|OperationRecorder)\.",
        False,
        "#2ca02c",
    ),
    Component("Strawberry (HTTP view, schema, resolver glue)", r"\(strawberry/", False, "#98df8a"),
    Component("Pydantic validation", r"\(pydantic(_core)?/", False, "#ff7f0e"),
    Component("Beanie ODM", r"\(beanie/", False, "#ffbb78"),
    Component("MongoDB driver (pymongo, bson)", r"\((pymongo|bson|motor)/", False, "#bcbd22"),
    Component("SQLAlchemy", r"\(sqlalchemy/", False, "#d62728"),
    # Our one-trip cursor's function runs sqlite3's C code on aiosqlite's thread: the driver's.
    Component(
        "SQLite driver (aiosqlite, sqlite3)",
        r"\((aiosqlite|sqlite3)/|\(shopgraph_core/storage/sqlite_driver",
        False,
        "#ff9896",
    ),
    Component("HTTP client (httpx)", r"\((httpx|httpcore|h11)/", False, "#dbdb8d"),
    Component(
        "our request middleware (telemetry, gateway check)",
        r"\(shopgraph_core/(observability|web|runtime/app)",
        False,
        "#7f7f7f",
    ),
    Component("Starlette/FastAPI", r"\((starlette|fastapi)/", False, "#a5a5a5"),
    Component("uvicorn/httptools", r"\((uvicorn|httptools)/", False, "#637939"),
    Component("our resolvers and services", r"\(shopgraph_", False, "#393b79"),
    # A worker thread blocked on its queue is idle, but py-spy cannot always tell without
    # pausing the process (--nonblocking): these samples are waiting, not work.
    Component(
        "idle worker threads (misread as busy)",
        r"^(Condition\.wait|Queue\.get|Event\.wait) \((threading|queue)\.py",
        False,
        "#f0f0f0",
    ),
    Component("asyncio event loop (uvloop)", r"\((asyncio|uvloop|selectors)/", False, "#b5cf6b"),
)
OTHER = Component("other (interpreter start, threads)", r"(?!)", False, "#e0e0e0")


def component_of_frame(
    frame: str, components: Sequence[Component] = COMPONENTS
) -> Component | None:
    return next((c for c in components if c.matches(frame)), None)


def component_of_stack(stack: Stack, components: Sequence[Component] = COMPONENTS) -> Component:
    """The outermost frame of an owning component (logging, JWT, ...) if any, else the
    innermost frame that has a component: where the sample's CPU time belongs."""
    found = [component_of_frame(frame, components) for frame in stack]
    for component in found:
        if component is not None and component.owns_callees:
            return component
    for component in reversed(found):
        if component is not None:
            return component
    return OTHER


def component_samples(
    stacks: Mapping[Stack, int], components: Sequence[Component] = COMPONENTS
) -> Counter[str]:
    """Samples per component name, most first."""
    totals: Counter[str] = Counter()
    for stack, count in stacks.items():
        totals[component_of_stack(stack, components).name] += count
    return Counter(dict(totals.most_common()))


# --- The flame graph --------------------------------------------------------------------

_WIDTH, _ROW, _FONT, _MARGIN, _LEGEND_ROW = 1200, 16, 11, 10, 15


@dataclass
class _Node:
    count: int = 0
    children: dict[str, "_Node"] = field(default_factory=dict)


def _tree(stacks: Mapping[Stack, int]) -> _Node:
    root = _Node()
    for stack, count in stacks.items():
        root.count += count
        node = root
        for frame in stack:
            node = node.children.setdefault(frame, _Node())
            node.count += count
    return root


def _depth(node: _Node) -> int:
    return 1 + max((_depth(child) for child in node.children.values()), default=0)


def render_svg(
    stacks: Mapping[Stack, int],
    title: str,
    *,
    min_percent: float = 0.1,
    components: Sequence[Component] = COMPONENTS,
) -> str:
    """A flame graph (root at the bottom, callees above, widths proportional to samples),
    frames narrower than `min_percent` of all samples left out to keep the file small.

    Static SVG: the tooltips work wherever SVG does (GitHub, GitLab, a browser), no script.
    """
    root = _tree(stacks)
    total = root.count or 1
    legend = [c for c in components if c.name in component_samples(stacks, components)]
    legend_height = _LEGEND_ROW * ((len(legend) + 2) // 3) + _MARGIN
    rows = _depth(root)
    top = 2 * _MARGIN + _ROW + legend_height
    height = top + rows * _ROW + _MARGIN
    scale = (_WIDTH - 2 * _MARGIN) / total
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="Verdana, sans-serif" '
        f'font-size="{_FONT}">',
        f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_WIDTH / 2}" y="{_MARGIN + _ROW - 3}" text-anchor="middle" '
        f'font-size="{_FONT + 3}">{escape(title)}</text>',
    ]
    for index, component in enumerate(legend):
        x = _MARGIN + (index % 3) * (_WIDTH - 2 * _MARGIN) / 3
        y = 2 * _MARGIN + _ROW + (index // 3) * _LEGEND_ROW
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{component.colour}"/>'
            f'<text x="{x + 14:.1f}" y="{y + 9}">{escape(component.name)}</text>'
        )

    def draw(name: str, node: _Node, x: float, level: int) -> None:
        width = node.count * scale
        if 100 * node.count / total < min_percent:
            return
        y = height - _MARGIN - (level + 1) * _ROW
        colour = (component_of_frame(name, components) or OTHER).colour
        label = f"{name} ({node.count} samples, {100 * node.count / total:.2f}%)"
        chars = int((width - 4) / (_FONT * 0.6))
        text = name if len(name) <= chars else (name[: chars - 2] + ".." if chars > 3 else "")
        parts.append(
            f"<g><title>{escape(label)}</title>"
            f'<rect x="{x:.2f}" y="{y}" width="{max(width - 0.5, 0.1):.2f}" '
            f'height="{_ROW - 1}" fill="{colour}" rx="2"/>'
            + (f'<text x="{x + 3:.2f}" y="{y + _ROW - 4}">{escape(text)}</text>' if text else "")
            + "</g>"
        )
        child_x = x
        for child_name in sorted(node.children):
            child = node.children[child_name]
            draw(child_name, child, child_x, level + 1)
            child_x += child.count * scale

    draw(f"all ({total} samples)", root, _MARGIN, 0)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def shares_markdown(
    stacks: Mapping[Stack, int],
    *,
    cpu_ms_per_request: float | None = None,
    top: int = 12,
) -> str:
    """Components ranked by share of samples (and CPU ms per request when known), then the
    top self-time and inclusive-time frames."""
    totals = frame_totals(stacks)
    by_component = component_samples(stacks)
    header = "| rank | component | % of samples |"
    rule = "| ---: | --- | ---: |"
    if cpu_ms_per_request is not None:
        header += " CPU ms per request |"
        rule += " ---: |"
    lines = [header, rule]
    for rank, (name, count) in enumerate(by_component.items(), start=1):
        share = totals.percent(count)
        row = f"| {rank} | {name} | {share:.1f} |"
        if cpu_ms_per_request is not None:
            row += f" {cpu_ms_per_request * share / 100:.2f} |"
        lines.append(row)
    for kind, rows in (
        ("self", totals.top_self(top)),
        ("inclusive", totals.top_inclusive(top)),
    ):
        lines += [
            "",
            f"Top {kind}-time frames:",
            "",
            "| % | samples | frame |",
            "| ---: | ---: | --- |",
        ]
        lines += [f"| {share:.1f} | {count} | `{frame}` |" for frame, count, share in rows]
    return "\n".join(lines) + "\n"
