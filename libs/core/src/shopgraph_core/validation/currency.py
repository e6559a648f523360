"""Currency codes as the contract spells them: active ISO-4217 codes in upper case."""

import re

from shopgraph_core.errors import BadUserInput

# Active ISO-4217 codes (list one, 2025), without precious metals, funds and test codes.
ISO_4217_CURRENCIES = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
ZAR ZMW ZWG
""".split()  # noqa: SIM905 - a block of codes reads better than 160 quoted strings
)
_CODE = re.compile(r"[A-Z]{3}")


def check_currency(code: str, *, field: str = "currency") -> str:
    """`code` when it is an active ISO-4217 code in upper case; BAD_USER_INPUT otherwise."""
    if not _CODE.fullmatch(code):
        raise BadUserInput("Currency must be three upper-case letters (ISO-4217)", field=field)
    if code not in ISO_4217_CURRENCIES:
        raise BadUserInput(f"Unknown ISO-4217 currency {code!r}", field=field)
    return code
