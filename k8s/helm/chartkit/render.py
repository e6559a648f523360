"""Renders the shopgraph chart for every value set in the chart's ci/ folder.

    uv run --frozen python k8s/helm/chartkit/render.py OUTDIR     writes OUTDIR/<set>.yaml

scripts/chart-check.sh feeds those files to kubernetes-validate, psa-check and Checkov; the
tests in k8s/helm/tests/ render through `render()` the same way. Helm comes from
.local/bin (scripts/install-ops-tools.sh helm).
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "k8s" / "helm" / "shopgraph"
HELM = REPO / ".local" / "bin" / "helm"
RELEASE = "shopgraph"
NAMESPACE = "shopgraph"
# The Kubernetes version the cluster guide pins (k8s/cluster/versions.sh).
KUBE_VERSION = "1.31.0"
# Extra `helm template` arguments per value set: the production-like set pretends the
# Prometheus Operator's CRDs are installed, so its ServiceMonitors render too.
EXTRA_ARGS = {
    "production": [
        "--api-versions", "monitoring.coreos.com/v1",
        "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor",
        "--api-versions", "monitoring.coreos.com/v1/PrometheusRule",
    ]
}  # fmt: skip


def value_sets() -> dict[str, Path]:
    """Every ci/<name>-values.yaml of the chart, by name."""
    return {
        path.name.removesuffix("-values.yaml"): path
        for path in sorted((CHART / "ci").glob("*-values.yaml"))
    }


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False)


def render(name: str, *extra: str) -> str:
    """`helm template` of one value set (plus extra arguments, e.g. --set) as YAML text."""
    done = helm(
        "template", RELEASE, str(CHART),
        "--namespace", NAMESPACE,
        "--kube-version", KUBE_VERSION,
        "-f", str(value_sets()[name]),
        *EXTRA_ARGS.get(name, []),
        *extra,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"helm template ({name}) failed: {done.stderr}")
    return done.stdout


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name in value_sets():
        (out / f"{name}.yaml").write_text(render(name))
        print(f"rendered {name} -> {out / f'{name}.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
