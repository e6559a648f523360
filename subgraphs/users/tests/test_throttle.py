"""Login and sign-up throttling, kept in the database: on SQLite and on MariaDB.

Every test runs real app instances on a real database; two instances on one database stand for
two replicas, or for one replica before and after a restart. Addresses arrive as the gateway
forwards them, in X-Forwarded-For. Durations are set to seconds so windows end within the test.
"""

import asyncio
import contextlib
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shopgraph_testing.graphql import GraphQLClient, error_codes, serve_in_process
from shopgraph_testing.servers import new_mysql_database
from shopgraph_users.app import create_app
from shopgraph_users.models import ThrottleRow
from shopgraph_users.settings import UsersSettings
from shopgraph_users.throttle import Scope, counter_key

PASSWORD = "the right password"
SIGN_UP = "mutation($input: SignUpInput!) { signUp(input: $input) { user { email } } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { user { email } } }"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "mariadb":
        return new_mysql_database(request.getfixturevalue("mariadb_url"), "throttle")
    return f"sqlite:///{tmp_path_factory.mktemp('throttle') / 'users.db'}"


def throttled(tmp_path: Path, database_url: str, **limits: Any) -> UsersSettings:
    """Test settings with the given throttle settings (durations in seconds)."""
    fields: dict[str, Any] = {
        k: timedelta(seconds=v) if isinstance(v, float) else v for k, v in limits.items()
    }
    return UsersSettings(
        environment="test", SHOPGRAPH_DATA_DIR=tmp_path, database_url=database_url, **fields
    )


@contextlib.asynccontextmanager
async def replica(settings: UsersSettings) -> AsyncIterator[GraphQLClient]:
    async with serve_in_process(create_app(settings)) as client:
        yield client


def new_address() -> str:
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


def new_email() -> str:
    return f"throttled-{uuid.uuid4().hex[:10]}@example.com"


async def sign_up(client: GraphQLClient, address: str | None = None) -> dict[str, Any]:
    return await client.execute(
        SIGN_UP,
        {"input": {"email": new_email(), "password": PASSWORD, "name": "Throttled"}},
        headers={"X-Forwarded-For": address or new_address()},
    )


async def login(client: GraphQLClient, email: str, password: str, address: str) -> Any:
    return await client.execute(
        LOGIN,
        {"input": {"email": email, "password": password}},
        headers={"X-Forwarded-For": f"10.9.8.7, {address}"},  # the client's own claim, then ours
    )


def code(body: dict[str, Any]) -> str | None:
    codes = error_codes(body)
    return codes[0] if codes else None


def retry_after(body: dict[str, Any]) -> int:
    value = body["errors"][0]["extensions"]["retryAfterSeconds"]
    assert isinstance(value, int)
    return value


async def test_a_password_flood_is_throttled_and_the_lock_ends(
    tmp_path: Path, database_url: str
) -> None:
    lock_s = 5.0
    settings = throttled(
        tmp_path, database_url, login_backoff_base=lock_s, login_backoff_cap=lock_s
    )
    attacker = new_address()
    async with replica(settings) as client:
        email = (await sign_up(client))["data"]["signUp"]["user"]["email"]

        started = time.monotonic()
        flood = [await login(client, email, f"guess {i}", attacker) for i in range(200)]
        elapsed = time.monotonic() - started
        during_lock = await login(client, email, PASSWORD, attacker)
        await asyncio.sleep(retry_after(during_lock))
        after_lock = await login(client, email, PASSWORD, attacker)
        typo_after_success = await login(client, email, "a typo", attacker)

    codes = Counter(code(body) for body in flood)
    assert [code(body) for body in flood[:5]] == ["UNAUTHENTICATED"] * 5
    # After the five free failures, each 5 s lock lets one more guess through at most: a
    # bound from the rules, whatever the machine's speed.
    assert codes["UNAUTHENTICATED"] <= 5 + elapsed // lock_s + 1, (codes, elapsed)
    assert codes["RATE_LIMITED"] == 200 - codes["UNAUTHENTICATED"]
    limited = next(body for body in flood if code(body) == "RATE_LIMITED")
    # Locks end on a whole second (what the database keeps), never early: up to 1 s more.
    assert 1 <= retry_after(limited) <= lock_s + 1
    assert limited["data"] is None
    assert "try again in" in limited["errors"][0]["message"]
    assert code(during_lock) == "RATE_LIMITED"
    assert 1 <= retry_after(during_lock) <= lock_s + 1
    assert after_lock["data"]["login"]["user"]["email"] == email
    # A success resets the pair: the next typo is a plain wrong password again.
    assert code(typo_after_success) == "UNAUTHENTICATED"


async def test_an_attackers_address_does_not_lock_the_user_out_elsewhere(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(tmp_path, database_url)
    async with replica(settings) as client:
        email = (await sign_up(client))["data"]["signUp"]["user"]["email"]
        attacker = [await login(client, email, f"guess {i}", "203.0.113.66") for i in range(60)]
        user = await login(client, email, PASSWORD, "192.0.2.10")

    assert code(attacker[-1]) == "RATE_LIMITED"
    assert user["data"]["login"]["user"]["email"] == email


async def test_the_account_limit_spares_known_addresses_and_ends(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(
        tmp_path,
        database_url,
        login_free_failures=2,
        login_account_max_failures=4,
        login_account_window=8.0,
    )
    home, new_place = new_address(), new_address()
    async with replica(settings) as client:
        email = (await sign_up(client))["data"]["signUp"]["user"]["email"]
        assert "errors" not in await login(client, email, PASSWORD, home)

        # Many addresses, two guesses each: every pair stays within its own limit.
        botnet = [
            await login(client, email, f"guess {i}", f"203.0.113.{i // 2 + 1}") for i in range(7)
        ]
        from_new_place = await login(client, email, PASSWORD, new_place)
        from_home = await login(client, email, PASSWORD, home)
        await asyncio.sleep(retry_after(from_new_place))
        from_new_place_later = await login(client, email, PASSWORD, new_place)

    codes = [code(body) for body in botnet]
    assert codes == ["UNAUTHENTICATED"] * 4 + ["RATE_LIMITED"] * 3
    assert code(from_new_place) == "RATE_LIMITED"
    assert 1 <= retry_after(from_new_place) <= 8
    assert from_home["data"]["login"]["user"]["email"] == email
    assert from_new_place_later["data"]["login"]["user"]["email"] == email


async def test_one_address_spraying_many_accounts_is_throttled(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(tmp_path, database_url, login_address_max_failures=5)
    sprayer = new_address()
    async with replica(settings) as client:
        emails = [(await sign_up(client))["data"]["signUp"]["user"]["email"] for _ in range(8)]
        spray = [await login(client, email, "Summer2026!", sprayer) for email in emails]
        someone_else = await login(client, emails[0], PASSWORD, new_address())

    assert [code(body) for body in spray] == ["UNAUTHENTICATED"] * 5 + ["RATE_LIMITED"] * 3
    assert someone_else["data"]["login"]["user"]["email"] == emails[0]


async def test_locks_are_shared_by_replicas_and_survive_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(tmp_path, database_url, login_backoff_base=60.0)
    attacker = new_address()
    async with replica(settings) as first:
        email = (await sign_up(first))["data"]["signUp"]["user"]["email"]
        async with replica(settings) as second:
            on_first = [await login(first, email, "wrong", attacker) for _ in range(5)]
            on_second = await login(second, email, PASSWORD, attacker)
    async with replica(settings) as restarted:
        after_restart = await login(restarted, email, PASSWORD, attacker)

    assert [code(body) for body in on_first] == ["UNAUTHENTICATED"] * 5
    assert code(on_second) == "RATE_LIMITED"
    assert code(after_restart) == "RATE_LIMITED"
    assert 1 <= retry_after(after_restart) <= 61


async def test_concurrent_guesses_on_two_replicas_get_no_extra_tries(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(tmp_path, database_url, login_backoff_base=60.0)
    attacker = new_address()
    async with replica(settings) as first, replica(settings) as second:
        email = (await sign_up(first))["data"]["signUp"]["user"]["email"]
        burst = await asyncio.gather(
            *(login((first, second)[i % 2], email, f"guess {i}", attacker) for i in range(40))
        )

    codes = Counter(code(body) for body in burst)
    # Attempts are counted before the password is checked, under the row's lock: exactly the
    # five free failures get a password check, however many arrive at once.
    assert codes == {"UNAUTHENTICATED": 5, "RATE_LIMITED": 35}, codes


async def test_sign_up_is_throttled_per_address(tmp_path: Path, database_url: str) -> None:
    settings = throttled(tmp_path, database_url, sign_up_max_per_address=3)
    crowd = new_address()
    async with replica(settings) as client:
        first = await sign_up(client, crowd)
        taken = first["data"]["signUp"]["user"]["email"]
        conflict = await client.execute(
            SIGN_UP,
            {"input": {"email": taken, "password": PASSWORD, "name": "Twin"}},
            headers={"X-Forwarded-For": crowd},
        )
        third = await sign_up(client, crowd)
        fourth = await sign_up(client, crowd)
        elsewhere = await sign_up(client, new_address())

    assert "errors" not in first
    assert "errors" not in third
    assert code(conflict) == "CONFLICT"  # counted too: probing for emails costs attempts
    assert code(fourth) == "RATE_LIMITED"
    assert 1 <= retry_after(fourth) <= 3600
    assert "errors" not in elsewhere


async def test_expired_counters_are_forgotten_but_known_addresses_kept(
    tmp_path: Path, database_url: str
) -> None:
    settings = throttled(
        tmp_path,
        database_url,
        login_backoff_base=1.0,
        login_backoff_cap=1.0,
        login_pair_window=1.0,
        login_account_window=1.0,
        login_address_window=1.0,
        sign_up_window=1.0,
    )
    home, elsewhere = new_address(), new_address()
    async with replica(settings) as client:
        email = (await sign_up(client, home))["data"]["signUp"]["user"]["email"]
        assert "errors" not in await login(client, email, PASSWORD, home)
        for _ in range(6):
            await login(client, email, "wrong", elsewhere)
        await asyncio.sleep(3)
        assert client.app is not None
        accounts = client.app.state.service.accounts
        await accounts.throttle.forget_expired()
        async with accounts.store.session() as session:
            kept = set(await session.scalars(select(ThrottleRow.key)))

    email_key = email.lower()
    assert counter_key(Scope.LOGIN_PAIR, email_key, home) in kept
    for gone in [
        counter_key(Scope.LOGIN_PAIR, email_key, elsewhere),
        counter_key(Scope.LOGIN_ACCOUNT, email_key),
        counter_key(Scope.LOGIN_ADDRESS, elsewhere),
        counter_key(Scope.SIGN_UP_ADDRESS, home),
    ]:
        assert gone not in kept
