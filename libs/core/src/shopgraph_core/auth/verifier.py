"""JWT verification shared by every service.

Tokens are signed by the users service with an asymmetric key named by `kid`. Here they are
only verified: algorithm allowlist, issuer, audience, expiry and subject are all required.
Public keys come from a JWKS, fetched over HTTP and refreshed when an unknown `kid` appears.

A token that verified is remembered until it expires (at most `VERIFIED_CACHE_TTL_S`): a
client sends the same token with every request, and the signature check was a tenth of a
`me` request's CPU (docs/performance.md). Only successes are kept, a cached token is still
refused the moment it expires, and the cache is bounded, so it changes what is accepted in
no case: JWTs here carry no revocation, so a second verification could only say the same.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
import jwt

from shopgraph_core.errors import Unauthenticated

ALLOWED_ALGORITHMS = ("EdDSA",)
# An unknown kid refetches the JWKS at most this often, so forged kids cannot flood the issuer.
JWKS_REFETCH_INTERVAL_S = 30.0
# Verified tokens remembered per process: enough for every active session of a busy pod
# (an entry is ~300 bytes), and each is re-verified at least this often.
VERIFIED_CACHE_SIZE = 10_000
VERIFIED_CACHE_TTL_S = 300.0


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    ADMIN = "ADMIN"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: taken from a verified token."""

    user_id: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


JwksLoader = Callable[[], Awaitable[Mapping[str, Any]]]


def http_jwks_loader(url: str, timeout_s: float = 5.0) -> JwksLoader:
    async def load() -> Mapping[str, Any]:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
            response.raise_for_status()
            body: Mapping[str, Any] = response.json()
            return body

    return load


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_loader: JwksLoader,
        refetch_interval_s: float = JWKS_REFETCH_INTERVAL_S,
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._load_jwks = jwks_loader
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refetch_interval_s = refetch_interval_s
        # token -> (caller, monotonic deadline), least recently used first.
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()
        self._cache_size = cache_size

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            stale = time.monotonic() - self._fetched_at > self._refetch_interval_s
            if kid not in self._keys and stale:
                self._fetched_at = time.monotonic()
                try:
                    jwks = await self._load_jwks()
                except (httpx.HTTPError, ValueError) as exc:
                    raise Unauthenticated("Token keys are unavailable; try again") from exc
                self._keys = {
                    key["kid"]: jwt.PyJWK(key)
                    for key in jwks.get("keys", [])
                    if key.get("kid") and key.get("alg", "EdDSA") in ALLOWED_ALGORITHMS
                }
        if kid not in self._keys:
            raise Unauthenticated("Invalid token")
        return self._keys[kid]

    async def verify(self, token: str) -> Caller:
        if (remembered := self._verified.get(token)) is not None:
            caller, deadline = remembered
            if time.monotonic() < deadline:
                self._verified.move_to_end(token)
                return caller
            del self._verified[token]
        caller, expires_at = await self._verify_signed(token)
        ttl = min(VERIFIED_CACHE_TTL_S, expires_at - time.time())
        if ttl > 0:
            self._verified[token] = (caller, time.monotonic() + ttl)
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        return caller

    async def _verify_signed(self, token: str) -> tuple[Caller, float]:
        """The caller a token names and when it expires (epoch seconds), checked in full."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("Invalid token") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS or not isinstance(header.get("kid"), str):
            raise Unauthenticated("Invalid token")
        key = await self._key_for(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("Token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("Invalid token") from exc
        try:
            caller = Caller(user_id=str(claims["sub"]), role=Role(claims.get("role", "CUSTOMER")))
            return caller, float(claims["exp"])
        except (ValueError, TypeError) as exc:
            raise Unauthenticated("Invalid token") from exc


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header; None when there is no header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'")
    return token.strip()
