"""Start a server process and poll until it is ready: the one loop the test servers, the
benchmarks and the stack launcher (`tools/stack`) share.

A start fails fast when the process exits while starting, and says why (the log's tail)
when it is not ready in time.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import httpx

Probe = Callable[[], bool]


class Polled(Protocol):
    """What the loop needs of a process: whether, and how, it has exited."""

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...


class NotReady(RuntimeError):
    """The process exited while starting, or was not ready in time."""


def port_open(port: int, host: str = "127.0.0.1") -> Probe:
    """Ready once something accepts connections on the port."""

    def probe() -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
            return True
        return False

    return probe


def http_ok(
    url: str, accept: Callable[[httpx.Response], bool] | None = None, timeout_s: float = 1.0
) -> Probe:
    """Ready once the URL answers 200 (and `accept` likes the answer, when given)."""

    def probe() -> bool:
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            response = httpx.get(url, timeout=timeout_s)
            return response.status_code == 200 and (accept is None or accept(response))
        return False

    return probe


def wait_until_ready(
    name: str,
    ready: Probe,
    timeout_s: float,
    *,
    process: Polled | None = None,
    interval_s: float = 0.2,
    why: Callable[[], str] = lambda: "",
) -> None:
    """Poll `ready` until it says yes; raise NotReady if `process` exits or time runs out.

    `why` gives what to add to the error (a log's tail, or where the log is).
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise NotReady(f"{name} exited with {process.returncode} while starting{why()}")
        if ready():
            return
        time.sleep(interval_s)
    raise NotReady(f"{name} was not ready within {timeout_s:.0f}s{why()}")


class ServerProcess:
    """A server in a process (and session) of its own, its output in a log file; tests may
    stop, pause and resume it."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_file: Path,
        ready: Probe,
    ) -> None:
        self.name = name
        self.argv, self.env = list(argv), dict(env)
        self.log_file = log_file
        self.ready = ready
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 90.0) -> None:
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until_ready(
            self.name,
            self.ready,
            timeout_s,
            process=self._process,
            why=lambda: ":\n" + self.log_tail(),
        )

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `grace_s`; a paused process is continued first, as it
        cannot act on SIGTERM while stopped."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def pause(self) -> None:
        """Freeze the process: it still accepts connections (the kernel does) but answers
        nothing, like a service stuck in a long pause."""
        os.kill(self._running().pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self._running().pid, signal.SIGCONT)

    def log_tail(self) -> str:
        return self.log_file.read_text(errors="replace")[-3000:]

    def _running(self) -> "subprocess.Popen[bytes]":
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process
