"""Formatting shared by the read commands: resource amounts, pages of lists, where a list looked, counts, "did you
mean" (times: `bot.timefmt`; the words: `bot.i18n.READ`).

No commands live here; it only keeps `nodes`, `pods`, `events`, `top` and the workload commands consistent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.blocks import Block, Level, Notice, Table
from bot.cluster.model import format_bytes, format_cpu
from bot.i18n import ERRORS, READ, Msg, Said, said
from bot.i18n import joined as i18n_joined
from bot.refs import CommandRef
from bot.registry import REGISTRY, ClusterCall, Lang, Scope
from handlers.args import PAGE_ROWS

# How many rows a list shows before it summarises (the page size of every list).
MAX_ROWS = PAGE_ROWS
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a sorted list: its rows, how many come before it, how many there are in all, the command that
    shows the next page (None on the last one), and the page that was asked for (past the last one, the last one is
    shown instead)."""

    items: tuple[T, ...]
    offset: int
    total: int
    next: CommandRef | None
    asked: int = 1

    @property
    def cut(self) -> bool:
        """Whether the list is longer than this page."""
        return self.total > len(self.items)

    @property
    def pages(self) -> int:
        """How many pages the list has (an empty list is one empty page)."""
        return max(-(-self.total // PAGE_ROWS), 1)

    def table(self, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], lang: Lang) -> tuple[Block, ...]:
        """The page's rows as a table with the way to the next page; after a `--page` past the end (a typo, or a
        list that shrank since its "Show more" was offered), first a notice that the list has fewer pages, so the
        last page is not taken for the one asked for."""
        table = Table(columns, rows, total=self.total if self.cut else None, more=self.next, offset=self.offset)
        if not self.total or self.asked <= self.pages:
            return (table,)
        pages = counted(lang, self.pages, READ.one_page, READ.many_pages)
        rows_in_all = counted(lang, self.total, READ.one_row, READ.many_rows)
        past = READ.past_last_page(lang, asked=self.asked, pages=pages, rows=rows_in_all)
        return Notice(past, Level.WARN), table


def page_of(items: Sequence[T], call: ClusterCall[Any]) -> Page[T]:
    """The page `call.args.page` asks for of `items` (already sorted), with the same command for the next page; past
    the last page, the last page (`Page.table` says so).

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
    return Page(shown, offset, len(items), more, page)


def _namespaced(call: ClusterCall[Any]) -> bool:
    spec = REGISTRY.get(call.command)
    return spec is not None and spec.scope is Scope.NAMESPACED


@dataclass(frozen=True)
class Filter:
    """A filter a list was asked with: its words (`READ.on_node`) and the value they name (none for a flag)."""

    words: Msg
    value: str = ""

    def text(self, lang: Lang) -> str:
        return self.words(lang, value=self.value)


def filters(*asked: tuple[Msg, str | bool | None]) -> tuple[Filter, ...]:
    """The filters among `asked` that were given (an option with a value, a flag set), in that order."""
    return tuple(Filter(words, value if isinstance(value, str) else "") for words, value in asked if value)


def joined(parts: Sequence[str], lang: Lang) -> str:
    """A list of counts or names as the language writes one: "3 Ready, 1 cordoned" / "3 Ready，1 个已隔离"."""
    return READ.list_sep(lang).join(parts)


@dataclass(frozen=True)
class Where:
    """Where a namespaced list looked — one namespace, or all of them (None) — and the filters it was asked with.

    Kept as data so the view words it in the reader's language: English puts the filters after the place ("in shop
    -l app=web on aks-1"), Chinese in brackets ("命名空间 shop 中（-l app=web，节点 aks-1）")."""

    namespace: str | None
    filters: tuple[Filter, ...] = ()

    def text(self, lang: Lang) -> str:
        """As a sentence says it: "No pods in shop." / "命名空间 shop 中没有 Pod。"."""
        if self.namespace is None:
            return self._with_filters(READ.in_all_namespaces(lang), lang)
        return self._with_filters(READ.in_namespace(lang, namespace=self.namespace), lang)

    def title(self, lang: Lang) -> str:
        """As a heading says it: "Pods — in shop" / "Pod — 命名空间 shop"."""
        if self.namespace is None:
            return self._with_filters(READ.all_namespaces_title(lang), lang)
        return self._with_filters(READ.namespace_title(lang, namespace=self.namespace), lang)

    def _with_filters(self, place: str, lang: Lang) -> str:
        if not self.filters:
            return place
        said = self.filters[0].text(lang)
        for f in self.filters[1:]:
            said = READ.next_filter(lang, filters=said, filter=f.text(lang))
        return READ.filtered(lang, where=place, filters=said)


def counted(lang: Lang, count: int, one: Msg, many: Msg) -> str:
    """`count` things: English says "1 pod" and "2 pods"; Chinese has one form, which both messages give."""
    return (one if count == 1 else many)(lang, count=count)


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


def did_you_mean(names: tuple[str, ...]) -> Said:
    """" Did you mean `a`, `b`?" (both languages), or nothing when no name is close."""
    if not names:
        return Said("", "")
    return said(ERRORS.did_you_mean, names=i18n_joined([f"`{n}`" for n in names], ", ", "、"))


def shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
