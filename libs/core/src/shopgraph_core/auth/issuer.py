"""Token issue: EdDSA JWTs with the claims `shopgraph_core.auth.verifier.TokenVerifier` checks.

The users service signs with its own key; tests of the other services sign with a fresh
one. The public half is published as a JWKS; `kid` is the key's RFC 7638 thumbprint, so a
rotated key gets a new id and verifiers refetch the JWKS when they meet it.
"""

import base64
import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shopgraph_core.auth.verifier import Role, TokenVerifier
from shopgraph_core.clock import Precision, utcnow

ALGORITHM = "EdDSA"


class TokenIssuer:
    def __init__(
        self, key: Ed25519PrivateKey, *, issuer: str, audience: str, ttl: timedelta
    ) -> None:
        self._key = key
        self._issuer, self._audience, self._ttl = issuer, audience, ttl
        public_jwk: dict[str, Any] = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.kid = _thumbprint(public_jwk)
        self._public_jwk = {**public_jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._public_jwk]}

    def issue(self, user_id: str, role: Role) -> tuple[str, datetime]:
        now = utcnow(Precision.SECOND)
        expires_at = now + self._ttl
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user_id,
            "role": role.value,
            "iat": now,
            "exp": expires_at,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return token, expires_at

    def verifier(self) -> TokenVerifier:
        """A verifier that trusts this issuer's own keys, with no HTTP round trip."""
        jwks = self.jwks()

        async def load() -> dict[str, Any]:
            return jwks

        return TokenVerifier(issuer=self._issuer, audience=self._audience, jwks_loader=load)


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the key's required members, sorted, without white space."""
    members = {k: jwk[k] for k in ("crv", "kty", "x")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
