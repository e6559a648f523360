"""One host set, one check per URL kind: what production refuses as a dev default."""

import pytest

from shopgraph_core.loopback import is_loopback_http_url, is_loopback_mongodb_url


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:4001/.well-known/jwks.json", True),
        ("http://localhost:4002", True),
        ("http://LOCALHOST:4002", True),  # urlsplit lower-cases the host
        ("http://[::1]:4002", True),
        ("/relative/path", True),  # no host at all: not production's
        ("http://users:4001/.well-known/jwks.json", False),
        ("https://products.shop.internal", False),
        ("http://127.0.0.2:4002", False),  # only the three names of this machine count
        ("http://localhost.example.com", False),
    ],
)
def test_http_urls(url: str, loopback: bool) -> None:
    assert is_loopback_http_url(url) is loopback


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("mongodb://127.0.0.1:27017/shopgraph_products", True),
        ("mongodb://localhost/db", True),
        ("mongodb://user:pw@[::1]:27017/db?authSource=admin", True),
        ("mongodb://::1/db", True),
        ("mongodb://127.0.0.1:27017,localhost:27018/db?replicaSet=rs", True),
        ("mongodb://", True),  # no hosts
        ("not a url", True),  # not a MongoDB URL, so not production's either
        ("mongodb://db.internal:27017/shop", False),
        ("mongodb+srv://user:pw@cluster0.example.net/shop", False),
        ("mongodb://127.0.0.1:27017,db.internal:27017/db", False),  # one remote host is enough
        ("mongodb://user:p%40ss@mongo/db", False),  # the host is after the last @
    ],
)
def test_mongodb_urls(url: str, loopback: bool) -> None:
    assert is_loopback_mongodb_url(url) is loopback
