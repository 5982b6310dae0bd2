"""The Alertmanager webhook (`webhook_config`, payload `version: "4"`) as an `AlertGroup`.

    {"version": "4", "groupKey": "{}:{alertname=\\"KubeNodeNotReady\\"}", "truncatedAlerts": 0,
     "status": "firing", "receiver": "aksbot", "groupLabels": {…}, "commonLabels": {…},
     "commonAnnotations": {…}, "externalURL": "http://alertmanager:9093",
     "alerts": [{"status": "firing", "labels": {…}, "annotations": {…}, "startsAt": "…",
                 "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "…", "fingerprint": "d57ff78af6ac95e8"}]}

One notification is one group: Alertmanager sends every alert of the group each time (firing ones and, with
`send_resolved`, resolved ones), so the group's key is its `groupKey` under its receiver. Fields this module does
not use are ignored (newer Alertmanagers add `notification_reason`, `routeLabels` …); a missing `truncatedAlerts`
(before 0.22) is 0. Anything else malformed raises `PayloadError` naming the field. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from bot.alerts import model
from bot.alerts.clusters import ClusterDirectory
from bot.severity import Severity

VERSION = "4"
# Labels that say nothing to a person reading the alert (they route it or name the scraper).
_QUIET_LABELS = frozenset({"alertname", "severity", "prometheus", "endpoint", "service", "job", "instance",
                           "container_id", "uid"})


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise model.PayloadError(f"{where} must be an object of strings")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise model.PayloadError(f"{where} must be a {'non-empty ' if required else ''}string")
    return value


def _status(value: Any, where: str) -> model.Status:
    try:
        return model.Status(value)
    except ValueError:
        raise model.PayloadError(f"{where} must be \"firing\" or \"resolved\", not {value!r}") from None


def _fingerprint(labels: Mapping[str, str]) -> str:
    """What Alertmanager computes when a (very old) sender left `fingerprint` out: a hash of the label set."""
    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _alert(raw: Any, index: int, group_labels: Mapping[str, str], clusters: ClusterDirectory) -> model.Alert:
    where = f"alerts[{index}]"
    if not isinstance(raw, dict):
        raise model.PayloadError(f"{where} must be an object")
    labels = _strings(raw.get("labels"), f"{where}.labels")
    annotations = _strings(raw.get("annotations"), f"{where}.annotations")
    status = _status(raw.get("status"), f"{where}.status")
    starts = model.parse_time(raw.get("startsAt"))
    if starts is None:
        raise model.PayloadError(f"{where}.startsAt must be an RFC 3339 time")
    name = labels.get("alertname") or group_labels.get("alertname") or "alert"
    # kube-prometheus used `message` before it split summary and description.
    description = annotations.get("description") or annotations.get("message") or ""
    summary = annotations.get("summary") or description.split("\n", 1)[0] or name
    cluster, hint = clusters.resolve(labels=labels)
    links = []
    if runbook_url := annotations.get("runbook_url"):
        links.append(model.Link("runbook", runbook_url))
    if generator := _text(raw.get("generatorURL"), f"{where}.generatorURL"):
        links.append(model.Link("source", generator))
    evidence = tuple(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _QUIET_LABELS and v)
    return model.Alert(
        source=model.Source.ALERTMANAGER,
        name=name,
        status=status,
        severity=Severity.from_text(labels.get("severity")),
        severity_label=labels.get("severity", ""),
        summary=summary,
        description=description,
        starts_at=starts,
        ends_at=model.parse_time(raw.get("endsAt")),
        source_id=_text(raw.get("fingerprint"), f"{where}.fingerprint") or _fingerprint(labels),
        cluster=cluster,
        cluster_hint=hint,
        namespace=model.namespace_from_labels(labels),
        object=model.object_from_labels(labels),
        labels=labels,
        annotations=annotations,
        evidence=evidence,
        links=tuple(links),
    )


def group_key(receiver: str, alertmanager_key: str, common_labels: Mapping[str, str], cluster_label: str) -> str:
    """The state key of a notification group. `groupKey` alone is not enough when several clusters' Alertmanagers
    post here with the same routing tree (each has `{}:{alertname="KubeNodeNotReady"}`): the cluster label they
    all share is added when the key does not already contain it. Peers of one HA Alertmanager produce the same key
    (same configuration, same labels), so their duplicate deliveries land on the same state."""
    key = f"{model.Source.ALERTMANAGER.value}/{receiver}/{alertmanager_key}"
    cluster = common_labels.get(cluster_label)
    if cluster and f'{cluster_label}="{cluster}"' not in alertmanager_key:
        key += f"@{cluster}"
    return key


def parse(payload: Any, clusters: ClusterDirectory) -> model.AlertGroup:
    """The group a webhook body describes; raises `PayloadError` when it is not a version 4 notification."""
    if not isinstance(payload, dict):
        raise model.PayloadError("an Alertmanager webhook body is a JSON object")
    version = payload.get("version")
    if version != VERSION:
        shown = "missing" if version is None else repr(version)
        raise model.PayloadError(f"not an Alertmanager webhook payload version \"4\" (version is {shown})")
    key = _text(payload.get("groupKey"), "groupKey", required=True)
    receiver = _text(payload.get("receiver"), "receiver")
    _status(payload.get("status"), "status")
    group_labels = _strings(payload.get("groupLabels"), "groupLabels")
    common_labels = _strings(payload.get("commonLabels"), "commonLabels")
    common_annotations = _strings(payload.get("commonAnnotations"), "commonAnnotations")
    raw_alerts = payload.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        raise model.PayloadError("alerts must be a non-empty list")
    truncated = payload.get("truncatedAlerts", 0)
    if truncated is None:
        truncated = 0
    if not isinstance(truncated, int) or isinstance(truncated, bool) or truncated < 0:
        raise model.PayloadError("truncatedAlerts must be a whole number ≥ 0")
    alerts = tuple(_alert(raw, i, group_labels, clusters) for i, raw in enumerate(raw_alerts))
    names = sorted({a.name for a in alerts})
    title = common_labels.get("alertname") or group_labels.get("alertname") or (
        names[0] if len(names) == 1 else f"{len(names)} alerts: {', '.join(names[:3])}")
    return model.AlertGroup(
        source=model.Source.ALERTMANAGER,
        key=group_key(receiver, key, common_labels, clusters.label),
        title=title,
        alerts=alerts,
        truncated=truncated,
        labels=common_labels,
        annotations=common_annotations,
        external_url=_text(payload.get("externalURL"), "externalURL"),
        receiver=receiver,
    )
