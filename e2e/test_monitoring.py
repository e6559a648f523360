"""Monitoring against the live stack: Prometheus scrapes everything, and nothing is dead.

Traffic goes through the gateway in rounds a few scrapes apart (so every counter is seen
rising, not only appearing), then, through the stack's Prometheus HTTP API:
  - every target is up (Prometheus parsed its exposition), and each exposition we write
    (the subgraphs', the Node gateway's) passes `promtool check metrics`;
  - every PromQL query of every dashboard panel (grafana/dashboards/) is valid and returns
    data, for each value of the Services dashboard's `service` variable;
  - every recording rule returns data; every rule, alerts included, evaluates without error.
A failure lists each dead or broken panel and rule.
"""

import json
import math
import shutil
import subprocess
import time
import uuid
from typing import Any

import httpx
import pytest
import yaml

from shopgraph_stack.topology import REPO
from shopgraph_testing.drivers.gateway import Gateway

DASHBOARDS = sorted((REPO / "grafana" / "dashboards").glob("*.json"))
RULE_FILES = sorted((REPO / "prometheus" / "rules").glob("*.yml"))
SUBGRAPHS = ("users", "products", "orders")
# Grafana's own variables, as Grafana would expand them for a recent time range.
GRAFANA_VARIABLES = {"$__rate_interval": "2m", "$__range": "15m"}
ROUNDS, ROUND_GAP_S = 3, 6.0  # the stack's Prometheus scrapes every 5 s

SIGN_UP = "mutation SignUp($i: SignUpInput!) { signUp(input: $i) { token } }"
LOGIN = "mutation Login($i: LoginInput!) { login(input: $i) { token } }"
PRODUCTS = "query Products { products(first: 5, inStock: true) { edges { node { id stock } } } }"
CREATE_PRODUCT = (
    "mutation CreateProduct($i: CreateProductInput!) { createProduct(input: $i) { id } }"
)
CREATE_ORDER = "mutation CreateOrder($i: CreateOrderInput!) { createOrder(input: $i) { id } }"
CANCEL_ORDER = "mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { id status } }"
ME = "query Me { me { id email } }"


def shop_traffic(gateway: Gateway, product_id: str) -> None:
    """One round of what customers do: sign up, log in (and fail to), browse, order, cancel."""
    email = f"mon-{uuid.uuid4().hex[:10]}@example.com"
    password = "monitoring password"
    token = gateway.execute(
        SIGN_UP, {"i": {"email": email, "password": password, "name": "Watcher"}}
    )["data"]["signUp"]["token"]
    gateway.execute(LOGIN, {"i": {"email": email, "password": password}})
    failed = gateway.execute(LOGIN, {"i": {"email": email, "password": "not the password"}})
    assert failed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    gateway.execute(ME, token=token)
    gateway.execute(PRODUCTS)
    placed = gateway.execute(
        CREATE_ORDER, {"i": {"items": [{"productId": product_id, "quantity": 1}]}}, token=token
    )
    assert "errors" not in placed, placed
    refused = gateway.execute(
        CREATE_ORDER, {"i": {"items": [{"productId": product_id, "quantity": 10_000}]}}, token=token
    )
    assert refused["errors"][0]["extensions"]["code"] == "OUT_OF_STOCK"
    cancelled = gateway.execute(
        CANCEL_ORDER, {"id": placed["data"]["createOrder"]["id"]}, token=token
    )
    assert "errors" not in cancelled, cancelled


class Prometheus:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def query(self, expr: str) -> tuple[str | None, list[dict[str, Any]]]:
        """(error or None, result vector) of an instant query."""
        response = self.http.get("/api/v1/query", params={"query": expr})
        body: dict[str, Any] = response.json()
        if body.get("status") != "success":
            return f"{body.get('errorType')}: {body.get('error')}", []
        result: list[dict[str, Any]] = body["data"]["result"]
        if body["data"]["resultType"] == "scalar":
            return None, [{"value": result}]
        return None, result

    def wait_for(self, expr: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not has_data(self.query(expr)[1]):
            assert time.monotonic() < deadline, f"no data for {expr} within {timeout_s:.0f}s"
            time.sleep(1)


def has_data(result: list[dict[str, Any]]) -> bool:
    """Some sample with a number: NaN (a quantile of nothing) draws nothing in Grafana."""
    return any(not math.isnan(float(r["value"][1])) for r in result)


def expand(expr: str, service: str | None) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    return expr.replace("$service", service) if service is not None else expr


def panel_queries() -> list[tuple[str, str, str]]:
    """(where, title, expr) for every query of every panel, rows' panels included."""
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for inner in [panel, *panel.get("panels", [])]:
                for target in inner.get("targets", []):
                    found.append((dashboard["title"], inner["title"], target["expr"]))
    return found


def rules() -> list[dict[str, Any]]:
    return [
        rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


@pytest.fixture(scope="module")
def prometheus(gateway: Gateway) -> Prometheus:
    """The stack's Prometheus, once traffic has gone through and been scraped."""
    if not any(c.name == "prometheus" for c in gateway.topology.components()):
        pytest.fail("no Prometheus in the stack: scripts/setup.sh --test installs it")
    return traffic_then_scraped(gateway)


def traffic_then_scraped(gateway: Gateway) -> Prometheus:
    product = gateway.execute(
        CREATE_PRODUCT,
        {
            "i": {
                "sku": f"MON-{uuid.uuid4().hex[:10]}",
                "name": "Watched",
                "price": 500,
                "stock": 100,
            }
        },
        token=gateway.admin_token(),
    )["data"]["createProduct"]
    for round_ in range(ROUNDS):
        if round_:
            time.sleep(ROUND_GAP_S)
        shop_traffic(gateway, product["id"])
    server = Prometheus(gateway.topology.prometheus_url)
    # The last round scraped, and the recording rules evaluated over it.
    server.wait_for(f"shopgraph_orders_cancelled_total >= {ROUNDS}")
    server.wait_for("shopgraph:orders_cancelled:rate5m > 0")
    return server


def test_every_target_is_up_and_its_metrics_pass_promtool(
    prometheus: Prometheus, gateway: Any
) -> None:
    targets = prometheus.http.get("/api/v1/targets").json()["data"]["activeTargets"]
    jobs = {t["labels"]["job"]: t for t in targets}
    assert set(jobs) == {"gateway", *SUBGRAPHS, "prometheus"}
    assert {job: t["health"] for job, t in jobs.items()} == dict.fromkeys(jobs, "up")
    promtool = shutil.which("promtool")
    assert promtool is not None, "scripts/setup.sh --test installs Debian's prometheus"
    # promtool's lint (help text, naming) is our standard for what we write. Apollo
    # Router's exposition is its own (2.17.0 has metrics without help text); that it
    # parses is proven by the target being up.
    ours = [*SUBGRAPHS, "prometheus"] + (["gateway"] if gateway.kind == "node" else [])
    problems = {}
    for job, target in ((job, jobs[job]) for job in ours):
        exposition = httpx.get(target["scrapeUrl"], timeout=10).text
        done = subprocess.run(
            [promtool, "check", "metrics"],
            input=exposition,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or done.stdout.strip() or done.stderr.strip():
            problems[job] = done.stdout + done.stderr
    assert problems == {}


def test_every_dashboard_panel_has_data(prometheus: Prometheus) -> None:
    dead = []
    for where, title, expr in panel_queries():
        for service in SUBGRAPHS if "$service" in expr else (None,):
            error, result = prometheus.query(expand(expr, service))
            if error or not has_data(result):
                shown = f"{where} / {title}" + (f" (service={service})" if service else "")
                dead.append(f"{shown}: {error or 'no data'}\n    {expand(expr, service)}")
    assert not dead, "dead panels:\n" + "\n".join(dead)


def test_every_recording_rule_has_data(prometheus: Prometheus) -> None:
    empty = [
        rule["record"]
        for rule in rules()
        if "record" in rule and not has_data(prometheus.query(rule["record"])[1])
    ]
    assert not empty, f"recording rules without data: {empty}"


def test_every_rule_and_alert_evaluates_without_error(prometheus: Prometheus) -> None:
    groups = prometheus.http.get("/api/v1/rules").json()["data"]["groups"]
    loaded = {r.get("name"): r for g in groups for r in g["rules"]}
    expected = {rule.get("record") or rule["alert"] for rule in rules()}
    assert set(loaded) == expected
    unhealthy = {name: r.get("lastError") for name, r in loaded.items() if r["health"] != "ok"}
    assert unhealthy == {}
    invalid = {}
    for rule in rules():
        if "alert" in rule and (error := prometheus.query(rule["expr"])[0]):
            invalid[rule["alert"]] = error
    assert invalid == {}


def test_grafana_variables_expand_and_nan_counts_as_no_data() -> None:
    assert expand("rate(x[$__rate_interval]) / $__range", None) == "rate(x[2m]) / 15m"
    assert expand('up{job=~"$service"}', "orders") == 'up{job=~"orders"}'
    assert has_data([{"value": [0, "NaN"]}, {"value": [0, "0"]}])
    assert not has_data([{"value": [0, "NaN"]}])
