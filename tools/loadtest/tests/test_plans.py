"""The committed plans: GUI-editable GraphQL samplers, valid against the public contract."""

import json
import xml.etree.ElementTree as ET

import pytest
from graphql import build_schema, parse, validate
from graphql.language import FieldNode, OperationDefinitionNode

from shopgraph_loadtest.jmeter import PLANS_DIR, plans
from shopgraph_stack.topology import REPO

CONTRACT = build_schema((REPO / "contract" / "contract.graphql").read_text())
PROPERTIES = ["protocol", "host", "port", "path", "threads", "rampup", "duration", "think_ms"]


def _samplers(plan: str) -> list[ET.Element]:
    return _root(plan).findall(".//HTTPSamplerProxy")


def _root(plan: str) -> ET.Element:
    return ET.parse(PLANS_DIR / f"{plan}.jmx").getroot()  # noqa: S314 (our own plans)


def _prop(element: ET.Element, name: str) -> str:
    found = element.find(f".//*[@name='{name}']")
    assert found is not None, f"{element.get('testname')} has no {name}"
    return found.text or ""


def test_the_plans_are_smoke_and_mixed() -> None:
    assert plans() == ["mixed", "smoke"]


@pytest.mark.parametrize("plan", ["smoke", "mixed"])
def test_every_sampler_is_a_graphql_http_request(plan: str) -> None:
    for sampler in _samplers(plan):
        name = sampler.get("testname")
        assert sampler.get("guiclass") == "GraphQLHTTPSamplerGui", name
        assert _prop(sampler, "HTTPSampler.method") == "POST", name
        assert _prop(sampler, "HTTPSampler.postBodyRaw") == "true", name
        # The raw body JMeter sends is what the GUI's query, variables and operation hold.
        body = json.loads(_prop(sampler, "Argument.value"))
        variables = _prop(sampler, "GraphQLHTTPSampler.variables")
        assert body == {
            "operationName": _prop(sampler, "GraphQLHTTPSampler.operationName"),
            "variables": json.loads(variables) if variables else {},
            "query": _prop(sampler, "GraphQLHTTPSampler.query"),
        }, name


@pytest.mark.parametrize("plan", ["smoke", "mixed"])
def test_every_query_is_valid_against_the_contract(plan: str) -> None:
    for sampler in _samplers(plan):
        document = parse(_prop(sampler, "GraphQLHTTPSampler.query"))
        assert validate(CONTRACT, document) == [], sampler.get("testname")


@pytest.mark.parametrize("plan", ["smoke", "mixed"])
def test_the_plan_is_parameterised_by_properties_and_posts_json(plan: str) -> None:
    text = (PLANS_DIR / f"{plan}.jmx").read_text()
    for name in PROPERTIES:
        assert f"${{__P({name}," in text, name
    root = _root(plan)
    headers = {
        _prop(h, "Header.name"): _prop(h, "Header.value")
        for h in root.findall(".//elementProp[@elementType='Header']")
    }
    assert headers["Content-Type"] == "application/json"


def _root_fields(plan: str) -> set[str]:
    fields: set[str] = set()
    for sampler in _samplers(plan):
        for definition in parse(_prop(sampler, "GraphQLHTTPSampler.query")).definitions:
            assert isinstance(definition, OperationDefinitionNode)
            for selection in definition.selection_set.selections:
                assert isinstance(selection, FieldNode)
                fields.add(selection.name.value)
                if any(a.name.value == "search" for a in selection.arguments or ()):
                    fields.add(f"{selection.name.value}(search)")
    return fields


def test_the_smoke_calls_every_public_operation() -> None:
    assert _root_fields("smoke") == {
        "products",
        "products(search)",
        "product",
        "signUp",
        "login",
        "me",
        "createOrder",
        "myOrders",
        "cancelOrder",
    }


def test_the_mixed_plan_logs_in_and_orders_but_never_signs_up() -> None:
    # Sign-ups are the prepare step's; a run only logs prepared customers in.
    assert _root_fields("mixed") == _root_fields("smoke") - {"signUp"}
