"""prepare_for_serving (shopgraph_core.runtime.garbage_collector) and the `serve` command
that calls it. Each check runs in a child process: freezing the heap of the test process
would change every later test's memory."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from shopgraph_core.runtime.garbage_collector import YOUNG_GENERATION_THRESHOLD
from shopgraph_testing.processes import http_ok, wait_until_ready
from shopgraph_testing.servers import free_port


def _in_child(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_start_up_is_frozen_and_the_young_collected_less_often() -> None:
    said = _in_child(
        """
        import gc
        from shopgraph_core.runtime.garbage_collector import prepare_for_serving
        before = gc.get_threshold()
        prepare_for_serving()
        after = gc.get_threshold()
        print(gc.get_freeze_count() > 1000, before[1:] == after[1:], after[0])
        """
    )
    assert said == f"True True {YOUNG_GENERATION_THRESHOLD}"


def test_serve_prepares_the_collector_before_it_serves(tmp_path: Path) -> None:
    """`serve`, run for real (uvicorn on a free port), with an app whose one route reports the
    collector's state as the serving process sees it."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import gc
                from fastapi import FastAPI
                from shopgraph_core.runtime.cli import ServiceCli
                from shopgraph_core.settings import ServiceSettings

                def create_app(_settings):
                    app = FastAPI()

                    @app.get("/gc")
                    def state() -> dict:
                        return {"frozen": gc.get_freeze_count(), "young": gc.get_threshold()[0]}

                    return app

                ServiceCli(
                    name="probe",
                    settings=ServiceSettings,
                    create_app=create_app,
                    create_schema=lambda: None,
                    schema_file=None,
                ).main(["serve"])
                """
            ),
        ],
        env={**os.environ, "PORT": str(port), "SHOPGRAPH_DATA_DIR": str(tmp_path)},
    )
    try:
        url = f"http://127.0.0.1:{port}/gc"
        wait_until_ready("serve", http_ok(url), 60, process=server)
        state = httpx.get(url).json()
    finally:
        server.terminate()
        server.wait(10)
    assert state["frozen"] > 1000  # the app and everything imported before it
    assert state["young"] == YOUNG_GENERATION_THRESHOLD
