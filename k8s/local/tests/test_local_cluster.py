"""The Helm chart installed on a real Kubernetes v1.31 started on this machine (k8s/local).

The module starts the cluster with `k8s/local/cluster.sh up`, installs the chart with each
deploy value set (k8s/helm/values/) into a namespace that enforces Pod Security
"restricted", and tears everything down at the end, checking that the machine is as it was.

It skips only when the cluster's binaries are not built (k8s/local/build.sh); with
K8S_LOCAL_REQUIRED=1 (`make k8s-test`) a missing binary fails instead.
"""

import base64
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

LOCAL = Path(__file__).resolve().parents[1]
REPO = LOCAL.parents[1]
CLUSTER = LOCAL / "cluster.sh"
CHART = REPO / "k8s" / "helm" / "shopgraph"
VALUE_SETS = sorted(p.stem for p in (REPO / "k8s" / "helm" / "values").glob("*.yaml"))
RELEASE = "shopgraph"

Obj = dict[str, Any]
# It starts a whole cluster: not for `make test-unit`.
pytestmark = pytest.mark.servers


def _built() -> bool:
    return (
        subprocess.run([LOCAL / "build.sh", "--check"], check=False, capture_output=True).returncode
        == 0
    )


if not _built():
    if os.environ.get("K8S_LOCAL_REQUIRED") == "1":
        pytest.fail("the local cluster's binaries are not built: run k8s/local/build.sh")
    pytest.skip(
        "the local cluster's binaries are not built (k8s/local/build.sh, ~35 min cold); "
        "`make k8s-test` builds them and never skips",
        allow_module_level=True,
    )


def _env() -> dict[str, str]:
    """The environment `cluster.sh env` gives kubectl and helm."""
    out = subprocess.run([CLUSTER, "env"], capture_output=True, text=True, check=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        for assignment in line.removeprefix("export ").split(" "):
            key, _, value = assignment.partition("=")
            env[key] = value.replace("$PATH", os.environ["PATH"])
    return env


def _snapshot() -> str:
    return subprocess.run([CLUSTER, "snapshot"], capture_output=True, text=True, check=True).stdout


class Cluster:
    def __init__(self) -> None:
        self.env = _env()

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(args),
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"{' '.join(args[:4])} ... exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("kubectl", *args, check=check)

    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("helm", *args, check=check)

    def get(self, namespace: str, kinds: str, selector: str = "") -> list[Obj]:
        args = [
            "-n",
            namespace,
            "get",
            kinds,
            "-o",
            "json",
            *(["-l", selector] if selector else []),
        ]
        items: list[Obj] = json.loads(self.kubectl(*args).stdout)["items"]
        return items

    def has_node(self) -> bool:
        return bool(json.loads(self.kubectl("get", "nodes", "-o", "json").stdout)["items"])


@pytest.fixture(scope="module")
def machine_before() -> str:
    return _snapshot()


@pytest.fixture(scope="module")
def cluster(machine_before: str) -> Iterator[Cluster]:
    started = time.monotonic()
    up = subprocess.run([CLUSTER, "up"], capture_output=True, text=True, check=False)
    print(up.stderr)
    try:
        assert up.returncode == 0, f"cluster.sh up failed:\n{up.stderr[-4000:]}"
        print(f"cluster up in {time.monotonic() - started:.0f} s")
        yield Cluster()
    finally:
        subprocess.run([CLUSTER, "down"], check=False)


def _restricted_namespace(cluster: Cluster, name: str) -> None:
    cluster.kubectl("create", "namespace", name)
    cluster.kubectl(
        "label", "namespace", name,
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/enforce-version=latest",
        "pod-security.kubernetes.io/warn=restricted",
        "pod-security.kubernetes.io/audit=restricted",
    )  # fmt: skip


def _secret(cluster: Cluster, namespace: str, name: str, data: dict[str, str]) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    cluster.run("kubectl", "apply", "-f", "-", stdin=json.dumps(manifest))


def _production_secrets(cluster: Cluster, namespace: str) -> None:
    """What the platform team creates before a production install (values/production.yaml)."""
    key = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519"], capture_output=True, text=True, check=True
    ).stdout
    _secret(cluster, namespace, "shopgraph-app", {
        "jwt-private-key.pem": key,
        "internal-service-token": secrets.token_urlsafe(32),
        "gateway-token": secrets.token_urlsafe(32),
    })  # fmt: skip
    pw = secrets.token_urlsafe(16)
    _secret(
        cluster,
        namespace,
        "shopgraph-users-db",
        {"url": f"mysql+aiomysql://users:{pw}@users-db.invalid:3306/users"},
    )
    _secret(
        cluster,
        namespace,
        "shopgraph-orders-db",
        {"url": f"mysql+aiomysql://orders:{pw}@orders-db.invalid:3306/orders"},
    )
    _secret(
        cluster,
        namespace,
        "shopgraph-products-db",
        {"url": f"mongodb://products:{pw}@products-db.invalid:27017/products"},
    )


def _no_pod_security_warning(output: str) -> None:
    assert "violate PodSecurity" not in output, output


def _wait_pods_created(cluster: Cluster, namespace: str, timeout: float = 120) -> list[Obj]:
    """Wait until the controllers made every pod their objects ask for; fail on any refusal.

    A pod the namespace's Pod Security level refuses is never created: its controller records
    a FailedCreate event with the reason, which this reports.
    """
    deadline = time.monotonic() + timeout
    while True:
        refused = [
            f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}: {e['message']}"
            for e in cluster.get(namespace, "events")
            if e.get("reason") == "FailedCreate"
        ]
        assert not refused, "pods refused:\n" + "\n".join(refused)
        owners = cluster.get(namespace, "replicasets,statefulsets,jobs")
        pods = cluster.get(namespace, "pods")
        missing = []
        for owner in owners:
            uid = owner["metadata"]["uid"]
            made = [
                p
                for p in pods
                if any(r["uid"] == uid for r in p["metadata"].get("ownerReferences", []))
            ]
            kind = owner["kind"]
            want = 1 if kind in ("StatefulSet", "Job") else owner["spec"].get("replicas", 1)
            if kind == "Job" and owner.get("status", {}).get("succeeded"):
                continue
            if len(made) < want:
                missing.append(f"{kind}/{owner['metadata']['name']}: {len(made)}/{want} pods")
        if not missing:
            return pods
        assert time.monotonic() < deadline, "pods not created in time:\n" + "\n".join(missing)
        time.sleep(1)


def test_control_plane_version(cluster: Cluster) -> None:
    version = json.loads(cluster.kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == "v1.31.14"


def test_restricted_namespace_refuses_a_pod_that_is_not_restricted(cluster: Cluster) -> None:
    """The admission the chart is held to is really on: a plain pod (root allowed, default
    capabilities, no seccomp profile) is refused by Pod Security, not by anything else."""
    _restricted_namespace(cluster, "psa-probe")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "plain", "namespace": "psa-probe"},
        "spec": {"containers": [{"name": "c", "image": "localhost/shopgraph/base:bookworm"}]},
    }
    done = cluster.run(
        "kubectl", "create", "--dry-run=server", "-f", "-", stdin=json.dumps(pod), check=False
    )
    assert done.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in done.stderr
    for violation in (
        "allowPrivilegeEscalation != false",
        "runAsNonRoot != true",
        "seccompProfile",
    ):
        assert violation in done.stderr
    cluster.kubectl("delete", "namespace", "psa-probe", "--wait=false")


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_chart_on_the_control_plane(cluster: Cluster, value_set: str) -> None:
    """Install, upgrade and uninstall each deploy value set: every object and pod admitted.

    Without a node no pod runs, so Helm cannot wait for readiness nor for its hook Jobs:
    the release goes in with --no-hooks, and its hooks (Secrets, migration Jobs) are then
    created from `helm get hooks` in weight order, through the same admission.
    """
    namespace = f"tier1-{value_set}"
    values = REPO / "k8s" / "helm" / "values" / f"{value_set}.yaml"
    _restricted_namespace(cluster, namespace)
    if value_set == "production":
        _production_secrets(cluster, namespace)
    common = [RELEASE, str(CHART), "-n", namespace, "-f", str(values)]

    dry = cluster.helm("install", *common, "--dry-run=server")
    _no_pod_security_warning(dry.stderr)
    assert "STATUS: pending-install" in dry.stdout

    installed = cluster.helm("install", *common, "--no-hooks")
    _no_pod_security_warning(installed.stderr)
    assert "STATUS: deployed" in installed.stdout

    hooks = cluster.helm("get", "hooks", RELEASE, "-n", namespace).stdout
    assert "kind: Job" in hooks or value_set == "production"
    done = cluster.run("kubectl", "create", "-n", namespace, "-f", "-", stdin=hooks)
    _no_pod_security_warning(done.stderr)

    pods = _wait_pods_created(cluster, namespace)
    assert pods, "no pod was created"
    for pod in pods:
        spec = pod["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, pod["metadata"]["name"]
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]

    upgraded = cluster.helm("upgrade", *common, "--no-hooks", "--set", "router.replicaCount=2")
    _no_pod_security_warning(upgraded.stderr)
    assert "has been upgraded" in upgraded.stdout
    history = cluster.helm("history", RELEASE, "-n", namespace, "-o", "json").stdout
    assert [r["status"] for r in json.loads(history)] == ["superseded", "deployed"]
    _wait_pods_created(cluster, namespace)

    cluster.helm("uninstall", RELEASE, "-n", namespace, "--no-hooks", "--wait", "--timeout", "2m")
    kinds = "deployments,statefulsets,services,configmaps,networkpolicies,hpa,pdb,ingresses"
    left = cluster.get(namespace, kinds, "app.kubernetes.io/managed-by=Helm")
    assert left == [], [f"{o['kind']}/{o['metadata']['name']}" for o in left]
    cluster.kubectl("delete", "namespace", namespace, "--wait=false")


def _node_or_skip(cluster: Cluster) -> None:
    if cluster.has_node():
        return
    reason = "no node in this run (K8S_LOCAL_NODE=0, not root, or k8s/local/images.sh not run)"
    if os.environ.get("K8S_LOCAL_REQUIRED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _router_image_built() -> bool:
    return (REPO / ".local" / "k8s" / "images" / "router.oci.tar").exists()


def test_the_node_runs_pods(cluster: Cluster) -> None:
    """Tier 2: one node (kubelet + containerd) Ready, with the images built here."""
    _node_or_skip(cluster)
    node = json.loads(cluster.kubectl("get", "node", "localhost", "-o", "json").stdout)
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
    assert ready == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.31.14"
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    images = {name for image in node["status"]["images"] for name in image.get("names", [])}
    for name in ("users", "products", "orders", "mariadb", "ferretdb"):
        assert f"localhost/shopgraph/{name}:local" in images, sorted(images)


NODE_NAMESPACE = "shopgraph"


def _node_release_args() -> list[str]:
    review = REPO / "k8s" / "helm" / "values" / "review.yaml"
    extra = [] if _router_image_built() else ["--set", "router.replicaCount=0"]
    local = LOCAL / "values-local.yaml"
    return [RELEASE, str(CHART), "-n", NODE_NAMESPACE, "-f", str(review), "-f", str(local), *extra]


@pytest.fixture(scope="module")
def release_on_node(cluster: Cluster) -> Cluster:
    """Tier 2: `helm install --atomic` of the review set with the local images (hooks run)."""
    _node_or_skip(cluster)
    _restricted_namespace(cluster, NODE_NAMESPACE)
    cluster.run(str(CLUSTER), "prepare", NODE_NAMESPACE)
    started = time.monotonic()
    installed = cluster.helm("install", *_node_release_args(), "--atomic", "--timeout", "15m")
    print(f"helm install --atomic: {time.monotonic() - started:.0f} s")
    _no_pod_security_warning(installed.stderr)
    return cluster


def test_every_pod_ready_and_every_hook_done(release_on_node: Cluster) -> None:
    pods = release_on_node.get(NODE_NAMESPACE, "pods")
    assert pods
    not_ready = [
        p["metadata"]["name"]
        for p in pods
        if p["status"].get("phase") != "Succeeded"
        and not all(c.get("ready") for c in p["status"].get("containerStatuses", [{}]))
    ]
    assert not not_ready, not_ready
    # --atomic waited for the hook Jobs; hook-succeeded deleted them: none is left unfinished.
    jobs = release_on_node.get(NODE_NAMESPACE, "jobs")
    assert not [j["metadata"]["name"] for j in jobs if not j["status"].get("succeeded")]
    secrets_made = {s["metadata"]["name"] for s in release_on_node.get(NODE_NAMESPACE, "secrets")}
    assert {"shopgraph-app", "shopgraph-users-db", "shopgraph-orders-db"} <= secrets_made


def _service_url(cluster: Cluster, name: str, path: str) -> str:
    """The Service's ClusterIP URL, after checking the host routes it through our bridge."""
    service = json.loads(
        cluster.kubectl("-n", NODE_NAMESPACE, "get", "service", name, "-o", "json").stdout
    )
    ip, port = service["spec"]["clusterIP"], service["spec"]["ports"][0]["port"]
    route = subprocess.run(
        ["ip", "-o", "route", "get", ip], capture_output=True, text=True, check=True
    )
    assert " dev k8slocal0 " in route.stdout, (
        f"refusing: {ip} is not routed through our bridge: {route.stdout}"
    )
    return f"http://{ip}:{port}{path}"


def _traffic_or_skip(cluster: Cluster) -> None:
    reasons = []
    if not _router_image_built():
        reasons.append("no router image (make router, then k8s/local/images.sh)")
    if not (REPO / ".local" / "k8s" / "bin" / "coredns").exists():
        reasons.append("no CoreDNS binary (k8s/local/build.sh)")
    if reasons:
        pytest.skip("; ".join(reasons))


def test_helm_test_passes(release_on_node: Cluster) -> None:
    """Tier 3: the chart's own `helm test` pod queries the router Service."""
    _traffic_or_skip(release_on_node)
    done = release_on_node.helm("test", RELEASE, "-n", NODE_NAMESPACE, "--logs", "--timeout", "5m")
    assert "Phase:          Succeeded" in done.stdout, done.stdout


def test_a_graphql_order_through_the_router_service(release_on_node: Cluster) -> None:
    """Tier 3: sign up, pick a seeded product, place an order: through the router Service."""
    _traffic_or_skip(release_on_node)
    url = _service_url(release_on_node, "shopgraph-router", "/graphql")

    def graphql(query: str, variables: dict[str, Any], token: str | None = None) -> Obj:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            url, json={"query": query, "variables": variables}, headers=headers, timeout=30
        )
        body: Obj = response.json()
        assert "errors" not in body, body
        data: Obj = body["data"]
        return data

    email = f"k8s-{secrets.token_hex(4)}@example.com"
    signed_up = graphql(
        "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
        {"i": {"email": email, "password": secrets.token_urlsafe(12), "name": "Kube Local"}},
    )
    token = signed_up["signUp"]["token"]
    products = graphql("{ products(first: 1, inStock: true) { edges { node { id } } } }", {})
    product_id = products["products"]["edges"][0]["node"]["id"]
    order = graphql(
        "mutation($i: CreateOrderInput!) {"
        " createOrder(input: $i) { id status items { quantity } } }",
        {"i": {"items": [{"productId": product_id, "quantity": 1}]}},
        token,
    )["createOrder"]
    assert order["items"] == [{"quantity": 1}]
    print("order through the router Service:", order)


def test_upgrade_and_uninstall_on_the_node(release_on_node: Cluster) -> None:
    started = time.monotonic()
    upgraded = release_on_node.helm(
        "upgrade", *_node_release_args(), "--atomic", "--timeout", "10m",
        "--set", "subgraphs.products.replicaCount=2",
    )  # fmt: skip
    print(f"helm upgrade --atomic: {time.monotonic() - started:.0f} s")
    _no_pod_security_warning(upgraded.stderr)
    release_on_node.helm("uninstall", RELEASE, "-n", NODE_NAMESPACE, "--wait", "--timeout", "5m")


def test_teardown_leaves_the_machine_as_it_was(cluster: Cluster, machine_before: str) -> None:
    """`cluster.sh down` stops every process and removes every trace (last test of the module)."""
    down = subprocess.run([CLUSTER, "down"], capture_output=True, text=True, check=False)
    assert down.returncode == 0, down.stderr
    assert not (REPO / ".local" / "k8s" / "state").exists()
    assert _snapshot() == machine_before
