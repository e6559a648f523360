"""Drives the whole stack through its gateway, as a client on the network would.

It imports the stack launcher (tools/stack) without declaring it: the launcher depends on
this package (its process runner and GraphQL client), and both are members of the one
workspace, so declaring it back would only make a cycle.
"""

import uuid

import httpx

from shopgraph_stack.supervisor import Supervisor
from shopgraph_stack.topology import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, Topology
from shopgraph_testing.graphql import Answer, BlockingGraphQLClient


class Gateway(BlockingGraphQLClient):
    """A running stack (`running_stack`), reached through its gateway over `http`; `kind` is
    which gateway it is ("node" or "router")."""

    def __init__(
        self, topology: Topology, supervisor: Supervisor, http: httpx.Client, kind: str
    ) -> None:
        super().__init__(http)
        self.topology, self.supervisor, self.kind = topology, supervisor, kind

    @property
    def url(self) -> str:
        return self.topology.gateway_url

    def sign_up(self, password: str = "e2e password") -> Answer:
        """The `signUp` payload (token, user) of a new customer."""
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        body = self.execute(
            "mutation SignUp($i: SignUpInput!) { signUp(input: $i) { token user { id email } } }",
            {"i": {"email": email, "password": password, "name": "E2E Shopper"}},
        )
        assert "errors" not in body, body
        payload: Answer = body["data"]["signUp"]
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
