"""A result the schema cannot carry is the service's fault: INTERNAL_SERVER_ERROR."""

import strawberry

from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.settings import ServiceSettings


@strawberry.type
class Query:
    @strawberry.field
    def too_large(self) -> int:
        return 2**31  # past GraphQL Int

    @strawberry.field
    def fine(self, n: int) -> int:
        return n


SCHEMA = build_schema(settings=ServiceSettings(environment="test"), query=Query)


async def test_an_int_out_of_range_in_a_result_is_internal_not_bad_user_input() -> None:
    result = await SCHEMA.execute("{ tooLarge }")

    assert result.errors is not None
    assert [e.extensions for e in result.errors] == [{"code": "INTERNAL_SERVER_ERROR"}]
    assert result.errors[0].message == "Internal server error"


async def test_an_int_out_of_range_in_the_input_is_still_bad_user_input() -> None:
    literal = await SCHEMA.execute("{ fine(n: 2147483648) }")
    variable = await SCHEMA.execute("query($n: Int!) { fine(n: $n) }", variable_values={"n": 2**31})

    for result in (literal, variable):
        assert result.errors is not None
        assert [(e.extensions or {}).get("code") for e in result.errors] == ["BAD_USER_INPUT"]
