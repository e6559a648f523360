"""Tokens for tests of services that only verify them (everything but users).

A fresh Ed25519 key per `TestTokens`, signed by the same `TokenIssuer` the users service
uses, and the `TokenVerifier` that trusts exactly that key, for `create_app(verifier=)`.
"""

import uuid
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.auth.verifier import Role, TokenVerifier

ISSUER, AUDIENCE = "shopgraph-users", "shopgraph"


class TestTokens:
    __test__ = False  # not a pytest test class

    def __init__(self, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self._issuer = TokenIssuer(
            Ed25519PrivateKey.generate(), issuer=issuer, audience=audience, ttl=timedelta(hours=1)
        )

    def issue(self, user_id: str | None = None, role: Role = Role.CUSTOMER) -> str:
        token, _ = self._issuer.issue(user_id or str(uuid.uuid4()), role)
        return token

    def admin(self) -> str:
        return self.issue(role=Role.ADMIN)

    def customer(self) -> str:
        return self.issue(role=Role.CUSTOMER)

    def jwks(self) -> dict[str, Any]:
        """The public key as a JWKS, for services in other processes to fetch."""
        return self._issuer.jwks()

    def verifier(self) -> TokenVerifier:
        return self._issuer.verifier()
