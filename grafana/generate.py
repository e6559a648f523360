"""The Grafana dashboards, as code: grafana-foundation-sdk (pinned 0.0.21) writes the JSON.

    uv run --frozen python grafana/generate.py           write grafana/dashboards/*.json
    uv run --frozen python grafana/generate.py --check   exit 1 when a committed file is stale

Every panel's query reads metrics that docs/monitoring.md lists; e2e/test_monitoring.py
evaluates each of them against a live stack's Prometheus after traffic, so none is dead.
Queries use Grafana's `$__rate_interval` and `$__range`, and the Services dashboard's
`$service` variable; the test substitutes them.
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard, QueryVariable, Row
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models.common import DataSourceRef
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"
# The uid grafana/provisioning/datasources/prometheus.yml gives the datasource; the
# kube-prometheus-stack's Grafana names its Prometheus datasource the same.
PROMETHEUS = DataSourceRef(type_val="prometheus", uid="prometheus")
RATE = "$__rate_interval"
SERVER_ERRORS = "INTERNAL_SERVER_ERROR|UPSTREAM_UNAVAILABLE"
GATEWAY = 'job="gateway"'
SUBGRAPHS = 'job=~"users|products|orders"'

Query = tuple[str, str]  # (PromQL, legend)


def _targets(panel: Any, queries: Sequence[Query]) -> Any:
    for index, (expr, legend) in enumerate(queries):
        panel = panel.with_target(
            prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(chr(ord("A") + index))
        )
    return panel


def graph(
    title: str,
    queries: Sequence[Query],
    *,
    unit: str = "short",
    width: int = 12,
    description: str = "",
    stacked: bool = False,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .unit(unit)
        .height(8)
        .span(width)
        .min(0)
        .legend(
            cb.VizLegendOptions()
            .show_legend(True)
            .display_mode(cm.LegendDisplayMode.TABLE)
            .placement(cm.LegendPlacement.BOTTOM)
            .calcs(["mean", "max", "lastNotNull"])
        )
        .tooltip(
            cb.VizTooltipOptions().mode(cm.TooltipDisplayMode.MULTI).sort(cm.SortOrder.DESCENDING)
        )
    )
    if stacked:
        panel = panel.stacking(cb.StackingConfig().mode(cm.StackingMode.NORMAL)).fill_opacity(30)
    result: timeseries.Panel = _targets(panel, queries)
    return result


def single(title: str, expr: str, *, unit: str = "short", description: str = "") -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .unit(unit)
        .height(4)
        .span(6)
        .graph_mode(cm.BigValueGraphMode.AREA)
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]))
    )
    result: stat.Panel = _targets(panel, [(expr, title)])
    return result


def quantile(q: float, bucket: str, by: str = "") -> str:
    group = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) (rate({bucket}[{RATE}])))"


def ratio_or_zero(errors: str, total: str, by: str = "") -> str:
    """errors/total, and 0 (not absent) while there is traffic but no error."""
    group = f" by ({by})" if by else ""
    return (
        f"(sum{group} (rate({errors}[{RATE}])) or sum{group} (rate({total}[{RATE}])) * 0)"
        f" / sum{group} (rate({total}[{RATE}]))"
    )


def base(title: str, uid: str, description: str) -> Dashboard:
    return (
        Dashboard(f"shopgraph · {title}")
        .uid(uid)
        .description(description)
        .tags(["shopgraph"])
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("browser")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .editable()
    )


# ---- Gateway -------------------------------------------------------------------------------

GW_REQUESTS = f"http_server_request_duration_seconds_count{{{GATEWAY}}}"
GW_BUCKETS = f"http_server_request_duration_seconds_bucket{{{GATEWAY}}}"
GW_ERRORS = f"apollo_router_graphql_error_total{{{GATEWAY}}}"
GW_ERROR_RATIO = (
    f"clamp_max(((sum(rate(http_server_request_duration_seconds_count{{{GATEWAY}, "
    f'http_response_status_code=~"5.."}}[{RATE}])) or vector(0)) + '
    f'(sum(rate(apollo_router_graphql_error_total{{{GATEWAY}, code=~"{SERVER_ERRORS}"}}[{RATE}]))'
    f" or vector(0))) / sum(rate({GW_REQUESTS}[{RATE}])), 1)"
)
GW_OPERATIONS = f"shopgraph_gateway_operation_duration_seconds_count{{{GATEWAY}}}"
GW_OPERATION_BUCKETS = f"shopgraph_gateway_operation_duration_seconds_bucket{{{GATEWAY}}}"
FETCH_BUCKETS = f"http_client_request_duration_seconds_bucket{{{GATEWAY}}}"


def latency_percentiles(bucket: str, by: str = "", legend: str = "") -> list[Query]:
    prefix = f"{legend} " if legend else ""
    return [(quantile(q, bucket, by), f"{prefix}p{int(q * 100)}") for q in (0.5, 0.95, 0.99)]


def gateway() -> Dashboard:
    return (
        base(
            "Gateway",
            "shopgraph-gateway",
            "The GraphQL gateway (Apollo Router or the Node gateway, same metric names): "
            "traffic, errors, latency, and the subgraphs as the gateway sees them.",
        )
        .with_panel(single("Requests/s", f"sum(rate({GW_REQUESTS}[{RATE}]))", unit="reqps"))
        .with_panel(
            single(
                "Server error ratio",
                GW_ERROR_RATIO,
                unit="percentunit",
                description="HTTP 5xx, INTERNAL_SERVER_ERROR and UPSTREAM_UNAVAILABLE per request.",
            )
        )
        .with_panel(single("p95 latency", quantile(0.95, GW_BUCKETS), unit="s"))
        .with_panel(single("Gateway up", f"up{{{GATEWAY}}}", unit="bool_yes_no"))
        .with_row(Row("Traffic and errors"))
        .with_panel(
            graph(
                "Requests by HTTP status",
                [
                    (
                        f"sum by (http_response_status_code) (rate({GW_REQUESTS}[{RATE}]))",
                        "{{http_response_status_code}}",
                    )
                ],
                unit="reqps",
                stacked=True,
            )
        )
        .with_panel(
            graph(
                "GraphQL errors by code",
                [(f"sum by (code) (rate({GW_ERRORS}[{RATE}]))", "{{code}}")],
                unit="reqps",
                stacked=True,
                description="Every error in a response, by extensions.code (several per "
                "response count several times).",
            )
        )
        .with_panel(graph("Latency", latency_percentiles(GW_BUCKETS), unit="s", width=24))
        .with_row(Row("Subgraphs as the gateway sees them"))
        .with_panel(
            graph(
                "Subgraph fetch latency p95",
                [(quantile(0.95, FETCH_BUCKETS, "subgraph_name"), "{{subgraph_name}}")],
                unit="s",
            )
        )
        .with_panel(
            graph(
                "Subgraph fetches/s",
                [
                    (
                        "sum by (subgraph_name) (rate(http_client_request_duration_seconds_count"
                        f"{{{GATEWAY}}}[{RATE}]))",
                        "{{subgraph_name}}",
                    )
                ],
                unit="reqps",
            )
        )
        .with_row(Row("Operations"))
        .with_panel(
            graph(
                "Operations/s",
                [
                    (
                        "sum by (graphql_operation_name, graphql_operation_type) "
                        f"(rate({GW_OPERATIONS}[{RATE}]))",
                        "{{graphql_operation_type}} {{graphql_operation_name}}",
                    )
                ],
                unit="reqps",
            )
        )
        .with_panel(
            graph(
                "Operation latency p95",
                [
                    (
                        quantile(0.95, GW_OPERATION_BUCKETS, "graphql_operation_name"),
                        "{{graphql_operation_name}}",
                    )
                ],
                unit="s",
            )
        )
    )


# ---- Services ------------------------------------------------------------------------------

SERVICE = 'job=~"$service"'
OPS = f"graphql_requests_total{{{SERVICE}}}"
OPS_BUCKETS = f"graphql_request_duration_seconds_bucket{{{SERVICE}}}"
DB_BUCKETS = f"shopgraph_db_query_duration_seconds_bucket{{{SERVICE}}}"


def services() -> Dashboard:
    service = (
        QueryVariable("service")
        .label("service")
        .datasource(PROMETHEUS)
        .query("label_values(graphql_requests_total, job)")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .current(VariableOption(selected=True, text="All", value="$__all"))
    )
    return (
        base(
            "Services",
            "shopgraph-services",
            "One row per subgraph (the service variable): RED per GraphQL operation, the "
            "database's latency and pool, the process's CPU and memory.",
        )
        .with_variable(service)
        .with_row(Row("$service").repeat("service"))
        .with_panel(
            graph(
                "Operations/s",
                [(f"sum by (operation_name) (rate({OPS}[{RATE}]))", "{{operation_name}}")],
                unit="reqps",
                width=8,
            )
        )
        .with_panel(
            graph(
                "Server error ratio by operation",
                [
                    (
                        ratio_or_zero(
                            f'graphql_requests_total{{{SERVICE}, outcome=~"{SERVER_ERRORS}"}}',
                            OPS,
                            "operation_name",
                        ),
                        "{{operation_name}}",
                    )
                ],
                unit="percentunit",
                width=8,
            )
        )
        .with_panel(
            graph(
                "Outcomes",
                [(f"sum by (outcome) (rate({OPS}[{RATE}]))", "{{outcome}}")],
                unit="reqps",
                width=8,
                stacked=True,
                description="ok, or the first error code of the response.",
            )
        )
        .with_panel(
            graph(
                "Latency p95 by operation",
                [(quantile(0.95, OPS_BUCKETS, "operation_name"), "{{operation_name}}")],
                unit="s",
                width=8,
            )
        )
        .with_panel(graph("Latency", latency_percentiles(OPS_BUCKETS), unit="s", width=8))
        .with_panel(
            graph(
                "DB query p95",
                [
                    (
                        quantile(0.95, DB_BUCKETS, "db_system, operation"),
                        "{{db_system}} {{operation}}",
                    )
                ],
                unit="s",
                width=8,
            )
        )
        .with_panel(
            graph(
                "DB pool",
                [
                    (
                        f"sum by (db_system) (shopgraph_db_pool_connections_in_use{{{SERVICE}}})",
                        "{{db_system}} in use",
                    ),
                    (
                        f"sum by (db_system) (shopgraph_db_pool_connections_open{{{SERVICE}}})",
                        "{{db_system}} open",
                    ),
                    (
                        f"sum by (db_system) (shopgraph_db_pool_connections_max{{{SERVICE}}})",
                        "{{db_system}} max",
                    ),
                ],
                width=8,
            )
        )
        .with_panel(
            graph(
                "CPU",
                [
                    (
                        f"sum by (instance) (rate(process_cpu_seconds_total{{{SERVICE}}}[{RATE}]))",
                        "{{instance}}",
                    )
                ],
                unit="percentunit",
                width=8,
                description="CPU seconds per second: 1 is one core.",
            )
        )
        .with_panel(
            graph(
                "Memory (resident)",
                [
                    (
                        f"sum by (instance) (process_resident_memory_bytes{{{SERVICE}}})",
                        "{{instance}}",
                    )
                ],
                unit="bytes",
                width=8,
            )
        )
    )


# ---- Orders & stock ------------------------------------------------------------------------

RESERVATIONS = "shopgraph_stock_reservations_total"
# The gateway names a subgraph's part of an operation after the client's (CreateOrder__orders__0).
ORDER_CREATION = (
    'graphql_requests_total{job="orders", operation_type="mutation", '
    'operation_name=~"(?i).*createorder.*"}'
)
CALLS = 'shopgraph_internal_client_request_duration_seconds_count{peer="products"}'


def orders_and_stock() -> Dashboard:
    return (
        base(
            "Orders & stock",
            "shopgraph-orders-stock",
            "Orders placed and cancelled, stock reservations by outcome, and the calls "
            "from orders to products' internal API.",
        )
        .with_panel(
            single("Orders placed", "sum(increase(shopgraph_orders_placed_total[$__range]))")
        )
        .with_panel(
            single("Orders cancelled", "sum(increase(shopgraph_orders_cancelled_total[$__range]))")
        )
        .with_panel(
            single(
                "Out-of-stock share",
                f'sum(increase({RESERVATIONS}{{outcome="out_of_stock"}}[$__range])) / '
                f'sum(increase({RESERVATIONS}{{outcome=~"reserved|out_of_stock"}}[$__range]))',
                unit="percentunit",
                description="Reservation attempts refused for lack of stock, over the range.",
            )
        )
        .with_panel(
            single(
                "Open reservations (30 min)",
                "shopgraph:stock_reservations_open:increase30m",
                description="Taken in the last 30 minutes and not yet confirmed, released or "
                "expired (recording rule; alert StockReservationsPilingUp).",
            )
        )
        .with_row(Row("Orders"))
        .with_panel(
            graph(
                "Orders per minute",
                [
                    (f"sum(rate(shopgraph_orders_placed_total[{RATE}])) * 60", "placed"),
                    (f"sum(rate(shopgraph_orders_cancelled_total[{RATE}])) * 60", "cancelled"),
                ],
            )
        )
        .with_panel(
            graph(
                "Order creation by outcome",
                [
                    (
                        f"sum by (outcome) (rate({ORDER_CREATION}[{RATE}]))",
                        "{{outcome}}",
                    )
                ],
                unit="reqps",
                stacked=True,
                description="ok, OUT_OF_STOCK, UPSTREAM_UNAVAILABLE (products unreachable), ...",
            )
        )
        .with_row(Row("Stock"))
        .with_panel(
            graph(
                "Reservations by outcome",
                [(f"sum by (outcome) (rate({RESERVATIONS}[{RATE}]))", "{{outcome}}")],
                unit="reqps",
            )
        )
        .with_panel(
            graph(
                "Out-of-stock rate",
                [(f'sum(rate({RESERVATIONS}{{outcome="out_of_stock"}}[{RATE}]))', "out of stock")],
                unit="reqps",
            )
        )
        .with_row(Row("Orders → products"))
        .with_panel(
            graph(
                "Calls to products by outcome",
                [(f"sum by (method, outcome) (rate({CALLS}[{RATE}]))", "{{method}} {{outcome}}")],
                unit="reqps",
                description="Each attempt (retries count). Upstream failures: 5xx, and error "
                "(no answer: refused, reset, timed out).",
            )
        )
        .with_panel(
            graph(
                "Calls to products p95",
                [
                    (
                        quantile(
                            0.95,
                            'shopgraph_internal_client_request_duration_seconds_bucket{peer="products"}',
                            "method",
                        ),
                        "{{method}}",
                    )
                ],
                unit="s",
            )
        )
    )


# ---- Load test -----------------------------------------------------------------------------


def load_test() -> Dashboard:
    return (
        base(
            "Load test",
            "shopgraph-load-test",
            "What to watch while JMeter runs: throughput against latency against errors, "
            "then where the time goes (subgraphs, databases, CPU). Shared crosshair.",
        )
        .refresh("5s")
        .time("now-15m", "now")
        .with_panel(single("Throughput", f"sum(rate({GW_REQUESTS}[{RATE}]))", unit="reqps"))
        .with_panel(single("p95 latency", quantile(0.95, GW_BUCKETS), unit="s"))
        .with_panel(single("Server error ratio", GW_ERROR_RATIO, unit="percentunit"))
        .with_panel(
            single(
                "Busiest subgraph CPU",
                f"max(rate(process_cpu_seconds_total{{{SUBGRAPHS}}}[{RATE}]))",
                unit="percentunit",
            )
        )
        .with_panel(
            graph(
                "Throughput",
                [(f"sum(rate({GW_REQUESTS}[{RATE}]))", "requests/s")],
                unit="reqps",
                width=8,
            )
        )
        .with_panel(graph("Latency", latency_percentiles(GW_BUCKETS), unit="s", width=8))
        .with_panel(
            graph(
                "Errors",
                [
                    (GW_ERROR_RATIO, "server error ratio"),
                ],
                unit="percentunit",
                width=8,
            )
        )
        .with_panel(
            graph(
                "Subgraph fetch p95",
                [(quantile(0.95, FETCH_BUCKETS, "subgraph_name"), "{{subgraph_name}}")],
                unit="s",
                width=8,
            )
        )
        .with_panel(
            graph(
                "DB pool in use",
                [
                    (
                        "sum by (job, db_system) (shopgraph_db_pool_connections_in_use)",
                        "{{job}} {{db_system}}",
                    )
                ],
                width=8,
            )
        )
        .with_panel(
            graph(
                "Subgraph CPU",
                [
                    (
                        f"sum by (job) (rate(process_cpu_seconds_total{{{SUBGRAPHS}}}[{RATE}]))",
                        "{{job}}",
                    )
                ],
                unit="percentunit",
                width=8,
            )
        )
    )


BUILDERS: dict[str, Callable[[], Dashboard]] = {
    "gateway": gateway,
    "services": services,
    "orders-stock": orders_and_stock,
    "load-test": load_test,
}


# The SDK writes an interval variable's fields (auto, auto_count, auto_min) into every
# variable; Grafana's dashboard model has them on interval variables only, so they go.
INTERVAL_ONLY = ("auto", "auto_count", "auto_min")


def render(build: Callable[[], Dashboard]) -> str:
    model = json.loads(json.dumps(build().build(), cls=JSONEncoder))
    for variable in model.get("templating", {}).get("list", []):
        if variable.get("type") != "interval":
            for key in INTERVAL_ONLY:
                variable.pop(key, None)
    return json.dumps(model, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when a committed file is stale")
    args = parser.parse_args(argv)
    stale = []
    for name, build in BUILDERS.items():
        path = DASHBOARDS / f"{name}.json"
        text = render(build)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            DASHBOARDS.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(
            f"stale dashboards: {', '.join(stale)}; run: uv run --frozen python "
            "grafana/generate.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
