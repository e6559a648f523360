"""What the orders service counts, beyond the requests every service counts."""

from shopgraph_core.observability.metrics import EventCounter

ORDERS_PLACED = EventCounter("shopgraph_orders_placed_total", "Orders placed (stored for good).")
ORDERS_CANCELLED = EventCounter(
    "shopgraph_orders_cancelled_total", "Orders cancelled by their owner or an admin."
)
