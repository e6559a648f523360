"""Signing keys and token issue. Only this service holds a private key.

The public half is published as a JWKS; `kid` is the key's RFC 7638 thumbprint, so a
rotated key gets a new id and verifiers refetch the JWKS when they meet it.
"""

import base64
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shopgraph_core.auth import Role, TokenVerifier

ALGORITHM = "EdDSA"


def load_or_create_dev_key(path: Path) -> Ed25519PrivateKey:
    """The dev signing key, generated at first run; never committed (.data is ignored)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written under a temporary name first: two processes starting together agree on one key.
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return load_key(path)


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


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
        now = datetime.now(UTC).replace(microsecond=0)
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
