from typing import ClassVar

from pydantic import Field

from shopgraph_core.loopback import is_loopback_http_url
from shopgraph_core.settings import InternalServiceSettings, SqlServiceSettings


class OrdersSettings(SqlServiceSettings, InternalServiceSettings):
    service_name: ClassVar[str] = "orders"
    port: int = 4003

    # The products service's internal API (stock reservations).
    products_internal_url: str = "http://127.0.0.1:4002"
    # Per attempt: connecting, and the whole call. All reservation calls are idempotent, so
    # connect errors, timeouts and 5xx answers are retried this many times, with backoff.
    products_connect_timeout_s: float = 2.0
    products_timeout_s: float = 3.0
    products_retries: int = Field(default=2, ge=0, le=5)
    products_retry_backoff_s: float = 0.1

    # The reconciler: confirms the reservations of stored orders that were never confirmed
    # (the service stopped between storing and confirming), and releases the stock of
    # cancelled orders whose release did not get through. Products expires unconfirmed
    # reservations after 120 s, so both must run well within that.
    reconcile_interval_s: float = 5.0
    # Only orders older than this are touched, so requests in flight finish their own work.
    reconcile_after_s: float = 10.0

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if is_loopback_http_url(self.products_internal_url):
            problems.append("PRODUCTS_INTERNAL_URL must name the products service, not localhost")
        return problems
