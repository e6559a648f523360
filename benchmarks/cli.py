"""`python -m benchmarks`: run the benchmarks, print their ratio tables, and write them as
Markdown for docs/performance.md when asked."""

import argparse
import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from benchmarks import collector, execution, gateways, orders, products, users
from benchmarks.harness import Options, Report, stage
from shopgraph_testing.servers import mariadb_server

BENCHMARKS: dict[str, Callable[[Options, Report], Coroutine[Any, Any, None]]] = {
    "users": users.run,
    "products": products.run,
    "orders": orders.run,
    "gateways": gateways.run,
    "execution": execution.run,
    # Last: it switches this process's garbage collector (and puts it back after).
    "collector": collector.run,
}


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if unknown := [name for name in names if name not in BENCHMARKS]:
        raise argparse.ArgumentTypeError(
            f"unknown: {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})"
        )
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Throughput of each subgraph's hottest reads against a bare FastAPI "
        "baseline, and of the gateways against the subgraphs, as ratios measured in one run.",
    )
    parser.add_argument(
        "--only",
        type=_names,
        default=list(BENCHMARKS),
        metavar="NAMES",
        help=f"comma-separated, of {','.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="clients in the closed loop (default 16)"
    )
    parser.add_argument(
        "--mariadb",
        action="store_true",
        help="users and orders on a private MariaDB server instead of SQLite files",
    )
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--port-offset",
        type=int,
        default=20000,
        help="added to the dev ports of the gateway benchmark's stack (default 20000)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report(args.seconds, args.concurrency)
    with contextlib.ExitStack() as servers:
        mysql = servers.enter_context(mariadb_server()) if args.mariadb else None
        options = Options(args.seconds, args.concurrency, mysql, args.port_offset)
        for name in args.only:
            known = len(report.tables)
            with stage(report, name):
                asyncio.run(BENCHMARKS[name](options, report))
            for table in report.tables[known:]:
                print(f"\n{table.render_text()}", flush=True)
    report.finish()
    print()
    for fact in report.facts():
        print(fact)
    for why in report.skipped:
        print(f"skipped: {why}")
    if args.markdown is not None:
        args.markdown.write_text(report.render_markdown())
        print(f"wrote {args.markdown}")
