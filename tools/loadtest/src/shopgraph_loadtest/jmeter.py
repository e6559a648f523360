"""Apache JMeter, installed by tools/jmeter/install.sh and run non-GUI on a plan of jmeter/plans."""

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from shopgraph_stack.topology import REPO

JMETER_VERSION = "5.6.3"
JMETER_HOME = REPO / ".local" / f"jmeter-{JMETER_VERSION}"
INSTALL_SCRIPT = REPO / "tools" / "jmeter" / "install.sh"
PLANS_DIR = REPO / "jmeter" / "plans"
# Lines JMeter prints on every start that say nothing about the run (log4j2's plugin scanning).
_NOISE = ("StatusConsoleListener", "WARNING: package", "java.util.prefs")


class LoadTestError(RuntimeError):
    """Something the user must fix before a run can start; its message is one line."""


@dataclass(frozen=True)
class Target:
    protocol: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> "Target":
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise LoadTestError(
                f"the target must be the gateway's GraphQL URL, like "
                f"http://127.0.0.1:4000/graphql; got {url!r}"
            )
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port, parts.path or "/graphql")

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}{self.path}"

    @property
    def slug(self) -> str:
        """A folder name for this target's prepared data."""
        return f"{self.host}-{self.port}"

    def properties(self) -> dict[str, str]:
        return {
            "protocol": self.protocol,
            "host": self.host,
            "port": str(self.port),
            "path": self.path,
        }


def plans() -> list[str]:
    return sorted(path.stem for path in PLANS_DIR.glob("*.jmx"))


def plan_file(name: str) -> Path:
    path = PLANS_DIR / f"{name}.jmx"
    if not path.is_file():
        raise LoadTestError(f"no plan named {name!r}; the plans are: {', '.join(plans())}")
    return path


def ensure_installed() -> Path:
    """JMETER_HOME, installing JMeter first when missing (the script is idempotent and cheap)."""
    done = subprocess.run([str(INSTALL_SCRIPT)], check=False)
    if done.returncode != 0:
        raise LoadTestError(f"JMeter could not be installed ({INSTALL_SCRIPT} failed)")
    return JMETER_HOME


def run_plan(
    plan: Path,
    folder: Path,
    properties: Mapping[str, str],
    *,
    dashboard: bool = True,
) -> Path:
    """Runs the plan non-GUI; the .jtl, jmeter.log and the HTML dashboard go into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    jtl = folder / "results.jtl"
    command = [
        "java",
        "-Xms256m",
        "-Xmx512m",
        # JMeter shares the two cores with the stack it loads, so its own CPU is taken from
        # what it measures. Only the quick (C1) JIT: a 20 s run of the mixed plan cost JMeter
        # 8 instead of 14-16 ms of CPU per sample, the optimising compiler's threads being
        # most of the difference (docs/performance.md).
        "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        "-jar",
        str(JMETER_HOME / "bin" / "ApacheJMeter.jar"),
        "-n",
        "-t",
        str(plan),
        "-l",
        str(jtl),
        "-j",
        str(folder / "jmeter.log"),
        # No UDP shutdown listener: parallel runs on one machine must not fight for port 4445.
        "-Jjmeterengine.nongui.port=0",
        "-Jjmeter.save.saveservice.output_format=csv",
        "-Jsummariser.interval=10",
        # One dashboard point per second: runs here are seconds to minutes long.
        "-Jjmeter.reportgenerator.overall_granularity=1000",
        *(f"-J{name}={value}" for name, value in properties.items()),
    ]
    if dashboard:
        command += ["-e", "-o", str(folder / "dashboard")]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=plan.parent
    ) as process:
        assert process.stdout is not None  # noqa: S101 (Popen was given stdout=PIPE)
        with (folder / "jmeter.out").open("w") as transcript:
            for line in process.stdout:
                transcript.write(line)
                if not any(noise in line for noise in _NOISE):
                    print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
    if process.returncode != 0:
        raise LoadTestError(
            f"JMeter stopped with exit code {process.returncode}; see {folder / 'jmeter.log'}"
        )
    if not jtl.exists():
        raise LoadTestError(f"JMeter wrote no results; see {folder / 'jmeter.log'}")
    return jtl
