"""The command line every service shares: `serve`, `export-schema`, plus its own commands.

shopgraph-<service> serve                    run the subgraph under uvicorn
shopgraph-<service> export-schema [--output] print or write the subgraph SDL
shopgraph-<service> <extra>                  e.g. `migrate` (SQL services), `seed` (products)
"""

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import uvicorn
from fastapi import FastAPI
from strawberry.federation import Schema

from shopgraph_core.runtime.garbage_collector import prepare_for_serving
from shopgraph_core.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class ExtraCommand(Generic[S]):
    help: str
    # Runs with the service's settings; what it returns is printed.
    run: Callable[[S], Coroutine[None, None, str | None]]


@dataclass(frozen=True)
class ServiceCli(Generic[S]):
    name: str
    settings: Callable[[], S]
    create_app: Callable[[S], FastAPI]
    create_schema: Callable[[], Schema]
    schema_file: Path
    extra: Mapping[str, ExtraCommand[S]] = field(default_factory=dict)

    def main(self, argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"shopgraph-{self.name}")
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("serve", help="run the subgraph (uvicorn)")
        export = commands.add_parser("export-schema", help="print or write the subgraph SDL")
        export.add_argument("--output", type=Path, help=f"write here (e.g. {self.schema_file})")
        for name, command in self.extra.items():
            commands.add_parser(name, help=command.help)
        args = parser.parse_args(argv)

        if args.command == "export-schema":
            sdl = self.create_schema().as_str() + "\n"
            if args.output:
                args.output.write_text(sdl)
            else:
                sys.stdout.write(sdl)
            return
        settings = self.settings()
        if args.command in self.extra:
            if said := asyncio.run(self.extra[args.command].run(settings)):
                sys.stdout.write(said + "\n")
            return
        app = self.create_app(settings)
        prepare_for_serving()
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # our ECS handler, configured by the app factory
            proxy_headers=True,
            server_header=False,
        )
