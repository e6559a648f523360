"""Test data for the plans, made through the public API, idempotently.

- Products: LOAD-0001 ... with a stock so large a run cannot use it up, created by the admin
  (createProduct) when missing and restocked (updateProduct) when low. Their ids go to
  products.csv, which the plans order from.
- Customers: load-customer-0001@example.com ... signed up when missing. Their credentials go to
  customers.csv; many distinct accounts keep a run far from login throttling.

Both files are written under the target's own work folder (ignored by git), so two targets
never share ids. A second prepare against the same target checks one login and reuses them.
"""

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

LOAD_SKU_PREFIX = "LOAD-"
LOAD_PRODUCT_NAME = "Load Test Item"
LOAD_STOCK = 1_000_000
RESTOCK_BELOW = 100_000
CUSTOMER_PASSWORD = "load-test-customer"  # test data, not a secret: written to a CSV anyway
MAX_RATE_LIMIT_WAIT_S = 60.0


class PrepareError(RuntimeError):
    """The target refused to be prepared (wrong admin login, errors): one line for the user."""


@dataclass(frozen=True)
class Prepared:
    products_csv: Path
    customers_csv: Path
    products: int
    customers: int


class Api:
    """A small GraphQL client for the gateway: one connection, errors by contract code."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url
        self.client = client
        self.token: str | None = None

    def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(
            self.url, json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of an answer that must not fail."""
        body = self.call(query, variables)
        if body.get("errors"):
            raise PrepareError(f"the gateway refused to prepare test data: {_describe(body)}")
        data: dict[str, Any] = body["data"]
        return data


def _codes(body: dict[str, Any]) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}


def _describe(body: dict[str, Any]) -> str:
    return "; ".join(
        f"{(e.get('extensions') or {}).get('code')}: {e.get('message')}"
        for e in body.get("errors") or []
    )


def prepare(
    url: str,
    work_dir: Path,
    *,
    admin_email: str,
    admin_password: str,
    products: int,
    customers: int,
) -> Prepared:
    work_dir.mkdir(parents=True, exist_ok=True)
    with httpx.Client(timeout=30) as client:
        api = Api(url, client)
        product_ids = _ensure_products(api, admin_email, admin_password, products)
        products_csv = work_dir / "products.csv"
        _write_csv(products_csv, ["product_id"], [[pid] for pid in product_ids])
        customers_csv = work_dir / "customers.csv"
        accounts = _ensure_customers(api, customers_csv, customers)
        if accounts:  # a plan that needs none leaves another plan's customers in place
            _write_csv(customers_csv, ["email", "password"], accounts)
    return Prepared(products_csv, customers_csv, len(product_ids), len(accounts))


def _ensure_products(api: Api, admin_email: str, admin_password: str, count: int) -> list[str]:
    existing = _load_products(api)
    missing = [i for i in range(1, count + 1) if _sku(i) not in existing]
    low = [p for sku, p in existing.items() if p["stock"] < RESTOCK_BELOW and _index(sku) <= count]
    if missing or low:
        login = api.call(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"email": admin_email, "password": admin_password}},
        )
        if login.get("errors"):
            raise PrepareError(
                f"cannot log in as the admin {admin_email} to create test products "
                f"({_describe(login)}); set SHOPGRAPH_ADMIN_EMAIL and SHOPGRAPH_ADMIN_PASSWORD"
            )
        api.token = login["data"]["login"]["token"]
    for i in missing:
        created = api.data(
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { id sku stock } }",
            {
                "i": {
                    "sku": _sku(i),
                    "name": f"{LOAD_PRODUCT_NAME} {i:04d}",
                    "description": "Made by the load test's prepare step; stock never runs out.",
                    "price": 100 + i,
                    "stock": LOAD_STOCK,
                }
            },
        )["createProduct"]
        existing[created["sku"]] = created
    for product in low:
        api.data(
            "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) "
            "{ id } }",
            {"id": product["id"], "i": {"stock": LOAD_STOCK}},
        )
    api.token = None
    return [existing[_sku(i)]["id"] for i in range(1, count + 1)]


def _load_products(api: Api) -> dict[str, dict[str, Any]]:
    """Every load-test product by SKU, found by its name through the public catalogue."""
    found: dict[str, dict[str, Any]] = {}
    after: str | None = None
    while True:
        page = api.data(
            "query($after: String, $s: String) { products(first: 100, after: $after, search: $s) "
            "{ edges { node { id sku stock } } pageInfo { hasNextPage endCursor } } }",
            {"after": after, "s": LOAD_PRODUCT_NAME},
        )["products"]
        for edge in page["edges"]:
            if edge["node"]["sku"].startswith(LOAD_SKU_PREFIX):
                found[edge["node"]["sku"]] = edge["node"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _ensure_customers(api: Api, csv_path: Path, count: int) -> list[list[str]]:
    accounts = [[_email(i), CUSTOMER_PASSWORD] for i in range(1, count + 1)]
    if not accounts:
        return []
    if _already_prepared(api, csv_path, accounts):
        return accounts
    for email, password in accounts:
        _sign_up(api, email, password)
    return accounts


def _already_prepared(api: Api, csv_path: Path, accounts: list[list[str]]) -> bool:
    """The CSV lists at least these accounts and the last of them can log in."""
    if not csv_path.exists():
        return False
    with csv_path.open(newline="") as handle:
        listed = list(csv.reader(handle))[1:]
    if listed[: len(accounts)] != accounts:
        return False
    email, password = accounts[-1]
    body = api.call(
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": email, "password": password}},
    )
    return not body.get("errors")


def _sign_up(api: Api, email: str, password: str) -> None:
    """Signs the customer up; an existing account (CONFLICT) is fine. Waits out throttling."""
    while True:
        body = api.call(
            "mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }",
            {"i": {"email": email, "password": password, "name": "Load Test Customer"}},
        )
        codes = _codes(body)
        if "RATE_LIMITED" in codes:
            retry = next(
                (
                    float(e["extensions"].get("retryAfterSeconds", 1))
                    for e in body["errors"]
                    if e["extensions"].get("code") == "RATE_LIMITED"
                ),
                1.0,
            )
            if retry > MAX_RATE_LIMIT_WAIT_S:
                raise PrepareError(f"sign-up is throttled for {retry:.0f} s: try again later")
            time.sleep(retry)
            continue
        if codes - {"CONFLICT"}:
            raise PrepareError(f"cannot sign up the test customer {email}: {_describe(body)}")
        return


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _sku(index: int) -> str:
    return f"{LOAD_SKU_PREFIX}{index:04d}"


def _index(sku: str) -> int:
    return int(sku.removeprefix(LOAD_SKU_PREFIX))


def _email(index: int) -> str:
    return f"load-customer-{index:04d}@example.com"
