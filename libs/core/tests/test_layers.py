"""The core's parts import downwards only, as libs/core/README.md draws them.

A module-level import from a higher layer fails here. (Imports inside functions, such as
settings' lazy look at the SQL URL parser, keep optional stacks optional and are not layers.)
"""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "src" / "shopgraph_core"

# Lower number, lower layer: a part may import its own layer's parts and lower ones.
LAYERS = {
    "errors": 0,
    "clock": 0,
    "loopback": 0,
    "settings": 1,
    "validation": 2,
    "auth": 2,
    "observability": 2,
    "storage": 3,
    "web": 4,
    "graphql": 4,
    "runtime": 5,
}


def part_of(module: str) -> str:
    return module.split(".")[1]


def modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "testing" not in p.relative_to(CORE).parts)


def test_every_part_has_a_layer() -> None:
    parts = {p.relative_to(CORE).parts[0].removesuffix(".py") for p in modules()}

    assert parts - {"__init__"} == set(LAYERS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_module_level_imports_point_down(path: Path) -> None:
    part = path.relative_to(CORE).parts[0].removesuffix(".py")
    if part == "__init__":
        return
    upward = [
        node.module
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and node.module.startswith("shopgraph_core.")
        and part_of(node.module) != part
        and LAYERS[part_of(node.module)] >= LAYERS[part]
    ]

    assert upward == [], f"{part} (layer {LAYERS[part]}) imports {upward}"
