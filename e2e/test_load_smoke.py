"""The JMeter smoke plan through the gateway: every public operation once, no errors.

It runs the real runner (`make load PLAN=smoke` does the same): JMeter non-GUI, the HTML
dashboard, summary.json, and the SLO gate. Speed is not judged here: the smoke's objectives
only catch failures and hangs (jmeter/slo.yaml).
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from shopgraph_testing.drivers.gateway import Gateway


def _load(gateway: Gateway, results: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The runner, as `make load` starts it, against the session's gateway."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "shopgraph_loadtest.cli", "run", *args),
            *("--target", f"{gateway.url}/graphql", "--results", str(results)),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_smoke_plan_passes_with_a_dashboard(gateway: Gateway, tmp_path: Path) -> None:
    done = _load(gateway, tmp_path, "--plan", "smoke")

    assert done.returncode == 0, done.stderr[-4000:]
    [run] = [folder for folder in tmp_path.iterdir() if folder.name.endswith("-smoke")]
    total = json.loads((run / "summary.json").read_text())["total"]
    assert (total["requests"], total["failures"]) == (9, 0), total
    assert (run / "dashboard" / "index.html").is_file()
    assert (
        json.loads((run / "dashboard" / "statistics.json").read_text())["Total"]["sampleCount"] == 9
    )
    assert done.stderr.rstrip().endswith("load: SLO gate passed")


def test_prepare_makes_the_test_data_once_and_restocks(gateway: Gateway, tmp_path: Path) -> None:
    from shopgraph_loadtest.prepare import LOAD_STOCK, Prepared, prepare
    from shopgraph_stack.topology import admin_credentials

    email, password = admin_credentials({})

    def prepared() -> Prepared:
        return prepare(
            f"{gateway.url}/graphql",
            tmp_path,
            admin_email=email,
            admin_password=password,
            products=2,
            customers=3,
        )

    first = prepared()
    products_csv, customers_csv = first.products_csv.read_text(), first.customers_csv.read_text()
    product_id = products_csv.splitlines()[1]
    gateway.execute(
        "mutation($id: ID!) { updateProduct(id: $id, input: {stock: 5}) { id } }",
        {"id": product_id},
        token=gateway.admin_token(),
    )

    again = prepared()

    assert (again.products_csv.read_text(), again.customers_csv.read_text()) == (
        products_csv,
        customers_csv,
    )
    stock = gateway.execute("query($id: ID!) { product(id: $id) { stock } }", {"id": product_id})
    assert stock["data"]["product"]["stock"] == LOAD_STOCK
    customers = [line.split(",") for line in customers_csv.splitlines()[1:]]
    assert len(customers) == 3
    for customer_email, customer_password in customers:
        login = gateway.execute(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"email": customer_email, "password": customer_password}},
        )
        assert "errors" not in login, login


def test_out_of_stock_is_counted_as_a_business_answer(gateway: Gateway, tmp_path: Path) -> None:
    sold_out = gateway.execute(
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
        {
            "i": {
                "sku": f"E2E-SOLD-OUT-{uuid.uuid4().hex[:8]}",
                "name": "Sold out",
                "price": 100,
                "stock": 0,
            }
        },
        token=gateway.admin_token(),
    )["data"]["createProduct"]["id"]
    products_csv = tmp_path / "sold-out.csv"
    products_csv.write_text(f"product_id\n{sold_out}\n")

    # Two visits, each logging in and ordering the sold-out product, none cancelling.
    done = _load(
        gateway,
        tmp_path / "results",
        *("--plan", "mixed", "--threads", "1", "--duration", "300", "--warmup", "0"),
        *("--customers", "2", "--no-gate", "--prop", "loops=2"),
        *("--prop", f"products_csv={products_csv}", "--prop", "login_percent=100"),
        *("--prop", "order_percent=100", "--prop", "cancel_percent=0"),
    )

    assert done.returncode == 0, done.stderr[-4000:]
    [run] = list((tmp_path / "results").glob("*-mixed"))
    summary = json.loads((run / "summary.json").read_text())
    orders = summary["samplers"]["createOrder"]
    assert (orders["requests"], orders["out_of_stock"]) == (2, 2), orders
    assert orders["failures"] == 0
    assert summary["total"]["failures"] == 0, summary["total"]
