from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr

from shopgraph_core.sql import SqlServiceSettings


class UsersSettings(SqlServiceSettings):
    service_name: str = Field(default="users", exclude=True)
    port: int = 4001
    # The Ed25519 signing key (PEM). None: a dev key generated at first run in the data folder.
    jwt_private_key_file: Path | None = None
    token_ttl: timedelta = timedelta(hours=1)
    shopgraph_admin_email: str | None = None
    shopgraph_admin_password: SecretStr | None = None

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "keys" / "users-jwt-ed25519.pem"

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if self.jwt_private_key_file is None:
            problems.append("JWT_PRIVATE_KEY_FILE must name a managed key, not a generated dev key")
        return problems
