"""What the products service counts, beyond the requests every service counts."""

from shopgraph_core.observability.metrics import OutcomeCounter
from shopgraph_products.models import ReleaseReason

STOCK_RESERVATIONS = OutcomeCounter(
    "shopgraph_stock_reservations_total",
    "Stock reservations by outcome: reserved (stock held), confirmed (kept for good), "
    "released (given back on request), expired (given back after the TTL), failed (an "
    "attempt rolled back), out_of_stock (refused).",
    "outcome",
    ("reserved", "confirmed", "released", "expired", "failed", "out_of_stock"),
)


# The outcome each release reason is counted under.
RELEASE_OUTCOMES = {
    ReleaseReason.REQUESTED: "released",
    ReleaseReason.EXPIRED: "expired",
    ReleaseReason.FAILED: "failed",
}


def count_release(reason: ReleaseReason | None) -> None:
    """A reservation's stock went back: counted by why."""
    if reason is not None:
        STOCK_RESERVATIONS.count(RELEASE_OUTCOMES[reason])
