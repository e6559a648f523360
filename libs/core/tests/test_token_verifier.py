"""The token verifier: what it accepts, and how seldom an unknown key id refetches the JWKS."""

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.auth.verifier import Role, TokenVerifier
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import Unauthenticated

ISSUER, AUDIENCE = "shopgraph-users", "shopgraph"


def new_issuer(ttl: timedelta = timedelta(hours=1)) -> TokenIssuer:
    key = Ed25519PrivateKey.generate()
    return TokenIssuer(key, issuer=ISSUER, audience=AUDIENCE, ttl=ttl)


class CountingJwks:
    """A JWKS source that counts its fetches; `published` is what it serves now."""

    def __init__(self, *issuers: TokenIssuer) -> None:
        self.fetches = 0
        self.published = list(issuers)
        self.failing = False

    async def __call__(self) -> Mapping[str, Any]:
        self.fetches += 1
        if self.failing:
            raise httpx.ConnectError("the users service is away")
        return {"keys": [key for i in self.published for key in i.jwks()["keys"]]}


def verifier(jwks: CountingJwks, refetch_interval_s: float = 30.0) -> TokenVerifier:
    return TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, jwks_loader=jwks, refetch_interval_s=refetch_interval_s
    )


async def test_a_token_of_a_published_key_names_its_caller() -> None:
    issuer = new_issuer()
    token, _ = issuer.issue("user-1", Role.ADMIN)

    caller = await verifier(CountingJwks(issuer)).verify(token)

    assert (caller.user_id, caller.role, caller.is_admin) == ("user-1", Role.ADMIN, True)


async def test_known_keys_are_not_fetched_again() -> None:
    issuer, jwks = new_issuer(), CountingJwks()
    jwks.published.append(issuer)
    checker = verifier(jwks)

    for _ in range(5):
        await checker.verify(issuer.issue("u", Role.CUSTOMER)[0])

    assert jwks.fetches == 1


async def test_an_unknown_kid_refetches_at_most_once_per_interval() -> None:
    known, rotated = new_issuer(), new_issuer()
    jwks = CountingJwks(known)
    checker = verifier(jwks, refetch_interval_s=0.5)
    await checker.verify(known.issue("u", Role.CUSTOMER)[0])  # first fetch
    rotated_token = rotated.issue("u", Role.CUSTOMER)[0]
    jwks.published.append(rotated)  # the issuer rotated its key just now

    # Within the interval a forged or new kid does not reach the issuer again, even when
    # many requests carry it at once.
    results = await asyncio.gather(
        *(checker.verify(rotated_token) for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(r, Unauthenticated) for r in results)
    assert jwks.fetches == 1

    await asyncio.sleep(0.6)
    caller = await checker.verify(rotated_token)  # past the interval: one refetch finds it

    assert caller.user_id == "u"
    assert jwks.fetches == 2


async def test_an_unreachable_jwks_is_unauthenticated_with_a_retry_hint() -> None:
    jwks = CountingJwks(new_issuer())
    jwks.failing = True

    with pytest.raises(Unauthenticated, match="Token keys are unavailable"):
        await verifier(jwks).verify(new_issuer().issue("u", Role.CUSTOMER)[0])


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0."],  # the last: alg none
)
async def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(Unauthenticated, match="Invalid token"):
        await verifier(CountingJwks(new_issuer())).verify(token)


async def test_expired_tokens_are_refused_as_expired() -> None:
    issuer = new_issuer(ttl=timedelta(seconds=-10))

    with pytest.raises(Unauthenticated, match="Token expired"):
        await verifier(CountingJwks(issuer)).verify(issuer.issue("u", Role.CUSTOMER)[0])


async def test_another_audience_is_refused() -> None:
    other = TokenIssuer(
        Ed25519PrivateKey.generate(), issuer=ISSUER, audience="elsewhere", ttl=timedelta(hours=1)
    )

    with pytest.raises(Unauthenticated, match="Invalid token"):
        await verifier(CountingJwks(other)).verify(other.issue("u", Role.CUSTOMER)[0])


# ---- verified tokens are remembered, which must change nothing that is accepted -----------


def tampered(token: str) -> str:
    """The same header and claims with another (valid base64url) signature."""
    head, claims, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{head}.{claims}.{flipped}{signature[1:]}"


async def test_a_remembered_token_does_not_vouch_for_a_forged_signature() -> None:
    issuer = new_issuer()
    token, _ = issuer.issue("user-1", Role.CUSTOMER)
    checker = verifier(CountingJwks(issuer))
    assert (await checker.verify(token)).user_id == "user-1"

    with pytest.raises(Unauthenticated, match="Invalid token"):
        await checker.verify(tampered(token))
    assert (await checker.verify(token)).user_id == "user-1"  # still the genuine one


async def test_a_remembered_token_is_refused_once_it_expires() -> None:
    issuer = new_issuer(ttl=timedelta(seconds=2))
    token, expires_at = issuer.issue("user-1", Role.CUSTOMER)
    checker = verifier(CountingJwks(issuer))
    assert (await checker.verify(token)).user_id == "user-1"
    assert (await checker.verify(token)).user_id == "user-1"  # from memory

    left = (expires_at - utcnow(Precision.MICROSECOND)).total_seconds()
    await asyncio.sleep(max(0.0, left) + 0.2)

    with pytest.raises(Unauthenticated, match="Token expired"):
        await checker.verify(token)


async def test_remembering_is_bounded_and_forgets_the_least_recent() -> None:
    issuer = new_issuer()
    checker = TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, jwks_loader=CountingJwks(issuer), cache_size=2
    )
    tokens = [issuer.issue(f"user-{i}", Role.CUSTOMER)[0] for i in range(3)]
    for token in tokens:
        await checker.verify(token)

    assert list(checker._verified) == tokens[1:]  # the bound is the point
