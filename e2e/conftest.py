"""The end-to-end suite: the whole stack, started as `make run` starts it, driven over HTTP.

Tests talk only to the gateway. They run through Apollo Gateway (Node) always, and through
the real Apollo Router as well when its binary is installed (`make router`).
"""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shopgraph_stack.stack import running_stack
from shopgraph_stack.supervisor import Supervisor
from shopgraph_stack.topology import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, Topology, find_router

# Far from the dev ports, so a developer's running stack is left alone. E2E_PORT_BASE moves
# them, so two checkouts can run the suite side by side.
_BASE = int(os.environ.get("E2E_PORT_BASE", "10000"))
PORT_OFFSETS = {"node": _BASE, "router": _BASE + 1000}


@dataclass
class Gateway:
    topology: Topology
    supervisor: Supervisor
    http: httpx.Client
    kind: str

    @property
    def url(self) -> str:
        return self.topology.gateway_url

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = {"Authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        body: dict[str, Any] = response.json()
        return body

    def sign_up(self, password: str = "e2e password") -> dict[str, Any]:
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        body = self.execute(
            "mutation SignUp($i: SignUpInput!) { signUp(input: $i) { token user { id email } } }",
            {"i": {"email": email, "password": password, "name": "E2E Shopper"}},
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["signUp"]
        return payload

    def admin_token(self) -> str:
        body = self.execute(
            "mutation Login($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"email": DEV_ADMIN_EMAIL, "password": DEV_ADMIN_PASSWORD}},
        )
        token: str = body["data"]["login"]["token"]
        return token

    def service_log(self, name: str) -> str:
        return (self.topology.data_dir / "logs" / f"{name}.log").read_text()


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
