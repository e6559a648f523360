"""The knee: the most throughput the system gives while p95 stays under the SLO, error-free.

The runner steps the `mixed` plan through rising thread counts; each step is summarised to a
`Step`. Stepping stops at the first step that breaks the SLO (p95 over the objective, or any
failure); the knee is the step with the highest throughput among those that kept it.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a display
import matplotlib.pyplot as plt

from shopgraph_loadtest.summary import Summary


@dataclass(frozen=True)
class Step:
    threads: int
    throughput_rps: float
    p95_ms: float
    failures: int
    error_percent: float
    out_of_stock: int

    @classmethod
    def from_summary(cls, threads: int, summary: Summary) -> "Step":
        total = summary.total
        return cls(
            threads=threads,
            throughput_rps=total.throughput_rps,
            p95_ms=total.p95_ms,
            failures=total.failures,
            error_percent=total.error_percent,
            out_of_stock=total.out_of_stock,
        )

    def within(self, p95_objective_ms: float) -> bool:
        return self.failures == 0 and self.p95_ms <= p95_objective_ms


def find_knee(steps: Sequence[Step], p95_objective_ms: float) -> Step | None:
    """The highest-throughput step that kept the SLO, or None when none did."""
    kept = [step for step in steps if step.within(p95_objective_ms)]
    return max(kept, key=lambda step: step.throughput_rps, default=None)


def thread_steps(start: int, maximum: int) -> list[int]:
    """Doubling thread counts from `start` up to and including `maximum`: 1, 2, 4, ..."""
    if start < 1 or maximum < start:
        raise ValueError(f"thread steps need 1 <= start <= max, got {start} and {maximum}")
    steps = [start]
    while steps[-1] * 2 <= maximum:
        steps.append(steps[-1] * 2)
    if steps[-1] != maximum:
        steps.append(maximum)
    return steps


def report_markdown(steps: Sequence[Step], p95_objective_ms: float, title: str) -> str:
    knee = find_knee(steps, p95_objective_ms)
    lines = [
        f"# {title}",
        "",
        f"SLO: total p95 <= {p95_objective_ms:g} ms and no failures "
        "(OUT_OF_STOCK is a business answer, not a failure).",
        "",
        "| threads | rps | p95 ms | failures | error % | OUT_OF_STOCK | within SLO |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for step in steps:
        mark = "yes" if step.within(p95_objective_ms) else "**no**"
        if step is knee:
            mark += " (knee)"
        lines.append(
            f"| {step.threads} | {step.throughput_rps:.1f} | {step.p95_ms:.0f} | {step.failures} "
            f"| {step.error_percent:.2f} | {step.out_of_stock} | {mark} |"
        )
    lines.append("")
    if knee is None:
        lines.append("No step kept the SLO: there is no knee (the first step already broke it).")
    else:
        lines.append(
            f"Knee: {knee.throughput_rps:.1f} rps at {knee.threads} threads "
            f"(p95 {knee.p95_ms:.0f} ms)."
        )
    return "\n".join(lines) + "\n"


def write_report(
    steps: Sequence[Step],
    p95_objective_ms: float,
    folder: Path,
    title: str,
    about: Mapping[str, object] | None = None,
) -> None:
    """knee.json, knee.md and knee.png in `folder`; `about` (label, revision, load average,
    ...) goes into knee.json as it is."""
    knee = find_knee(steps, p95_objective_ms)
    (folder / "knee.json").write_text(
        json.dumps(
            {
                **(about or {}),
                "p95_objective_ms": p95_objective_ms,
                "knee": asdict(knee) if knee else None,
                "steps": [asdict(step) for step in steps],
            },
            indent=2,
        )
        + "\n"
    )
    (folder / "knee.md").write_text(report_markdown(steps, p95_objective_ms, title))
    draw_chart(steps, p95_objective_ms, folder / "knee.png", title)


def draw_chart(steps: Sequence[Step], p95_objective_ms: float, path: Path, title: str) -> None:
    """Throughput and p95 against threads, the SLO line and the knee marked."""
    threads = [step.threads for step in steps]
    figure, rps_axis = plt.subplots(figsize=(8, 4.5), dpi=100)
    rps_axis.plot(threads, [s.throughput_rps for s in steps], "o-", color="tab:blue")
    rps_axis.set_xlabel("threads")
    rps_axis.set_ylabel("throughput (requests/s)", color="tab:blue")
    rps_axis.set_xscale("log", base=2)
    rps_axis.set_xticks(threads, [str(t) for t in threads])
    rps_axis.set_ylim(bottom=0)
    p95_axis = rps_axis.twinx()
    p95_axis.plot(threads, [s.p95_ms for s in steps], "s--", color="tab:red")
    p95_axis.axhline(p95_objective_ms, color="tab:red", linewidth=0.8, linestyle=":")
    p95_axis.set_ylabel("p95 latency (ms); dotted: SLO", color="tab:red")
    p95_axis.set_ylim(bottom=0)
    knee = find_knee(steps, p95_objective_ms)
    if knee is not None:
        rps_axis.axvline(knee.threads, color="grey", linewidth=0.8, linestyle="--")
        rps_axis.annotate(
            f"knee: {knee.throughput_rps:.0f} rps",
            (knee.threads, knee.throughput_rps),
            textcoords="offset points",
            xytext=(0, -18),
            ha="center",
        )
    for step in steps:
        if step.failures:
            rps_axis.plot(step.threads, step.throughput_rps, "x", color="black", markersize=10)
    rps_axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


@dataclass(frozen=True)
class KneeRun:
    """A finished knee run, read back from its knee.json."""

    name: str
    p95_objective_ms: float
    steps: list[Step]

    @property
    def knee(self) -> Step | None:
        return find_knee(self.steps, self.p95_objective_ms)

    @classmethod
    def load(cls, path: Path, name: str | None = None) -> "KneeRun":
        raw = json.loads(path.read_text())
        if not isinstance(raw, dict) or "steps" not in raw:
            raise ValueError(f"{path} is not a knee.json (no steps)")
        default = raw.get("label") or raw.get("revision") or path.parent.name
        return cls(
            name=name or str(default),
            p95_objective_ms=float(raw["p95_objective_ms"]),
            steps=[Step(**step) for step in raw["steps"]],
        )


def compare_markdown(runs: Sequence[KneeRun]) -> str:
    """The knees side by side, and each later one as a ratio of the first."""
    lines = [
        "| run | knee threads | knee rps | knee p95 ms | x first |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    first = runs[0].knee if runs else None
    for run in runs:
        knee = run.knee
        if knee is None:
            lines.append(f"| {run.name} | - | - | - | no knee |")
            continue
        ratio = f"{knee.throughput_rps / first.throughput_rps:.2f}" if first else "-"
        lines.append(
            f"| {run.name} | {knee.threads} | {knee.throughput_rps:.1f} | {knee.p95_ms:.0f} "
            f"| {ratio} |"
        )
    return "\n".join(lines) + "\n"


def draw_comparison(runs: Sequence[KneeRun], path: Path, title: str) -> None:
    """Throughput (left) and p95 (right) against threads, one line per run, knees starred."""
    if not runs:
        raise ValueError("nothing to compare: give at least one knee.json")
    figure, (rps_axis, p95_axis) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
    threads = sorted({step.threads for run in runs for step in run.steps})
    colours = ["tab:grey", "tab:blue", "tab:green", "tab:orange", "tab:purple"]
    for index, run in enumerate(runs):
        colour = colours[index % len(colours)]
        xs = [step.threads for step in run.steps]
        rps_axis.plot(xs, [s.throughput_rps for s in run.steps], "o-", color=colour, label=run.name)
        p95_axis.plot(xs, [s.p95_ms for s in run.steps], "s--", color=colour, label=run.name)
        if (knee := run.knee) is not None:
            rps_axis.plot(knee.threads, knee.throughput_rps, "*", color=colour, markersize=16)
            rps_axis.annotate(
                f"{knee.throughput_rps:.0f} rps",
                (knee.threads, knee.throughput_rps),
                textcoords="offset points",
                xytext=(8, -14),
                color=colour,
            )
            p95_axis.plot(knee.threads, knee.p95_ms, "*", color=colour, markersize=16)
        for step in run.steps:
            if step.failures:
                rps_axis.plot(step.threads, step.throughput_rps, "x", color="black", markersize=10)
    p95_axis.axhline(runs[0].p95_objective_ms, color="tab:red", linewidth=0.8, linestyle=":")
    for axis, label in ((rps_axis, "throughput (requests/s)"), (p95_axis, "p95 latency (ms)")):
        axis.set_xscale("log", base=2)
        axis.set_xticks(threads, [str(t) for t in threads])
        axis.set_xlabel("threads")
        axis.set_ylabel(label)
        axis.set_ylim(bottom=0)
    rps_axis.legend(loc="lower right")  # throughput rises to the upper right
    p95_axis.legend(loc="upper left")  # p95 too, from the lower left
    rps_axis.set_title("throughput; star: the knee")
    p95_axis.set_title(f"p95; dotted: the SLO ({runs[0].p95_objective_ms:g} ms)")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
