"""Orders: the one entry point the schema and the app use. The domain, free of GraphQL.

A thin facade; each concern has its own module, named after what it does:

- order_rules.py: what a request must be, ids, fingerprints, prices (pure);
- order_queries.py: reading orders (by id, batches, a user's pages);
- placing.py: the placing saga (reserve, store, confirm);
- cancelling.py: cancelling and giving the stock back;
- reconciler.py: repairing what a crash or an outage left half done.

docs/architecture.md draws the protocol with products on one page.
"""

from collections.abc import Sequence
from datetime import timedelta

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.storage.sql import SqlStore
from shopgraph_orders.cancelling import OrderCancelling
from shopgraph_orders.models import OrderItemRow, OrderRow
from shopgraph_orders.order_queries import OrderPage, OrderQueries
from shopgraph_orders.order_rules import OrderItemRequest
from shopgraph_orders.placing import OrderPlacing
from shopgraph_orders.products_client import ProductsClient
from shopgraph_orders.reconciler import Reconciler, ReconcileReport


class Orders:
    """What the schema asks of orders (OrdersService.orders): reading, placing, cancelling,
    reconciling."""

    def __init__(
        self, store: SqlStore, products: ProductsClient, *, reconcile_after: timedelta
    ) -> None:
        self.store = store
        self.products = products
        self.queries = OrderQueries(store)
        self.placing = OrderPlacing(store, products, self.queries)
        self.cancelling = OrderCancelling(store, products, self.queries)
        self.reconciler = Reconciler(
            store, self.placing, self.cancelling, reconcile_after=reconcile_after
        )

    async def get(self, order_id: str) -> OrderRow | None:
        return await self.queries.get(order_id)

    async def by_ids(self, ids: Sequence[str]) -> list[OrderRow | None]:
        return await self.queries.by_ids(ids)

    async def items_of(self, order_ids: Sequence[str]) -> list[list[OrderItemRow]]:
        return await self.queries.items_of(order_ids)

    async def visible(self, caller: Caller, order_id: str) -> OrderRow:
        return await self.queries.visible(caller, order_id)

    async def page_for_user(self, user_id: str, *, first: int, after: str | None) -> OrderPage:
        return await self.queries.page_for_user(user_id, first=first, after=after)

    async def create(
        self,
        caller: Caller,
        items: Sequence[OrderItemRequest],
        idempotency_key: str | None = None,
    ) -> OrderRow:
        return await self.placing.create(caller, items, idempotency_key)

    async def cancel(self, caller: Caller, order_id: str) -> OrderRow:
        return await self.cancelling.cancel(caller, order_id)

    async def reconcile_once(self) -> ReconcileReport:
        return await self.reconciler.reconcile_once()
