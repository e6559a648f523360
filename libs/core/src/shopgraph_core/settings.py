"""Every setting the core knows, read from the environment, and the production safety net.

- `ServiceSettings`: what every service reads (port, GraphQL limits, JWKS, gateway token).
- `InternalServiceSettings`: a service that takes part in service-to-service calls.
- `SqlServiceSettings`: a service that keeps SQL data.

A service subclasses the ones it needs (orders both of the last two), adds its own fields
and lists what is unsafe in `unsafe_in_production`; each class extends its parents' list
through `super()`. With ENVIRONMENT=production the service refuses to start while any unsafe
default is still in place, rather than run with dev keys, SQLite or debug errors.
"""

from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shopgraph_core.loopback import is_loopback_http_url

MIN_GATEWAY_TOKEN_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class UnsafeSettingsError(ValueError):
    """Raised when production would start on a development default."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Set by each service's subclass; not read from the environment.
    service_name: ClassVar[str] = "shopgraph"

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 4000
    # Where embedded databases and generated dev keys live on a laptop.
    data_dir: Path = Field(default=Path(".data"), alias="SHOPGRAPH_DATA_DIR")
    log_level: str = "INFO"

    # GraphQL: None means "on in development and test, off in production".
    graphiql: bool | None = None
    introspection: bool | None = None
    # Show exception messages of unexpected errors to clients (never in production).
    debug_errors: bool = False
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    # Distinct operation names kept as metric labels before the rest share "other".
    max_metric_operation_names: int = 200
    # Request bodies above this many bytes are refused with HTTP 413.
    max_request_bytes: int = Field(default=1024 * 1024, gt=0)

    # The credential only the gateway sends (header x-shopgraph-gateway-token): /graphql
    # answers nothing else when it is set. GATEWAY_TOKEN, or GATEWAY_TOKEN_FILE naming a
    # mounted secret. Required in production; unset (not enforced) by default elsewhere.
    gateway_token: SecretStr | None = None
    gateway_token_file: Path | None = None

    # JWT verification: every service trusts the users service's keys.
    jwt_issuer: str = "shopgraph-users"
    jwt_audience: str = "shopgraph"
    jwks_url: str = "http://127.0.0.1:4001/.well-known/jwks.json"

    # Tracing: spans always exist (for log correlation); export only with an endpoint.
    otel_exporter_otlp_endpoint: str | None = None

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def effective_gateway_token(self) -> SecretStr | None:
        """The gateway credential; None when unset or empty (an empty one would let an
        empty header through)."""
        value = self.gateway_token.get_secret_value() if self.gateway_token else ""
        if not value and self.gateway_token_file is not None:
            try:
                value = self.gateway_token_file.read_text().strip()
            except OSError as exc:
                raise ValueError(f"GATEWAY_TOKEN_FILE cannot be read: {exc.strerror}") from exc
        return SecretStr(value) if value else None

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    def unsafe_in_production(self) -> list[str]:
        """What would make this configuration unsafe in production; subclasses extend it."""
        problems = []
        if self.graphiql:
            problems.append("GRAPHIQL must be off")
        if self.introspection:
            problems.append("INTROSPECTION must be off")
        if self.debug_errors:
            problems.append("DEBUG_ERRORS must be off")
        if is_loopback_http_url(self.jwks_url):
            problems.append("JWKS_URL must name the users service, not the dev default")
        token = self.effective_gateway_token
        if token is None:
            problems.append("GATEWAY_TOKEN (or GATEWAY_TOKEN_FILE) must be set")
        elif len(token.get_secret_value()) < MIN_GATEWAY_TOKEN_LENGTH:
            problems.append(f"GATEWAY_TOKEN must be at least {MIN_GATEWAY_TOKEN_LENGTH} characters")
        return problems

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.is_production and (problems := self.unsafe_in_production()):
            raise UnsafeSettingsError(
                f"{self.service_name} refuses to start in production: " + "; ".join(problems)
            )
        return self


# The development service credential: every dev service agrees on it; production refuses it.
DEV_INTERNAL_SERVICE_TOKEN = "dev-internal-token"
MIN_INTERNAL_SERVICE_TOKEN_LENGTH = 32


def internal_token_problems(token: SecretStr) -> list[str]:
    """What makes a service credential unfit for production (for `unsafe_in_production`)."""
    value = token.get_secret_value()
    if value == DEV_INTERNAL_SERVICE_TOKEN:
        return ["INTERNAL_SERVICE_TOKEN must be a managed secret, not the dev default"]
    if len(value) < MIN_INTERNAL_SERVICE_TOKEN_LENGTH:
        minimum = MIN_INTERNAL_SERVICE_TOKEN_LENGTH
        return [f"INTERNAL_SERVICE_TOKEN must be at least {minimum} characters"]
    return []


class InternalServiceSettings(ServiceSettings):
    """Settings of a service that takes part in service-to-service calls (products, orders)."""

    # Products checks it on /internal/ as X-Service-Token; orders presents it.
    internal_service_token: SecretStr = SecretStr(DEV_INTERNAL_SERVICE_TOKEN)

    def unsafe_in_production(self) -> list[str]:
        return super().unsafe_in_production() + internal_token_problems(self.internal_service_token)


class SqlServiceSettings(ServiceSettings):
    """Settings of a service that keeps SQL data (users, orders)."""

    # None: an embedded SQLite file in the data folder, named after the service.
    database_url: str | None = None
    # Development and test apply migrations at start; production runs `shopgraph-X migrate`.
    migrate_on_start: bool | None = None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / f'{self.service_name}.db'}"

    @property
    def effective_migrate_on_start(self) -> bool:
        if self.migrate_on_start is None:
            return not self.is_production
        return self.migrate_on_start

    def unsafe_in_production(self) -> list[str]:
        from shopgraph_core.storage.sql_engine import is_sqlite  # the SQL stack stays optional

        problems = super().unsafe_in_production()
        if self.database_url is None or is_sqlite(self.database_url):
            problems.append("DATABASE_URL must name a MySQL/MariaDB server, not SQLite")
        if self.migrate_on_start:
            problems.append(
                f"MIGRATE_ON_START must be off; run `shopgraph-{self.service_name} migrate`"
            )
        return problems
