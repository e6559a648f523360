"""The README's configuration table names every variable the services read, and no other."""

import re
from pathlib import Path

from pydantic_settings import BaseSettings

from shopgraph_orders.settings import OrdersSettings
from shopgraph_products.settings import ProductsSettings
from shopgraph_users.settings import UsersSettings

README = Path(__file__).resolve().parents[3] / "README.md"
SERVICES: dict[str, type[BaseSettings]] = {
    "users": UsersSettings,
    "products": ProductsSettings,
    "orders": OrdersSettings,
}
# Each service fixes its own name (ServiceSettings.service_name): not configuration.
NOT_CONFIGURATION = {"SERVICE_NAME"}


def environment_names(settings: type[BaseSettings]) -> set[str]:
    """The variables a settings model reads: a field's alias, else its name (any case)."""
    names = {(field.alias or name).upper() for name, field in settings.model_fields.items()}
    return names - NOT_CONFIGURATION


def documented() -> dict[str, set[str]]:
    """The configuration table's variables, each with the services its row names."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        services = set(SERVICES) if cells[1] == "all" else set(re.split(r",\s*", cells[1]))
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            rows[name] = services
    return rows


def test_the_table_is_read() -> None:
    """Not vacuous: the parser finds the rows (and the services they name)."""
    rows = documented()
    assert rows["ENVIRONMENT"] == set(SERVICES)
    assert rows["MONGODB_URL"] == {"products"}
    assert len(rows) > 40


def test_every_variable_a_service_reads_is_documented_for_it() -> None:
    rows = documented()
    missing = {
        service: sorted(
            name for name in environment_names(settings) if service not in rows.get(name, set())
        )
        for service, settings in SERVICES.items()
    }
    assert missing == {service: [] for service in SERVICES}


def test_every_documented_variable_is_read_by_the_services_it_names() -> None:
    read_by = {service: environment_names(settings) for service, settings in SERVICES.items()}
    wrong = sorted(
        f"{name} ({service})"
        for name, services in documented().items()
        for service in services
        if name not in read_by[service]
    )
    assert wrong == []
