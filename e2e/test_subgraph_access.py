"""Subgraphs answer the gateway only; what reaches them is checked before it runs.

The launcher gives every subgraph and the gateway one GATEWAY_TOKEN per data folder, as
production does from a secret: a subgraph's /graphql called directly, past the gateway,
answers FORBIDDEN, while every client request through the gateway works.
"""

import json

import httpx

from shopgraph_core.web.guards import GATEWAY_TOKEN_HEADER
from shopgraph_testing.drivers.gateway import Gateway

ENTITIES = """
query E($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name role } } }"""


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    all_headers = {"content-type": "application/json", **(headers or {})}
    return httpx.post(f"{url}/graphql", content=body, headers=all_headers, timeout=30)


def test_a_subgraph_called_directly_answers_nobody_but_the_gateway(gateway: Gateway) -> None:
    topology = gateway.topology
    shopper = gateway.sign_up()
    probe = json.dumps(
        {
            "query": ENTITIES,
            "variables": {"r": [{"__typename": "User", "id": shopper["user"]["id"]}]},
        }
    ).encode()

    for name in topology.subgraphs:
        url = topology.subgraph_url(name)
        bare = post(url, b'{"query": "{ __typename }"}')
        forged = post(url, b'{"query": "{ __typename }"}', {GATEWAY_TOKEN_HEADER: "guess"})
        for refused in (bare, forged):
            assert refused.status_code == 403, (name, refused.text)
            assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "Error" not in bare.text

    # Even holding the credential, the entity path applies the query path's checks.
    token = {GATEWAY_TOKEN_HEADER: topology.gateway_token()}
    anonymous = post(topology.subgraph_url("users"), probe, token).json()
    assert anonymous["data"]["_entities"] == [None]
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A client cannot bring a credential of its own through the gateway either: it is the
    # gateway's own that reaches the subgraph, and the request works.
    me = gateway.execute(
        "{ me { id } }", token=shopper["token"], headers={GATEWAY_TOKEN_HEADER: "guess"}
    )
    assert me == {"data": {"me": {"id": shopper["user"]["id"]}}}


def test_a_lone_surrogate_through_the_gateway_is_bad_user_input(gateway: Gateway) -> None:
    body = json.dumps(
        {
            "query": "mutation L($i: LoginInput!) { login(input: $i) { token } }",
            "variables": {"i": {"email": "a\ud800@example.com", "password": "whatever1"}},
        }
    ).encode()

    answer = gateway.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    codes = {e["extensions"]["code"] for e in answer.json()["errors"]}
    assert codes == {"BAD_USER_INPUT"}, answer.text
    assert "Traceback" not in gateway.service_log("users")


def test_a_subgraph_refuses_a_body_over_its_limit(gateway: Gateway) -> None:
    topology = gateway.topology
    token = {GATEWAY_TOKEN_HEADER: topology.gateway_token()}
    padding = " " * (1024 * 1024)
    body = json.dumps({"query": "{ __typename" + padding + "}"}).encode()

    answer = post(topology.subgraph_url("products"), body, token)

    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
