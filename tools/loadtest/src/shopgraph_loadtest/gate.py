"""The SLO gate: thresholds from a committed YAML file, checked against a run's summary.

The file (jmeter/slo.yaml) has a section per plan (and `default` for the others); each has a
`total` section and optional per-sampler ones, holding any of the limits below. A summary
passes when no limit is broken; each broken limit is named in one line, so a CI log says
exactly what failed.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shopgraph_loadtest.summary import Stats, Summary

# limit name -> (the Stats field it bounds, whether it is an upper bound, unit for messages)
LIMITS: dict[str, tuple[str, bool, str]] = {
    "p50_ms": ("p50_ms", True, " ms"),
    "p95_ms": ("p95_ms", True, " ms"),
    "p99_ms": ("p99_ms", True, " ms"),
    "error_percent": ("error_percent", True, " %"),
    "rate_limited": ("rate_limited", True, ""),
    "min_requests": ("requests", False, ""),
    "min_throughput_rps": ("throughput_rps", False, " rps"),
}


@dataclass(frozen=True)
class Slo:
    total: dict[str, float]
    samplers: dict[str, dict[str, float]]

    @property
    def p95_ms(self) -> float:
        """The total p95 objective; the knee finder judges each step by it."""
        return self.total["p95_ms"]

    @classmethod
    def load(cls, path: Path, *, plan: str) -> "Slo":
        document: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
        raw: dict[str, Any] | None = document.get(plan, document.get("default"))
        if raw is None:
            raise ValueError(f"{path} has no objectives for the plan {plan!r} and no default")
        slo = cls(
            total=_limits(raw.get("total") or {}, f"{path}: {plan}.total"),
            samplers={
                str(label): _limits(limits or {}, f"{path}: {plan}.samplers.{label}")
                for label, limits in (raw.get("samplers") or {}).items()
            },
        )
        if "p95_ms" not in slo.total:
            raise ValueError(f"{path}: {plan}.total.p95_ms is required")
        return slo


def _limits(raw: dict[str, Any], where: str) -> dict[str, float]:
    unknown = set(raw) - set(LIMITS)
    if unknown:
        raise ValueError(f"{where}: unknown limits {sorted(unknown)}; known: {sorted(LIMITS)}")
    return {name: float(value) for name, value in raw.items()}


def check(summary: Summary, slo: Slo) -> list[str]:
    """Every broken objective, one human-readable line each; empty when the run passes."""
    broken = _check("total", summary.total, slo.total)
    for label, limits in slo.samplers.items():
        stats = summary.samplers.get(label)
        if stats is None:
            broken.append(f"{label}: no samples (the SLO file names a sampler the run lacks)")
        else:
            broken += _check(label, stats, limits)
    return broken


def _check(where: str, stats: Stats, limits: dict[str, float]) -> list[str]:
    broken = []
    for name, limit in limits.items():
        field_name, upper, unit = LIMITS[name]
        value = float(getattr(stats, field_name))
        if (value > limit) if upper else (value < limit):
            relation = ">" if upper else "<"
            broken.append(
                f"{where} {field_name} {value:g}{unit} {relation} {limit:g}{unit} ({name})"
            )
    return broken
