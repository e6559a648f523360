"""Accounts: sign-up, login and lookups. The domain of this service, free of GraphQL."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopgraph_core.auth.issuer import TokenIssuer
from shopgraph_core.auth.verifier import Role
from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import BadUserInput, Conflict, Unauthenticated
from shopgraph_core.storage.sql import SqlStore
from shopgraph_core.validation.text import check_name
from shopgraph_users.metrics import LOGINS
from shopgraph_users.models import UserRow
from shopgraph_users.passwords import hash_password, needs_rehash, verify_password
from shopgraph_users.throttle import Throttle

logger = logging.getLogger("shopgraph.users")

MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase, short enough that hashing stays cheap.
MAX_PASSWORD_LENGTH = 1024
BAD_CREDENTIALS = "Invalid email or password"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What sign-up and login answer: a fresh token for the user, and when it expires."""

    user: UserRow
    token: str
    expires_at: datetime


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadUserInput("Invalid email address", field="email") from exc


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadUserInput(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadUserInput(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )


class Accounts:
    """Sign-up, login and reading users: over the database, the token issuer and the throttle."""

    def __init__(self, store: SqlStore, issuer: TokenIssuer, throttle: Throttle) -> None:
        self.store = store
        self.issuer = issuer
        self.throttle = throttle

    def _issue_token(self, user: UserRow) -> IssuedToken:
        token, expires_at = self.issuer.issue(user.id, Role(user.role))
        return IssuedToken(user, token, expires_at)

    async def sign_up(
        self, *, email: str, password: str, name: str, client_address: str
    ) -> IssuedToken:
        email = normalise_email(email)
        check_password(password)
        # Counted whether it then succeeds or not: a CONFLICT tells that an email is taken.
        await self.throttle.admit_sign_up(client_address)
        user = UserRow(
            id=str(uuid.uuid4()),
            email=email,
            email_key=email.lower(),
            name=check_name(name),
            role=Role.CUSTOMER.value,
            password_hash=await hash_password(password),
            created_at=utcnow(Precision.SECOND),
        )
        try:
            async with self.store.session() as session, session.begin():
                session.add(user)
        except IntegrityError as exc:
            raise Conflict("Email already registered", field="email") from exc
        logger.info("user signed up", extra={"user.id": user.id})
        return self._issue_token(user)

    async def login(self, *, email: str, password: str, client_address: str) -> IssuedToken:
        email_key = email.strip().lower()
        # Before the password check: a throttled attempt costs no hashing and learns nothing.
        attempt = await self.throttle.admit_login(email_key, client_address)
        async with self.store.session() as session:
            user = await session.scalar(select(UserRow).where(UserRow.email_key == email_key))
        # Unknown email and wrong password take the same time and give the same answer.
        if not await verify_password(user.password_hash if user else None, password) or not user:
            LOGINS.count("failure")
            await self.throttle.login_failed(attempt)
            raise Unauthenticated(BAD_CREDENTIALS)
        await self.throttle.login_succeeded(attempt)
        if needs_rehash(user.password_hash):
            await self._set_password(user.id, password)
        LOGINS.count("success")
        return self._issue_token(user)

    async def by_ids(self, ids: Sequence[str]) -> list[UserRow | None]:
        """One query for all `ids`, answered in their order."""
        async with self.store.session() as session:
            if len(set(ids)) == 1:
                # `me` and most batches: a primary-key get skips building an IN query.
                return [await session.get(UserRow, ids[0])] * len(ids)
            rows = await session.scalars(select(UserRow).where(UserRow.id.in_(set(ids))))
            found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    async def ensure_admin(self, *, email: str, password: str) -> None:
        """Create the configured admin, or bring its role and password up to date."""
        email = normalise_email(email)
        check_password(password)
        password_hash = await hash_password(password)
        async with self.store.session() as session, session.begin():
            user = await session.scalar(
                select(UserRow).where(UserRow.email_key == email.lower()).with_for_update()
            )
            if user is None:
                session.add(
                    UserRow(
                        id=str(uuid.uuid4()),
                        email=email,
                        email_key=email.lower(),
                        name="Admin",
                        role=Role.ADMIN.value,
                        password_hash=password_hash,
                        created_at=utcnow(Precision.SECOND),
                    )
                )
            else:
                user.role, user.password_hash = Role.ADMIN.value, password_hash
        logger.info("admin account ensured")

    async def _set_password(self, user_id: str, password: str) -> None:
        password_hash = await hash_password(password)
        async with self.store.session() as session, session.begin():
            user = await session.get(UserRow, user_id)
            if user is not None:
                user.password_hash = password_hash
