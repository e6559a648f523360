"""A stand-in HTTP server that answers JSON, for tests of clients (a JWKS endpoint, a router
the helm test pod calls, a target that is not GraphQL): real HTTP on a free loopback port,
in a thread, recording what it received."""

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


# What to answer a request: its HTTP status and JSON body.
Responder = Callable[[Received], tuple[int, object]]


@dataclass
class JsonServer:
    url: str  # the base URL, no path
    received: list[Received] = field(default_factory=list)


@contextlib.contextmanager
def json_server(respond: Responder) -> Iterator[JsonServer]:
    served = JsonServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Received(
                self.command,
                self.path,
                {name.lower(): value for name, value in self.headers.items()},
                self.rfile.read(length),
            )
            served.received.append(request)
            status, answer = respond(request)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log lines among the tests' output

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
