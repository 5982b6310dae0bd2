"""What one request read, so its answer can say how fresh it is ("as of 2 s ago") and what it could not read.

`observe_reads()` opens a `ReadLog` for the duration of one command (the dispatcher's thread); the cached reader
(`bot.cluster.cache.CachedReader`) records into it each kind it answered from and that kind's age, or that it
went live.

A handler's side lookups — the events, leases, metrics or budgets that complete an answer but are not what was
asked for — go through `optional()` (or `omitted()` where the handler must know): when the cluster forbids one,
does not answer, or lacks the API, the answer is given without it, and the dispatcher adds a note naming what is
not shown and why. What was asked for (the node of `/k8s node X`) is never optional: its failure is the answer.
Nothing here imports an SDK, so the edge (`bot.app`) can use it without loading the client.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bot.blocks import Block, Context, Heading, Level, Notice, View
from bot.errors import AksbotError, Forbidden, NotConfigured, NotFound, Upstream
from bot.i18n import ERRORS, Said, in_lang, said
from bot.logs import redact

if TYPE_CHECKING:
    from bot.cluster.ports import ClusterReader

T = TypeVar("T")
log = logging.getLogger("aksbot.reads")

# What a side lookup may fail with and the answer still stand: the cluster refused, did not answer, or lacks the
# API (metrics-server not installed). Anything else is a bug or the user's mistake and is raised.
SIDE_FAILURES: tuple[type[AksbotError], ...] = (Forbidden, Upstream, NotConfigured, NotFound)


@dataclass(frozen=True)
class Omission:
    """A part of an answer that is not shown: what, and why (the error's own message, or for a refusal the
    permission that is missing); `forbidden` when granting a permission would show it."""

    what: str
    why: str
    forbidden: bool = False


@dataclass
class ReadLog:
    """The age in seconds of each cached kind a request answered from, and the kinds it read live."""

    cached: dict[str, float] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    omissions: list[Omission] = field(default_factory=list)

    def note(self) -> Said | None:
        """"from the watch cache, as of 2 s ago" when anything came from the cache (its oldest kind), else None."""
        if not self.cached:
            return None
        age = max(self.cached.values())
        return said(ERRORS.from_cache, age=f"{age:.0f}") if age >= 0.5 else said(ERRORS.from_cache_now)

    def told(self, view: View, lang: str) -> View:
        """`view` with what these reads mean for it right under its heading, where a long answer cannot push them
        out of the message: a warning when it is partial (what is left out and why), then its freshness ("from the
        watch cache, as of 2 s ago") when it came from the cache."""
        at = 1 if view.blocks and isinstance(view.blocks[0], Heading) else 0
        said_here: list[Block] = []
        note = self.note()
        if self.omissions:
            lines = "\n".join(f"• {o.what}: {o.why}" for o in self.omissions)
            if any(o.forbidden for o in self.omissions):
                lines += ERRORS.grant(lang)
            said_here.append(Notice(ERRORS.partial(lang, lines=lines), Level.WARN))
        if note is not None:
            said_here.append(Context(in_lang(note, lang)))
        if not said_here:
            return view
        return dataclasses.replace(view, blocks=(*view.blocks[:at], *said_here, *view.blocks[at:]))


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


def omitted(what: str, error: AksbotError) -> None:
    """Record that the answer goes on without `what`, because of `error` (see the module docstring)."""
    reads = _READS.get()
    log.info("answering without %s: %s", what, error.message)
    if reads is not None and all(o.what != what for o in reads.omissions):
        if isinstance(error, Forbidden):
            reads.omissions.append(Omission(what, f"forbidden: {error.permission or error.message}", forbidden=True))
        else:
            reads.omissions.append(Omission(what, error.message))


def optional(what: str, read: Callable[[], T]) -> T | None:
    """`read()`, or None when the side lookup `what` fails as a cluster may (the answer then says so)."""
    try:
        return read()
    except SIDE_FAILURES as exc:
        omitted(what, exc)
        return None


def shown_logs(reader: ClusterReader, namespace: str, pod: str, container: str, *, previous: bool, tail: int) -> str:
    """A container's last log lines as a chat may show them: with token-shaped secrets masked (`bot.logs.redact`:
    bearer tokens, JWTs, `password=`/`token=`/`secret=` values, private keys, storage keys). An application that
    logs its connection string must not have the bot post it into a channel; the lines stay readable around it."""
    return redact(reader.logs(namespace, pod, container, previous=previous, tail=tail))
