"""shopgraph_core ships in every production image: importing any of its modules must not
import a dev-only package (the test support, pytest, asgi-lifespan)."""

import json
import pkgutil
import subprocess
import sys

import shopgraph_core

DEV_ONLY = {"shopgraph_testing", "pytest", "_pytest", "asgi_lifespan"}

PROBE = """
import importlib, json, pkgutil, sys
import shopgraph_core
for module in pkgutil.walk_packages(shopgraph_core.__path__, "shopgraph_core."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_core_imports_no_dev_only_package() -> None:
    # A fresh interpreter: this one has pytest loaded already.
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=300
    )
    top_level = set(json.loads(loaded.stdout))

    assert "shopgraph_core" in top_level, "the probe imported nothing"
    assert top_level & DEV_ONLY == set()


def test_the_core_has_no_test_support_inside() -> None:
    names = {m.name for m in pkgutil.walk_packages(shopgraph_core.__path__, "shopgraph_core.")}
    assert not {name for name in names if "testing" in name.split(".")}
