from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shopgraph_core.auth.verifier import Role
from shopgraph_core.storage.sql import UTCDateTime


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # As typed, for display; `email_key` (lower-cased) is what uniqueness and login use.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.CUSTOMER.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ThrottleRow(Base):
    """One throttling counter: a login pair, account or address, or a sign-up address.

    Rows are keyed by a hash, so guessed emails and client addresses are not stored as typed.
    """

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    # Attempts counted in the current window (login: failures, sign-up: every attempt).
    attempts: Mapped[int] = mapped_column(Integer)
    # When the current window ends and `attempts` starts again from nothing.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Login pairs only: backoff after failures, and the last success (a known address).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
