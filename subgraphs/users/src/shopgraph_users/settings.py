from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr

from shopgraph_core.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    service_name: str = Field(default="users", exclude=True)
    port: int = 4001
    # None: an embedded SQLite file in the data folder.
    database_url: str | None = None
    # Development and test apply migrations at start; production runs `shopgraph-users migrate`.
    migrate_on_start: bool | None = None
    # The Ed25519 signing key (PEM). None: a dev key generated at first run in the data folder.
    jwt_private_key_file: Path | None = None
    token_ttl: timedelta = timedelta(hours=1)
    shopgraph_admin_email: str | None = None
    shopgraph_admin_password: SecretStr | None = None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'users.db'}"

    @property
    def effective_migrate_on_start(self) -> bool:
        if self.migrate_on_start is None:
            return not self.is_production
        return self.migrate_on_start

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "keys" / "users-jwt-ed25519.pem"

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if self.database_url is None or self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must name a MySQL/MariaDB server, not SQLite")
        if self.jwt_private_key_file is None:
            problems.append("JWT_PRIVATE_KEY_FILE must name a managed key, not a generated dev key")
        if self.migrate_on_start:
            problems.append("MIGRATE_ON_START must be off; run `shopgraph-users migrate`")
        return problems
