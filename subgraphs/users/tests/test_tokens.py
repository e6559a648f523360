"""Tokens that must be refused: expired, forged, unsigned, wrong issuer or audience."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_users.settings import UsersSettings
from shopgraph_users.signing_key import load_or_create_dev_key

ME = "query Me { me { id } }"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "iss": "shopgraph-users",
        "aud": "shopgraph",
        "sub": "someone",
        "role": "ADMIN",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


def _signed_with_service_key(settings: UsersSettings, **overrides: Any) -> str:
    """A token signed with the real key, so only the claim under test is wrong."""
    issuer = TokenIssuer(
        load_or_create_dev_key(settings.dev_key_file), issuer="x", audience="x", ttl=timedelta()
    )
    claims = {k: v for k, v in _claims(**overrides).items() if v is not None}
    return jwt.encode(
        claims,
        load_or_create_dev_key(settings.dev_key_file),
        algorithm="EdDSA",
        headers={"kid": issuer.kid},
    )


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("expired", {"exp": datetime.now(UTC) - timedelta(seconds=5)}),
        ("wrong issuer", {"iss": "someone-else"}),
        ("wrong audience", {"aud": "another-api"}),
        ("no subject", {"sub": None}),
        ("unknown role", {"role": "SUPERUSER"}),
    ],
)
async def test_token_with_bad_claims_is_unauthenticated(
    client: GraphQLClient, settings: UsersSettings, case: str, overrides: dict[str, Any]
) -> None:
    token = _signed_with_service_key(settings, **overrides)

    body = await client.execute(ME, token=token)

    assert error_codes(body) == ["UNAUTHENTICATED"], case
    assert body["data"] == {"me": None}


async def test_forged_token_is_unauthenticated(
    client: GraphQLClient, settings: UsersSettings
) -> None:
    real = _signed_with_service_key(settings)
    kid = jwt.get_unverified_header(real)["kid"]
    forged = jwt.encode(
        _claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}
    )

    body = await client.execute(ME, token=forged)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_alg_none_token_is_unauthenticated(
    client: GraphQLClient, settings: UsersSettings
) -> None:
    real = _signed_with_service_key(settings)
    kid = jwt.get_unverified_header(real)["kid"]
    claims = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in _claims().items()}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."

    body = await client.execute(ME, token=unsigned)

    assert error_codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"])
async def test_malformed_authorization_is_unauthenticated(
    client: GraphQLClient, header: str
) -> None:
    body = await client.execute(ME, headers={"Authorization": header})

    assert error_codes(body) == ["UNAUTHENTICATED"]
