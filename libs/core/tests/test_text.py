"""The shared text validator and the lone-surrogate finder."""

import pytest

from shopgraph_core.errors import BadUserInput
from shopgraph_core.validation.text import check_name, check_text, unencodable_text


def test_names_are_trimmed_and_bounded() -> None:
    assert check_name("  Zoë  ") == "Zoë"
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(BadUserInput) as refused:
            check_name(bad)
        assert refused.value.extensions == {"field": "name"}


@pytest.mark.parametrize(
    "bad", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_control_and_bidi_override_characters_are_refused_everywhere(bad: str) -> None:
    with pytest.raises(BadUserInput, match=f"U\\+{ord(bad):04X}"):
        check_name(f"a{bad}b")
    with pytest.raises(BadUserInput):
        check_text(f"a{bad}b", field="d", label="D", max_length=50, multiline=True)


def test_free_text_keeps_line_breaks_and_tabs_names_do_not() -> None:
    text = "one\n\ttwo\r\nthree"

    assert check_text(text, field="d", label="D", max_length=50, multiline=True) == text
    with pytest.raises(BadUserInput):
        check_name("one\ntwo")


def test_lone_surrogates_are_found_in_keys_values_and_lists() -> None:
    assert unencodable_text({"a": ["ok", {"b": "fine 😀"}]}, "variables") is None
    assert unencodable_text({"a": ["ok", {"b": "x\ud800"}]}, "variables") == "variables.a.1.b"
    assert unencodable_text({"\udfff": 1}, "variables") == "variables.<key>"
    assert unencodable_text("\ud83d", "operationName") == "operationName"
    assert unencodable_text(None, "operationName") is None
