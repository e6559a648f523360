"""scripts/test.sh: with pytest arguments it is the fast loop; make test runs every stage."""

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_pytest_arguments_run_pytest_alone() -> None:
    done = subprocess.run(
        [str(REPO / "scripts" / "test.sh"), "--collect-only", "-q", "scripts/tests"],
        cwd=REPO,
        env={**os.environ, "PATH": f"{Path.home() / '.local' / 'bin'}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_pytest_arguments_run_pytest_alone" in done.stdout
    stages = re.findall(r"^== (.+?)(?:: \d+s.*)?$", done.stderr, re.MULTILINE)
    assert "python tests: pytest --collect-only -q scripts/tests" in stages
    assert not [s for s in stages if "lint" in s or "Helm chart" in s or "contract" in s], stages


def test_make_test_runs_every_stage() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]

    assert "scripts/test.sh --all $(PYTEST_ARGS)" in recipe
