"""Throttling of login and signUp, kept in the users database so that every replica sees it.

Login keeps three counters: the pair (account, client address), the account from anywhere,
and the address against any account. Sign-up keeps one per address. Every counter is a row
of `throttle_counters` with a fixed window.

The pair decides who may try a password, so it counts an attempt *before* the password
check, in one short transaction: an upsert adds 1 (or starts a new window) atomically and
locks the row, so concurrent attempts on the same pair, on any replica, queue behind each
other (a row lock on MariaDB, the write lock on SQLite) and each sees the others' counts. A
refused attempt rolls back, so it neither counts nor lengthens a lock; a success resets the
pair. The account and address counters are shared by many pairs: they are read without a
lock at admission and only failures add to them, atomically, after the check, so a normal
login never waits behind other people's logins from the same address.
"""

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, case, delete, literal, or_, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import RateLimited
from shopgraph_core.storage.sql import SqlStore, UTCDateTime
from shopgraph_users.models import ThrottleRow
from shopgraph_users.settings import UsersSettings

logger = logging.getLogger("shopgraph.users.throttle")

# How often rows whose windows, locks and known-address memory are all over get deleted.
CLEANUP_INTERVAL_S = 600.0
# 2^40 seconds is far beyond any cap; the exponent stops growing there.
_MAX_BACKOFF_EXPONENT = 40


class Scope(StrEnum):
    LOGIN_PAIR = "login_pair"
    LOGIN_ACCOUNT = "login_account"
    LOGIN_ADDRESS = "login_address"
    SIGN_UP_ADDRESS = "sign_up_address"


@dataclass(frozen=True, slots=True)
class _Counter:
    scope: Scope
    key: str
    window: timedelta

    @classmethod
    def of(cls, scope: Scope, window: timedelta, *parts: str) -> "_Counter":
        return cls(scope, counter_key(scope, *parts), window)


def counter_key(scope: Scope, *parts: str) -> str:
    """The row key of a counter: hashed, so guessed emails and addresses are not kept as typed."""
    text = "\0".join((scope.value, *parts)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """An admitted login, to be reported back when it succeeds."""

    pair: _Counter | None = None
    others: tuple[_Counter, ...] = ()


def address_bucket(address: str) -> str:
    """What one client address counts as: an IPv4 address, or an IPv6 /64 (one subscriber)."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address.strip()[:100] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(connection: HTTPConnection | None, trusted_hops: int) -> str:
    """The caller's address: `trusted_hops` entries from the right of X-Forwarded-For.

    Each trusted proxy appends the address it saw, so entries further left are the client's
    own claims. Fewer entries than trusted hops: the leftmost, which a trusted proxy wrote.
    """
    if connection is None:
        return "unknown"
    hops = [
        hop.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    if trusted_hops > 0 and hops:
        return address_bucket(hops[-trusted_hops] if len(hops) >= trusted_hops else hops[0])
    return address_bucket(connection.client.host if connection.client else "unknown")


def _lock_end(duration: timedelta) -> datetime:
    """`duration` from now, rounded up to the whole second the database keeps: never shorter."""
    end = utcnow(Precision.MICROSECOND) + duration
    return end.replace(microsecond=0) + timedelta(seconds=1 if end.microsecond else 0)


def _retry_after(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


class Throttle:
    """The throttle of one users service; every replica's throttle shares the same rows."""

    def __init__(self, store: SqlStore, settings: UsersSettings) -> None:
        self.store = store
        self.settings = settings
        self._dialect = store.engine.dialect.name
        self._warned_unforwarded = False
        # SQLite has one writer at a time. Its busy handler polls, and under load can starve a
        # waiter past its timeout; this process's writers queue here instead, in order.
        self._sqlite_writer = asyncio.Lock() if self._dialect == "sqlite" else None

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with contextlib.AsyncExitStack() as stack:
            if self._sqlite_writer is not None:
                await stack.enter_async_context(self._sqlite_writer)
            session = await stack.enter_async_context(self.store.session())
            await stack.enter_async_context(session.begin())
            yield session

    def client_address(self, connection: HTTPConnection | None) -> str:
        hops = self.settings.forwarded_for_trusted_hops
        unforwarded = connection is not None and "x-forwarded-for" not in connection.headers
        if hops and unforwarded and not self._warned_unforwarded:
            # Then every client behind the gateway counts as one address.
            logger.warning(
                "a request came without X-Forwarded-For although FORWARDED_FOR_TRUSTED_HOPS"
                " is %d: is the gateway forwarding client addresses?",
                hops,
            )
            self._warned_unforwarded = True
        return client_address(connection, hops)

    async def admit_login(self, email_key: str, address: str) -> LoginAttempt:
        """Count a login attempt, or refuse it with RATE_LIMITED before any password check."""
        s = self.settings
        if not s.throttle_enabled:
            return LoginAttempt()
        pair = _Counter.of(Scope.LOGIN_PAIR, s.login_pair_window, email_key, address)
        account = _Counter.of(Scope.LOGIN_ACCOUNT, s.login_account_window, email_key)
        from_address = _Counter.of(Scope.LOGIN_ADDRESS, s.login_address_window, address)
        now = utcnow(Precision.SECOND)
        async with self._transaction() as session:
            await self._count(session, [pair], now, read_back=False)
            # The pair, counted and locked above, read back in one query with the other two.
            # Those are read, not locked: many logins share an address (a NAT, an office), and
            # a normal login must not queue behind them. Only failures add to them, afterwards.
            rows = await self._read(session, [pair, account, from_address])
            p = rows[pair.key]
            limited = [
                (row, limit)
                for counter, limit in [
                    (account, s.login_account_max_failures),
                    (from_address, s.login_address_max_failures),
                ]
                if (row := rows.get(counter.key)) is not None and row.expires_at > now
            ]
            wait = self._login_wait(p, limited, now)
            if wait is not None:
                # Leaving the block by an exception rolls the count back: refused attempts
                # do not count, so they cannot lengthen a lock.
                raise RateLimited(
                    f"Too many login attempts; try again in {_retry_after(wait)} seconds",
                    retry_after_seconds=_retry_after(wait),
                )
            if p.attempts >= s.login_free_failures:
                exponent = min(p.attempts - s.login_free_failures, _MAX_BACKOFF_EXPONENT)
                locked_until = _lock_end(
                    min(s.login_backoff_cap, s.login_backoff_base * 2**exponent)
                )
                await session.execute(
                    update(ThrottleRow)
                    .where(ThrottleRow.key == pair.key)
                    .values(
                        locked_until=locked_until,
                        # Kept past the lock: a pair that keeps failing stays at the cap.
                        expires_at=max(p.expires_at, locked_until + s.login_pair_window),
                    )
                )
                logger.info(
                    "login pair locked for %s after %d failures", locked_until - now, p.attempts
                )
        return LoginAttempt(pair, (account, from_address))

    def _login_wait(
        self, pair: ThrottleRow, limited: Sequence[tuple[ThrottleRow, int]], now: datetime
    ) -> timedelta | None:
        if pair.locked_until is not None and pair.locked_until > now:
            return pair.locked_until - now
        last_success = pair.last_success_at
        if last_success is not None and last_success > now - self.settings.login_known_address_ttl:
            return None  # a known address: the account and address limits do not apply
        over = [row.expires_at - now for row, limit in limited if row.attempts >= limit]
        return max(over) if over else None

    async def login_failed(self, attempt: LoginAttempt) -> None:
        """Count a failure on the account and the address (the pair counted it on admission)."""
        if attempt.others:
            async with self._transaction() as session:
                await self._count(
                    session, attempt.others, utcnow(Precision.SECOND), read_back=False
                )

    async def login_succeeded(self, attempt: LoginAttempt) -> None:
        """Reset the pair and remember its address as known to the account."""
        if attempt.pair is None:
            return
        async with self._transaction() as session:
            await session.execute(
                update(ThrottleRow)
                .where(ThrottleRow.key == attempt.pair.key)
                .values(attempts=0, locked_until=None, last_success_at=utcnow(Precision.SECOND))
            )

    async def admit_sign_up(self, address: str) -> None:
        """Count a sign-up from `address`, or refuse it with RATE_LIMITED."""
        s = self.settings
        if not s.throttle_enabled:
            return
        counter = _Counter.of(Scope.SIGN_UP_ADDRESS, s.sign_up_window, address)
        now = utcnow(Precision.SECOND)
        async with self._transaction() as session:
            row = (await self._count(session, [counter], now))[counter.key]
            if row.attempts > s.sign_up_max_per_address:
                wait = _retry_after(row.expires_at - now)
                raise RateLimited(
                    f"Too many sign-ups from this address; try again in {wait} seconds",
                    retry_after_seconds=wait,
                )

    async def forget_expired(self) -> None:
        """Delete counters whose window, lock and known-address memory are all over."""
        now = utcnow(Precision.SECOND)
        async with self._transaction() as session:
            await session.execute(
                delete(ThrottleRow).where(
                    ThrottleRow.expires_at <= now,
                    or_(ThrottleRow.locked_until.is_(None), ThrottleRow.locked_until <= now),
                    or_(
                        ThrottleRow.last_success_at.is_(None),
                        ThrottleRow.last_success_at <= now - self.settings.login_known_address_ttl,
                    ),
                )
            )

    async def _count(
        self,
        session: AsyncSession,
        counters: Sequence[_Counter],
        now: datetime,
        *,
        read_back: bool = True,
    ) -> dict[str, ThrottleRow]:
        """Add one attempt to each counter atomically, lock its row, and read all back."""
        # Always in key order, so two transactions lock shared rows in the same order.
        ordered = sorted(counters, key=lambda c: c.key)
        values = [
            {"key": c.key, "scope": c.scope.value, "attempts": 1, "expires_at": now + c.window}
            for c in ordered
        ]
        expired = ThrottleRow.expires_at <= literal(now, UTCDateTime())
        attempts: ColumnElement[int] = case((expired, 1), else_=ThrottleRow.attempts + 1)
        if self._dialect == "sqlite":
            lite = sqlite.insert(ThrottleRow).values(values)
            new_window = case((expired, lite.excluded.expires_at), else_=ThrottleRow.expires_at)
            await session.execute(
                lite.on_conflict_do_update(
                    index_elements=[ThrottleRow.key],
                    set_={"attempts": attempts, "expires_at": new_window},
                )
            )
        else:
            my = mysql.insert(ThrottleRow).values(values)
            new_window = case((expired, my.inserted.expires_at), else_=ThrottleRow.expires_at)
            # MySQL assigns left to right, each seeing the ones before: `attempts` must be
            # set while `expires_at` still holds the old window.
            await session.execute(
                my.on_duplicate_key_update([("attempts", attempts), ("expires_at", new_window)])
            )
        return await self._read(session, ordered) if read_back else {}

    @staticmethod
    async def _read(session: AsyncSession, counters: Sequence[_Counter]) -> dict[str, ThrottleRow]:
        found = await session.scalars(
            select(ThrottleRow).where(ThrottleRow.key.in_([c.key for c in counters]))
        )
        return {row.key: row for row in found}
