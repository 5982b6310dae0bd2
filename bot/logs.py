"""Logging set-up, and the request context every log line of a request carries.

The dispatcher opens a request context with the correlation id it shows the user ("internal error (ref 1a2b3c4d)");
every log line written while that request is handled — by the dispatcher, an adapter, the approval workflow, a
library — prints the same id, so an operator finds the traceback behind a user's ref with one grep. Work handed
to another thread (an approved action) carries the context along (`in_context`).

Whatever a line says — a library's message, an exception's text, a traceback — token-shaped secrets are masked
before it is written (`redact`): Slack tokens, bearer tokens, and `token=`/`secret=`/`password=` values.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import logging
import re
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"

_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("aksbot_correlation_id", default="-")
T = TypeVar("T")


_SECRETS = re.compile(
    r"(?P<slack>xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})"
    r"|(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<kv>(?i:\b(?:[\w-]*[_-])?(?:token|secret|password|passwd|signature|api[_-]?key|access[_-]?key|account[_-]?key))"
    r"[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;)]{4,}"
)


# What people paste beside such tokens (into a question, or a command's output that reaches a log): JSON Web Tokens
# (a kubeconfig's or an AAD token), private keys, SAS signatures, storage connection strings' keys, and the secret a
# pasted command line passes (`az login --service-principal -u … -p SECRET`, `--client-secret SECRET`), and the
# password of a URL (`postgres://app:SECRET@db`).
_PASTED = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|(?<=[?&]sig=)[^&\s\"']{8,}"
    r"|(?<=AccountKey=)[^;\s\"']{8,}"
    r"|(?<=--password )\S+|(?<=--client-secret )\S+|(?<=--secret )\S+|(?<=--token )\S+"
    r"|(?<=--service-principal)(?P<sp>(?: +\S+)*? +-p +)\S+"
    r"|(?<=://)(?P<user>[^:/\s@]*:)[^@\s/]{3,}(?=@)",  # a password in a URL: postgres://app:PASSWORD@db
    re.DOTALL,
)


def redact(text: str) -> str:
    """`text` with token-shaped secrets, and the secrets people paste (`_PASTED`), replaced by `***`."""

    def mask(m: re.Match[str]) -> str:
        if m.group("slack"):
            return m.group("slack")[:5] + "***"
        return (m.group("bearer") or m.group("kv") or "") + "***"

    pasted = _PASTED.sub(lambda m: (m.group("sp") or m.group("user") or "") + "***", text)
    return _SECRETS.sub(mask, pasted)


class RedactingFormatter(logging.Formatter):
    """The usual formatter, with secrets masked in the whole line (message, arguments and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def add_log_level(parser: argparse.ArgumentParser, default: str) -> None:
    """`--log-level LEVEL`: one of the logging levels, in any case (a typo is refused, not silently INFO)."""
    parser.add_argument("--log-level", default=default, type=str.upper, choices=LEVELS, metavar="LEVEL",
                        help=f"the least severe log lines written: {', '.join(LEVELS)} (default: {default})")


def setup_logging(level: str = "INFO") -> None:
    """One handler on stderr that prints each line's correlation id (idempotent: a second call changes the level)."""
    root = logging.getLogger()
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # urllib3 warns of each retry its pool makes, and the clients retry a dropped keep-alive connection on purpose
    # (a watch whose connection the server closed): what still fails after that is logged by the bot itself.
    logging.getLogger("urllib3.connectionpool").setLevel(max(root.level, logging.ERROR))
    for handler in root.handlers:
        if any(isinstance(f, CorrelationFilter) for f in handler.filters):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.addFilter(CorrelationFilter())
    root.addHandler(handler)
