"""router/router.yaml against the router's own configuration schema, without starting it.

router/config.schema.json is what `router config schema` (Apollo Router 2.17) prints. The
YAML is expanded the way the router expands it (`${env.X:-default}`, then a value that
reads as a YAML bool or number becomes one) and checked two ways:
  - `jsonschema` (a locked dev dependency), Draft 7 as the schema declares: always;
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
from jsonschema import Draft7Validator

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
    # No trace collector in the e2e stacks: the router records no spans.
    "ROUTER_TRACE_SAMPLER": "always_off",
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


def violations(config: dict[str, Any]) -> list[str]:
    """Every way `config` breaks the router's schema, as `path: message` lines."""
    validator = Draft7Validator(schema())
    return [
        f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(config)
    ]


def _get(config: dict[str, Any], *keys: str) -> Any:
    node: Any = config
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# ---- tests ----


def test_the_schema_check_catches_what_the_router_rejects() -> None:
    """The check is not vacuous: it rejects typos, wrong types and wrong shapes."""
    good = expanded_config({})

    assert violations(good) == []
    assert violations({**good, "cors_typo": {}})
    assert violations({**good, "supergraph": {**good["supergraph"], "introspection": "yes"}})
    assert violations({**good, "headers": {"all": {"request": {"operations": [{"nope": 1}]}}}})


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_router_yaml_matches_the_router_schema(env_name: str) -> None:
    config = expanded_config(ENVIRONMENTS[env_name])

    assert violations(config) == []
    # Rules the router checks beyond the schema (configuration/mod.rs `validate`).
    sandbox = bool(_get(config, "sandbox", "enabled"))
    assert not (sandbox and _get(config, "homepage", "enabled") is not False)
    assert not (sandbox and not _get(config, "supergraph", "introspection"))


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
