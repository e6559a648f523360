"""Cursor pagination shared by the connections of every subgraph (products, orders).

Cursors are opaque to clients: URL-safe base64 of the sort key of the last item seen. The
service pages with "key > cursor" (keyset), so pages stay correct while items are added.
The GraphQL side (Edge, Connection, PageInfo) is `shopgraph_core.graphql.connection`.
"""

import base64
import binascii

from shopgraph_core.errors import BadUserInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 200


def check_first(first: int, *, maximum: int = MAX_PAGE_SIZE) -> int:
    if not 1 <= first <= maximum:
        raise BadUserInput(f"first must be between 1 and {maximum}", field="first")
    return first


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "after") -> str:
    """The sort key inside `cursor`; BAD_USER_INPUT when it is not one of ours."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise BadUserInput("Malformed cursor", field=field)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise BadUserInput("Malformed cursor", field=field) from exc
