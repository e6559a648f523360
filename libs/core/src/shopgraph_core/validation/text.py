"""Text hygiene shared by every service: what a client's string may hold.

Two layers:

- `unencodable_text` finds lone UTF-16 surrogates ("\\ud800" decoded from JSON) anywhere in
  a decoded request. Such a string is not Unicode text: it cannot be encoded as UTF-8, so a
  database driver, a log line or a response would fail on it. The GraphQL layer refuses the
  whole request with BAD_USER_INPUT before anything runs (`graphql.RefuseUnencodableText`).
- `check_text` is the one validator for what a service stores (names, descriptions, keys):
  trimmed, length-bounded, and free of control characters: NUL and the C0/C1 controls,
  the bidirectional overrides, embeddings and isolates that make text display as something
  else than it is ("Trojan Source"), and line or paragraph separators in one-line text.
"""

import re
from collections.abc import Iterator
from typing import Any

from shopgraph_core.errors import BadUserInput

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls (NUL among them), DEL, the bidi embeddings/overrides (U+202A..U+202E),
# the bidi isolates (U+2066..U+2069), the line and paragraph separators, BOM/ZWNBSP, and the
# interlinear annotation marks.
_ONE_LINE_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
# Free text (descriptions) may hold line breaks and tabs, nothing else of the above.
_MULTILINE_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield f"{where}.<key>", key
            yield from _strings(item, f"{where}.{key}" if isinstance(key, str) else where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}")


def unencodable_text(value: Any, where: str) -> str | None:
    """Where in `value` (a decoded JSON value) a lone surrogate sits; None when nowhere."""
    for place, text in _strings(value, where):
        if has_lone_surrogate(text):
            return place
    return None


def check_text(
    value: str,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """`value` trimmed, or BAD_USER_INPUT naming `field` when it is not acceptable text."""
    value = value.strip()
    if (required and not value) or len(value) > max_length:
        bounds = f"1 to {max_length}" if required else f"at most {max_length}"
        raise BadUserInput(f"{label} must be {bounds} characters", field=field)
    forbidden = _MULTILINE_FORBIDDEN if multiline else _ONE_LINE_FORBIDDEN
    if (found := forbidden.search(value)) or (found := _SURROGATE.search(value)):
        raise BadUserInput(
            f"{label} must not contain control or bidirectional-override characters "
            f"(found U+{ord(found.group()):04X})",
            field=field,
        )
    return value


MAX_NAME_LENGTH = 200


def check_name(name: str, *, field: str = "name", max_length: int = MAX_NAME_LENGTH) -> str:
    """A person's or a product's name: one line of 1 to `max_length` printable characters."""
    return check_text(name, field=field, label="Name", max_length=max_length)
