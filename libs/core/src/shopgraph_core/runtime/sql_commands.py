"""The command line of a SQL service beyond `serve`: how production applies migrations.

Here rather than in `storage`, so that storage never depends on the command line.
"""

from pathlib import Path
from typing import TypeVar

from shopgraph_core.runtime.cli import ExtraCommand
from shopgraph_core.settings import SqlServiceSettings
from shopgraph_core.storage.sql import SqlStore

SqlSettingsT = TypeVar("SqlSettingsT", bound=SqlServiceSettings)


def migrate_command(migrations_dir: Path) -> ExtraCommand[SqlSettingsT]:
    """The `migrate` command of a SQL service: how production applies migrations."""

    async def migrate(settings: SqlSettingsT) -> str:
        store = SqlStore(settings.effective_database_url, migrations_dir)
        try:
            await store.migrate()
        finally:
            await store.close()
        return "database is at the newest revision"

    return ExtraCommand("apply database migrations, then exit", migrate)
