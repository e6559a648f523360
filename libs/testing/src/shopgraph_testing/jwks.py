"""A JWKS endpoint over real HTTP, for services in other processes that verify test tokens."""

import contextlib
from collections.abc import Iterator

from shopgraph_testing.json_server import json_server
from shopgraph_testing.tokens import TestTokens


@contextlib.contextmanager
def jwks_server(tokens: TestTokens) -> Iterator[str]:
    """Serves `tokens`' public key on a free loopback port; yields the JWKS URL."""
    jwks = tokens.jwks()
    with json_server(lambda _: (200, jwks)) as server:
        yield f"{server.url}/.well-known/jwks.json"
