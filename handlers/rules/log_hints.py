"""Log lines that name their own runbook: the previous run's error lines searched in the knowledge base.

A crash loop says *that* a container dies; its last log lines often say *why* in words the knowledge base
knows ("getaddrinfo EAI_AGAIN" is a DNS failure, "x509: certificate has expired" an expired certificate). Each
error-looking line is searched; a confident match to an entry the other findings do not already cite becomes an
extra finding, with the line as its evidence. Pure: the search is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.i18n import FINDING, said
from bot.refs import ObjectRef
from bot.severity import Severity
from handlers.rules.finding import Finding

# What an error line looks like in the logs of the runtimes we see (Go, Java, Node.js, .NET, Python, nginx).
_ERROR_LINE = re.compile(
    r"\b(error|err|fatal|panic|exception|caused by|refused|timed? ?out|timeout|unreachable|denied|forbidden|"
    r"unauthorized|x509|eai_again|enotfound|no such host|oomkilled|outofmemory|killed|failed)\b",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^\s*\d{4}-\d\d-\d\dT[\d:.]+Z?\s*")
# The knowledge base's display score where its answers start (evidence 24 → 100·24/(24+16)); the search passed in
# also returns only confident answers.
MIN_SCORE = 60.0
MAX_LINES = 6


@dataclass(frozen=True)
class LogMatch:
    entry_id: str
    title: str  # the entry's title; a `Said` when the search knows it in both languages
    score: float


Search = Callable[[str], LogMatch | None]


def error_lines(text: str, limit: int = MAX_LINES) -> list[str]:
    """The last `limit` distinct error-looking lines, without their timestamps, newest last."""
    seen: list[str] = []
    for raw in text.splitlines():
        line = _TIMESTAMP.sub("", raw).strip()
        if line and _ERROR_LINE.search(line) and line not in seen:
            seen.append(line)
    return seen[-limit:]


def log_findings(
    subject: ObjectRef, logs: Mapping[str, str], search: Search, already: Iterable[str | None]
) -> list[Finding]:
    """One finding per runbook the error lines of `logs` (container → text) match and no finding cites yet."""
    cited = {k for k in already if k}
    found: dict[str, tuple[LogMatch, list[str]]] = {}
    for container, text in logs.items():
        for line in error_lines(text):
            match = search(line)
            if match is None or match.score < MIN_SCORE or match.entry_id in cited:
                continue
            _, lines = found.setdefault(match.entry_id, (match, []))
            lines.append(f"{container}: {line[:200]}")
    return [
        Finding(
            rule="pod.log",
            severity=Severity.WARNING,
            title=said(FINDING.log_cause, title=match.title),
            subject=subject,
            evidence=tuple(said(FINDING.previous_log_of, line=line) for line in lines[:3]),
            kb=entry_id,
            signals=(f"log.match:{entry_id}",),
            namespace=subject.namespace or None,
            confidence="medium",
        )
        for entry_id, (match, lines) in found.items()
    ]
