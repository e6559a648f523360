"""Reading a /metrics page in tests, with prometheus_client's own parser."""

from prometheus_client.parser import text_string_to_metric_families


def sample(exposition: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                total += found.value
    return total


def label_values(exposition: str, name: str, label: str) -> set[str]:
    """Every value `label` takes among the samples called `name`."""
    return {
        found.labels[label]
        for family in text_string_to_metric_families(exposition)
        for found in family.samples
        if found.name == name and label in found.labels
    }
