"""Logging set-up, and the request context every log line of a request carries.

The dispatcher opens a request context with the correlation id it shows the user ("internal error (ref 1a2b3c4d)");
every log line written while that request is handled — by the dispatcher, an adapter, the approval workflow, a
library — prints the same id, so an operator finds the traceback behind a user's ref with one grep. Work handed
to another thread (an approved action) carries the context along (`in_context`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"

_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("aksbot_correlation_id", default="-")
T = TypeVar("T")


def current_correlation_id() -> str:
    return _correlation_id.get()


@contextlib.contextmanager
def request_context(correlation_id: str) -> Iterator[None]:
    """Every log line written inside carries `correlation_id`."""
    token = _correlation_id.set(correlation_id)
    try:
        yield
    finally:
        _correlation_id.reset(token)


def in_context(job: Callable[[], T]) -> Callable[[], T]:
    """`job`, to run in another thread with this thread's request context (its correlation id)."""
    context = contextvars.copy_context()
    return lambda: context.run(job)


class CorrelationFilter(logging.Filter):
    """Adds `correlation_id` to every record that passes the handler (from the request context, or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = _correlation_id.get()
        return True


def setup_logging(level: str = "INFO") -> None:
    """One handler on stderr that prints each line's correlation id (idempotent: a second call changes the level)."""
    root = logging.getLogger()
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for handler in root.handlers:
        if any(isinstance(f, CorrelationFilter) for f in handler.filters):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(CorrelationFilter())
    root.addHandler(handler)
