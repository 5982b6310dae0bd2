"""Formatting shared by the read commands: ages as kubectl prints them, resource amounts, "did you mean".

No commands live here; it only keeps `nodes`, `pods`, `events`, `top` and the workload commands consistent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import datetime

from bot.cluster.model import format_bytes, format_cpu

# How many rows a list shows before it summarises and points at a narrower command.
MAX_ROWS = 40


def age(since: datetime | None, now: datetime) -> str:
    """kubectl's short age: 45s, 12m, 5h, 3d, 2y."""
    if since is None:
        return "-"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    if seconds < 2 * 365 * 86400:
        return f"{seconds // 86400}d"
    return f"{seconds // (365 * 86400)}y"


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
