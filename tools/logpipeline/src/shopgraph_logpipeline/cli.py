"""shopgraph-logs: set up a real Elastic (or OpenSearch) cluster for shopgraph's logs.

    shopgraph-logs setup --url https://es.example:9200      # make logs-setup ES_URL=...
    shopgraph-logs kibana-import --url https://kibana:5601  # make kibana-import KIBANA_URL=...
    shopgraph-logs sync-chart [--check]                     # copy logstash/ into the chart

Credentials come from the environment only (see docs/logging.md): ES_API_KEY or
ES_USERNAME/ES_PASSWORD, KIBANA_API_KEY or KIBANA_USERNAME/KIBANA_PASSWORD.
"""

import argparse
import sys

import httpx

from shopgraph_logpipeline import chart, kibana, search_setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopgraph-logs", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup", help="apply pipeline, lifecycle and templates")
    setup.add_argument("--url", required=True, help="Elasticsearch or OpenSearch URL")
    setup.add_argument(
        "--flavor",
        choices=["auto", *(f.value for f in search_setup.Flavor)],
        default="auto",
        help="auto asks the cluster (GET /)",
    )
    importer = commands.add_parser("kibana-import", help="import the saved objects")
    importer.add_argument("--url", required=True, help="Kibana URL")
    sync = commands.add_parser("sync-chart", help="copy the Logstash files into the chart")
    sync.add_argument("--check", action="store_true", help="only report drift (exit 1)")
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except (httpx.HTTPError, search_setup.SetupError, kibana.ImportFailedError) as e:
        print(f"shopgraph-logs {args.command}: {e}", file=sys.stderr)
        return 1


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "setup":
        if not args.url:
            parser.error("ES_URL is empty: make logs-setup ES_URL=https://...")
        with search_setup.client_from_env(args.url) as client:
            flavor = (
                search_setup.detect_flavor(client)
                if args.flavor == "auto"
                else search_setup.Flavor(args.flavor)
            )
            print(f"{args.url}: {flavor.value}")
            for line in search_setup.apply(client, flavor):
                print(f"  ✔ {line}")
        return 0
    if args.command == "kibana-import":
        if not args.url:
            parser.error("KIBANA_URL is empty: make kibana-import KIBANA_URL=https://...")
        result = kibana.import_saved_objects(args.url)
        print(f"{args.url}: imported {result.get('successCount', 0)} saved objects")
        return 0
    drift = chart.sync(check_only=args.check)
    for line in drift:
        print(("drift: " if args.check else "copied: ") + line)
    return 1 if (args.check and drift) else 0


if __name__ == "__main__":
    sys.exit(main())
