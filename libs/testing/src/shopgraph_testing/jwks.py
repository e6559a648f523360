"""A JWKS endpoint over real HTTP, for services in other processes that verify test tokens."""

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shopgraph_testing.tokens import TestTokens


@contextlib.contextmanager
def jwks_server(tokens: TestTokens) -> Iterator[str]:
    """Serves `tokens`' public key on a free loopback port; yields the JWKS URL."""
    body = json.dumps(tokens.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log lines among the tests' output

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
