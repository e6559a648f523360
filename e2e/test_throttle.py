"""Login throttling through the gateway: the contract code and the retry hint reach clients."""

import math
import time
from collections import Counter

from shopgraph_testing.drivers.gateway import Gateway
from shopgraph_testing.graphql import error_codes

LOGIN = "mutation Login($i: LoginInput!) { login(input: $i) { token } }"


def test_a_password_flood_is_rate_limited_with_a_retry_hint(gateway: Gateway) -> None:
    email = gateway.sign_up(password="the right one")["user"]["email"]

    started = time.monotonic()
    flood = [
        gateway.execute(LOGIN, {"i": {"email": email, "password": f"guess {i}"}}) for i in range(30)
    ]
    elapsed = time.monotonic() - started

    codes = Counter(code for body in flood for code in error_codes(body))
    # Five free failures, then locks of 1 s, 2 s, 4 s, ...: in T seconds at most about
    # log2(T) + 1 more guesses reach a password check, however slow the machine.
    assert codes["UNAUTHENTICATED"] <= 5 + math.log2(elapsed + 1) + 1, (codes, elapsed)
    assert codes["RATE_LIMITED"] == 30 - codes["UNAUTHENTICATED"], codes
    limited = next(body for body in flood if error_codes(body) == ["RATE_LIMITED"])
    assert limited["data"] is None
    retry_after = limited["errors"][0]["extensions"]["retryAfterSeconds"]
    assert isinstance(retry_after, int)
    assert retry_after >= 1
