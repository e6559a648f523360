"""What runs, on which port, with which environment: read from the supergraph config.

The subgraph list in supergraph/supergraph.yaml is the single source: a subgraph added there
is started here too. A port offset lets tests run a second stack beside a developer's.
"""

import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from shopgraph_stack import prometheus, traces

REPO = Path(__file__).resolve().parents[4]
VENV_BIN = REPO / ".venv" / "bin"

DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD = "admin@example.com", "shopgraph-admin"
DEV_CUSTOMER_EMAIL, DEV_CUSTOMER_PASSWORD = "customer@example.com", "shopgraph-customer"
GATEWAY_PORT, GATEWAY_HEALTH_PORT, FERRETDB_PORT, EXPLORER_PORT = 4000, 8088, 27017, 4080


def admin_login_hint(environ: Mapping[str, str]) -> str:
    """The admin login the users service really uses, for the start-up banner.

    A password the user chose (SHOPGRAPH_ADMIN_PASSWORD) is never printed: only where it
    comes from. The dev default is printed, since the README prints it too.
    """
    email = environ.get("SHOPGRAPH_ADMIN_EMAIL") or DEV_ADMIN_EMAIL
    if environ.get("SHOPGRAPH_ADMIN_PASSWORD"):
        return f"{email} / (the password in SHOPGRAPH_ADMIN_PASSWORD)"
    return f"{email} / {DEV_ADMIN_PASSWORD}"


def admin_credentials(environ: Mapping[str, str]) -> tuple[str, str]:
    """The admin email and password the stack gives the users service."""
    return (
        environ.get("SHOPGRAPH_ADMIN_EMAIL") or DEV_ADMIN_EMAIL,
        environ.get("SHOPGRAPH_ADMIN_PASSWORD") or DEV_ADMIN_PASSWORD,
    )


# Environment variables Apollo Router 2.17.0 refuses to start with (executable.rs).
ROUTER_FORBIDDEN_ENV = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
)


def find_router() -> str | None:
    """The Apollo Router binary: ROUTER_BIN, else `router` on PATH or where cargo installs it."""
    found = os.environ.get("ROUTER_BIN") or shutil.which("router")
    if found is None and (cargo := Path.home() / ".cargo" / "bin" / "router").exists():
        found = str(cargo)
    return found


@dataclass(frozen=True)
class Component:
    name: str
    argv: list[str]
    env: dict[str, str]
    # An HTTP URL that answers 200 when ready, or a bare TCP port to wait for.
    ready_url: str | None = None
    ready_port: int | None = None
    # The system works without it (Prometheus): a failed start is reported, not fatal.
    optional: bool = False
    # How long it may take to become ready (a search node takes minutes on a loaded laptop).
    start_timeout_s: float = 180.0


@dataclass(frozen=True)
class Topology:
    data_dir: Path
    port_offset: int = 0
    gateway: str = "auto"  # "router", "node" or "auto": the router when one is installed
    subgraphs: dict[str, int] = field(default_factory=dict)
    # Where traces go (shopgraph_stack.traces): "auto" (Jaeger's memory when Jaeger is built),
    # "memory", "opensearch" or "off". An opensearch_url means a node someone else runs.
    traces: str = "auto"
    opensearch_url: str | None = None

    @classmethod
    def load(
        cls,
        data_dir: Path,
        port_offset: int = 0,
        gateway: str = "auto",
        *,
        traces: str = "auto",
        opensearch_url: str | None = None,
    ) -> "Topology":
        config = yaml.safe_load((REPO / "supergraph" / "supergraph.yaml").read_text())
        subgraphs = {
            name: (urlsplit(spec["routing_url"]).port or 80) + port_offset
            for name, spec in config["subgraphs"].items()
        }
        return cls(data_dir.resolve(), port_offset, gateway, subgraphs, traces, opensearch_url)

    @property
    def trace_store(self) -> str:
        """memory, opensearch or off: what this machine can do of what was asked."""
        return traces.store(self.traces)

    @property
    def traces_url(self) -> str:
        """Jaeger's UI and query API."""
        return f"http://127.0.0.1:{traces.QUERY_PORT + self.port_offset}"

    @property
    def otlp_endpoint(self) -> str:
        """Where every service and the gateway send their spans (OTLP over HTTP)."""
        return f"http://127.0.0.1:{traces.OTLP_HTTP_PORT + self.port_offset}"

    @property
    def search_url(self) -> str | None:
        """The OpenSearch node holding the spans, when traces go there."""
        if self.trace_store != "opensearch":
            return None
        port = traces.OPENSEARCH_HTTP_PORT + self.port_offset
        return self.opensearch_url or f"http://127.0.0.1:{port}"

    @property
    def gateway_port(self) -> int:
        return GATEWAY_PORT + self.port_offset

    @property
    def gateway_health_port(self) -> int:
        return GATEWAY_HEALTH_PORT + self.port_offset

    @property
    def ferretdb_port(self) -> int:
        return FERRETDB_PORT + self.port_offset

    @property
    def explorer_url(self) -> str:
        """The offline GraphiQL: the Node gateway serves it itself; beside the router, a
        small explorer server of its own does (the router's Sandbox needs the internet)."""
        if self.router_binary():
            return f"http://127.0.0.1:{EXPLORER_PORT + self.port_offset}/"
        return f"{self.gateway_url}/"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{prometheus.PROMETHEUS_PORT + self.port_offset}"

    def scrape_targets(self) -> dict[str, str]:
        """What Prometheus scrapes: job name -> host:port serving /metrics."""
        return {
            "gateway": f"127.0.0.1:{self.gateway_health_port}",
            **{name: f"127.0.0.1:{port}" for name, port in self.subgraphs.items()},
            "prometheus": f"127.0.0.1:{prometheus.PROMETHEUS_PORT + self.port_offset}",
        }

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def subgraph_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.subgraphs[name]}"

    def _secret(self, name: str) -> str:
        """A per-data-folder secret called `name`, made at first run."""
        path = self.data_dir / "keys" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def internal_token(self) -> str:
        """The secret for service-to-service calls (X-Service-Token)."""
        return self._secret("internal-service-token")

    def gateway_token(self) -> str:
        """The secret only the gateway sends the subgraphs (x-shopgraph-gateway-token).

        Development enforces it as production does: a subgraph's /graphql answers the
        gateway only. To call one directly, send the header with this file's content.
        """
        return self._secret("gateway-token")

    def router_binary(self) -> str | None:
        if self.gateway == "node":
            return None
        found = find_router()
        if self.gateway == "router" and found is None:
            raise RuntimeError("no Apollo Router binary: run `make router` or set ROUTER_BIN")
        return found

    def components(self) -> list[Component]:
        base = {
            **os.environ,
            "ENVIRONMENT": os.environ.get("ENVIRONMENT", "development"),
            "HOST": "127.0.0.1",
            "SHOPGRAPH_DATA_DIR": str(self.data_dir),
            "JWKS_URL": f"{self.subgraph_url('users')}/.well-known/jwks.json",
            "INTERNAL_SERVICE_TOKEN": self.internal_token(),
            # The subgraphs require it and the gateway (router or Node) sends it.
            "GATEWAY_TOKEN": self.gateway_token(),
        }
        found = self._trace_store(base)
        if found:
            # Every subgraph, the Node gateway and the router export to the collector.
            base["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.otlp_endpoint
            base["ROUTER_OTLP_ENABLED"] = "true"
            # Batches leave every second (the SDKs' default is 5 s): a trace shows up sooner.
            base.setdefault("OTEL_BSP_SCHEDULE_DELAY", "1000")
        if "products" in self.subgraphs:
            found.append(
                Component(
                    "ferretdb",
                    [
                        str(REPO / "scripts" / "ferretdb.sh"),
                        "run",
                        str(self.ferretdb_port),
                        str(self.data_dir / "ferretdb"),
                    ],
                    base,
                    ready_port=self.ferretdb_port,
                )
            )
        service_env = {
            "users": {
                **dict(
                    zip(
                        ("SHOPGRAPH_ADMIN_EMAIL", "SHOPGRAPH_ADMIN_PASSWORD"),
                        admin_credentials(os.environ),
                        strict=True,
                    )
                ),
                # Every local client is one address, and the e2e suite signs up dozens of
                # customers; production keeps the default (README, Security).
                "SIGN_UP_MAX_PER_ADDRESS": os.environ.get("SIGN_UP_MAX_PER_ADDRESS", "1000"),
            },
            "products": {
                "MONGODB_URL": os.environ.get(
                    "MONGODB_URL",
                    f"mongodb://127.0.0.1:{self.ferretdb_port}/shopgraph_products",
                ),
            },
            "orders": {
                "PRODUCTS_INTERNAL_URL": self.subgraph_url("products")
                if "products" in self.subgraphs
                else "",
            },
        }
        for name, port in self.subgraphs.items():
            env = {**base, "PORT": str(port), **service_env.get(name, {})}
            found.append(
                Component(
                    name,
                    [str(VENV_BIN / f"shopgraph-{name}"), "serve"],
                    env,
                    ready_url=f"http://127.0.0.1:{port}/health/ready",
                )
            )
        found.append(self._gateway(base))
        if self.router_binary():
            explorer_env = {
                **base,
                "EXPLORER_PORT": str(EXPLORER_PORT + self.port_offset),
                "ROUTER_URL": self.gateway_url,
            }
            found.append(
                Component(
                    "explorer",
                    ["node", str(REPO / "gateway" / "explorer.mjs")],
                    explorer_env,
                    ready_url=self.explorer_url,
                )
            )
        if (monitoring := self._prometheus(base)) is not None:
            found.append(monitoring)
        return found

    def _trace_store(self, base: dict[str, str]) -> list[Component]:
        """Jaeger (and the OpenSearch node it writes to), started before everything else so
        that no span is lost; nothing when traces are off or Jaeger is not built."""
        store = self.trace_store
        if store == "off":
            return []
        found: list[Component] = []
        if store == "opensearch" and self.opensearch_url is None:
            port = traces.OPENSEARCH_HTTP_PORT + self.port_offset
            found.append(
                Component(
                    "opensearch",
                    traces.opensearch_node_argv(self.data_dir, self.port_offset),
                    base,
                    ready_url=f"http://127.0.0.1:{port}/_cluster/health?wait_for_status=yellow",
                    start_timeout_s=300.0,
                )
            )
        env = {**base, **traces.jaeger_env(self.port_offset, self.search_url)}
        found.append(
            Component(
                "jaeger",
                traces.jaeger_argv(store),
                env,
                ready_url=f"{self.traces_url}/api/services",
                start_timeout_s=120.0,
            )
        )
        return found

    def _prometheus(self, base: dict[str, str]) -> Component | None:
        """Prometheus scraping everything above; None when it is not installed."""
        binary = prometheus.find_prometheus()
        if binary is None:
            return None
        folder = self.data_dir / "prometheus"
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "prometheus.yml"
        rules = str(REPO / "prometheus" / "rules" / "*.yml")
        config.write_text(prometheus.render_config(self.scrape_targets(), rules))
        port = prometheus.PROMETHEUS_PORT + self.port_offset
        argv = prometheus.argv(binary, config, folder, port)
        ready = f"{self.prometheus_url}/-/ready"
        return Component("prometheus", argv, base, ready_url=ready, optional=True)

    def _gateway(self, base: dict[str, str]) -> Component:
        env = {
            **base,
            "GATEWAY_PORT": str(self.gateway_port),
            "GATEWAY_HEALTH_PORT": str(self.gateway_health_port),
            "CORS_ORIGINS": f"http://localhost:{self.gateway_port},"
            f"http://127.0.0.1:{self.gateway_port}",
            **{
                f"SUBGRAPH_{name.upper()}_URL": f"{self.subgraph_url(name)}/graphql"
                for name in self.subgraphs
            },
        }
        ready = f"http://127.0.0.1:{self.gateway_health_port}/health"
        router = self.router_binary()
        if router:
            # router.yaml names the Rhai folder relative to the root; make it absolute here.
            env["ROUTER_RHAI_DIR"] = str(REPO / "router" / "rhai")
            # The router refuses to start with OTEL_EXPORTER_OTLP_*ENDPOINT set (2.17.0,
            # executable.rs FORBIDDEN_OTEL_VARS): router.yaml reads ROUTER_OTLP_ENDPOINT.
            endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            for name in ROUTER_FORBIDDEN_ENV:
                env.pop(name, None)
            if endpoint:
                env.setdefault("ROUTER_OTLP_ENDPOINT", endpoint)
            if env.get("ROUTER_OTLP_ENABLED", "false").lower() != "true":
                # Nothing collects the router's spans, so it records none (router.yaml's
                # default, always_on, is for a collector's tail sampling). Trace ids still
                # reach the subgraphs (an unsampled traceparent), so their log lines still
                # join up by trace.id, and a client's sampled traceparent is still honoured.
                env.setdefault("ROUTER_TRACE_SAMPLER", "always_off")
            argv = [
                router,
                "--config",
                str(REPO / "router" / "router.yaml"),
                "--supergraph",
                str(REPO / "schema.graphql"),
            ]
            return Component("router", argv, env, ready_url=ready)
        argv = ["node", str(REPO / "gateway" / "server.mjs")]
        return Component("gateway", argv, env, ready_url=ready)
