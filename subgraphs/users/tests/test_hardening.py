"""Abusive documents are refused before they run, with a code and a clear message."""

from shopgraph_testing.graphql import GraphQLClient, error_codes, serve_in_process
from shopgraph_users.app import create_app
from shopgraph_users.settings import UsersSettings


async def test_deep_query_is_refused(sqlite_settings: UsersSettings) -> None:
    # The users graph alone is shallow (User has no links yet), so the limit is set low here;
    # the end-to-end suite sends a truly deep query through the gateway.
    settings = sqlite_settings.model_copy(update={"max_query_depth": 1})
    deep = 'mutation Deep { login(input: {email: "a@b.c", password: "x"}) { user { id } } }'

    async with serve_in_process(create_app(settings)) as client:
        body = await client.execute(deep)
        shallow = await client.execute("query Shallow { me { id } }")

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 1"
    assert shallow == {"data": {"me": None}}


async def test_alias_bomb_is_refused(client: GraphQLClient) -> None:
    bomb = "query Bomb { " + " ".join(f"a{i}: me {{ id }}" for i in range(500)) + " }"

    body = await client.execute(bomb)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "aliases" in body["errors"][0]["message"]


async def test_token_flood_is_refused(client: GraphQLClient) -> None:
    flood = "query Flood { me { " + "id " * 6000 + "} }"

    body = await client.execute(flood)

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_syntax_and_validation_errors_carry_a_code(client: GraphQLClient) -> None:
    for document in ("query {", "query { nope }", "query { user(id: 1) { nope } }"):
        body = await client.execute(document)
        assert error_codes(body) == ["BAD_USER_INPUT"] * len(body["errors"]), document


async def test_variables_of_the_wrong_type_are_bad_user_input(client: GraphQLClient) -> None:
    body = await client.execute(
        "mutation($i: SignUpInput!) { signUp(input: $i) { token } }", {"i": {"email": 3}}
    )

    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
