"""Money as the contract spells it: integer minor units and an ISO-4217 currency code.

`Money` is shared by products and orders, so it is declared @shareable; both subgraphs
resolve it from their own data and must agree on its shape, which living here guarantees.
What a currency code may be is checked in `shopgraph_core.validation.currency`.
"""

import strawberry


@strawberry.federation.type(shareable=True, description="An amount of money.")
class Money:
    amount: int = strawberry.field(description="Minor units (cents).")
    currency: str = strawberry.field(description='ISO-4217, e.g. "USD".')
