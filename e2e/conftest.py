"""The end-to-end suite: the whole stack, started as `make run` starts it, driven over HTTP.

Tests talk only to the gateway (shopgraph_testing.drivers.gateway). They run through Apollo
Gateway (Node) always, and through the real Apollo Router as well when its binary is
installed (`make router`).
"""

import os
from collections.abc import Iterator

import httpx
import pytest

from shopgraph_stack.stack import running_stack
from shopgraph_stack.topology import find_router
from shopgraph_testing.drivers.gateway import Gateway

# Far from the dev ports, so a developer's running stack is left alone. E2E_PORT_BASE moves
# them, so two checkouts can run the suite side by side.
_BASE = int(os.environ.get("E2E_PORT_BASE", "10000"))
PORT_OFFSETS = {"node": _BASE, "router": _BASE + 1000}


@pytest.fixture(
    scope="session",
    params=[
        "node",
        pytest.param(
            "router",
            marks=pytest.mark.skipif(
                find_router() is None, reason="no Apollo Router binary (make router)"
            ),
        ),
    ],
)
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    kind: str = request.param
    data_dir = tmp_path_factory.mktemp(f"stack-{kind}")
    with (
        running_stack(data_dir, port_offset=PORT_OFFSETS[kind], gateway=kind, echo=False) as (
            topology,
            supervisor,
        ),
        httpx.Client(base_url=topology.gateway_url, timeout=30) as http,
    ):
        yield Gateway(topology, supervisor, http, kind)
