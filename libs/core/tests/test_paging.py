"""Cursors and page sizes: what a client may send as `after` and `first`."""

import base64

import pytest

from shopgraph_core.errors import BadUserInput
from shopgraph_core.validation.paging import (
    MAX_CURSOR_LENGTH,
    MAX_PAGE_SIZE,
    check_first,
    decode_cursor,
    encode_cursor,
)


@pytest.mark.parametrize(
    "key", ["2026-12-02T07:00:00.123000+00:00|0123456789abcdef", "a", "é€😀", "x" * 140]
)
def test_cursors_round_trip_without_padding(key: str) -> None:
    cursor = encode_cursor(key)

    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor) == key


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "a" * (MAX_CURSOR_LENGTH + 1),
        "not base64!",
        "abc+/",  # standard-alphabet characters: not one of ours
        "a",  # a length no base64 text has
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8 inside
    ],
)
def test_malformed_cursors_are_bad_user_input_naming_the_argument(cursor: str) -> None:
    with pytest.raises(BadUserInput, match="Malformed cursor") as raised:
        decode_cursor(cursor, field="after")

    assert raised.value.extensions == {"field": "after"}


@pytest.mark.parametrize("first", [1, 20, MAX_PAGE_SIZE])
def test_page_sizes_within_bounds_pass(first: int) -> None:
    assert check_first(first) == first


@pytest.mark.parametrize("first", [0, -1, MAX_PAGE_SIZE + 1])
def test_page_sizes_out_of_bounds_are_refused(first: int) -> None:
    with pytest.raises(BadUserInput, match=f"between 1 and {MAX_PAGE_SIZE}") as raised:
        check_first(first)

    assert raised.value.extensions == {"field": "first"}
