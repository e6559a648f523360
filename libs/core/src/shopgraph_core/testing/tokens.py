"""Tokens for tests of services that only verify them (everything but users).

A fresh Ed25519 key per `TestTokens`, tokens shaped like the users service issues them, and
the `TokenVerifier` that trusts exactly that key, to pass as `create_service_app(verifier=)`.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shopgraph_core.auth import Role, TokenVerifier

ISSUER, AUDIENCE = "shopgraph-users", "shopgraph"


class TestTokens:
    __test__ = False  # not a pytest test class

    def __init__(self, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self._key = Ed25519PrivateKey.generate()
        self._issuer, self._audience = issuer, audience
        self.kid = uuid.uuid4().hex
        public: dict[str, Any] = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self._jwks = {"keys": [{**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def issue(
        self, user_id: str | None = None, role: Role = Role.CUSTOMER, *, ttl_s: int = 3600
    ) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user_id or str(uuid.uuid4()),
            "role": role.value,
            "iat": now,
            "exp": now + timedelta(seconds=ttl_s),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def admin(self) -> str:
        return self.issue(role=Role.ADMIN)

    def customer(self) -> str:
        return self.issue(role=Role.CUSTOMER)

    def verifier(self) -> TokenVerifier:
        jwks = self._jwks

        async def load() -> dict[str, Any]:
            return jwks

        return TokenVerifier(issuer=self._issuer, audience=self._audience, jwks_loader=load)
