"""Formatting shared by the read commands: resource amounts, pages of lists, "did you mean" (times: `bot.timefmt`).

No commands live here; it only keeps `nodes`, `pods`, `events`, `top` and the workload commands consistent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.cluster.model import format_bytes, format_cpu
from bot.refs import CommandRef
from bot.registry import REGISTRY, ClusterCall, Scope
from handlers.args import PAGE_ROWS

# How many rows a list shows before it summarises (the page size of every list).
MAX_ROWS = PAGE_ROWS
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a sorted list: its rows, how many come before it, how many there are in all, and the command
    that shows the next page (None on the last one)."""

    items: tuple[T, ...]
    offset: int
    total: int
    next: CommandRef | None

    @property
    def cut(self) -> bool:
        """Whether the list is longer than this page."""
        return self.total > len(self.items)


def page_of(items: Sequence[T], call: ClusterCall[Any]) -> Page[T]:
    """The page `call.args.page` asks for of `items` (already sorted), with the same command for the next page.

    The next page is the same command with the same arguments, namespace and cluster: only `page` moves on."""
    page = int(getattr(call.args, "page", 1))
    offset = min((page - 1) * PAGE_ROWS, max(len(items) - 1, 0) // PAGE_ROWS * PAGE_ROWS)
    shown = tuple(items[offset : offset + PAGE_ROWS])
    more = None
    if offset + PAGE_ROWS < len(items):
        namespace = None if call.all_namespaces or not _namespaced(call) else call.namespace
        more = CommandRef(
            call.command,
            call.args.model_copy(update={"page": offset // PAGE_ROWS + 2}),
            cluster=call.cluster,
            namespace=namespace,
            all_namespaces=call.all_namespaces,
        )
    return Page(shown, offset, len(items), more)


def _namespaced(call: ClusterCall[Any]) -> bool:
    spec = REGISTRY.get(call.command)
    return spec is not None and spec.scope is Scope.NAMESPACED


def cpu(millicores: int | None) -> str:
    return "-" if millicores is None else format_cpu(millicores)


def mem(count: int | None) -> str:
    return "-" if count is None else format_bytes(count)


def percent(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "-"
    return f"{round(100 * part / whole)}%"


def closest(name: str, candidates: Iterable[str], n: int = 3) -> tuple[str, ...]:
    """The names nearest to a mistyped one: names it begins (a deployment's name → its pods), then close
    spellings, then names sharing its suffix."""
    pool = sorted(set(candidates))
    found = [c for c in pool if c.startswith(name + "-")][:n]
    found += [c for c in difflib.get_close_matches(name, pool, n=n, cutoff=0.6) if c not in found][: n - len(found)]
    if len(found) < n:
        # Node and pod names differ only in a numeric suffix, which spelling distance ranks poorly.
        extra = [c for c in pool if c not in found and (c.startswith(name) or name in c or c.endswith(name[-6:]))]
        found += extra[: n - len(found)]
    return tuple(found)


def did_you_mean(names: tuple[str, ...]) -> str:
    return f" Did you mean {', '.join(f'`{n}`' for n in names)}?" if names else ""


def shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
