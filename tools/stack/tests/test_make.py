"""Every make target works from a fresh shell: uv need not be on the caller's PATH."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _path_without_local_bin() -> str:
    local_bin = str(Path.home() / ".local" / "bin")
    return os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != local_bin)


def test_make_finds_uv_without_it_on_the_callers_path() -> None:
    if shutil.which("uv", path=_path_without_local_bin()):
        pytest.skip("uv is installed system-wide: nothing to prove about ~/.local/bin here")
    env = {**os.environ, "PATH": _path_without_local_bin()}
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "versions"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("uv "), done.stdout
    assert "installing uv" not in done.stderr, "setup reinstalled uv although it was installed"
