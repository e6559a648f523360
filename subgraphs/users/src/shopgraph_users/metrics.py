"""What the users service counts, beyond the requests every service counts."""

from shopgraph_core.observability.metrics import OutcomeCounter

LOGINS = OutcomeCounter(
    "shopgraph_logins_total",
    "Login attempts, by outcome: success, or failure (unknown email or wrong password).",
    "outcome",
    ("success", "failure"),
)
