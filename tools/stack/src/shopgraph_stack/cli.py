"""`shopgraph-stack run`: the whole system in the foreground until Ctrl-C."""

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from shopgraph_stack.prometheus import find_prometheus
from shopgraph_stack.stack import running_stack
from shopgraph_stack.supervisor import Supervisor
from shopgraph_stack.topology import REPO, Topology, admin_login_hint
from shopgraph_stack.traces import STORES, find_jaeger
from shopgraph_testing.opensearch import build_opensearch


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _: FrameType | None) -> None:
    raise _Stop(signum)


def prometheus_hint(topology: Topology, supervisor: Supervisor) -> str:
    if find_prometheus() is None:
        return "not installed, so not running (scripts/setup.sh installs Debian's prometheus)"
    if not supervisor.running("prometheus"):
        return f"did not start: see {topology.data_dir / 'logs' / 'prometheus.log'}"
    return f"{topology.prometheus_url}/targets   (rules, alerts: docs/monitoring.md)"


def traces_hint(topology: Topology, supervisor: Supervisor) -> str:
    if find_jaeger() is None:
        return "none yet: Jaeger is not built (make run builds it in the background once)"
    if topology.trace_store == "off":
        return "off (--traces off)"
    if not supervisor.running("jaeger"):
        return f"Jaeger did not start: see {topology.data_dir / 'logs' / 'jaeger.log'}"
    where = (
        f"OpenSearch {topology.search_url}, indices shopgraph-jaeger-span-*"
        if topology.trace_store == "opensearch"
        else "Jaeger's memory; --traces opensearch keeps them in OpenSearch"
    )
    return f"{topology.traces_url}/search   ({where}; docs/tracing.md)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shopgraph-stack")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--data-dir", type=Path, default=REPO / ".data")
    parser.add_argument(
        "--gateway",
        choices=["auto", "router", "node"],
        default="auto",
        help="auto: Apollo Router when installed, else Apollo Gateway on Node",
    )
    parser.add_argument(
        "--port-offset",
        type=int,
        default=int(os.environ.get("SHOPGRAPH_PORT_OFFSET", "0")),
        help="add this to every port (SHOPGRAPH_PORT_OFFSET), to run a second stack beside one",
    )
    parser.add_argument(
        "--traces",
        choices=STORES,
        default=os.environ.get("SHOPGRAPH_TRACES", "auto"),
        help="where Jaeger keeps traces (SHOPGRAPH_TRACES): auto is memory when Jaeger is built",
    )
    parser.add_argument("--raw-logs", action="store_true", help="print JSON log lines as they are")
    args = parser.parse_args(argv)

    if args.traces == "opensearch" and find_jaeger() is not None:
        build_opensearch()  # the node's jars from Maven Central, once (needs Maven)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        with running_stack(
            args.data_dir, port_offset=args.port_offset, gateway=args.gateway, traces=args.traces
        ) as (
            topology,
            supervisor,
        ):
            gateway = topology.gateway_url
            supervisor.say(
                "\n  shopgraph is up. Ctrl-C stops everything.\n"
                f"  GraphQL explorer  {topology.explorer_url}\n"
                f"  GraphQL endpoint  {gateway}/graphql\n"
                f"  gateway health    http://127.0.0.1:{topology.gateway_health_port}/health\n"
                + "".join(
                    f"  {name:<8} subgraph  {topology.subgraph_url(name)}/graphql"
                    f"   metrics {topology.subgraph_url(name)}/metrics\n"
                    for name in topology.subgraphs
                )
                + f"  prometheus        {prometheus_hint(topology, supervisor)}\n"
                + f"  traces            {traces_hint(topology, supervisor)}\n"
                + f"  admin login       {admin_login_hint(os.environ)}\n"
                f"  logs              {topology.data_dir / 'logs'}\n"
            )
            while (failed := supervisor.failed()) is None:
                time.sleep(0.5)
            supervisor.say(f"✘ {failed.name} stopped unexpectedly; stopping everything")
            sys.exit(1)
    except (KeyboardInterrupt, _Stop):
        print("\nstopped", flush=True)


if __name__ == "__main__":
    main()
