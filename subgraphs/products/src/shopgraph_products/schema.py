"""The products subgraph's GraphQL schema, as named in contract/contract.graphql."""

import logging
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from shopgraph_core.graphql.arguments import given, page_size
from shopgraph_core.graphql.connection import Connection, connection_of
from shopgraph_core.graphql.context import RequestContext
from shopgraph_core.graphql.money import Money
from shopgraph_core.graphql.schema import SubgraphSchema, build_schema
from shopgraph_core.settings import ServiceSettings
from shopgraph_core.validation.paging import DEFAULT_PAGE_SIZE
from shopgraph_products.catalogue import cursor_of
from shopgraph_products.models import MAX_STOCK, ProductDoc
from shopgraph_products.service import ProductsService

logger = logging.getLogger("shopgraph.products")

Context = RequestContext[ProductsService]


def _shown_stock(product: ProductDoc) -> int:
    """The stock as an Int can carry it. Every write keeps it in range; this guards the
    listing against a document written otherwise (by hand, by an older version)."""
    if 0 <= product.stock <= MAX_STOCK:
        return product.stock
    logger.error("stock out of range", extra={"product.id": str(product.id)})
    return min(max(product.stock, 0), MAX_STOCK)


def _loader(info: Info[Context, None]) -> DataLoader[str, ProductDoc | None]:
    return info.context.loader("products_by_id", info.context.service.catalogue.by_ids)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    sku: str
    name: str
    description: str
    price: Money
    stock: int = strawberry.field(
        description="Units for sale now (what open orders hold is taken out already)."
    )
    created_at: datetime

    @classmethod
    async def resolve_reference(
        cls, info: Info[Context, None], id: strawberry.ID
    ) -> "Product | None":
        # Every representation in one `_entities` call lands in the same DataLoader batch.
        product = await _loader(info).load(str(id))
        return None if product is None else cls.from_doc(product)

    @classmethod
    def from_doc(cls, product: ProductDoc) -> "Product":
        return cls(
            id=strawberry.ID(str(product.id)),
            sku=product.sku,
            name=product.name,
            description=product.description,
            price=Money(amount=product.price, currency=product.currency),
            stock=_shown_stock(product),
            created_at=product.created_at,
        )


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    description: str | None = ""
    price: int = strawberry.field(description="Minor units, >= 0.")
    currency: str | None = "USD"
    stock: int = strawberry.field(description="Units for sale, 0 to 2147483647.")


@strawberry.input(description="Only the fields given (and not null) change.")
class UpdateProductInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: int | None = strawberry.UNSET
    stock: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "A stock count: this many units are for sale from now on (0 to 2147483647). "
            "Units that open orders hold are not part of it: if such an order is cancelled, "
            "they do not come back. To add or remove units "
            "while orders come and go, use adjustStock."
        ),
    )


@strawberry.type
class Query:
    @strawberry.field(description="A product by id; null when there is none.")
    async def product(self, info: Info[Context, None], id: strawberry.ID) -> Product | None:
        found = await _loader(info).load(str(id))
        return None if found is None else Product.from_doc(found)

    @strawberry.field(description="Products in the order they were added, a page at a time.")
    async def products(
        self,
        info: Info[Context, None],
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
        in_stock: bool | None = strawberry.UNSET,
    ) -> Connection[Product]:
        page = await info.context.service.catalogue.page(
            first=page_size(first),
            after=given(after),
            search=given(search),
            in_stock=given(in_stock),
        )
        return connection_of(
            page.products, has_next_page=page.has_next_page, cursor=cursor_of, node=Product.from_doc
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Admin only.")
    async def create_product(self, info: Info[Context, None], input: CreateProductInput) -> Product:
        info.context.require_admin()
        product = await info.context.service.catalogue.create(
            sku=input.sku,
            name=input.name,
            description=input.description or "",
            price=input.price,
            currency="USD" if input.currency is None else input.currency,
            stock=input.stock,
        )
        return Product.from_doc(product)

    @strawberry.mutation(description="Admin only.")
    async def update_product(
        self, info: Info[Context, None], id: strawberry.ID, input: UpdateProductInput
    ) -> Product:
        info.context.require_admin()
        product = await info.context.service.catalogue.update(
            str(id),
            name=given(input.name),
            description=given(input.description),
            price=given(input.price),
            stock=given(input.stock),
        )
        return Product.from_doc(product)

    @strawberry.mutation(
        description=(
            "Admin only. Adds `by` units to the stock (removes them when negative) in one "
            "atomic step; units that open orders hold still come back if those are "
            "cancelled. The stock must stay within 0 to 2147483647 (BAD_USER_INPUT)."
        )
    )
    async def adjust_stock(self, info: Info[Context, None], id: strawberry.ID, by: int) -> Product:
        info.context.require_admin()
        product = await info.context.service.catalogue.adjust_stock(str(id), by)
        return Product.from_doc(product)


def create_schema(settings: ServiceSettings | None = None) -> SubgraphSchema:
    return build_schema(
        settings=settings or ServiceSettings(), query=Query, mutation=Mutation, types=[Product]
    )
