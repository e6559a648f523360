"""Each service image installs one database driver only (core's `sql` or `mongo` extra).

The real cluster (k8s/local) showed the users and products images crash at import when
shopgraph_core.storage.outages needed both drivers; these tests hide one driver from a fresh
interpreter and use the module as a service would.
"""

import subprocess
import sys

import pytest

# sys.modules[name] = None makes `import name` raise ImportError, as if not installed.
SCRIPT = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None
from shopgraph_core.storage.outages import as_upstream_unavailable, is_storage_outage
assert not is_storage_outage(ValueError("not an outage"))
assert as_upstream_unavailable(RuntimeError("boom")) is None
{check}
print("ok")
"""

MONGO_OUTAGE = """
from pymongo.errors import ServerSelectionTimeoutError
assert is_storage_outage(ServerSelectionTimeoutError("no server"))
"""
SQL_OUTAGE = """
from sqlalchemy.exc import TimeoutError
assert is_storage_outage(TimeoutError("pool"))
"""


@pytest.mark.parametrize(
    ("hidden", "check"),
    [
        (["pymongo", "pymongo.errors"], SQL_OUTAGE),  # the users and orders images
        (["sqlalchemy", "sqlalchemy.exc"], MONGO_OUTAGE),  # the products image
    ],
    ids=["sql-driver-only", "mongo-driver-only"],
)
def test_outages_work_with_one_driver(hidden: list[str], check: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(hidden=hidden, check=check)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
