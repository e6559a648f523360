"""Probes for the text a service must refuse, shared by every service's tests.

`refusals_of` takes one valid operation and its variables, and sends it once per string in
it (argument, input field, list item, representation) with that string spoilt: a lone UTF-16
surrogate, or a control character in a stored name. Every answer must be BAD_USER_INPUT, and
no error may be logged (a refusal is not a fault of ours).
"""

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from shopgraph_testing.graphql import GraphQLClient, error_codes

LONE_SURROGATE = "\ud800"


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*path, index))


def spoilt(variables: dict[str, Any], bad: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Copies of `variables`, each with `bad` appended to one of its strings."""
    for path in _string_paths(variables):
        copied = copy.deepcopy(variables)
        holder = copied
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] += bad
        yield ".".join(str(p) for p in path), copied


async def refusals_of(
    client: GraphQLClient,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any],
    *,
    bad: str = LONE_SURROGATE,
    token: str | None = None,
    also_in_document: bool = True,
) -> int:
    """Send every spoilt variant; assert each is BAD_USER_INPUT with no error logged.

    With `also_in_document`, the document itself is spoilt too (in a comment, where the
    GraphQL lexer does not look). Returns how many requests were sent.
    """
    variants = list(spoilt(variables, bad))
    if also_in_document:
        variants.append(("the document", variables))
    sent = 0
    for where, spoilt_variables in variants:
        document = query + f"\n# {bad}" if where == "the document" else query
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            body = await client.execute(document, spoilt_variables, token=token)
        if error_codes(body) != ["BAD_USER_INPUT"]:
            raise AssertionError(f"{bad!r} in {where}: {body}")
        if errors := [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]:
            raise AssertionError(f"{bad!r} in {where} logged errors: {errors}")
        sent += 1
    return sent
