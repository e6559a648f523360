"""What the products service counts, beyond the requests every service counts."""

from shopgraph_core.observability.metrics import OutcomeCounter

STOCK_RESERVATIONS = OutcomeCounter(
    "shopgraph_stock_reservations_total",
    "Stock reservations by outcome: reserved (stock held), confirmed (kept for good), "
    "released (given back on request), expired (given back after the TTL), failed (an "
    "attempt rolled back), out_of_stock (refused).",
    "outcome",
    ("reserved", "confirmed", "released", "expired", "failed", "out_of_stock"),
)


def count_release(reason: str | None) -> None:
    """A reservation's stock went back: counted by why (RELEASED, EXPIRED or FAILED)."""
    if reason is not None:
        STOCK_RESERVATIONS.count(reason.lower())
