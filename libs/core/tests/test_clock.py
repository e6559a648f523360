"""The clock cuts now to the precision of where the value is stored, never rounding up."""

from datetime import UTC, datetime

import pytest

from shopgraph_core.clock import Precision, truncated, utcnow

MOMENT = datetime(2026, 12, 2, 7, 59, 59, 999_999, tzinfo=UTC)


@pytest.mark.parametrize(
    ("precision", "microsecond"),
    [(Precision.SECOND, 0), (Precision.MILLISECOND, 999_000), (Precision.MICROSECOND, 999_999)],
)
def test_truncation_cuts_down(precision: Precision, microsecond: int) -> None:
    assert truncated(MOMENT, precision) == MOMENT.replace(microsecond=microsecond)


@pytest.mark.parametrize("precision", list(Precision))
def test_now_is_aware_utc_at_the_precision(precision: Precision) -> None:
    before = datetime.now(UTC)
    now = utcnow(precision)

    assert now.tzinfo is UTC
    assert now.microsecond % precision == 0
    assert truncated(before, precision) <= now <= datetime.now(UTC)
