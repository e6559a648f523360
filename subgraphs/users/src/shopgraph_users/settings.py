from datetime import timedelta
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator

from shopgraph_core.settings import SqlServiceSettings

# Production refuses throttling settings beyond these: a lock must end within minutes, and a
# limit must still limit.
MAX_PRODUCTION_LOCK = timedelta(hours=1)
MAX_PRODUCTION_SIGN_UPS = 1000


class UsersSettings(SqlServiceSettings):
    service_name: ClassVar[str] = "users"
    port: int = 4001
    # The Ed25519 signing key (PEM). None: a dev key generated at first run in the data folder.
    jwt_private_key_file: Path | None = None
    token_ttl: timedelta = timedelta(hours=1)
    shopgraph_admin_email: str | None = None
    shopgraph_admin_password: SecretStr | None = None

    # Throttling of login and signUp (README, Security). Durations: ISO 8601 (PT15M) or HH:MM:SS.
    # Off only to measure what it costs (benchmarks); production refuses it off.
    throttle_enabled: bool = True
    # One account from one client address: this many failures are free, then each further
    # failure locks the pair for base * 2^(failures - free), at most `cap`. A success resets
    # the pair; failures are forgotten `login_pair_window` after the first (or the last lock).
    login_free_failures: int = Field(default=5, ge=1)
    login_backoff_base: timedelta = timedelta(seconds=1)
    login_backoff_cap: timedelta = timedelta(minutes=15)
    login_pair_window: timedelta = timedelta(hours=1)
    # One account from anywhere, and one address against any account, per fixed window. An
    # address that logged in to the account within `login_known_address_ttl` is exempt from
    # both, so an attacker can make a real user wait only on a new address, and only minutes.
    login_account_max_failures: int = Field(default=50, ge=1)
    login_account_window: timedelta = timedelta(minutes=15)
    login_address_max_failures: int = Field(default=100, ge=1)
    login_address_window: timedelta = timedelta(minutes=15)
    login_known_address_ttl: timedelta = timedelta(days=30)
    # signUp attempts (including those refused as CONFLICT) per client address per window.
    sign_up_max_per_address: int = Field(default=20, ge=1)
    sign_up_window: timedelta = timedelta(hours=1)
    # The client address is the entry this many hops from the right of X-Forwarded-For: each
    # trusted proxy (the gateway, an ingress) appends the address it saw. 0: the TCP peer.
    forwarded_for_trusted_hops: int = Field(default=1, ge=0)

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "keys" / "users-jwt-ed25519.pem"

    @model_validator(mode="after")
    def _check_throttle(self) -> Self:
        durations = {
            "LOGIN_BACKOFF_BASE": self.login_backoff_base,
            "LOGIN_BACKOFF_CAP": self.login_backoff_cap,
            "LOGIN_PAIR_WINDOW": self.login_pair_window,
            "LOGIN_ACCOUNT_WINDOW": self.login_account_window,
            "LOGIN_ADDRESS_WINDOW": self.login_address_window,
            "SIGN_UP_WINDOW": self.sign_up_window,
        }
        for name, value in durations.items():
            if value <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.login_backoff_cap < self.login_backoff_base:
            raise ValueError("LOGIN_BACKOFF_CAP must be at least LOGIN_BACKOFF_BASE")
        return self

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if self.jwt_private_key_file is None:
            problems.append("JWT_PRIVATE_KEY_FILE must name a managed key, not a generated dev key")
        if not self.throttle_enabled:
            problems.append("THROTTLE_ENABLED must be on")
        locks = {
            "LOGIN_BACKOFF_CAP": self.login_backoff_cap,
            "LOGIN_ACCOUNT_WINDOW": self.login_account_window,
            "LOGIN_ADDRESS_WINDOW": self.login_address_window,
        }
        for name, value in locks.items():
            if value > MAX_PRODUCTION_LOCK:
                problems.append(f"{name} must be at most {MAX_PRODUCTION_LOCK} (locks end soon)")
        if self.login_account_max_failures < self.login_free_failures:
            problems.append("LOGIN_ACCOUNT_MAX_FAILURES must be at least LOGIN_FREE_FAILURES")
        if self.sign_up_max_per_address > MAX_PRODUCTION_SIGN_UPS:
            problems.append(f"SIGN_UP_MAX_PER_ADDRESS must be at most {MAX_PRODUCTION_SIGN_UPS}")
        if self.forwarded_for_trusted_hops < 1:
            problems.append(
                "FORWARDED_FOR_TRUSTED_HOPS must be at least 1: the gateway is not the client"
            )
        return problems
