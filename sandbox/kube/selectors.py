"""Label and field selectors as kube-apiserver parses them (`a=b,c!=d,e in (f,g),!h`, `spec.nodeName=x`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.kube.errors import bad_request


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!exists"
    values: frozenset[str]

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and labels[self.key] in self.values
        # `!=` and `notin` match objects without the key, as the real server does.
        return not present or labels[self.key] not in self.values


_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|!=|=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside `( … )`."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_label_selector(text: str | None) -> tuple[Requirement, ...]:
    if not text:
        return ()
    out: list[Requirement] = []
    for part in _split_top(text):
        m = _EQ.match(part)
        if m:
            op = "!=" if m.group(2) == "!=" else "="
            out.append(Requirement(m.group(1), op, frozenset({m.group(3)})))
            continue
        m = _SET.match(part)
        if not m or (m.group(1) and m.group(3)):
            raise bad_request(f"unable to parse requirement: {part.strip()!r}: invalid label selector")
        if m.group(3):
            values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
            out.append(Requirement(m.group(2), m.group(3), values))
        else:
            out.append(Requirement(m.group(2), "!exists" if m.group(1) else "exists", frozenset()))
    return tuple(out)


def labels_match(requirements: tuple[Requirement, ...], labels: dict[str, str]) -> bool:
    return all(r.matches(labels) for r in requirements)


def selector_from_label_selector(selector: dict[str, object] | None) -> tuple[Requirement, ...] | None:
    """A `metav1.LabelSelector` (matchLabels/matchExpressions) as requirements; None for a null selector."""
    if selector is None:
        return None
    out: list[Requirement] = []
    match_labels = selector.get("matchLabels") or {}
    assert isinstance(match_labels, dict)
    for key, value in match_labels.items():
        out.append(Requirement(str(key), "=", frozenset({str(value)})))
    expressions = selector.get("matchExpressions") or []
    assert isinstance(expressions, list)
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}
    for expr in expressions:
        out.append(Requirement(str(expr["key"]), ops[str(expr["operator"])],
                               frozenset(str(v) for v in expr.get("values") or [])))
    return tuple(out)


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    equal: bool
    value: str


def parse_field_selector(text: str | None, supported: set[str], kind: str) -> tuple[FieldRequirement, ...]:
    if not text:
        return ()
    out: list[FieldRequirement] = []
    for part in text.split(","):
        if not part.strip():
            continue
        m = _EQ.match(part) or re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        name = m.group(1)
        if name not in supported:
            raise bad_request(f'field label not supported: {name}')
        out.append(FieldRequirement(name, m.group(2) != "!=", m.group(3)))
    return tuple(out)


def fields_match(requirements: tuple[FieldRequirement, ...], fields: dict[str, str]) -> bool:
    return all((fields.get(r.field, "") == r.value) == r.equal for r in requirements)
