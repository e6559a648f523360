"""A JMeter results file (.jtl, CSV) reduced to what a load test is judged by.

Per sampler label and in total: requests, throughput, latency percentiles, failures, and the
GraphQL codes the plans' classifying assertion put into the response message. OUT_OF_STOCK is
a business answer (the sample stayed successful) and RATE_LIMITED means login throttling was
tripped: both are counted on their own.
"""

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TOTAL = "TOTAL"
OUT_OF_STOCK = "OUT_OF_STOCK"
RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True)
class Sample:
    label: str
    started_ms: int
    elapsed_ms: int
    success: bool
    # The GraphQL codes of the answer ("OUT_OF_STOCK", ...), or the HTTP failure, if any.
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    requests: int
    failures: int
    error_percent: float
    throughput_rps: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: int
    out_of_stock: int
    rate_limited: int
    codes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    plan: str
    duration_s: float
    warmup_s: float
    total: Stats
    samplers: dict[str, Stats]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Summary":
        raw: dict[str, Any] = json.loads(text)
        return cls(
            plan=raw["plan"],
            duration_s=raw["duration_s"],
            warmup_s=raw["warmup_s"],
            total=Stats(**raw["total"]),
            samplers={label: Stats(**stats) for label, stats in raw["samplers"].items()},
        )

    def to_markdown(self, title: str = "Load test summary") -> str:
        lines = [
            f"# {title}",
            "",
            f"{self.total.requests} requests in {self.duration_s:.1f} s"
            + (f" (after a {self.warmup_s:g} s warm-up)" if self.warmup_s else "")
            + "; latencies in ms; OUT_OF_STOCK is a business answer, not a failure.",
            "",
            "| sampler | requests | rps | p50 | p95 | p99 | max | error % | OUT_OF_STOCK "
            "| RATE_LIMITED |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, stats in [*self.samplers.items(), (TOTAL, self.total)]:
            name = f"**{label}**" if label == TOTAL else label
            lines.append(
                f"| {name} | {stats.requests} | {stats.throughput_rps:.1f} | {stats.p50_ms:.0f} "
                f"| {stats.p95_ms:.0f} | {stats.p99_ms:.0f} | {stats.max_ms} "
                f"| {stats.error_percent:.2f} | {stats.out_of_stock} | {stats.rate_limited} |"
            )
        failing = {code: n for code, n in self.total.codes.items() if code != OUT_OF_STOCK}
        if failing:
            lines += ["", "Failures by code: " + ", ".join(f"{c} {n}" for c, n in failing.items())]
        return "\n".join(lines) + "\n"


def percentile(sorted_values: Sequence[int], fraction: float) -> float:
    """Nearest-rank percentile (the value below which `fraction` of the samples fall)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def read_jtl(path: Path) -> list[Sample]:
    """The samples of a CSV .jtl written with JMeter's default columns (header line included)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"timeStamp", "elapsed", "label", "success"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path} is not a CSV .jtl with a header: no {sorted(missing)}")
        return [_sample(row) for row in reader]


def _sample(row: dict[str, str]) -> Sample:
    message = row.get("responseMessage") or ""
    response_code = row.get("responseCode") or ""
    codes: tuple[str, ...] = ()
    if message and message != "OK" and message.replace("|", "").replace("_", "").isupper():
        codes = tuple(message.split("|"))
    elif not response_code.startswith("2"):
        # No HTTP answer at all ("Non HTTP response code: java.net.ConnectException") or 5xx.
        codes = (f"HTTP {response_code.removeprefix('Non HTTP response code: ')}",)
    return Sample(
        label=row["label"],
        started_ms=int(row["timeStamp"]),
        elapsed_ms=int(row["elapsed"]),
        success=row["success"].strip().lower() == "true",
        codes=codes,
    )


def _stats(samples: Sequence[Sample], duration_s: float) -> Stats:
    elapsed = sorted(s.elapsed_ms for s in samples)
    failures = sum(not s.success for s in samples)
    codes = Counter(code for s in samples for code in s.codes)
    requests = len(samples)
    return Stats(
        requests=requests,
        failures=failures,
        error_percent=round(100 * failures / requests, 3) if requests else 0.0,
        throughput_rps=round(requests / duration_s, 3) if duration_s > 0 else 0.0,
        mean_ms=round(sum(elapsed) / requests, 1) if requests else 0.0,
        p50_ms=percentile(elapsed, 0.50),
        p95_ms=percentile(elapsed, 0.95),
        p99_ms=percentile(elapsed, 0.99),
        max_ms=elapsed[-1] if elapsed else 0,
        out_of_stock=codes[OUT_OF_STOCK],
        rate_limited=codes[RATE_LIMITED],
        codes=dict(codes.most_common()),
    )


def summarize(samples: Iterable[Sample], *, plan: str, warmup_s: float = 0) -> Summary:
    """Throughput is over the measured wall time: from the first sample that started after the
    warm-up to the last end. The warm-up leaves out JMeter's own start (its first JSON and
    Groovy assertions compile while the first requests wait: seconds on a busy machine)."""
    ordered = list(samples)
    if ordered and warmup_s > 0:
        measured_from = min(s.started_ms for s in ordered) + warmup_s * 1000
        ordered = [s for s in ordered if s.started_ms >= measured_from]
    if ordered:
        first = min(s.started_ms for s in ordered)
        last = max(s.started_ms + s.elapsed_ms for s in ordered)
        duration_s = max((last - first) / 1000, 0.001)
    else:
        duration_s = 0.0
    labels = sorted({s.label for s in ordered}, key=[s.label for s in ordered].index)
    return Summary(
        plan=plan,
        duration_s=round(duration_s, 3),
        warmup_s=warmup_s,
        total=_stats(ordered, duration_s),
        samplers={
            label: _stats([s for s in ordered if s.label == label], duration_s) for label in labels
        },
    )


def write_summary(summary: Summary, folder: Path, title: str) -> None:
    (folder / "summary.json").write_text(summary.to_json())
    (folder / "summary.md").write_text(summary.to_markdown(title))
