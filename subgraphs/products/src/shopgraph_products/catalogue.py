"""The catalogue: products, their prices and stock levels. The domain, free of GraphQL."""

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shopgraph_core.clock import Precision, utcnow
from shopgraph_core.errors import BadUserInput, Conflict, NotFound
from shopgraph_core.storage.mongo import object_ids, parse_object_id
from shopgraph_core.validation.currency import check_currency
from shopgraph_core.validation.paging import check_first, decode_cursor, encode_cursor
from shopgraph_core.validation.text import check_name, check_text
from shopgraph_products.models import MAX_STOCK, ProductDoc

logger = logging.getLogger("shopgraph.products")

SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_DESCRIPTION_LENGTH = 5000
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True, slots=True)
class ProductPage:
    products: list[ProductDoc]
    has_next_page: bool


def cursor_of(product: ProductDoc) -> str:
    return encode_cursor(str(product.id))


def check_sku(sku: str) -> str:
    sku = sku.strip()
    if not SKU_PATTERN.fullmatch(sku):
        raise BadUserInput(
            "SKU must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field="sku",
        )
    return sku


def check_description(description: str) -> str:
    return check_text(
        description,
        field="description",
        label="Description",
        max_length=MAX_DESCRIPTION_LENGTH,
        required=False,
        multiline=True,
    )


def check_not_negative(value: int, field: str) -> int:
    if value < 0:
        raise BadUserInput(f"{field} must not be negative", field=field)
    return value


def check_stock(value: int, field: str = "stock") -> int:
    if not 0 <= value <= MAX_STOCK:
        raise BadUserInput(f"{field} must be between 0 and {MAX_STOCK}", field=field)
    return value


def new_stock_epoch() -> str:
    return uuid.uuid4().hex


class Catalogue:
    async def create(
        self, *, sku: str, name: str, description: str, price: int, currency: str, stock: int
    ) -> ProductDoc:
        now = utcnow(Precision.MILLISECOND)
        product = ProductDoc(
            sku=check_sku(sku),
            name=check_name(name),
            description=check_description(description),
            price=check_not_negative(price, "price"),
            currency=check_currency(currency),
            stock=check_stock(stock),
            created_at=now,
            updated_at=now,
        )
        try:
            await product.insert()
        except DuplicateKeyError as exc:
            raise Conflict(f"SKU {product.sku!r} already exists", field="sku") from exc
        logger.info("product created", extra={"product.id": str(product.id)})
        return product

    async def update(
        self,
        product_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        price: int | None = None,
        stock: int | None = None,
    ) -> ProductDoc:
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = check_name(name)
        if description is not None:
            changes["description"] = check_description(description)
        if price is not None:
            changes["price"] = check_not_negative(price, "price")
        if stock is not None:
            # A stock count: `stock` units are for sale from now on. A new epoch, so that
            # reservations out now give nothing back when released (see reservations.py).
            changes["stock"] = check_stock(stock)
            changes["stock_epoch"] = new_stock_epoch()
        oid = parse_object_id(product_id)
        if oid is None:
            raise NotFound("Product not found", productId=product_id)
        changes["updated_at"] = utcnow(Precision.MILLISECOND)
        raw = await ProductDoc.get_pymongo_collection().find_one_and_update(
            {"_id": oid}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        if raw is None:
            raise NotFound("Product not found", productId=product_id)
        logger.info("product updated", extra={"product.id": product_id})
        updated: ProductDoc = ProductDoc.model_validate(raw)
        return updated

    async def adjust_stock(self, product_id: str, by: int) -> ProductDoc:
        """Add `by` units to the stock (remove, when negative), atomically; reservations out
        keep coming back. The result must stay within 0..MAX_STOCK."""
        oid = parse_object_id(product_id)
        if oid is None:
            raise NotFound("Product not found", productId=product_id)
        collection = ProductDoc.get_pymongo_collection()
        raw = await collection.find_one_and_update(
            {"_id": oid, "stock": {"$gte": max(0, -by), "$lte": min(MAX_STOCK, MAX_STOCK - by)}},
            {"$inc": {"stock": by}, "$set": {"updated_at": utcnow(Precision.MILLISECOND)}},
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            current = await collection.find_one({"_id": oid}, {"stock": True})
            if current is None:
                raise NotFound("Product not found", productId=product_id)
            stock = current["stock"]
            raise BadUserInput(
                f"The stock is {stock}: it can change by {-stock} to {MAX_STOCK - stock}",
                field="by",
            )
        logger.info("stock adjusted", extra={"product.id": product_id, "stock.change": by})
        adjusted: ProductDoc = ProductDoc.model_validate(raw)
        return adjusted

    async def by_ids(self, ids: Sequence[str]) -> list[ProductDoc | None]:
        """One query for all `ids`, answered in their order; malformed and unknown ids: None."""
        wanted = object_ids(ids)
        found: dict[str, ProductDoc] = {}
        if wanted:
            # One id (a product page's detail, most batches) is an equality, several an `$in`:
            # MongoDB and our FerretDB (tools/ferretdb/patches) look both up by the `_id` index;
            # FerretDB as released did so for neither (docs/performance.md).
            match = wanted[0] if len(wanted) == 1 else {"$in": wanted}
            query = ProductDoc.find({"_id": match})
            found = {str(product.id): product for product in await query.to_list()}
        return [found.get(i) for i in ids]

    async def page(
        self,
        *,
        first: int,
        after: str | None = None,
        search: str | None = None,
        in_stock: bool | None = None,
    ) -> ProductPage:
        """Products in creation order (by _id), `first` of them after the cursor `after`."""
        check_first(first)
        conditions: list[dict[str, Any]] = []
        if after is not None:
            after_id = parse_object_id(decode_cursor(after))
            if after_id is None:
                raise BadUserInput("Malformed cursor", field="after")
            conditions.append({"_id": {"$gt": after_id}})
        if search:
            if len(search) > MAX_SEARCH_LENGTH:
                raise BadUserInput(
                    f"search must be at most {MAX_SEARCH_LENGTH} characters", field="search"
                )
            # A case-insensitive substring: the input is a literal, never a pattern.
            conditions.append({"name": {"$regex": re.escape(search), "$options": "i"}})
        if in_stock is not None:
            conditions.append({"stock": {"$gt": 0}} if in_stock else {"stock": {"$lte": 0}})
        query = {"$and": conditions} if conditions else {}
        found = (
            await ProductDoc.find(query)
            .sort([("_id", SortDirection.ASCENDING)])
            .limit(first + 1)
            .to_list()
        )
        return ProductPage(found[:first], has_next_page=len(found) > first)

    async def seed(self, products: Sequence[dict[str, Any]]) -> int:
        """Insert the products whose SKU is not there yet; returns how many were new."""
        collection = ProductDoc.get_pymongo_collection()
        inserted = 0
        for spec in products:
            now = utcnow(Precision.MILLISECOND)
            document = ProductDoc(
                sku=check_sku(spec["sku"]),
                name=check_name(spec["name"]),
                description=check_description(spec.get("description", "")),
                price=check_not_negative(spec["price"], "price"),
                currency=check_currency(spec.get("currency", "USD")),
                stock=check_stock(spec["stock"]),
                created_at=now,
                updated_at=now,
            ).model_dump(by_alias=True, exclude={"id", "revision_id"})
            try:
                result = await collection.update_one(
                    {"sku": document["sku"]},
                    {"$setOnInsert": document},
                    upsert=True,
                )
            except DuplicateKeyError:  # a concurrent seed inserted it first
                continue
            inserted += result.upserted_id is not None
        return inserted
