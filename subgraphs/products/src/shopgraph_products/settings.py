from typing import ClassVar

from pydantic import Field

from shopgraph_core.loopback import is_loopback_mongodb_url
from shopgraph_core.settings import InternalServiceSettings

DEFAULT_MONGODB_URL = "mongodb://127.0.0.1:27017/shopgraph_products"  # the dev FerretDB


class ProductsSettings(InternalServiceSettings):
    service_name: ClassVar[str] = "products"
    port: int = 4002
    mongodb_url: str = DEFAULT_MONGODB_URL
    # Seconds. A PENDING reservation not confirmed within RESERVATION_TTL is released.
    reservation_ttl: float = Field(default=120.0, gt=0)
    # Seconds between the sweeper's looks for lapsed reservations.
    reservation_sweep_interval: float = Field(default=5.0, gt=0)
    # Seconds a request waits for a concurrent request with the same reservation id.
    reservation_wait: float = Field(default=5.0, gt=0)

    def unsafe_in_production(self) -> list[str]:
        problems = super().unsafe_in_production()
        if is_loopback_mongodb_url(self.mongodb_url):
            problems.append("MONGODB_URL must name the production MongoDB, not localhost")
        return problems
