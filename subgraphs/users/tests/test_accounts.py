"""signUp, login, me and user(id), against SQLite and MariaDB."""

import uuid

import pytest

from shopgraph_testing.drivers.users import Accounts
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_users.settings import UsersSettings

ME = "query Me { me { id email name role } }"
USER = "query User($id: ID!) { user(id: $id) { id email name } }"


def new_email() -> str:
    return f"Shopper-{uuid.uuid4().hex[:8]}@Example.com"


async def test_sign_up_returns_a_working_token(client: GraphQLClient, accounts: Accounts) -> None:
    email = new_email()
    payload = await accounts.sign_up(email)

    # The local part is kept as typed; the domain is normalised to lower case.
    assert payload["user"]["email"] == email.replace("@Example.com", "@example.com")
    assert payload["user"]["role"] == "CUSTOMER"
    assert payload["user"]["createdAt"].endswith("+00:00")
    me = await client.execute(ME, token=payload["token"])
    assert me["data"]["me"]["id"] == payload["user"]["id"]


async def test_login_is_case_insensitive_on_email(accounts: Accounts) -> None:
    email = new_email()
    signed_up = await accounts.sign_up(email, password="long enough")

    body = await accounts.login(email.upper(), "long enough")

    assert body["data"]["login"]["user"]["id"] == signed_up["user"]["id"]
    assert body["data"]["login"]["expiresAt"] > signed_up["expiresAt"][:10]


async def test_me_is_null_when_anonymous(client: GraphQLClient) -> None:
    assert await client.execute(ME) == {"data": {"me": None}}


async def test_duplicate_email_is_conflict_whatever_its_case(accounts: Accounts) -> None:
    email = new_email()
    await accounts.sign_up(email)

    body = await accounts.client.execute(
        "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
        {"i": {"email": email.lower(), "password": "another one", "name": "Twin"}},
    )

    assert error_codes(body) == ["CONFLICT"]
    assert body["data"] is None


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("not-an-email", "long enough", "A", "email"),
        ("a@b", "long enough", "A", "email"),
        ("ok@example.com", "short", "A", "password"),
        ("ok@example.com", "long enough", "   ", "name"),
    ],
)
async def test_bad_sign_up_input_is_bad_user_input(
    client: GraphQLClient, email: str, password: str, name: str, field: str
) -> None:
    body = await client.execute(
        "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
        {"i": {"email": email, "password": password, "name": name}},
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_wrong_password_and_unknown_email_fail_alike(accounts: Accounts) -> None:
    email = new_email()
    await accounts.sign_up(email, password="the right one")

    wrong_password = await accounts.login(email, "the wrong one")
    unknown_email = await accounts.login(new_email(), "the right one")

    for body in (wrong_password, unknown_email):
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert body["data"] is None
    assert wrong_password["errors"][0]["message"] == unknown_email["errors"][0]["message"]


async def test_user_by_id_is_for_self_and_admin(client: GraphQLClient, accounts: Accounts) -> None:
    alice, bob = await accounts.sign_up(), await accounts.sign_up()
    admin = await accounts.admin_token()

    own = await client.execute(USER, {"id": alice["user"]["id"]}, token=alice["token"])
    other = await client.execute(USER, {"id": bob["user"]["id"]}, token=alice["token"])
    as_admin = await client.execute(USER, {"id": bob["user"]["id"]}, token=admin)
    anonymous = await client.execute(USER, {"id": bob["user"]["id"]})

    assert own["data"]["user"]["email"] == alice["user"]["email"]
    assert error_codes(other) == ["FORBIDDEN"]
    assert as_admin["data"]["user"]["email"] == bob["user"]["email"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


async def test_admin_from_settings_can_log_in(accounts: Accounts, client: GraphQLClient) -> None:
    token = await accounts.admin_token()

    me = await client.execute(ME, token=token)

    assert me["data"]["me"]["role"] == "ADMIN"


async def test_password_is_stored_hashed_with_argon2id(
    accounts: Accounts, settings: UsersSettings
) -> None:
    from sqlalchemy import select

    from shopgraph_core.storage.sql import SqlStore
    from shopgraph_users.models import UserRow
    from shopgraph_users.service import MIGRATIONS_DIR

    payload = await accounts.sign_up(password="plain text never stored")
    store = SqlStore(settings.effective_database_url, MIGRATIONS_DIR)
    try:
        async with store.session() as session:
            stored = await session.scalar(
                select(UserRow.password_hash).where(UserRow.id == payload["user"]["id"])
            )
    finally:
        await store.close()

    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "plain text" not in stored
