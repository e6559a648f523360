"""The core's pure pieces: URL normalising, bearer parsing, metric label capping."""

import pytest

from shopgraph_core.auth.verifier import bearer_token
from shopgraph_core.errors import ErrorCode, Unauthenticated
from shopgraph_core.observability.metrics import OperationNameLabels
from shopgraph_core.storage.sql_engine import async_url, is_sqlite


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("mysql://u:p@db:3306/users", "mysql+aiomysql://u:p@db:3306/users?charset=utf8mb4"),
        ("mariadb://u@db/users", "mysql+aiomysql://u@db/users?charset=utf8mb4"),
        ("mysql+pymysql://u@db/x?charset=latin1", "mysql+aiomysql://u@db/x?charset=latin1"),
        ("sqlite:///.data/users.db", "sqlite+aiosqlite:///.data/users.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert async_url(given) == expected


def test_sqlite_is_recognised_whatever_the_driver() -> None:
    assert is_sqlite("sqlite:///a.db")
    assert is_sqlite("sqlite+aiosqlite:///a.db")
    assert not is_sqlite("mysql://u@h/d")


def test_bearer_token_parsing() -> None:
    assert bearer_token(None) is None
    assert bearer_token("") is None
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer  abc ") == "abc"
    for bad in ("Basic abc", "Bearer", "Bearer   ", "abc"):
        with pytest.raises(Unauthenticated) as raised:
            bearer_token(bad)
        assert raised.value.code is ErrorCode.UNAUTHENTICATED


def test_operation_name_labels_are_capped() -> None:
    labels = OperationNameLabels(limit=2)

    assert [labels.label(n) for n in ["A", "B", "C", "A", None, ""]] == [
        "A",
        "B",
        "other",
        "A",
        "anonymous",
        "anonymous",
    ]
