"""Properties every rendered value set must have: safe pods, policies, Services, config."""

from typing import Any

import pytest

from chartkit.manifests import (
    by_kind,
    containers,
    env_of,
    is_hook,
    label_selector_matches,
    long_running,
    matches,
    named,
    pod_templates,
)
from chartkit.render import REPO

Doc = dict[str, Any]
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
}


def test_every_value_set_renders_workloads(manifests: list[Doc]) -> None:
    kinds = {doc["kind"] for doc in manifests}
    assert {"Deployment", "Service", "NetworkPolicy", "ConfigMap"} <= kinds


def test_every_long_running_container_has_probes(manifests: list[Doc]) -> None:
    for doc, template in pod_templates(manifests):
        if not long_running(doc):
            continue
        for container in template["spec"]["containers"]:
            where = f"{doc['kind']}/{doc['metadata']['name']}/{container['name']}"
            assert container.get("livenessProbe"), f"{where}: no livenessProbe"
            assert container.get("readinessProbe"), f"{where}: no readinessProbe"


def test_every_container_has_requests_and_limits(manifests: list[Doc]) -> None:
    for doc, template in pod_templates(manifests):
        for container in containers(template):
            where = f"{doc['kind']}/{doc['metadata']['name']}/{container['name']}"
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(part, {})), f"{where}: {part}"


def test_every_pod_is_restricted_and_mounts_no_token(manifests: list[Doc]) -> None:
    for doc, template in pod_templates(manifests):
        spec = template["spec"]
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        writable = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        pod_context = spec["securityContext"]
        if any("secret" in v for v in spec.get("volumes", [])):
            # Secret files are root-owned, mode 0440: readable through the pod's fsGroup only.
            assert pod_context["fsGroup"] == pod_context["runAsGroup"], where
        for container in containers(template):
            context = container["securityContext"]
            assert RESTRICTED_CONTAINER.items() <= context.items(), f"{where}: {context}"
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]  # noqa: S108 - checks the pod's /tmp
            assert tmp, f"{where}: nothing mounted on /tmp"
            assert tmp[0]["name"] in writable, f"{where}: /tmp is no emptyDir"


def test_a_default_deny_policy_covers_every_pod(manifests: list[Doc]) -> None:
    policies = by_kind(manifests, "NetworkPolicy")
    deny = [
        p for p in policies
        if set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress") and not p["spec"].get("egress")
        and "component" not in str(p["spec"]["podSelector"])
    ]  # fmt: skip
    assert len(deny) == 1
    for doc, template in pod_templates(manifests):
        labels = template["metadata"]["labels"]
        assert label_selector_matches(deny[0]["spec"]["podSelector"], labels), doc["metadata"]


def test_every_pod_has_an_allow_policy_of_its_own(manifests: list[Doc]) -> None:
    """Beyond default deny, each workload is selected by a policy that opens its flows."""
    allowing = [
        p
        for p in by_kind(manifests, "NetworkPolicy")
        if p["spec"].get("ingress") or p["spec"].get("egress")
    ]
    for doc, template in pod_templates(manifests):
        labels = template["metadata"]["labels"]
        assert any(label_selector_matches(p["spec"]["podSelector"], labels) for p in allowing), (
            f"{doc['kind']}/{doc['metadata']['name']} has no allow policy"
        )


def _peers_selecting(policy_rules: list[Doc], direction: str, labels: dict[str, str]) -> list[Doc]:
    return [
        rule for rule in policy_rules
        for peer in rule.get(direction, [])
        if "podSelector" in peer and "namespaceSelector" not in peer
        and label_selector_matches(peer["podSelector"], labels)
    ]  # fmt: skip


def _pod_labels(docs: list[Doc], kind: str, name: str) -> dict[str, str]:
    labels: dict[str, str] = named(docs, kind, name)["spec"]["template"]["metadata"]["labels"]
    return labels


def _policy_for(docs: list[Doc], labels: dict[str, str]) -> list[Doc]:
    """The allow policies that select these pods (not the release-wide default deny)."""
    return [
        p for p in by_kind(docs, "NetworkPolicy")
        if {"app.kubernetes.io/component", "shopgraph.io/database-client"}
        & set(p["spec"]["podSelector"].get("matchLabels", {}))
        if label_selector_matches(p["spec"]["podSelector"], labels)
    ]  # fmt: skip


def test_network_flows_are_exactly_the_needed_ones(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["default"]
    router = _pod_labels(docs, "Deployment", "shopgraph-router")
    users = _pod_labels(docs, "Deployment", "shopgraph-users")
    products = _pod_labels(docs, "Deployment", "shopgraph-products")
    orders = _pod_labels(docs, "Deployment", "shopgraph-orders")
    users_db = _pod_labels(docs, "StatefulSet", "shopgraph-users-db")
    orders_db = _pod_labels(docs, "StatefulSet", "shopgraph-orders-db")

    def egress(labels: dict[str, str], to: dict[str, str]) -> bool:
        return any(
            _peers_selecting(p["spec"].get("egress", []), "to", to)
            for p in _policy_for(docs, labels)
        )

    def ingress(labels: dict[str, str], source: dict[str, str]) -> bool:
        return any(
            _peers_selecting(p["spec"].get("ingress", []), "from", source)
            for p in _policy_for(docs, labels)
        )

    # router -> every subgraph, both ends open
    for subgraph in (users, products, orders):
        assert egress(router, subgraph)
        assert ingress(subgraph, router)
    # orders -> products' internal API; products never calls orders
    assert egress(orders, products)
    assert ingress(products, orders)
    assert not egress(products, orders)
    assert not ingress(orders, products)
    # each service -> its own database only
    assert egress(users, users_db)
    assert ingress(users_db, users)
    assert not egress(orders, users_db)
    assert not ingress(users_db, orders)
    assert not egress(users, orders_db)
    assert not ingress(orders_db, users)
    # subgraphs never call the router; databases open nothing outwards
    assert not any(egress(s, router) for s in (users, products, orders))
    for db in (users_db, orders_db):
        assert all(p["spec"].get("egress") in (None, []) for p in _policy_for(docs, db))
    # the ingress controller reaches the router's GraphQL port from its own namespace
    router_policy = named(docs, "NetworkPolicy", "shopgraph-router")
    first = router_policy["spec"]["ingress"][0]
    assert {"namespaceSelector", "podSelector"} <= set(first["from"][0])
    assert first["ports"] == [{"protocol": "TCP", "port": 4000}]


def test_every_service_selects_pods(manifests: list[Doc]) -> None:
    templates = [template for doc, template in pod_templates(manifests) if not is_hook(doc)]
    for service in by_kind(manifests, "Service"):
        selector = service["spec"]["selector"]
        assert selector, service["metadata"]["name"]
        selected = [t for t in templates if matches(selector, t["metadata"]["labels"])]
        assert selected, f"Service/{service['metadata']['name']} selects no pod"
        ports = {
            p["name"] for t in selected for c in t["spec"]["containers"] for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{service['metadata']['name']}: {port}"


def test_the_router_config_map_holds_the_repository_files(rendered: dict[str, list[Doc]]) -> None:
    data = named(rendered["default"], "ConfigMap", "shopgraph-router")["data"]
    assert data == {
        "router.yaml": (REPO / "router" / "router.yaml").read_text(),
        "main.rhai": (REPO / "router" / "rhai" / "main.rhai").read_text(),
        "schema.graphql": (REPO / "schema.graphql").read_text(),
    }, "the chart's files/router/ copies are stale: run `make chart-sync`"


def test_router_runs_the_pinned_image_in_production_mode(rendered: dict[str, list[Doc]]) -> None:
    pod = named(rendered["default"], "Deployment", "shopgraph-router")["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/apollographql/router:v2.17.0"
    env = {name: entry.get("value") for name, entry in env_of(container).items()}
    assert env["ROUTER_INTROSPECTION"] == "false"
    assert env["ROUTER_SANDBOX"] == "false"
    assert env["APOLLO_TELEMETRY_DISABLED"] == "true"
    assert env["ENVIRONMENT"] == "production"
    assert env["SUBGRAPH_ORDERS_URL"] == "http://shopgraph-orders:4003/graphql"
    probes = [container[p]["httpGet"]["port"] for p in ("livenessProbe", "readinessProbe")]
    assert probes == ["health", "health"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "8088"
    assert "checksum/config" in pod["metadata"]["annotations"]


def test_hpa_and_pdb_for_router_and_each_subgraph(rendered: dict[str, list[Doc]]) -> None:
    wanted = {f"shopgraph-{c}" for c in ("router", "users", "products", "orders")}
    docs = rendered["default"]
    hpas = {h["metadata"]["name"]: h for h in by_kind(docs, "HorizontalPodAutoscaler")}
    assert set(hpas) == wanted
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == wanted
    assert {p["metadata"]["name"] for p in by_kind(docs, "PodDisruptionBudget")} == wanted
    for deployment in by_kind(docs, "Deployment"):
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
        assert deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    minimal = rendered["minimal"]
    assert not by_kind(minimal, "HorizontalPodAutoscaler")
    assert not by_kind(minimal, "PodDisruptionBudget")
    assert {d["spec"]["replicas"] for d in by_kind(minimal, "Deployment")} == {1}


def test_databases_are_statefulsets_with_volumes_or_external(
    rendered: dict[str, list[Doc]],
) -> None:
    sets = {s["metadata"]["name"]: s for s in by_kind(rendered["default"], "StatefulSet")}
    assert set(sets) == {"shopgraph-users-db", "shopgraph-orders-db", "shopgraph-products-db"}
    for statefulset in sets.values():
        (claim,) = statefulset["spec"]["volumeClaimTemplates"]
        assert claim["spec"]["resources"]["requests"]["storage"] == "8Gi"
        assert statefulset["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert sets["shopgraph-users-db"]["spec"]["template"]["spec"]["containers"][0][
        "image"
    ].startswith("docker.io/library/mysql:")
    assert not by_kind(rendered["production"], "StatefulSet")


def test_migrations_are_hook_jobs_running_migrate(rendered: dict[str, list[Doc]]) -> None:
    for value_set, first_phase in (("default", "post-install"), ("production", "pre-install")):
        jobs = {j["metadata"]["name"]: j for j in by_kind(rendered[value_set], "Job")}
        for service in ("users", "orders"):
            job = jobs[f"shopgraph-{service}-migrate"]
            assert job["metadata"]["annotations"]["helm.sh/hook"] == f"{first_phase},pre-upgrade"
            container = job["spec"]["template"]["spec"]["containers"][0]
            assert container["args"] == [f"shopgraph-{service}", "migrate"]
    # ...and never at pod start
    for deployment in by_kind(rendered["default"], "Deployment"):
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        if "DATABASE_URL" in env:
            assert env["MIGRATE_ON_START"]["value"] == "false"


def test_generated_secrets_exist_only_without_existing_secrets(
    rendered: dict[str, list[Doc]],
) -> None:
    default = {s["metadata"]["name"] for s in by_kind(rendered["default"], "Secret")}
    assert default == {
        "shopgraph-app", "shopgraph-users-db", "shopgraph-orders-db", "shopgraph-products-db",
    }  # fmt: skip
    assert not by_kind(rendered["production"], "Secret")
    referenced = {
        entry["valueFrom"]["secretKeyRef"]["name"]
        for doc, template in pod_templates(rendered["production"])
        for container in containers(template)
        for entry in container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }
    # The last one is ECK's, for the trace collector (charts/tracing) writing to Elasticsearch.
    assert referenced == {
        "shopgraph-app", "shopgraph-admin", "shopgraph-users-db", "shopgraph-orders-db",
        "shopgraph-products-db", "elasticsearch-es-elastic-user",
    }  # fmt: skip


def test_no_secret_value_lands_in_a_config_map(manifests: list[Doc]) -> None:
    import base64

    secret_values = [
        base64.b64decode(value).decode()
        for secret in by_kind(manifests, "Secret")
        for value in secret["data"].values()
    ]
    plain = str([c.get("data") for c in by_kind(manifests, "ConfigMap")])
    plain += str([c.get("env") for _, t in pod_templates(manifests) for c in containers(t)])
    for value in secret_values:
        assert value not in plain


def test_ingress_routes_graphql_to_the_router(rendered: dict[str, list[Doc]]) -> None:
    (ingress,) = by_kind(rendered["default"], "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/graphql"
    assert path["backend"]["service"] == {"name": "shopgraph-router", "port": {"name": "http"}}
    (tls_ingress,) = by_kind(rendered["production"], "Ingress")
    assert tls_ingress["spec"]["tls"][0]["hosts"] == ["shop.example.com"]
    router = named(rendered["production"], "Deployment", "shopgraph-router")
    env = env_of(router["spec"]["template"]["spec"]["containers"][0])
    assert env["CORS_ORIGINS"]["value"] == "https://shop.example.com"
    assert not by_kind(rendered["minimal"], "Ingress")


def test_observability_hooks(rendered: dict[str, list[Doc]]) -> None:
    production = rendered["production"]
    # The monitoring subchart renders them, named by the Prometheus job its rules select.
    monitors = {m["metadata"]["name"] for m in by_kind(production, "ServiceMonitor")}
    jobs = ("gateway", "users", "products", "orders")
    assert monitors == {f"shopgraph-monitoring-{job}" for job in jobs}
    assert [r["metadata"]["name"] for r in by_kind(production, "PrometheusRule")] == [
        "shopgraph-monitoring-rules"
    ]
    assert not by_kind(rendered["default"], "ServiceMonitor")
    for name in ("router", "users", "products", "orders"):
        container = named(production, "Deployment", f"shopgraph-{name}")["spec"]["template"][
            "spec"
        ]["containers"][0]
        env = env_of(container)
        # Apollo Router 2.17.0 refuses to start with OTEL_EXPORTER_OTLP_*ENDPOINT set.
        variable = "ROUTER_OTLP_ENDPOINT" if name == "router" else "OTEL_EXPORTER_OTLP_ENDPOINT"
        assert env[variable]["value"] == "http://otel-collector.monitoring:4318"
        if name == "router":
            assert not {n for n in env if n.startswith("OTEL_EXPORTER_OTLP_")}
            # Exporting: router.yaml's always_on, which the collector's tail sampling needs.
            assert "ROUTER_TRACE_SAMPLER" not in env
    # No collector: the router records no spans.
    router = named(rendered["default"], "Deployment", "shopgraph-router")
    env = env_of(router["spec"]["template"]["spec"]["containers"][0])
    assert "ROUTER_OTLP_ENABLED" not in env
    assert env["ROUTER_TRACE_SAMPLER"]["value"] == "always_off"
    for name in ("users", "products", "orders"):
        pod = named(rendered["default"], "Deployment", f"shopgraph-{name}")["spec"]["template"]
        assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"


@pytest.mark.parametrize("value_set", ["default", "minimal"])
def test_the_helm_test_pod_queries_the_router(
    rendered: dict[str, list[Doc]], value_set: str
) -> None:
    pod = named(rendered[value_set], "Pod", "shopgraph-test")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = pod["spec"]["containers"][0]
    assert env_of(container)["GRAPHQL_URL"]["value"] == "http://shopgraph-router:80/graphql"
    assert 'body.get("errors")' in container["command"][-1]
