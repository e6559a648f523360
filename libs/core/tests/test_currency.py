"""Currency codes: active ISO-4217 codes in upper case, nothing else."""

import pytest

from shopgraph_core.errors import BadUserInput
from shopgraph_core.validation.currency import ISO_4217_CURRENCIES, check_currency


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "CHF", "XCG", "ZWG"])
def test_active_codes_pass(code: str) -> None:
    assert check_currency(code) == code


@pytest.mark.parametrize("code", ["usd", "Usd", "US", "USDD", "", " USD", "U$D"])
def test_misspelt_codes_say_what_a_code_looks_like(code: str) -> None:
    with pytest.raises(BadUserInput, match="three upper-case letters") as raised:
        check_currency(code, field="input.currency")

    assert raised.value.extensions == {"field": "input.currency"}


@pytest.mark.parametrize("code", ["XAU", "XTS", "ABC", "DEM"])  # gold, test, made up, retired
def test_well_formed_but_not_active_codes_are_unknown(code: str) -> None:
    with pytest.raises(BadUserInput, match="Unknown ISO-4217 currency"):
        check_currency(code)


def test_the_list_holds_only_three_letter_upper_case_codes() -> None:
    assert all(len(code) == 3 and code.isupper() for code in ISO_4217_CURRENCIES)
    assert len(ISO_4217_CURRENCIES) > 150
