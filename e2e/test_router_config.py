"""router/router.yaml against the router's own configuration schema, without starting it.

router/config.schema.json is what `router config schema` (Apollo Router 2.17) prints. The
YAML is expanded the way the router expands it (`${env.X:-default}`, then a value that
reads as a YAML bool or number becomes one) and checked three ways:
  - a small draft-07 checker below that always runs (the keywords the schema uses);
  - `jsonschema`, when it is installed;
  - `router config validate`, the router's own checker, when the binary is installed.
"""

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopgraph_stack.topology import REPO, find_router

ROUTER_DIR = REPO / "router"
CONFIG = ROUTER_DIR / "router.yaml"
SCHEMA = ROUTER_DIR / "config.schema.json"

# What the launcher passes (tools/stack/src/shopgraph_stack/topology.py, port offset 11000).
LAUNCHER_ENV = {
    "ENVIRONMENT": "development",
    "GATEWAY_PORT": "15000",
    "GATEWAY_HEALTH_PORT": "19088",
    "CORS_ORIGINS": "http://localhost:15000,http://127.0.0.1:15000",
    "SUBGRAPH_USERS_URL": "http://127.0.0.1:15001/graphql",
    "SUBGRAPH_PRODUCTS_URL": "http://127.0.0.1:15002/graphql",
    "SUBGRAPH_ORDERS_URL": "http://127.0.0.1:15003/graphql",
}
# What production (Helm) sets on top.
PRODUCTION_ENV = {
    "ENVIRONMENT": "production",
    "GATEWAY_HOST": "0.0.0.0",  # noqa: S104 - the pod listens on all interfaces (Helm)
    "ROUTER_INTROSPECTION": "false",
    "ROUTER_SANDBOX": "false",
    "ROUTER_REDACT_SUBGRAPH_ERRORS": "true",
    "ROUTER_OTLP_ENABLED": "true",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318",
    "CORS_ORIGINS": "https://shop.example.com",
    "CORS_ORIGIN_PATTERN": "https://[a-z]+[.]shop[.]example[.]com",
    "SUBGRAPH_TIMEOUT": "10s",
}
ENVIRONMENTS = {"defaults": {}, "launcher": LAUNCHER_ENV, "production": PRODUCTION_ENV}

# GraphOS Enterprise features (licence enforcement in apollo-router 2.17,
# src/uplink/license_enforcement.rs): none may appear.
ENTERPRISE_PATHS = [
    ("coprocessor",),
    ("demand_control",),
    ("authorization",),
    ("authentication",),
    ("persisted_queries",),
    ("preview_entity_cache",),
    ("response_cache",),
    ("batching",),
    ("subscription",),
    ("apq", "router", "cache", "redis"),
    ("supergraph", "query_planning", "cache", "redis"),
    ("limits", "router", "max_depth"),
    ("limits", "router", "max_height"),
    ("limits", "router", "max_root_fields"),
    ("limits", "router", "max_aliases"),
]


# ---- the router's expansion: shellexpand 3 + apollo-router's configuration/expansion.rs ----


def _expand_string(text: str, env: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] != "$":
            out.append(text[i])
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "{":
            end = text.find("}", i)
            if end < 0:  # unbalanced: kept as is
                out.append("${")
                i += 2
                continue
            inner = text[i + 2 : end]
            name, sep, default = inner.partition(":-")
            if not name.startswith("env."):
                raise ValueError(f"unsupported expansion ${{{inner}}} (only env.)")
            value = env.get(name[4:])
            if value is None and not sep:
                raise ValueError(f"${{{inner}}}: {name[4:]} is not set and has no default")
            out.append(value if value is not None else default)
            i = end + 1
        elif re.match(r"[A-Za-z0-9_]", nxt):
            raise ValueError(f"bare ${nxt}... in {text!r}: the router rejects it; use $$ or ${{}}")
        else:  # "$$" is a literal "$"; a "$" before anything else stays
            out.append("$")
            i += 2 if nxt == "$" else 1
    return "".join(out)


def _coerce(text: str) -> Any:
    """expansion.rs `coerce`: a YAML bool, number or null becomes one, else a string."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, bool):
        return value if text.strip().lower() in ("true", "false") else text
    if isinstance(value, int | float) or value is None:
        return value
    return text


def expand(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: expand(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [expand(value, env) for value in node]
    if isinstance(node, str):
        expanded = _expand_string(node, env)
        return _coerce(expanded) if expanded != node else node
    return node


def expanded_config(env: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = expand(yaml.safe_load(CONFIG.read_text()), env)
    return config


def schema() -> dict[str, Any]:
    if not SCHEMA.exists():
        pytest.fail(f"{SCHEMA} is missing: `router config schema > router/config.schema.json`")
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text())
    return loaded


# ---- a draft-07 checker for the keywords router/config.schema.json uses ----

_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
_HANDLED = {
    "$ref", "allOf", "anyOf", "oneOf", "type", "const", "enum", "properties",
    "additionalProperties", "patternProperties", "required", "items", "minItems", "maxItems",
    "minimum", "uniqueItems",
    # annotations
    "description", "default", "format", "title", "deprecated", "writeOnly", "$schema",
    "definitions", "examples", "readOnly",
}  # fmt: skip


def check(value: Any, node: dict[str, Any], root: dict[str, Any], path: str = "") -> list[str]:
    """Every violation of `node` by `value`, as `path: reason` lines (empty when valid)."""
    if unknown := set(node) - _HANDLED:
        return [f"{path or '/'}: schema keyword(s) {sorted(unknown)} not understood by this check"]
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/definitions/")
        return check(value, root["definitions"][name], root, path)
    errors = _check_combinators(value, node, root, path)
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_TYPES[t](value) for t in types):
            return [*errors, f"{path or '/'}: {value!r} is not of type {types}"]
    errors += _check_value(value, node, path or "/")
    if isinstance(value, dict):
        errors += _check_object(value, node, root, path)
    if isinstance(value, list):
        errors += _check_array(value, node, root, path)
    return errors


def _check_combinators(
    value: Any, node: dict[str, Any], root: dict[str, Any], path: str
) -> list[str]:
    errors: list[str] = []
    for sub in node.get("allOf", []):
        errors += check(value, sub, root, path)
    if "anyOf" in node:
        results = [check(value, sub, root, path) for sub in node["anyOf"]]
        if all(results):
            errors.append(f"{path or '/'}: matches none of anyOf: " + min(results, key=len)[0])
    if "oneOf" in node:
        results = [check(value, sub, root, path) for sub in node["oneOf"]]
        matched = sum(not r for r in results)
        if matched != 1:
            detail = min(results, key=len)[0] if matched == 0 else f"{matched} alternatives"
            errors.append(f"{path or '/'}: oneOf needs exactly one match: {detail}")
    return errors


def _check_value(value: Any, node: dict[str, Any], where: str) -> list[str]:
    errors = []
    if "const" in node and value != node["const"]:
        errors.append(f"{where}: {value!r} is not {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{where}: {value!r} is not one of {node['enum']}")
    if "minimum" in node and _TYPES["number"](value) and value < node["minimum"]:
        errors.append(f"{where}: {value} < {node['minimum']}")
    return errors


def _check_array(
    value: list[Any], node: dict[str, Any], root: dict[str, Any], path: str
) -> list[str]:
    errors = []
    if "items" in node:
        for i, item in enumerate(value):
            errors += check(item, node["items"], root, f"{path}/{i}")
    if len(value) < node.get("minItems", 0) or len(value) > node.get("maxItems", len(value)):
        errors.append(f"{path or '/'}: wrong number of items ({len(value)})")
    return errors


def _check_object(
    value: dict[str, Any], node: dict[str, Any], root: dict[str, Any], path: str
) -> list[str]:
    errors = [f"{path or '/'}: missing required {key!r}" for key in node.get("required", [])
              if key not in value]  # fmt: skip
    properties = node.get("properties", {})
    patterns = node.get("patternProperties", {})
    extra = node.get("additionalProperties", True)
    for key, item in value.items():
        matched = [sub for pattern, sub in patterns.items() if re.search(pattern, key)]
        if key in properties:
            errors += check(item, properties[key], root, f"{path}/{key}")
        for sub in matched:
            errors += check(item, sub, root, f"{path}/{key}")
        if key in properties or matched:
            continue
        if extra is False:
            errors.append(f"{path or '/'}: unknown key {key!r}")
        elif isinstance(extra, dict):
            errors += check(item, extra, root, f"{path}/{key}")
    return errors


def _get(config: dict[str, Any], *keys: str) -> Any:
    node: Any = config
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# ---- tests ----


def test_the_checker_catches_what_the_router_rejects() -> None:
    """The small checker is not vacuous: it rejects typos, wrong types and wrong shapes."""
    root = schema()
    good = expanded_config({})

    assert check(good, root, root) == []
    assert check({**good, "cors_typo": {}}, root, root)
    assert check({**good, "supergraph": {**good["supergraph"], "introspection": "yes"}}, root, root)
    assert check(
        {**good, "headers": {"all": {"request": {"operations": [{"nope": 1}]}}}}, root, root
    )


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_router_yaml_matches_the_router_schema(env_name: str) -> None:
    root = schema()
    config = expanded_config(ENVIRONMENTS[env_name])

    assert check(config, root, root) == []
    # Rules the router checks beyond the schema (configuration/mod.rs `validate`).
    sandbox = bool(_get(config, "sandbox", "enabled"))
    assert not (sandbox and _get(config, "homepage", "enabled") is not False)
    assert not (sandbox and not _get(config, "supergraph", "introspection"))


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_router_yaml_matches_the_router_schema_jsonschema(env_name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    validator = jsonschema.Draft7Validator(schema())

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(expanded_config(ENVIRONMENTS[env_name]))]  # fmt: skip

    assert errors == []


def test_environment_drives_the_settings_clients_notice() -> None:
    defaults = expanded_config({})
    launcher = expanded_config(LAUNCHER_ENV)
    production = expanded_config(PRODUCTION_ENV)

    assert defaults["supergraph"]["path"] == "/graphql"
    assert defaults["health_check"]["path"] == "/health"
    assert launcher["supergraph"]["listen"] == "127.0.0.1:15000"
    assert launcher["health_check"]["listen"] == "127.0.0.1:19088"
    assert launcher["override_subgraph_url"]["users"] == "http://127.0.0.1:15001/graphql"
    assert defaults["override_subgraph_url"] == {
        "users": "http://127.0.0.1:4001/graphql",
        "products": "http://127.0.0.1:4002/graphql",
        "orders": "http://127.0.0.1:4003/graphql",
    }
    assert defaults["supergraph"]["introspection"] is True
    assert production["supergraph"]["introspection"] is False
    assert production["sandbox"]["enabled"] is False
    assert defaults["include_subgraph_errors"]["all"]["redact_message"] is False
    assert production["include_subgraph_errors"]["all"]["redact_message"] is True
    assert defaults["traffic_shaping"]["all"]["timeout"] == "30s"
    assert production["traffic_shaping"]["all"]["timeout"] == "10s"
    # The 2 MiB limit clients see is Rhai's (GATEWAY_MAX_BODY_BYTES); this is a hard stop.
    assert defaults["limits"]["router"]["http_max_request_bytes"] >= 64 * 2 * 1024 * 1024
    assert defaults["limits"]["router"]["parser_max_tokens"] == 15000
    assert defaults["limits"]["router"]["parser_max_recursion"] == 500
    tracing = defaults["telemetry"]["exporters"]["tracing"]
    assert tracing["otlp"]["enabled"] is False
    assert production["telemetry"]["exporters"]["tracing"]["otlp"]["enabled"] is True
    assert tracing["propagation"]["trace_context"] is True


def test_listeners_bind_loopback_unless_gateway_host_is_set() -> None:
    """Issue 8 W6: development binds 127.0.0.1; production (Helm) sets GATEWAY_HOST=0.0.0.0."""
    defaults = expanded_config({})
    production = expanded_config(PRODUCTION_ENV)
    prometheus = ("telemetry", "exporters", "metrics", "prometheus", "listen")

    for keys in [("supergraph", "listen"), ("health_check", "listen"), prometheus]:
        assert _get(defaults, *keys).startswith("127.0.0.1:"), keys
        assert _get(production, *keys).startswith("0.0.0.0:"), keys


def test_csrf_and_apq_are_where_the_contract_codes_can_reach_them() -> None:
    """Issue 8 D5/D7: the CSRF rule lives in the Rhai script (the plugin's refusal could not
    be given a contract code), and APQ is on."""
    config = expanded_config({})
    rhai = (REPO / "router" / "rhai" / "main.rhai").read_text()

    assert config["csrf"] == {"unsafe_disabled": True}
    assert "fn check_request(request)" in rhai
    assert 'service.map_request(Fn("check_request"))' in rhai
    assert config["apq"]["enabled"] is True


def test_every_subgraph_in_the_supergraph_can_be_rerouted() -> None:
    subgraphs = yaml.safe_load((REPO / "supergraph" / "supergraph.yaml").read_text())["subgraphs"]
    raw = yaml.safe_load(CONFIG.read_text())["override_subgraph_url"]

    for name in subgraphs:
        assert raw.get(name, "").startswith(f"${{env.SUBGRAPH_{name.upper()}_URL:-"), name


def test_headers_cors_and_metrics() -> None:
    config = expanded_config({})
    operations = config["headers"]["all"]["request"]["operations"]
    propagated = [op["propagate"]["named"].lower() for op in operations if "propagate" in op]
    inserted = [op["insert"] for op in operations if "insert" in op]
    cors = config["cors"]
    policy = cors["policies"][0]
    pattern = re.compile(policy["match_origins"][0])
    prometheus = config["telemetry"]["exporters"]["metrics"]["prometheus"]

    # x-forwarded-for: as the ingress in front of the router wrote it (the Node gateway
    # appends the socket address itself), for the users service's login throttle.
    # traceparent/tracestate go out through the router's trace propagation, not copied.
    assert propagated == ["authorization", "x-request-id", "x-forwarded-for"]
    # The credential only the gateway sends the subgraphs (core GATEWAY_TOKEN).
    assert inserted == [{"name": "x-shopgraph-gateway-token", "value": "unset"}]
    launched = expanded_config({**LAUNCHER_ENV, "GATEWAY_TOKEN": "t0k3n"})
    assert launched["headers"]["all"]["request"]["operations"][-1]["insert"]["value"] == "t0k3n"
    assert cors["allow_headers"] == ["content-type", "authorization", "apollographql-client-name"]
    assert cors["allow_any_origin"] is False
    assert {"http://localhost:4000", "http://127.0.0.1:4000"} <= set(policy["origins"])
    for origin in ("http://localhost:11000", "http://127.0.0.1:4000"):
        assert pattern.match(origin), origin
    for origin in ("https://evil.example", "http://localhost:4000.evil.example", "null"):
        assert not pattern.match(origin), origin
    assert prometheus == {"enabled": True, "listen": "127.0.0.1:8088", "path": "/metrics"}


def test_no_enterprise_features() -> None:
    config = expanded_config({})

    used = [".".join(keys) for keys in ENTERPRISE_PATHS if _get(config, *keys) is not None]

    assert used == []


def test_the_rhai_script_is_where_the_config_points() -> None:
    rhai = expanded_config({})["rhai"]
    main = REPO / rhai["scripts"] / rhai["main"]

    assert main.is_file()
    assert "fn supergraph_service(service)" in main.read_text()


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_router_config_validate(env_name: str) -> None:
    """The router's own checker (schema, expansion and cross-field rules)."""
    binary = find_router()
    if binary is None:
        pytest.skip("no Apollo Router binary (make router)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()),
           "APOLLO_TELEMETRY_DISABLED": "true", **ENVIRONMENTS[env_name]}  # fmt: skip

    result = subprocess.run(
        [binary, "config", "validate", str(CONFIG)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def test_schema_file_is_the_installed_routers() -> None:
    binary = find_router()
    if binary is None:
        pytest.skip("no Apollo Router binary (make router)")
    printed = subprocess.run(
        [binary, "config", "schema"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "APOLLO_TELEMETRY_DISABLED": "true"},
    ).stdout

    assert json.loads(printed) == schema(), "regenerate: router config schema > " + str(SCHEMA)
