"""What one request read from the watch cache, so its answer can say how fresh it is ("as of 2 s ago").

`observe_reads()` opens a `ReadLog` for the duration of one command (the dispatcher's thread); the cached reader
(`bot.cluster.cache.CachedReader`) records into it each kind it answered from and that kind's age, or that it
went live. Nothing here imports an SDK, so the edge (`bot.app`) can use it without loading the client.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class ReadLog:
    """The age in seconds of each cached kind a request answered from, and the kinds it read live."""

    cached: dict[str, float] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)

    def note(self) -> str | None:
        """"from the watch cache, as of 2 s ago" when anything came from the cache (its oldest kind), else None."""
        if not self.cached:
            return None
        age = max(self.cached.values())
        return f"from the watch cache, as of {age:.0f} s ago" if age >= 0.5 else "from the watch cache, as of now"


_READS: contextvars.ContextVar[ReadLog | None] = contextvars.ContextVar("aksbot_reads", default=None)


@contextlib.contextmanager
def observe_reads() -> Iterator[ReadLog]:
    """Record the reads made in this context (one command) into a fresh `ReadLog`."""
    reads = ReadLog()
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def read_cached(kind: str, age: float) -> None:
    reads = _READS.get()
    if reads is not None:
        reads.cached[kind] = max(age, reads.cached.get(kind, 0.0))


def read_live(kind: str) -> None:
    reads = _READS.get()
    if reads is not None:
        reads.live.add(kind)
