"""`shopgraph-load`: load tests through the gateway (behind `make load` and `make load-knee`).

    shopgraph-load run   [--target URL] [--plan mixed] [--threads N] [--duration S] ...
    shopgraph-load knee  [--target URL] [--max-threads N] [--step-duration S] ...
    shopgraph-load prepare [--target URL] [--customers N]
    shopgraph-load profile [--threads N] [--duration S] [--gateway node] [--publish DIR]
    shopgraph-load profile-report RUN_FOLDER   (profile.md again, from the recorded stacks)
    shopgraph-load compare-knees A/knee.json B/knee.json [--out chart.png]
    shopgraph-load gate  SUMMARY_JSON          (what CI calls on a finished run)
    shopgraph-load summarize JTL [--plan NAME] (a summary.json/md beside any .jtl)

Exit codes: 0 done (and the SLO gate passed), 1 the SLO gate failed, 2 the run could not start
(bad input, unreachable target, JMeter missing): then one line says why.
"""

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shopgraph_loadtest.flame import parse_collapsed
from shopgraph_loadtest.gate import Slo, check
from shopgraph_loadtest.jmeter import (
    LoadTestError,
    Target,
    ensure_installed,
    plan_file,
    run_plan,
)
from shopgraph_loadtest.knee import (
    KneeRun,
    Step,
    compare_markdown,
    draw_comparison,
    thread_steps,
    write_report,
)
from shopgraph_loadtest.prepare import Prepared, PrepareError, prepare
from shopgraph_loadtest.profile import (
    SAMPLE_RATE_HZ,
    ProfileRun,
    ServiceProfile,
    check_ptrace,
    listening_pid,
    py_spy_errors,
    record_all,
    report_markdown,
    session_cpu_seconds,
    write_outputs,
)
from shopgraph_loadtest.summary import Summary, read_jtl, summarize, write_summary
from shopgraph_stack.stack import running_stack
from shopgraph_stack.topology import REPO, admin_credentials
from shopgraph_stack.traces import STORES

DEFAULT_TARGET = "http://127.0.0.1:4000/graphql"
RESULTS = REPO / "jmeter" / "results"
SLO_FILE = REPO / "jmeter" / "slo.yaml"
SEARCH_TERMS = REPO / "jmeter" / "data" / "search-terms.csv"
# Customers each plan needs by default: the smoke signs its own one up.
DEFAULT_CUSTOMERS = {"smoke": 0}
MIXED_CUSTOMERS = 200
# `make profile` runs its own stack on every port plus this, beside `make run`, the benchmarks
# (+20000) and scripts/knee-at.sh (+21000).
PROFILE_PORT_OFFSET = 22000
PROFILE_DATA = REPO / ".local" / "profile-stack"
# Seconds left out of the summary at the start of a timed run (JMeter's own start-up).
DEFAULT_WARMUP_S = 10
WARMUP_S = {"smoke": 0}


def say(message: str) -> None:
    print(f"load: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        sys.exit(args.command(args))
    except (LoadTestError, PrepareError, ValueError, OSError) as error:
        say(f"error: {error}")
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopgraph-load", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def target_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--target",
            default=os.environ.get("LOAD_TARGET", DEFAULT_TARGET),
            help=f"the gateway's GraphQL URL (LOAD_TARGET; default {DEFAULT_TARGET})",
        )
        sub.add_argument("--customers", type=int, help="test customers to prepare")
        sub.add_argument("--products", type=int, default=20, help="test products to prepare")
        sub.add_argument("--no-prepare", action="store_true", help="use the prepared CSVs as is")
        sub.add_argument("--results", type=Path, default=RESULTS, help="where runs are written")
        sub.add_argument("--slo", type=Path, default=SLO_FILE, help="the SLO file")

    run = commands.add_parser("run", help="run a plan, summarise it, apply the SLO gate")
    target_options(run)
    run.add_argument("--plan", default="mixed", help="a plan in jmeter/plans (smoke, mixed)")
    run.add_argument("--threads", type=int, help="concurrent virtual users")
    run.add_argument(
        "--duration", type=int, help="seconds measured, after the warm-up (smoke: an upper bound)"
    )
    run.add_argument(
        "--warmup", type=int, help=f"seconds run but not measured (default {DEFAULT_WARMUP_S})"
    )
    run.add_argument("--rampup", type=int, help="seconds to start every thread")
    run.add_argument("--think-ms", type=int, help="pause before each request, in ms")
    run.add_argument(
        "--prop",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other plan property, e.g. login_percent=50 (repeatable; wins over the above)",
    )
    run.add_argument("--no-gate", action="store_true", help="summarise only")
    run.set_defaults(command=_run)

    knee = commands.add_parser("knee", help="step the mixed plan through rising thread counts")
    target_options(knee)
    knee.add_argument("--start-threads", type=int, default=1)
    knee.add_argument("--max-threads", type=int, default=32)
    knee.add_argument("--step-duration", type=int, default=25, help="seconds measured per step")
    knee.add_argument(
        "--warmup", type=int, default=DEFAULT_WARMUP_S, help="seconds per step run first"
    )
    knee.add_argument("--think-ms", type=int, default=0, help="pause before each request")
    knee.add_argument("--all-steps", action="store_true", help="go on after the SLO breaks")
    knee.add_argument("--label", default="", help="names the run (e.g. the gateway kind)")
    knee.add_argument(
        "--revision", default="", help="the git revision the target runs (kept in knee.json)"
    )
    knee.set_defaults(command=_knee)

    _profile_parsers(commands)

    prep = commands.add_parser("prepare", help="create the test customers and products")
    target_options(prep)
    prep.set_defaults(command=_prepare_only)

    gate = commands.add_parser("gate", help="check a summary.json against the SLO file")
    gate.add_argument("summary", type=Path)
    gate.add_argument("--slo", type=Path, default=SLO_FILE)
    gate.set_defaults(command=_gate)

    summary = commands.add_parser("summarize", help="summary.json and summary.md from a .jtl")
    summary.add_argument("jtl", type=Path)
    summary.add_argument("--plan", default="mixed", help="the plan that wrote it")
    summary.add_argument("--warmup", type=float, default=0, help="seconds to leave out")
    summary.set_defaults(command=_summarize)
    return parser


def _profile_parsers(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`profile`, `profile-report` and `compare-knees`: finding what to optimise, and proving
    that it helped."""
    profile = commands.add_parser(
        "profile", help="own stack + mixed plan + py-spy on every subgraph: flame graphs"
    )
    profile.add_argument("--threads", type=int, default=4, help="JMeter threads (default 4)")
    profile.add_argument(
        "--duration", type=int, default=60, help="seconds profiled, after the warm-up"
    )
    profile.add_argument("--warmup", type=int, default=DEFAULT_WARMUP_S)
    profile.add_argument(
        "--gateway", choices=["auto", "router", "node"], default="auto", help="as make run"
    )
    profile.add_argument(
        "--traces",
        choices=STORES,
        default=os.environ.get("SHOPGRAPH_TRACES", "auto"),
        help="as make run (SHOPGRAPH_TRACES)",
    )
    profile.add_argument(
        "--port-offset",
        type=int,
        default=int(os.environ.get("PROFILE_PORT_OFFSET", PROFILE_PORT_OFFSET)),
        help=f"added to every port of the stack (PROFILE_PORT_OFFSET; {PROFILE_PORT_OFFSET})",
    )
    profile.add_argument("--data-dir", type=Path, default=PROFILE_DATA)
    profile.add_argument("--customers", type=int, help="test customers to prepare")
    profile.add_argument("--products", type=int, default=20, help="test products to prepare")
    profile.add_argument("--results", type=Path, default=RESULTS, help="where runs are written")
    profile.add_argument(
        "--publish",
        type=Path,
        default=Path(os.environ["PROFILE_OUT"]) if os.environ.get("PROFILE_OUT") else None,
        help="copy the SVGs here too, e.g. docs/profiles (PROFILE_OUT)",
    )
    profile.set_defaults(command=_profile, no_prepare=False)

    profile_report = commands.add_parser(
        "profile-report", help="print a profile run's report again from its collapsed stacks"
    )
    profile_report.add_argument("folder", type=Path, help="jmeter/results/<stamp>-profile")
    profile_report.set_defaults(command=_profile_report)

    compare = commands.add_parser(
        "compare-knees", help="two or more knee.json on one chart (before and after)"
    )
    compare.add_argument("knees", type=Path, nargs="+", metavar="KNEE_JSON")
    compare.add_argument(
        "--name", action="append", default=[], help="a run's name in the legend (in order)"
    )
    compare.add_argument("--out", type=Path, default=Path("knees.png"), help="the chart (PNG)")
    compare.add_argument("--title", default="mixed plan knee: before and after")
    compare.set_defaults(command=_compare_knees)


def preflight(target: Target) -> None:
    """The target answers GraphQL, or one line says why not (before JMeter starts)."""
    try:
        response = httpx.post(target.url, json={"query": "{ __typename }"}, timeout=10)
    except httpx.HTTPError as error:
        raise LoadTestError(
            f"cannot reach {target.url} ({error.__class__.__name__}: {error}); "
            "is the stack running (make run)? pass another with TARGET=/--target"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    if not (isinstance(data, dict) and data.get("__typename") == "Query"):
        raise LoadTestError(f"{target.url} answers HTTP {response.status_code}, not GraphQL")


def _prepare(args: argparse.Namespace, target: Target, plan: str) -> Prepared:
    customers = args.customers
    if customers is None:
        customers = DEFAULT_CUSTOMERS.get(plan, MIXED_CUSTOMERS)
    work = args.results / "work" / target.slug
    if args.no_prepare:
        return Prepared(work / "products.csv", work / "customers.csv", 0, 0)
    email, password = admin_credentials(os.environ)
    say(f"preparing {args.products} products and {customers} customers at {target.url}")
    prepared = prepare(
        target.url,
        work,
        admin_email=email,
        admin_password=password,
        products=args.products,
        customers=customers,
    )
    say(f"test data in {work}")
    return prepared


def _data_properties(prepared: Prepared) -> dict[str, str]:
    return {
        "products_csv": str(prepared.products_csv),
        "customers_csv": str(prepared.customers_csv),
        "search_terms_csv": str(SEARCH_TERMS),
    }


def _folder(results: Path, name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = results / f"{stamp}-{name}"
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def _run(args: argparse.Namespace) -> int:
    plan = plan_file(args.plan)
    target = Target.parse(args.target)
    slo = None if args.no_gate else Slo.load(args.slo, plan=args.plan)
    preflight(target)
    ensure_installed()
    properties = {**target.properties(), **_data_properties(_prepare(args, target, args.plan))}
    warmup = args.warmup if args.warmup is not None else WARMUP_S.get(args.plan, DEFAULT_WARMUP_S)
    # Timed plans measure `duration` seconds after the warm-up; the smoke's is only a bound.
    duration = args.duration if args.duration is not None else (None if warmup == 0 else 60)
    for name, value in [
        ("threads", args.threads),
        ("duration", None if duration is None else duration + warmup),
        ("rampup", args.rampup),
        ("think_ms", args.think_ms),
    ]:
        if value is not None:
            properties[name] = str(value)
    properties.update(_named_values(args.prop))
    folder = _folder(args.results, args.plan)
    say(f"running {args.plan} against {target.url}; results in {folder}")
    jtl = run_plan(plan, folder, properties)
    summary = summarize(read_jtl(jtl), plan=args.plan, warmup_s=warmup)
    write_summary(summary, folder, f"{args.plan} against {target.url}")
    print(summary.to_markdown(f"{args.plan} against {target.url}"))
    say(f"dashboard: {folder / 'dashboard' / 'index.html'}")
    if slo is None:
        return 0
    return _apply_gate(summary, slo)


def _named_values(pairs: list[str]) -> dict[str, str]:
    malformed = [pair for pair in pairs if "=" not in pair or pair.startswith("=")]
    if malformed:
        raise LoadTestError(f"--prop takes NAME=VALUE, got {malformed[0]!r}")
    return dict(pair.split("=", 1) for pair in pairs)


def _apply_gate(summary: Summary, slo: Slo) -> int:
    broken = check(summary, slo)
    for line in broken:
        say(f"SLO broken: {line}")
    say("SLO gate failed" if broken else "SLO gate passed")
    return 1 if broken else 0


def _knee(args: argparse.Namespace) -> int:
    plan = plan_file("mixed")
    target = Target.parse(args.target)
    slo = Slo.load(args.slo, plan="mixed")
    steps = thread_steps(args.start_threads, args.max_threads)
    preflight(target)
    ensure_installed()
    properties = {
        **target.properties(),
        **_data_properties(_prepare(args, target, "mixed")),
        "duration": str(args.step_duration + args.warmup),
        "rampup": "1",
        "think_ms": str(args.think_ms),
    }
    folder = _folder(args.results, "knee" + (f"-{args.label}" if args.label else ""))
    title = f"mixed plan knee{f' ({args.label})' if args.label else ''}: {target.url}"
    say(f"stepping threads {steps}, {args.step_duration} s each; results in {folder}")
    about: dict[str, object] = {
        "label": args.label,
        "revision": args.revision,
        "target": target.url,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        # The machine is shared: its load says how far to trust the numbers.
        "load_average_start": _load_average(),
    }
    measured: list[Step] = []
    for threads in steps:
        step_folder = folder / f"threads-{threads:03d}"
        jtl = run_plan(plan, step_folder, {**properties, "threads": str(threads)}, dashboard=False)
        summary = summarize(read_jtl(jtl), plan="mixed", warmup_s=args.warmup)
        write_summary(summary, step_folder, f"mixed, {threads} threads")
        step = Step.from_summary(threads, summary)
        measured.append(step)
        say(
            f"{threads} threads: {step.throughput_rps:.1f} rps, p95 {step.p95_ms:.0f} ms, "
            f"{step.failures} failures, {step.out_of_stock} OUT_OF_STOCK"
        )
        if not step.within(slo.p95_ms) and not args.all_steps:
            say(f"the SLO broke at {threads} threads; stepping stops")
            break
    about["load_average_end"] = _load_average()
    write_report(measured, slo.p95_ms, folder, title, about)
    print((folder / "knee.md").read_text())
    say(
        f"load average (1, 5, 15 min): {about['load_average_start']} at the start, "
        f"{about['load_average_end']} at the end"
    )
    say(f"chart: {folder / 'knee.png'}")
    return 0


def _load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes."""
    return [round(load, 2) for load in os.getloadavg()]


def _profile(args: argparse.Namespace) -> int:
    check_ptrace()
    ensure_installed()
    plan = plan_file("mixed")
    folder = _folder(args.results, "profile")
    say(
        f"starting a stack (ports +{args.port_offset}, data in {args.data_dir}); logs in "
        f"{args.data_dir / 'logs'}"
    )
    with contextlib.ExitStack() as resources:
        try:
            topology, supervisor = resources.enter_context(
                running_stack(
                    args.data_dir,
                    port_offset=args.port_offset,
                    gateway=args.gateway,
                    traces=args.traces,
                    echo=False,
                )
            )
        except RuntimeError as error:  # no router binary, a component that did not start
            raise LoadTestError(f"the stack did not start: {error}") from None
        target = Target.parse(f"{topology.gateway_url}/graphql")
        preflight(target)
        properties = {
            **target.properties(),
            **_data_properties(_prepare(args, target, "mixed")),
            "threads": str(args.threads),
            # JMeter's own start comes before the warm-up; a little slack keeps the load on
            # until the recorders have stopped.
            "duration": str(args.warmup + args.duration + 10),
        }
        sessions = {c.name: p.pid for c, p in supervisor.processes}
        pids = {
            name: listening_pid(port, sessions[name]) for name, port in topology.subgraphs.items()
        }
        say(f"subgraph processes serving requests: {pids}")
        gateway_kind = "router" if topology.router_binary() else "node"
        failure: list[BaseException] = []

        def load() -> None:
            try:
                run_plan(plan, folder, properties, dashboard=False)
            except LoadTestError as error:
                failure.append(error)

        jmeter = threading.Thread(target=load, daemon=True)
        jmeter.start()
        _wait_for_first_sample(folder / "results.jtl", jmeter)
        time.sleep(args.warmup)
        say(f"recording {args.duration} s with py-spy at {SAMPLE_RATE_HZ} Hz")
        load_start = os.getloadavg()[0]
        stack_before = {name: session_cpu_seconds(sid) for name, sid in sessions.items()}
        window_start = time.time()
        cpu = record_all(pids, folder, args.duration)
        window_end = time.time()
        stack_cpu = {
            name: session_cpu_seconds(sid) - stack_before[name] for name, sid in sessions.items()
        }
        load_end = os.getloadavg()[0]
        jmeter.join()
        if failure:
            raise failure[0]
    in_window = [
        sample
        for sample in read_jtl(folder / "results.jtl")
        if window_start * 1000 <= sample.started_ms < window_end * 1000
    ]
    summary = summarize(in_window, plan="mixed")
    write_summary(summary, folder, f"mixed, {args.threads} threads, the profiled window")
    requests = max(summary.total.requests, 1)
    services = []
    for name, pid in pids.items():
        samples = sum(parse_collapsed((folder / f"{name}.collapsed.txt").read_text()).values())
        unreadable = py_spy_errors((folder / f"{name}.py-spy.log").read_text())
        services.append(
            ServiceProfile(
                name, pid, samples, unreadable, round(cpu[name], 2), 1000 * cpu[name] / requests
            )
        )
    run = ProfileRun(
        threads=args.threads,
        gateway=gateway_kind,
        window_s=round(window_end - window_start, 1),
        requests=summary.total.requests,
        throughput_rps=summary.total.throughput_rps,
        p95_ms=summary.total.p95_ms,
        failures=summary.total.failures,
        rate_hz=SAMPLE_RATE_HZ,
        load_average=(load_start, load_end),
        services=services,
        stack_cpu_ms_per_request={
            name: round(1000 * seconds / requests, 2) for name, seconds in stack_cpu.items()
        },
    )
    for path in write_outputs(run, folder, args.publish):
        say(f"flame graph: {path}")
    print((folder / "profile.md").read_text())
    say(f"report: {folder / 'profile.md'}; again with: shopgraph-load profile-report {folder}")
    return 0


def _wait_for_first_sample(jtl: Path, jmeter: threading.Thread, timeout_s: float = 180) -> None:
    """Until JMeter has written a sample (its start, Groovy's compile: seconds to a minute)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and jmeter.is_alive():
        if jtl.exists():
            with jtl.open("rb") as handle:
                if len(handle.readlines(64 * 1024)) > 1:  # the header and a sample
                    return
        time.sleep(1)
    raise LoadTestError(f"JMeter wrote no sample in {timeout_s:.0f} s; see {jtl.parent}")


def _profile_report(args: argparse.Namespace) -> int:
    run = ProfileRun.from_json((args.folder / "profile.json").read_text())
    print(report_markdown(run, args.folder))
    return 0


def _compare_knees(args: argparse.Namespace) -> int:
    names = [*args.name, *[None] * len(args.knees)]
    runs = [KneeRun.load(path, name) for path, name in zip(args.knees, names, strict=False)]
    draw_comparison(runs, args.out, args.title)
    print(compare_markdown(runs))
    say(f"chart: {args.out}")
    return 0


def _prepare_only(args: argparse.Namespace) -> int:
    target = Target.parse(args.target)
    preflight(target)
    _prepare(args, target, "mixed")
    return 0


def _gate(args: argparse.Namespace) -> int:
    summary = Summary.from_json(args.summary.read_text())
    return _apply_gate(summary, Slo.load(args.slo, plan=summary.plan))


def _summarize(args: argparse.Namespace) -> int:
    summary = summarize(read_jtl(args.jtl), plan=args.plan, warmup_s=args.warmup)
    write_summary(summary, args.jtl.parent, f"{args.plan}: {args.jtl.name}")
    print(summary.to_markdown(f"{args.plan}: {args.jtl.name}"))
    return 0


if __name__ == "__main__":
    main()
