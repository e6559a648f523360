"""The one clock: now in UTC, at the precision of where the value is going.

A timestamp that is stored and read back must be cut to what the store keeps, or what a
service returns differs from what it later reads. Every caller names the precision.
"""

from datetime import UTC, datetime
from enum import IntEnum


class Precision(IntEnum):
    """How finely a timestamp is kept; the value is its step in microseconds."""

    SECOND = 1_000_000  # MySQL/MariaDB DATETIME, JWT NumericDate (iat, exp)
    MILLISECOND = 1_000  # BSON dates (MongoDB, FerretDB)
    MICROSECOND = 1  # MySQL/MariaDB DATETIME(6); Python's own


def truncated(moment: datetime, precision: Precision) -> datetime:
    """`moment` cut down (never rounded up) to `precision`."""
    return moment.replace(microsecond=moment.microsecond // precision * precision)


def utcnow(precision: Precision) -> datetime:
    """Now, timezone-aware in UTC, cut down to `precision`."""
    return truncated(datetime.now(UTC), precision)
