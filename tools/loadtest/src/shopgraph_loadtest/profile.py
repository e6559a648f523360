"""py-spy attached to each subgraph while JMeter drives the gateway (`make profile`).

What this module does on its own: check that py-spy may attach at all, find the process that
serves a port, read a process's CPU time, start and await the recorders, and write the
report. The run itself (stack, data, JMeter) is `shopgraph-load profile` in cli.py.

py-spy options, and why (docs/performance.md says it for readers):

* `--rate 100`: 100 samples/s per process. A subgraph busy 10-30 % of a core during the mixed
  plan gives 600-1,800 on-CPU samples a minute: a 5 % share is known to about +-1 point. More
  would cost more CPU in py-spy, on a machine where the stack already waits for CPU.
* `--nonblocking`: without it py-spy stops the target for every sample to read a consistent
  stack, which adds that pause to every request in flight, 100 times a second. The price is
  an occasional torn stack (py-spy counts them as errors; the report shows how many).
* `--function`: frames by function (its first line), not by line: one box per function.
* no `--idle`: only threads doing work are sampled, so samples approximate CPU time (an event
  loop waiting in epoll is idle). No `--gil`: argon2 hashes outside the GIL, on a thread, and
  that is CPU the process spends.
* `--format raw`: collapsed stacks. The SVG is drawn from them (flame.py) so that the picture
  and the numbers are the same samples, from one recorder per process.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shopgraph_loadtest.flame import (
    Stack,
    component_samples,
    parse_collapsed,
    render_svg,
    shares_markdown,
)
from shopgraph_loadtest.jmeter import LoadTestError
from shopgraph_stack.topology import VENV_BIN

PY_SPY = VENV_BIN / "py-spy"
SAMPLE_RATE_HZ = 100
_LISTEN = "0A"  # the TCP state LISTEN in /proc/net/tcp


def check_ptrace() -> None:
    """py-spy can read another process's memory here, or one line says why not."""
    if not PY_SPY.exists():
        raise LoadTestError(f"py-spy is not installed ({PY_SPY}); run `uv sync --frozen`")
    with subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdin=subprocess.DEVNULL
    ) as sleeper:
        try:
            time.sleep(0.3)  # the interpreter must be up before py-spy looks for its state
            done = subprocess.run(
                [str(PY_SPY), "dump", "--pid", str(sleeper.pid)],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        finally:
            sleeper.kill()
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise LoadTestError(
            "py-spy cannot attach to a process here "
            f"({said[-1] if said else f'exit {done.returncode}'}); it needs ptrace: run as "
            "root or with CAP_SYS_PTRACE (docker run --cap-add SYS_PTRACE), or set "
            "kernel.yama.ptrace_scope=0"
        )


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        path = proc / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def listening_pid(port: int, session: int, proc: Path = Path("/proc")) -> int:
    """The process of session `session` (a supervised component's process group) that holds
    the listening socket of `port`: the one serving requests, whether the command we started
    serves them itself or hands them to a worker process."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port, proc)}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            descriptors = list((entry / "fd").iterdir())
        except OSError:  # the process ended while we looked, or is not ours to read
            continue
        if _links(descriptors) & sockets:
            return int(entry.name)
    raise LoadTestError(f"no process of session {session} listens on port {port}")


def _links(descriptors: list[Path]) -> set[str]:
    found = set()
    for descriptor in descriptors:
        # One may be closed by now (the listing's own, when the process is this one).
        with contextlib.suppress(OSError):
            found.add(os.readlink(descriptor))
    return found


def cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float:
    """User plus system CPU time of a process (all its threads) so far."""
    stat = (proc / str(pid) / "stat").read_text()
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(session: int, proc: Path = Path("/proc")) -> float:
    """CPU time so far of every live process of a session (a component and what it spawned)."""
    total = 0.0
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if os.getsid(int(entry.name)) == session:
                    total += cpu_seconds(int(entry.name), proc)
    return total


def recorder_argv(pid: int, output: Path, duration_s: int) -> list[str]:
    return [
        str(PY_SPY),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(duration_s),
        "--rate",
        str(SAMPLE_RATE_HZ),
        "--nonblocking",
        "--function",
        "--format",
        "raw",
        "--output",
        str(output),
    ]


def py_spy_errors(log: str) -> int:
    """Samples py-spy could not read (torn stacks under --nonblocking), from its last words."""
    found = re.findall(r"Errors: (\d+)", log)
    return int(found[-1]) if found else 0


def record_all(pids: Mapping[str, int], folder: Path, duration_s: int) -> dict[str, float]:
    """One py-spy per process for `duration_s`; `<name>.collapsed.txt` in folder. Returns each
    process's CPU seconds over the same window (from /proc, to put the samples in ms)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    recorders = {
        name: subprocess.Popen(
            recorder_argv(pid, folder / f"{name}.collapsed.txt", duration_s),
            stdout=(folder / f"{name}.py-spy.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for name, pid in pids.items()
    }
    used = {}
    for name, recorder in recorders.items():
        if recorder.wait() != 0:
            raise LoadTestError(f"py-spy failed on {name}; see {folder / f'{name}.py-spy.log'}")
        used[name] = cpu_seconds(pids[name]) - before[name]
    return used


@dataclass(frozen=True)
class ServiceProfile:
    name: str
    pid: int
    samples: int
    # Samples py-spy dropped because the stack changed while it read it (--nonblocking).
    unreadable: int
    cpu_s: float
    cpu_ms_per_request: float


@dataclass(frozen=True)
class ProfileRun:
    """What profile.json holds: enough to redo every number of the report from the files."""

    threads: int
    gateway: str
    window_s: float
    requests: int
    throughput_rps: float
    p95_ms: float
    failures: int
    rate_hz: int
    load_average: tuple[float, float]
    services: list[ServiceProfile]
    # Every process of the stack (gateway, FerretDB, Prometheus too), from /proc.
    stack_cpu_ms_per_request: dict[str, float]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "ProfileRun":
        raw: dict[str, Any] = json.loads(text)
        services = [ServiceProfile(**service) for service in raw.pop("services")]
        raw["load_average"] = tuple(raw["load_average"])
        return cls(services=services, **raw)


def read_stacks(folder: Path, name: str) -> dict[Stack, int]:
    return dict(parse_collapsed((folder / f"{name}.collapsed.txt").read_text()))


def report_markdown(run: ProfileRun, folder: Path, *, top: int = 12) -> str:
    lines = [
        f"# Profile: mixed plan, {run.threads} threads, {run.window_s:.0f} s, "
        f"{run.gateway} gateway",
        "",
        f"{run.requests} requests in the profiled window ({run.throughput_rps:.1f} rps, "
        f"p95 {run.p95_ms:.0f} ms, {run.failures} failures); py-spy at {run.rate_hz} Hz; "
        f"load average (1 min) {run.load_average[0]:.1f} at the start, "
        f"{run.load_average[1]:.1f} at the end.",
        "",
        "| subgraph | on-CPU samples | unreadable | CPU s (from /proc) | CPU ms per request |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {s.name} | {s.samples} | {s.unreadable} | {s.cpu_s:.1f} | {s.cpu_ms_per_request:.2f} |"
        for s in run.services
    ]
    lines += [
        "",
        "CPU ms per request of every process of the stack in the same window (from /proc): "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in run.stack_cpu_ms_per_request.items())
        + f"; total {sum(run.stack_cpu_ms_per_request.values()):.2f}.",
    ]
    lines += ["", *combined_markdown(run, folder)]
    for service in run.services:
        stacks = read_stacks(folder, service.name)
        lines += [
            "",
            f"## {service.name}",
            "",
            "Where the CPU goes (each sample charged to one component; "
            "CPU ms per request = share x the CPU ms above):",
            "",
            shares_markdown(stacks, cpu_ms_per_request=service.cpu_ms_per_request, top=top),
        ]
    return "\n".join(lines).rstrip() + "\n"


def combined_markdown(run: ProfileRun, folder: Path) -> list[str]:
    """CPU ms per request by component over all subgraphs, most first: what to optimise."""
    per_service: dict[str, dict[str, float]] = {}
    for service in run.services:
        samples = component_samples(read_stacks(folder, service.name))
        total = sum(samples.values()) or 1
        for component, count in samples.items():
            per_service.setdefault(component, {})[service.name] = (
                service.cpu_ms_per_request * count / total
            )
    ranked = sorted(per_service.items(), key=lambda item: -sum(item[1].values()))
    names = [service.name for service in run.services]
    lines = [
        "All subgraphs: CPU ms per request by component, most first",
        "",
        f"| rank | component | all | {' | '.join(names)} |",
        f"| ---: | --- | ---: | {' | '.join('---:' for _ in names)} |",
    ]
    for rank, (component, ms) in enumerate(ranked, start=1):
        cells = " | ".join(f"{ms.get(name, 0.0):.2f}" for name in names)
        lines.append(f"| {rank} | {component} | **{sum(ms.values()):.2f}** | {cells} |")
    return lines


def write_outputs(run: ProfileRun, folder: Path, publish: Path | None) -> list[Path]:
    """profile.json, profile.md and one SVG per service in folder (and copies in publish)."""
    (folder / "profile.json").write_text(run.to_json())
    (folder / "profile.md").write_text(report_markdown(run, folder))
    drawn = []
    for service in run.services:
        title = (
            f"{service.name}: mixed plan, {run.threads} threads, {run.window_s:.0f} s "
            f"({service.samples} on-CPU samples at {run.rate_hz} Hz)"
        )
        svg = render_svg(read_stacks(folder, service.name), title)
        targets: Sequence[Path] = [folder / f"{service.name}.svg"]
        if publish is not None:
            publish.mkdir(parents=True, exist_ok=True)
            targets = [*targets, publish / f"{service.name}.svg"]
        for path in targets:
            path.write_text(svg)
            drawn.append(path)
    return drawn
