"""Label and field selectors matched in memory, for answers from the watch cache.

Kubernetes' syntax (`app=web,tier!=db,env in (prod,stage),!canary`; `spec.nodeName=aks-1`). Anything this
module does not understand returns None instead of a guess: the caller then asks the API server, which either
answers or explains what is wrong with the selector — the user never gets a different answer from the cache
than from the cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

LabelMatch = Callable[[Mapping[str, str]], bool]

_KEY = r"[A-Za-z0-9][A-Za-z0-9_./-]*"
_VALUE = r"[A-Za-z0-9_.-]*"
_EQUALITY = re.compile(rf"^\s*({_KEY})\s*(==|!=|=)\s*({_VALUE})\s*$")
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(\s*([^()]*)\)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")


def _parts(text: str) -> list[str] | None:
    """The requirements of a selector: commas split them, except inside `( … )`."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth not in (0, 1):
            return None
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts if depth == 0 and all(p.strip() for p in parts) else None


def _requirement(part: str) -> LabelMatch | None:
    if m := _EQUALITY.match(part):
        key, op, value = m.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _SET.match(part):
        key, op, listed = m.groups()
        values = frozenset(v.strip() for v in listed.split(","))
        if "" in values and listed.strip():
            return None
        if op == "in":
            return lambda labels: labels.get(key) in values
        # `notin` (like `!=`) also matches objects that do not have the key at all.
        return lambda labels: key not in labels or labels[key] not in values
    if m := _EXISTS.match(part):
        negated, key = m.groups()
        if negated:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    return None


def label_matcher(selector: str | None) -> LabelMatch | None:
    """A predicate over labels for `selector` (everything matches an empty one); None when not understood."""
    if selector is None or not selector.strip():
        return lambda labels: True
    parts = _parts(selector)
    if parts is None:
        return None
    requirements = [_requirement(p) for p in parts]
    if any(r is None for r in requirements):
        return None
    checks = [r for r in requirements if r is not None]
    return lambda labels: all(check(labels) for check in checks)


def field_requirements(selector: str | None, supported: frozenset[str]) -> list[tuple[str, bool, str]] | None:
    """`(field, equal, value)` for each requirement of a field selector (`=`, `==`, `!=`); None when a field is
    not in `supported` or the syntax is not understood."""
    if selector is None or not selector.strip():
        return []
    out: list[tuple[str, bool, str]] = []
    for part in selector.split(","):
        m = _EQUALITY.match(part)
        if m is None or m.group(1) not in supported:
            return None
        out.append((m.group(1), m.group(2) != "!=", m.group(3)))
    return out
