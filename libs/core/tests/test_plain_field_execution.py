"""The plain-field executor (shopgraph_core.graphql.execution) answers exactly what Strawberry's
own executor answers: the same data in the same order, the same errors at the same paths, the
same permission checks and the same resolve hooks. Each case runs on one schema twice, with and
without it."""

import asyncio
import enum
import gc
import inspect
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest
import strawberry
from graphql import GraphQLResolveInfo, execute, parse
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.types import ExecutionResult

from shopgraph_core.graphql.execution import (
    PlainFieldExecutor,
    executor_for,
    plain_leaves_of,
    plain_object_fields_of,
)
from shopgraph_core.graphql.schema import build_schema
from shopgraph_core.graphql.strawberry_internals import graphql_core_schema
from shopgraph_core.settings import ServiceSettings


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Denied(BasePermission):
    message = "denied"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Louder(FieldExtension):
    """A field extension on a resolver-less field: it must run, with a real `info`."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return f"{next_(source, info, **kwargs)}! ({info.field_name})"


@strawberry.type
class Price:
    amount: int
    currency: str


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    colour: Colour
    made_at: datetime
    note: str | None
    price: Price
    count: int  # a value beyond 32 bits is an Int error
    label: str  # non-null; a None here is a null error
    secret: str = strawberry.field(permission_classes=[Denied])
    loud: str = strawberry.field(extensions=[Louder()])

    @strawberry.field
    def shouted(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return f"later {self.name}"

    @strawberry.field
    def repeated(self, times: int) -> str:
        return self.name * times


def _item(n: int, **overrides: Any) -> Item:
    values: dict[str, Any] = {
        "id": strawberry.ID(f"i{n}"),
        "name": f"item{n}",
        "colour": Colour.RED if n % 2 else Colour.BLUE,
        "made_at": datetime(2026, 12, 2, 12, n, tzinfo=UTC),
        "note": None if n % 2 else f"note {n}",
        "price": Price(amount=100 * n, currency="USD"),
        "count": n,
        "label": f"label {n}",
        "secret": "s",
        "loud": f"loud {n}",
    }
    return Item(**(values | overrides))


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [_item(n) for n in range(1, 6)]

    @strawberry.field
    def huge(self) -> list[Item]:
        return [_item(1), _item(2, count=2**40)]

    @strawberry.field
    def missing(self) -> list[Item | None]:
        return [_item(1), _item(2, label=None)]


class CountResolves(SchemaExtension):
    """A schema extension hooking `resolve`: graphql-core middleware, which sees every field."""

    seen: list[str] = []

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        CountResolves.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def _schemas(root: type = Query, **kwargs: Any) -> Iterator[strawberry.Schema]:
    """The same schema with Strawberry's executor, then with the plain-field one."""
    yield strawberry.Schema(query=root, **kwargs)
    fast = strawberry.Schema(query=root, **kwargs)
    fast.execution_context_class = executor_for(graphql_core_schema(fast))
    yield fast


def errors_of(result: ExecutionResult) -> list[Any]:
    return list(result.errors or [])


def _shape(result: ExecutionResult) -> tuple[Any, list[dict[str, Any]]]:
    errors = sorted(
        (
            {"message": e.message, "path": e.path, "locations": e.locations}
            for e in result.errors or []
        ),
        key=repr,
    )
    return result.data, errors


def _run_both(
    query: str, variables: dict[str, Any] | None = None, root: type = Query, **kwargs: Any
) -> Any:
    standard, fast = (
        asyncio.run(schema.execute(query, variable_values=variables))
        for schema in _schemas(root, **kwargs)
    )
    assert _shape(fast) == _shape(standard)
    # JSON key order is the selection's order: compare it too, not only the dicts' contents.
    assert repr(fast.data) == repr(standard.data)
    return fast


def test_plain_leaves_are_the_attribute_fields_only() -> None:
    leaves = plain_leaves_of(graphql_core_schema(next(_schemas())))
    # Empty if Strawberry renames its plain-attribute resolver; "secret" and "loud" in it if
    # the check took a resolver-less field with extensions for a plain one.
    assert set(leaves["Item"]) == {"id", "name", "colour", "madeAt", "note", "count", "label"}
    assert set(leaves["Price"]) == {"amount", "currency"}
    assert "Query" not in leaves  # resolvers all


def test_every_subgraph_schema_executes_with_it() -> None:
    schema = build_schema(settings=ServiceSettings(), query=Query)
    assert issubclass(schema.execution_context_class, PlainFieldExecutor)
    result = asyncio.run(schema.execute("{ items { name price { amount } } }"))
    assert result.errors is None
    assert result.data is not None
    assert result.data["items"][0] == {"name": "item1", "price": {"amount": 100}}


def test_same_answer_in_the_same_order() -> None:
    result = _run_both(
        """query Q($skip: Boolean!) {
          items {
            __typename later name id shouted colour madeAt note
            price { currency amount __typename }
            alias: name
            again: price { amount }
            ...Parts
            ... on Item { count @skip(if: $skip) label @include(if: $skip) }
            repeated(times: 2)
          }
        }
        fragment Parts on Item { note id made: madeAt }""",
        {"skip": True},
    )
    first = result.data["items"][0]
    assert list(first)[:4] == ["__typename", "later", "name", "id"]
    assert first["colour"] == "RED"
    assert first["madeAt"] == "2026-12-02T12:01:00+00:00"
    assert "count" not in first
    assert first["label"] == "label 1"


def test_a_value_the_scalar_refuses_is_the_same_error() -> None:
    result = _run_both("{ huge { name count } }")
    assert result.data is None  # non-null list of non-null items: the null bubbles up
    assert result.errors[0].path == ["huge", 1, "count"]


def test_a_null_in_a_non_null_leaf_is_the_same_error() -> None:
    result = _run_both("{ missing { name label } }")
    assert result.data == {"missing": [{"name": "item1", "label": "label 1"}, None]}
    assert result.errors[0].path == ["missing", 1, "label"]


def test_field_extensions_still_run() -> None:
    result = _run_both("{ items { loud } }")
    assert result.data["items"][0] == {"loud": "loud 1! (loud)"}


def test_permission_classes_still_refuse() -> None:
    result = _run_both("{ items { name secret } }")
    assert result.data is None
    assert {e.message for e in result.errors} == {"denied"}


def test_a_resolve_hook_still_sees_every_field() -> None:
    counts = []
    for schema in _schemas(extensions=[CountResolves]):
        CountResolves.seen = []
        result = asyncio.run(schema.execute("{ items { name price { amount } } }"))
        assert result.errors is None
        counts.append(sorted(CountResolves.seen))
    assert counts[0] == counts[1]
    assert counts[1].count("name") == 5


@pytest.mark.parametrize("query", ["{ items { name } }", "{ items { price { amount currency } } }"])
def test_objects_of_only_plain_leaves(query: str) -> None:
    _run_both(query)


def test_a_field_unknown_to_the_schema_is_left_out_as_graphql_core_does() -> None:
    # Validation refuses such a document first; run unvalidated, graphql-core leaves the
    # field out of the answer, and a placeholder must not stay behind.
    document = parse("{ items { name nope id later } }")
    answers = []
    for schema in _schemas():
        executor = schema.execution_context_class
        result = execute(graphql_core_schema(schema), document, executor_class=executor)
        answers.append(asyncio.run(_settled(result)))
    assert answers[0] == answers[1]
    assert list(answers[1].data["items"][0]) == ["name", "id", "later"]


async def _settled(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


@strawberry.type
class HelpersQuery:
    @strawberry.field
    async def gathered(self, info: strawberry.Info) -> list[int]:
        """graphql-core's resolve-info helpers, used by a resolver as graphql-core intends."""
        helpers = info._raw_info.async_helpers

        async def twice(n: int) -> int:
            await asyncio.sleep(0)
            return 2 * n

        helpers.track([twice(0)])  # settled in the background, its answer unused
        return await helpers.gather([twice(1), twice(2)])


def test_resolve_info_helpers_still_work() -> None:
    schema = strawberry.Schema(query=HelpersQuery)
    schema.execution_context_class = executor_for(graphql_core_schema(schema))
    result = asyncio.run(schema.execute("{ gathered }"))
    assert result.errors is None
    assert result.data == {"gathered": [2, 4]}


class _Context:
    """A request's context: what every resolver's objects hang from."""


def _context_outlives_its_request(schema: strawberry.Schema) -> bool:
    gc.collect()
    gc.disable()  # only reference counting frees anything from here on
    try:
        context = _Context()
        alive = weakref.ref(context)
        result = asyncio.run(
            schema.execute("{ items { name later price { amount } } }", context_value=context)
        )
        assert result.errors is None
        del context, result
        return alive() is not None
    finally:
        gc.enable()


def test_an_answered_request_leaves_nothing_for_the_cyclic_collector() -> None:
    """Strawberry's executor (graphql-core's) refers to itself through its resolve-info helpers,
    so each request's context, DataLoaders and rows wait for the cyclic garbage collector;
    the plain-field executor's request is freed as soon as it is answered."""
    standard, fast = _schemas()
    # The cycle this executor removes. Should this start failing, graphql-core has dropped the
    # cycle itself, and PlainFieldExecutor.__init__ can go.
    assert _context_outlives_its_request(standard)
    assert not _context_outlives_its_request(fast)


# Objects and lists of objects: plain object fields, and the completion of any object or list.


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Part(Named):
    """Implements an interface, so graphql-core checks `is_type_of`: its way, not ours."""

    weight: int


@strawberry.type
class Box:
    label: str
    weight: int | None  # nullable: a null here stays where it is


@strawberry.type
class Crate:
    label: str  # non-null: a null here nulls the crate, then whatever holds it if non-null
    box: Box
    maybe_box: Box | None
    boxes: list[Box]
    maybe_boxes: list[Box | None] | None
    parts: list[Part]
    tags: list[str]  # a list of scalars: graphql-core's way

    @strawberry.field
    async def late_boxes(self) -> list[Box]:
        await asyncio.sleep(0)
        return self.boxes

    @strawberry.field
    async def failing(self) -> str:
        await asyncio.sleep(0)
        raise ValueError(f"failing {self.label}")


class UnreadableCrate:
    """Served as a Crate: its box is an attribute that raises when read."""

    label = "unreadable"

    @property
    def box(self) -> Box:
        raise RuntimeError("unreadable box")


def _crate(n: int, **overrides: Any) -> Crate:
    boxes = [Box(label=f"b{n}.{k}", weight=k or None) for k in range(3)]
    values: dict[str, Any] = {
        "label": f"crate {n}",
        "box": boxes[0],
        "maybe_box": None if n % 2 else boxes[1],
        "boxes": boxes,
        "maybe_boxes": None if n == 3 else [boxes[2], None],
        "parts": [Part(name=f"p{n}", weight=n)],
        "tags": ["t", str(n)],
    }
    return Crate(**(values | overrides))


@strawberry.type
class Shelf:
    name: str
    crates: list[Crate]


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf | None]:
        return [Shelf(name=f"s{n}", crates=[_crate(n), _crate(n + 1)]) for n in range(1, 4)]

    @strawberry.field
    def crate(self, kind: str) -> Crate | None:
        broken: dict[str, dict[str, Any]] = {
            "fine": {},
            "null box": {"box": None},
            "null in boxes": {"boxes": [Box(label="x", weight=1), None]},
            "null label in boxes": {"boxes": [Box(label=None, weight=1)]},  # type: ignore[arg-type]
            "null label in maybe boxes": {"maybe_boxes": [Box(label=None, weight=1)]},  # type: ignore[arg-type]
            "tuple of boxes": {"boxes": (Box(label="t", weight=1),)},
            "generated boxes": {"boxes": (Box(label=f"g{k}", weight=k) for k in range(2))},
            "error in boxes": {"boxes": [ValueError("a box that is an error")]},
        }
        return _crate(1, **broken[kind])

    @strawberry.field
    def shaky(self) -> Crate | None:
        crate = _crate(1)
        object.__setattr__(crate, "box", None)
        return crate

    @strawberry.field
    def unreadable(self) -> Crate | None:
        return cast("Crate", UnreadableCrate())


SHELVES = """{ shelves { __typename name crates {
    label box { label weight } maybeBox { label } boxes { weight label }
    maybeBoxes { label } parts { name weight } tags lateBoxes { label }
} } }"""


def test_plain_object_fields_are_the_attribute_object_fields_only() -> None:
    fields = plain_object_fields_of(graphql_core_schema(next(_schemas(ShelfQuery))))
    assert set(fields["Crate"]) == {"box", "maybeBox", "boxes", "maybeBoxes", "parts"}
    assert set(fields["Shelf"]) == {"crates"}
    assert "ShelfQuery" not in fields  # resolvers all


def test_objects_and_lists_the_same_answer_in_the_same_order() -> None:
    result = _run_both(SHELVES, root=ShelfQuery)
    first = result.data["shelves"][0]["crates"][0]
    assert list(first)[:3] == ["label", "box", "maybeBox"]
    assert first["boxes"][1] == {"weight": 1, "label": "b1.1"}
    assert first["lateBoxes"][2] == {"label": "b1.2"}


def test_merged_selections_aliases_fragments_and_directives_on_objects() -> None:
    _run_both(
        """query Q($yes: Boolean!) { shelves { crates {
            box { label } box { weight } ... on Crate { box { __typename label } }
            one: boxes { label } two: boxes { weight } ...Boxes
            maybeBox @include(if: $yes) { label } boxes @skip(if: $yes) { label }
        } } }
        fragment Boxes on Crate { maybeBoxes { weight ... on Box { label } } }""",
        {"yes": True},
        root=ShelfQuery,
    )


@pytest.mark.parametrize(
    "kind",
    [
        "fine",
        "null box",
        "null in boxes",
        "null label in boxes",
        "null label in maybe boxes",
        "tuple of boxes",
        "generated boxes",
        "error in boxes",
    ],
)
def test_nulls_and_errors_in_objects_and_lists_are_the_same(kind: str) -> None:
    _run_both(
        """query C($kind: String!) { crate(kind: $kind) {
            label box { label } boxes { label weight } maybeBoxes { label } lateBoxes { label }
        } }""",
        {"kind": kind},
        root=ShelfQuery,
    )


@strawberry.type
class NullDeepQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf | None]:
        broken = _crate(2, boxes=[Box(label=None, weight=1)])  # type: ignore[arg-type]
        return [Shelf(name="ok", crates=[_crate(1)]), Shelf(name="broken", crates=[broken])]


def test_a_null_propagates_through_objects_and_lists_to_the_nearest_nullable_field() -> None:
    # label (non-null) in a Box of boxes ([Box!]!) of a Crate of crates ([Crate!]!) of a
    # nullable Shelf: the shelf is nulled, its siblings stay.
    result = _run_both("{ shelves { name crates { label boxes { label } } } }", root=NullDeepQuery)
    assert result.data["shelves"][0]["name"] == "ok"
    assert result.data["shelves"][1] is None
    assert result.errors[0].path == ["shelves", 1, "crates", 0, "boxes", 0, "label"]


def test_errors_from_async_fields_inside_plain_objects_are_the_same() -> None:
    result = _run_both("{ shelves { crates { label failing } } }", root=ShelfQuery)
    assert result.data == {"shelves": [None, None, None]}
    assert {e.path[0] for e in result.errors} == {"shelves"}


@pytest.mark.parametrize("field", ["shaky", "unreadable"])
def test_an_attribute_that_is_null_or_raises_is_the_same_error(field: str) -> None:
    result = _run_both(f"{{ {field} {{ label box {{ label }} }} }}", root=ShelfQuery)
    assert result.data == {field: None}
    assert result.errors[0].path == [field, "box"]


class _CountingFieldCalls:
    """Counts graphql-core's `execute_field` calls: a field this executor answers itself
    never gets there."""

    calls: ClassVar[list[str]] = []

    def execute_field(self, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        _CountingFieldCalls.calls.append(details[0].node.name.value)
        return super().execute_field(parent_type, source, details, *args)  # type: ignore[misc]


def test_plain_object_fields_skip_graphql_cores_field_machinery() -> None:
    standard, fast = _schemas(ShelfQuery)
    counted: list[list[str]] = []
    for schema in (standard, fast):
        base = schema.execution_context_class
        schema.execution_context_class = type("Counting", (_CountingFieldCalls, base), {})
        _CountingFieldCalls.calls = []
        result = asyncio.run(
            schema.execute("{ shelves { name crates { label box { label } boxes { weight } } } }")
        )
        assert result.errors is None
        counted.append(sorted(set(_CountingFieldCalls.calls)))
    assert counted[0] == ["box", "boxes", "crates", "label", "name", "shelves", "weight"]
    assert counted[1] == ["shelves"]
