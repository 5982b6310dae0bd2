"""The alert as data: one shape for Alertmanager alerts, Azure Monitor alerts and the bot's own watcher findings.

An `Alert` is one problem as its source reports it; an `AlertGroup` is what becomes one Slack message and one row
of state: an Alertmanager notification group (its `groupKey`), one Azure Monitor alert (rule + target), or one
watcher finding (cluster, rule, object). A group's `key` is stable for as long as the problem is the same problem,
so a later notification updates the same state and the same message.

    firing ──(every alert resolved)──▶ resolved ──(fires again)──▶ firing
    firing ──(stateless: its time ran out, `alerts.event_minutes`)──▶ resolved

Nothing here does I/O. Times are timezone-aware UTC.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from bot.i18n import ALERT, said
from bot.severity import Severity


class Source(StrEnum):
    ALERTMANAGER = "alertmanager"
    AZURE_MONITOR = "azure-monitor"
    WATCHER = "watcher"


class Status(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class AlertAction:
    """A next step the source suggests (a watcher rule's suggested action), offered as a button on the message:
    its label and the command reference's button value (`bot.refs` encoding), decoded against the registry when
    the message is drawn, so a stored action that no longer names a command is dropped, never run."""

    label: str
    ref: str
    danger: bool = False


@dataclass(frozen=True, slots=True)
class AlertObject:
    """The Kubernetes object an alert is about (kind as the API spells it: `Node`, `Pod`, `Deployment` …)."""

    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        parts = [self.kind.lower(), self.namespace, self.name] if self.namespace else [self.kind.lower(), self.name]
        return "/".join(parts)


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as its source reported it, with what the bot resolved about it (cluster, runbook).

    `source_id` is the source's own identity of this alert instance: Alertmanager's `fingerprint`, Azure's
    `alertId`; empty for watcher findings. `cluster` is a configured cluster's name, or None when the alert names
    no cluster the bot knows (`cluster_hint` then says what it did name). `evidence` holds the lines shown under
    the alert: a watcher rule's own evidence, or the labels, value and expression of an external alert.
    """

    source: Source
    name: str
    status: Status
    severity: Severity
    summary: str
    starts_at: datetime
    severity_label: str = ""
    source_id: str = ""
    cluster: str | None = None
    cluster_hint: str = ""
    namespace: str | None = None
    object: AlertObject | None = None
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    value: str | None = None
    ends_at: datetime | None = None
    evidence: tuple[str, ...] = ()
    runbook: str | None = None
    links: tuple[Link, ...] = ()
    actions: tuple[AlertAction, ...] = ()
    # A watcher finding's: what happens next if nobody acts (shown while it fires), and when its evidence was
    # recorded — the ages it quotes ("6m12s ago", "in 4m") are as of then, not of the message's last redraw.
    next: str = ""
    seen_at: datetime | None = None
    # A stateless alert's (Azure's activity log, service health, resource health and budget alerts): its source
    # tells that something happened and never that it ended. The bot shows it as an event and ends it by itself at
    # `expires_at` (set when it arrives: `alerts.event_minutes` later).
    stateless: bool = False
    expires_at: datetime | None = None

    @property
    def firing(self) -> bool:
        return self.status is Status.FIRING


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """What becomes one Slack message: the group's alerts, and what the group as a whole says.

    `truncated` counts alerts the source left out (Alertmanager's `max_alerts`): the message shows "+N more".
    `labels` are the labels every alert of the group shares (Alertmanager's `commonLabels`).
    """

    source: Source
    key: str
    title: str
    alerts: tuple[Alert, ...]
    truncated: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    receiver: str = ""

    @property
    def status(self) -> Status:
        return Status.FIRING if any(a.firing for a in self.alerts) else Status.RESOLVED

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.firing)

    @property
    def severity(self) -> Severity:
        """The highest severity among the firing alerts (among all of them once everything resolved)."""
        pool = self.firing or self.alerts
        return max((a.severity for a in pool), default=Severity.WARNING)

    @property
    def cluster(self) -> str | None:
        """The cluster every alert agrees on, else None."""
        return _common(a.cluster for a in self.alerts)

    @property
    def clusters(self) -> tuple[str | None, ...]:
        """Every cluster the group's alerts are on, configured ones by name, then None when some alert names no
        configured cluster. A central Alertmanager grouping by `alertname` mixes clusters in one group: such a group
        is routed by, and shown to the people of, each configured cluster it involves."""
        named = {a.cluster for a in self.alerts}
        return (*sorted(c for c in named if c is not None), *((None,) if None in named else ()))

    @property
    def namespace(self) -> str | None:
        return _common(a.namespace for a in self.alerts)

    @property
    def runbook(self) -> str | None:
        """The runbook of the first firing alert that has one (of any alert once resolved)."""
        return next((a.runbook for a in (*self.firing, *self.alerts) if a.runbook), None)

    @property
    def summary(self) -> str:
        """One line for lists and the store: the title, and how many alerts fire when there are several."""
        count = len(self.firing) + (self.truncated if self.firing else 0)
        first = next((a.summary for a in (*self.firing, *self.alerts) if a.summary), "")
        text = first if first and first != self.title else self.title
        # A watcher finding's title is a `Said`: the count keeps its Chinese for a channel that reads Chinese.
        return said(ALERT.group_firing, text=text, count=count) if count > 1 else text

    @property
    def stateless(self) -> bool:
        """Every alert of the group is stateless (an event): nobody will ever say it ended."""
        return bool(self.alerts) and all(a.stateless for a in self.alerts)

    @property
    def expires_at(self) -> datetime | None:
        """When a stateless group stops firing by itself: the latest end of its firing alerts; None for any other."""
        ends = [a.expires_at for a in self.firing]
        return max(e for e in ends if e is not None) if ends and None not in ends else None

    def expiring(self, at: datetime) -> AlertGroup:
        """The group with its stateless alerts set to end by themselves at `at` (what the intake does on arrival)."""
        if not any(a.stateless for a in self.alerts):
            return self
        return self.with_alerts(replace(a, expires_at=at) if a.stateless and a.firing else a for a in self.alerts)

    @property
    def ran_out(self) -> bool:
        """A stateless group that ended by itself (its time ran out), not because its source said so."""
        ended = [a for a in self.alerts if not a.firing]
        return (self.stateless and self.status is Status.RESOLVED
                and all(a.expires_at is not None and a.ends_at == a.expires_at for a in ended))

    def expired(self, at: datetime) -> AlertGroup:
        """The group as it is once its stateless alerts ended by themselves: resolved at their `expires_at`."""
        return self.with_alerts(replace(a, status=Status.RESOLVED, ends_at=a.expires_at or at)
                                if a.firing and a.stateless else a for a in self.alerts)

    @property
    def started_at(self) -> datetime:
        return min((a.starts_at for a in self.alerts), default=datetime.now(UTC))

    def with_alerts(self, alerts: Iterable[Alert]) -> AlertGroup:
        return replace(self, alerts=tuple(alerts))


ProblemMark = tuple[str, str, str]


def problem_marks(group: AlertGroup) -> frozenset[ProblemMark]:
    """What a group reports, whichever source reports it: (cluster, object, runbook) of each of its alerts that names
    all three — its firing alerts while it fires, all of them once it resolved. The watcher's `node.notready` on node
    aks-0 of prod and Alertmanager's KubeNodeNotReady for the same node both mark (prod, node/aks-0, node-notready):
    one problem, two reports. The runbook tells a NotReady node from the same node's disk pressure."""
    pool = group.firing or group.alerts
    return frozenset((a.cluster, str(a.object), a.runbook) for a in pool
                     if a.cluster is not None and a.object is not None and a.runbook)


def _common(values: Iterable[str | None]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


# -- helpers the parsers share ----------------------------------------------------------------------------------

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as the sources send it (nanoseconds from Go, 7 digits from .NET, `Z` or an offset) in UTC;
    None for a missing, empty or unparseable value and for Go's zero time `0001-01-01T00:00:00Z` (Alertmanager's
    `endsAt` while an alert fires)."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year <= 1:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def short_id(key: str) -> str:
    """A short, stable reference to a group key (for buttons and `/k8s alerts ack <id>`): 10 base32 characters of
    its SHA-256, 50 bits, so two live keys never meet in practice."""
    digest = hashlib.sha256(key.encode()).digest()
    return base64.b32encode(digest[:7]).decode("ascii")[:10].lower()


# Labels that name a Kubernetes object, most specific first (kube-state-metrics' and kube-prometheus' names).
_OBJECT_LABELS: tuple[tuple[str, str, bool], ...] = (
    ("pod", "Pod", True),
    ("deployment", "Deployment", True),
    ("statefulset", "StatefulSet", True),
    ("daemonset", "DaemonSet", True),
    ("job_name", "Job", True),
    ("cronjob", "CronJob", True),
    ("horizontalpodautoscaler", "HorizontalPodAutoscaler", True),
    ("persistentvolumeclaim", "PersistentVolumeClaim", True),
    ("persistentvolume", "PersistentVolume", False),
    ("node", "Node", False),
)
# Containers that export metrics about *other* objects: a series of theirs that carries no pod of its own keeps
# the scrape target's `pod`/`namespace`/`container` labels (the exporter's), not the subject's.
_EXPORTER_CONTAINERS = frozenset({"kube-state-metrics", "node-exporter", "prometheus-node-exporter", "kubelet",
                                  "cadvisor", "longhorn-manager"})
_TARGET_LABELS = ("pod", "namespace", "container")


def _names_the_exporter(labels: Mapping[str, str]) -> bool:
    """Whether `pod`/`namespace`/`container` are those of the exporter that produced the series.

    Prometheus adds the scrape target's pod, namespace and container to every series; kube-state-metrics'
    `honorLabels` lets a series' own `pod` win, so a real pod alert (KubePodCrashLooping, KubePodNotReady) names its
    subject pod there even with `job="kube-state-metrics"`. A node-level series has no pod of its own: its alert
    (KubeNodeNotReady, a Longhorn volume alert) names a node *and* the exporter's pod — told apart by the
    container being the job or a known exporter, or the pod being one of the scraped Service's.
    """
    pod, container = labels.get("pod", ""), labels.get("container", "")
    if not labels.get("node") or not pod:
        return False
    service = labels.get("service", "")
    return (container in _EXPORTER_CONTAINERS or (container and container == labels.get("job"))
            or (bool(service) and pod.startswith(f"{service}-")))


def subject_labels(labels: Mapping[str, str]) -> Mapping[str, str]:
    """The labels that describe what an alert is about: without the exporter's pod, namespace and container when
    they are only the scrape target's; a Longhorn volume's claim (`pvc`, `pvc_namespace`) or volume in their place."""
    if not _names_the_exporter(labels):
        return labels
    subject = {k: v for k, v in labels.items() if k not in _TARGET_LABELS}
    if labels.get("pvc") and labels.get("pvc_namespace"):
        subject.update(persistentvolumeclaim=labels["pvc"], namespace=labels["pvc_namespace"])
    elif labels.get("volume"):
        subject["persistentvolume"] = labels["volume"]
    return subject


def namespace_from_labels(labels: Mapping[str, str]) -> str | None:
    """The namespace an alert is about (routing, `/k8s alerts` filters): not the exporter's."""
    return subject_labels(labels).get("namespace") or None


def object_from_labels(labels: Mapping[str, str]) -> AlertObject | None:
    """The object an alert's labels point at: a pod before its controller, anything namespaced before a node; never
    the exporter that produced the series."""
    subject = subject_labels(labels)
    namespace = subject.get("namespace", "")
    for label, kind, namespaced in _OBJECT_LABELS:
        name = subject.get(label)
        if name:
            return AlertObject(kind, name, namespace if namespaced else "")
    return None


class PayloadError(Exception):
    """A webhook body the endpoint cannot accept; the message says what was wrong (the intake answers 400)."""
