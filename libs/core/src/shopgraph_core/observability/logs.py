"""ECS JSON logs on stdout, correlated with the current trace.

Every record carries `service.name`, and `trace.id`/`span.id` while a span is active, so
Kibana can jump from a log line to its trace. Nothing here logs request bodies or headers:
passwords and tokens never reach a log line.
"""

import logging
import sys
from typing import IO

import ecs_logging
from opentelemetry import trace


class _ServiceAndTraceFilter(logging.Filter):
    def __init__(self, service_name: str) -> None:
        super().__init__()
        self._service_name = service_name

    def filter(self, record: logging.LogRecord) -> bool:
        setattr(record, "service.name", self._service_name)
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            setattr(record, "trace.id", format(span_context.trace_id, "032x"))
            setattr(record, "span.id", format(span_context.span_id, "016x"))
        return True


def configure_logging(
    service_name: str, level: str = "INFO", stream: IO[str] | None = None
) -> None:
    """Send every log record, uvicorn's included, through one ECS JSON handler."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(ecs_logging.StdlibFormatter(exclude_fields=["process", "log.original"]))
    handler.addFilter(_ServiceAndTraceFilter(service_name))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware writes the access log, with GraphQL fields uvicorn cannot know.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request URL at INFO, internal hosts included.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Strawberry logs every resolver error with its context; ours logs the unexpected ones.
    logging.getLogger("strawberry.execution").disabled = True
