"""Text that is not acceptable is BAD_USER_INPUT wherever it is sent, never a fault of ours.

A lone UTF-16 surrogate ("\\ud800" in JSON) is refused by the core for the whole request,
whatever string carries it; control and bidirectional-override characters are refused in
the names a user stores.
"""

import uuid

import pytest

from shopgraph_testing.drivers.users import Accounts
from shopgraph_testing.graphql import GraphQLClient, error_codes
from shopgraph_testing.hygiene import refusals_of

SIGN_UP = "mutation S($input: SignUpInput!) { signUp(input: $input) { token user { id } } }"
LOGIN = "mutation L($input: LoginInput!) { login(input: $input) { token } }"
USER = "query U($id: ID!) { user(id: $id) { id name } }"
ENTITIES = """
query E($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name } }
}"""
# NUL, ESC, DEL, a C1 control, the bidi overrides and isolates, a line separator.
CONTROL_CHARACTERS = ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u202d", "\u2066", "\u2028"]


async def test_a_lone_surrogate_anywhere_is_bad_user_input(
    client: GraphQLClient, accounts: Accounts, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await accounts.admin_token()
    signed_up = await accounts.sign_up()
    user_id = signed_up["user"]["id"]
    new = {"email": f"u-{uuid.uuid4().hex[:8]}@example.com", "password": "long enough", "name": "N"}
    login = {"email": "customer@example.com", "password": "long enough"}
    representations = [{"__typename": "User", "id": user_id}]

    sent = await refusals_of(client, caplog, SIGN_UP, {"input": new})
    sent += await refusals_of(client, caplog, LOGIN, {"input": login})
    sent += await refusals_of(client, caplog, USER, {"id": user_id}, token=admin)
    sent += await refusals_of(
        client, caplog, ENTITIES, {"representations": representations}, token=admin
    )

    assert sent == 12


@pytest.mark.parametrize("bad", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
async def test_control_characters_in_a_name_are_refused(client: GraphQLClient, bad: str) -> None:
    email = f"u-{uuid.uuid4().hex[:8]}@example.com"
    name = f"Mallory{bad}evil"

    body = await client.execute(
        SIGN_UP, {"input": {"email": email, "password": "long enough", "name": name}}
    )

    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "name"


async def test_ordinary_names_of_any_script_are_kept(client: GraphQLClient) -> None:
    for name in ("Zoë O'Brien-Łukasz", "שלום עליכם", "山田 太郎", "Ana\u200dMaria"):
        email = f"u-{uuid.uuid4().hex[:8]}@example.com"
        body = await client.execute(
            SIGN_UP, {"input": {"email": email, "password": "long enough", "name": name}}
        )
        assert "errors" not in body, (name, body)
