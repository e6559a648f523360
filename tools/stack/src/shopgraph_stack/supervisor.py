"""Starts components in order, waits for each to be ready, and stops them all together.

Each component runs in its own process group, so stopping it also stops anything it
spawned; nothing is left behind after Ctrl-C or a failed start.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from shopgraph_stack.topology import Component
from shopgraph_testing.processes import NotReady, Probe, http_ok, port_open, wait_until_ready

COLOURS = ["36", "35", "33", "32", "34", "31"]
STOP_GRACE_S = 10.0


def readable(line: str) -> str:
    """One JSON log line (ECS or the gateway's) as a short human line; others unchanged."""
    try:
        record: dict[str, Any] = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    level = str(record.get("log.level") or record.get("level") or "info").upper()
    message = str(record.get("message") or record.get("msg") or line)
    stamp = str(record.get("@timestamp") or record.get("timestamp") or "")[11:23]
    extra = ""
    if isinstance(graphql := record.get("graphql"), dict):
        operation = graphql.get("operation") or {}
        millis = (record.get("event") or {}).get("duration", 0) / 1e6
        extra = (
            f"  [{operation.get('type')} {operation.get('name') or '-'}"
            f" {graphql.get('outcome')} {millis:.1f}ms]"
        )
    return f"{stamp} {level:<5} {message}{extra}"


class Supervisor:
    def __init__(self, log_dir: Path, *, echo: bool = True, pretty: bool = True) -> None:
        self.log_dir = log_dir
        self.echo, self.pretty = echo, pretty
        self.processes: list[tuple[Component, subprocess.Popen[str]]] = []
        self.known: dict[str, Component] = {}
        self._print_lock = threading.Lock()
        self._colour = sys.stdout.isatty()
        log_dir.mkdir(parents=True, exist_ok=True)

    def say(self, text: str) -> None:
        with self._print_lock:
            print(text, flush=True)

    def start(self, component: Component, timeout_s: float | None = None) -> None:
        process = subprocess.Popen(
            component.argv,
            env=component.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            bufsize=1,
        )
        self.processes.append((component, process))
        self.known[component.name] = component
        log_file = (self.log_dir / f"{component.name}.log").open("a")
        threading.Thread(
            target=self._pump, args=(component.name, process.stdout, log_file), daemon=True
        ).start()
        try:
            self._wait_ready(component, process, timeout_s or component.start_timeout_s)
        except NotReady as exc:
            if not component.optional:
                raise
            self.stop(component.name)
            self.say(f"✘ {component.name} did not start, going on without it: {exc}")
            return
        self.say(f"✔ {component.name} is ready")

    def _pump(self, name: str, stream: IO[str] | None, log_file: IO[str]) -> None:
        colour = COLOURS[len(self.processes) % len(COLOURS)]
        label = f"\033[{colour}m{name:>9} |\033[0m" if self._colour else f"{name:>9} |"
        with log_file:
            for line in stream or ():
                log_file.write(line)
                log_file.flush()
                if self.echo:
                    shown = readable(line.rstrip("\n")) if self.pretty else line.rstrip("\n")
                    self.say(f"{label} {shown}")

    def _wait_ready(
        self, component: Component, process: subprocess.Popen[str], timeout_s: float
    ) -> None:
        log = self.log_dir / (component.name + ".log")
        wait_until_ready(
            component.name,
            self._probe(component),
            timeout_s,
            process=process,
            why=lambda: f"; see {log}",
        )

    @staticmethod
    def _probe(component: Component) -> Probe:
        if component.ready_port is not None:
            return port_open(component.ready_port)
        if component.ready_url is not None:
            return http_ok(component.ready_url)
        return lambda: True

    def running(self, name: str) -> bool:
        return any(c.name == name and p.poll() is None for c, p in self.processes)

    def failed(self) -> Component | None:
        """The first component that has exited on its own, if any."""
        for component, process in self.processes:
            if process.poll() is not None:
                return component
        return None

    def stop(self, name: str | None = None) -> None:
        """Stop one component (for failure tests) or all of them, newest first."""
        for component, process in reversed(self.processes):
            if name is not None and component.name != name:
                continue
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for component, process in reversed(self.processes):
            if name is not None and component.name != name:
                continue
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = [(c, p) for c, p in self.processes if p.poll() is None]

    def restart(self, name: str) -> None:
        """Start a stopped component again, as it was first started."""
        self.stop(name)
        self.start(self.known[name])


@contextlib.contextmanager
def supervised(log_dir: Path, *, echo: bool = True) -> Iterator[Supervisor]:
    supervisor = Supervisor(log_dir, echo=echo)
    try:
        yield supervisor
    finally:
        supervisor.stop()
