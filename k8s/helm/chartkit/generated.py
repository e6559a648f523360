"""Files the chart tooling generates: write them, or check they are current."""

import sys
from pathlib import Path


def write_or_check(path: Path, wanted: str, argv: list[str]) -> int:
    """With `--check`, fail when `path` differs from `wanted`; else rewrite it. An exit code."""
    if argv == ["--check"]:
        if path.read_text() != wanted:
            print(f"{path} is stale: run `make chart-docs`", file=sys.stderr)
            return 1
        return 0
    path.write_text(wanted)
    print(f"wrote {path}")
    return 0
