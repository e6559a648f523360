"""Which address a request counts as, from what the gateway forwards."""

import logging
from pathlib import Path

import pytest
from starlette.requests import Request

from shopgraph_core.storage.sql import SqlStore
from shopgraph_users.service import MIGRATIONS_DIR
from shopgraph_users.settings import UsersSettings
from shopgraph_users.throttle import Throttle, address_bucket, client_address


def request(forwarded_for: list[str], peer: str = "127.0.0.1") -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "headers": headers, "client": (peer, 5555)})


@pytest.mark.parametrize(
    ("forwarded_for", "hops", "expected"),
    [
        ([], 1, "127.0.0.1"),  # no proxy said anything: the TCP peer
        (["203.0.113.9"], 1, "203.0.113.9"),
        # The client's own claim comes first; only what the trusted proxy appended counts.
        (["1.2.3.4, 203.0.113.9"], 1, "203.0.113.9"),
        (["1.2.3.4", "203.0.113.9"], 1, "203.0.113.9"),
        # An ingress, then the gateway: the client is two hops from the right.
        (["1.2.3.4, 203.0.113.9, 10.0.0.5"], 2, "203.0.113.9"),
        (["203.0.113.9"], 2, "203.0.113.9"),
        (["203.0.113.9"], 0, "127.0.0.1"),
    ],
)
def test_the_client_is_counted_from_the_right(
    forwarded_for: list[str], hops: int, expected: str
) -> None:
    assert client_address(request(forwarded_for), hops) == expected


def test_ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert address_bucket("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_bucket("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_bucket("::ffff:203.0.113.9") == "203.0.113.9"
    assert address_bucket("not an address") == "not an address"


def test_no_connection_is_unknown() -> None:
    assert client_address(None, 1) == "unknown"


async def test_a_request_without_forwarded_for_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'users.db'}", MIGRATIONS_DIR)
    throttle = Throttle(store, UsersSettings(environment="test"))
    try:
        with caplog.at_level(logging.WARNING, logger="shopgraph.users.throttle"):
            seen = [throttle.client_address(request(forwarded)) for forwarded in ([], [], ["::1"])]
    finally:
        await store.close()

    assert seen == ["127.0.0.1", "127.0.0.1", "::/64"]
    warnings = [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(warnings) == 1
    assert "is the gateway forwarding client addresses?" in warnings[0].getMessage()
