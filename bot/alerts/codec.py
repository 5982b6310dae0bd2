"""An `AlertGroup` to JSON and back (the store keeps the last one of each problem), and its evidence hash.

The hash covers what a person would see change — statuses, labels, annotations, values, times, evidence,
runbooks — and nothing about the delivery, so a repeated or duplicated notification hashes the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from bot.alerts.model import Alert, AlertAction, AlertGroup, AlertObject, Link, Source, Status, parse_time
from bot.i18n import Said, in_lang
from bot.severity import Severity

Json = dict[str, Any]


def _zh(raw: Json, key: str, text: str) -> Json:
    """`raw` with the Chinese of a finding's words (a `Said`) kept beside them as `key_zh`: a watcher alert's message
    is redrawn from the store, in its route's language. Texts in one language add nothing (their hash is unchanged)."""
    zh = getattr(text, "zh", None)
    if isinstance(zh, str):
        raw[f"{key}_zh"] = zh
    return raw


def _said(raw: Json, key: str, default: str = "") -> str:
    """The text stored under `key`, as a `Said` when its Chinese was kept beside it."""
    text = raw.get(key, default)
    zh = raw.get(f"{key}_zh")
    return Said(text, zh) if isinstance(zh, str) else text


def _evidence(raw: Json) -> tuple[str, ...]:
    """The stored evidence lines, each a `Said` again where its Chinese was kept (`evidence_zh`, line for line)."""
    lines = [str(line) for line in raw.get("evidence") or ()]
    zh = raw.get("evidence_zh")
    if not isinstance(zh, list) or len(zh) != len(lines):
        return tuple(lines)
    return tuple(Said(en, str(cn)) if cn != en else en for en, cn in zip(lines, zh, strict=True))


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def alert_to_dict(alert: Alert) -> Json:
    raw: Json = {
        "source": alert.source.value, "name": alert.name, "status": alert.status.value,
        "severity": alert.severity.label, "severity_label": alert.severity_label, "summary": alert.summary,
        "starts_at": _time(alert.starts_at), "ends_at": _time(alert.ends_at), "source_id": alert.source_id,
        "cluster": alert.cluster, "cluster_hint": alert.cluster_hint, "namespace": alert.namespace,
        "object": None if alert.object is None else
        {"kind": alert.object.kind, "name": alert.object.name, "namespace": alert.object.namespace},
        "description": alert.description, "labels": dict(alert.labels), "annotations": dict(alert.annotations),
        "value": alert.value, "evidence": list(alert.evidence), "runbook": alert.runbook,
        "links": [{"label": link.label, "url": link.url} for link in alert.links],
    }
    if any(isinstance(line, Said) for line in alert.evidence):  # a watcher rule's own reading, in both languages
        raw["evidence_zh"] = [in_lang(line, "zh") for line in alert.evidence]
    if alert.next:  # like `actions`: only a watcher finding's, so other alerts hash as they always did
        raw = _zh({**raw, "next": str(alert.next)}, "next", alert.next)
    if alert.seen_at is not None:
        raw["seen_at"] = _time(alert.seen_at)
    if alert.stateless:  # like `actions`: only when set, so every other alert hashes as it always did
        raw.update(stateless=True, expires_at=_time(alert.expires_at))
    if alert.actions:  # only when there are some, so the hash of an alert without any is what it always was
        raw["actions"] = [_zh({"label": a.label, "ref": a.ref, "danger": a.danger}, "label", a.label)
                          for a in alert.actions]
    return _zh(raw, "summary", alert.summary)


def alert_from_dict(raw: Json) -> Alert:
    obj = raw.get("object")
    starts = parse_time(raw.get("starts_at"))
    if starts is None:
        raise ValueError("a stored alert has no start time")
    return Alert(
        source=Source(raw["source"]), name=raw["name"], status=Status(raw["status"]),
        severity=Severity[str(raw["severity"]).upper()], severity_label=raw.get("severity_label", ""),
        summary=_said(raw, "summary"), starts_at=starts, ends_at=parse_time(raw.get("ends_at")),
        source_id=raw.get("source_id", ""), cluster=raw.get("cluster"), cluster_hint=raw.get("cluster_hint", ""),
        namespace=raw.get("namespace"),
        object=AlertObject(obj["kind"], obj["name"], obj.get("namespace", "")) if obj else None,
        description=raw.get("description", ""), labels=dict(raw.get("labels") or {}),
        annotations=dict(raw.get("annotations") or {}), value=raw.get("value"),
        evidence=_evidence(raw), runbook=raw.get("runbook"),
        links=tuple(Link(link["label"], link["url"]) for link in raw.get("links") or ()),
        actions=tuple(
            AlertAction(_said(a, "label"), a["ref"], bool(a.get("danger"))) for a in raw.get("actions") or ()
        ),
        next=_said(raw, "next"), seen_at=parse_time(raw.get("seen_at")),
        stateless=bool(raw.get("stateless")), expires_at=parse_time(raw.get("expires_at")),
    )


def group_to_dict(group: AlertGroup) -> Json:
    return _zh({
        "source": group.source.value, "key": group.key, "title": group.title,
        "alerts": [alert_to_dict(a) for a in group.alerts], "truncated": group.truncated,
        "labels": dict(group.labels), "annotations": dict(group.annotations), "external_url": group.external_url,
        "receiver": group.receiver,
    }, "title", group.title)


def group_from_dict(raw: Json) -> AlertGroup:
    return AlertGroup(
        source=Source(raw["source"]), key=raw["key"], title=_said(raw, "title"),
        alerts=tuple(alert_from_dict(a) for a in raw["alerts"]), truncated=int(raw.get("truncated") or 0),
        labels=dict(raw.get("labels") or {}), annotations=dict(raw.get("annotations") or {}),
        external_url=raw.get("external_url", ""), receiver=raw.get("receiver", ""),
    )


def group_to_json(group: AlertGroup) -> str:
    return orjson.dumps(group_to_dict(group), option=orjson.OPT_SORT_KEYS).decode()


def group_from_json(text: str) -> AlertGroup:
    return group_from_dict(orjson.loads(text))


def evidence_hash(group: AlertGroup) -> str:
    """SHA-256 of the group's content in a canonical form (sorted keys, alerts in their source's order). A stateless
    alert's `expires_at` is the bot's, set on arrival: a repeated delivery of the same event does not change it."""
    if any(a.expires_at is not None for a in group.alerts):
        group = group.with_alerts(replace(a, expires_at=None) for a in group.alerts)
    return hashlib.sha256(group_to_json(group).encode()).hexdigest()
