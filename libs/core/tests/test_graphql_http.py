"""The endpoint's JSON encoder writes what the standard library would, only faster."""

import json

import pytest

from shopgraph_core.graphql.http import encode_json


@pytest.mark.parametrize(
    "data",
    [
        {"data": {"me": {"id": "1", "name": "Ada Lovelace", "email": "ada@example.com"}}},
        {"data": {"p": {"name": "Café ☕", "price": 1250, "ratio": 0.1, "tags": [], "x": None}}},
        {"errors": [{"message": "No", "extensions": {"code": "FORBIDDEN"}}], "data": None},
        {"data": {"n": 2**70}},  # orjson refuses; the standard library writes it
        {"data": {"s": "\ud800"}},  # a lone surrogate: the same
    ],
)
def test_results_encode_to_the_same_json(data: object) -> None:
    assert json.loads(encode_json(data)) == data
