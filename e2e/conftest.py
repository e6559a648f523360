"""The end-to-end suite: the whole stack, started as `make run` starts it, driven over HTTP.

Tests talk only to the gateway (shopgraph_testing.drivers.gateway). They run through Apollo
Gateway (Node) always, and through the real Apollo Router as well when its binary is
installed (`make router`).
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopgraph_stack.stack import running_stack
from shopgraph_stack.topology import find_router
from shopgraph_testing.drivers.gateway import Gateway

# Far from the dev ports, so a developer's running stack is left alone. E2E_PORT_BASE moves
# them, so two checkouts can run the suite side by side.
_BASE = int(os.environ.get("E2E_PORT_BASE", "10000"))
PORT_OFFSETS = {"node": _BASE, "router": _BASE + 1000}


@contextlib.contextmanager
def started_gateway(
    kind: str, data_dir: Path, *, port_shift: int = 0, **stack_options: Any
) -> Iterator[Gateway]:
    """A whole stack behind gateway `kind`, its ports at PORT_OFFSETS[kind] + port_shift."""
    with (
        running_stack(
            data_dir,
            port_offset=PORT_OFFSETS[kind] + port_shift,
            gateway=kind,
            echo=False,
            **stack_options,
        ) as (topology, supervisor),
        httpx.Client(base_url=topology.gateway_url, timeout=30) as http,
    ):
        yield Gateway(topology, supervisor, http, kind)


@pytest.fixture(scope="session")
def start_gateway() -> Callable[..., contextlib.AbstractContextManager[Gateway]]:
    """For a module that needs a stack of its own (traces in OpenSearch, say): a shifted
    port range keeps it apart from the shared `gateway` stack."""
    return started_gateway


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
def gateway_kind(request: pytest.FixtureRequest) -> str:
    """Every test runs through the Node gateway, and through the router when installed."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="session")
def gateway(gateway_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    kind = gateway_kind
    with started_gateway(kind, tmp_path_factory.mktemp(f"stack-{kind}"), traces="off") as gateway:
        yield gateway
