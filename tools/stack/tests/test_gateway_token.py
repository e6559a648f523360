"""The launcher gives the subgraphs and the gateway one generated GATEWAY_TOKEN."""

from pathlib import Path

from shopgraph_stack.topology import Topology


def test_every_subgraph_and_the_gateway_share_one_token_per_data_folder(tmp_path: Path) -> None:
    first = Topology.load(tmp_path / "a", gateway="node")
    other = Topology.load(tmp_path / "b", gateway="node")

    components = {c.name: c for c in first.components()}
    tokens = {components[name].env["GATEWAY_TOKEN"] for name in (*first.subgraphs, "gateway")}

    [token] = tokens
    assert len(token) >= 32  # what production demands of it too
    assert token == Topology.load(tmp_path / "a").gateway_token()  # kept across restarts
    assert token != other.gateway_token()
    assert (tmp_path / "a" / "keys" / "gateway-token").stat().st_mode & 0o077 == 0
