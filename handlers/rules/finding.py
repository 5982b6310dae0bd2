"""What a diagnosis rule returns: a finding with its severity, evidence, cited knowledge entry and next steps.

A finding is plain data. Rules build them from cluster objects; `handlers.diagnose` turns them into blocks.
Signals use the knowledge base's vocabulary (`node.lease:stale`, `pod.reason:OOMKilled` …), so a test can check
that the entry a finding cites lists the signal the finding carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.i18n import Said
from bot.refs import CommandRef, ObjectRef
from bot.severity import Severity

Confidence = Literal["high", "medium", "low"]

# Every knowledge-base id a rule may cite, in one place; a test checks each exists in `knowledge/entries/`.
KB_NODE_NOTREADY = "node-notready"
KB_JAVA_OOM_CGROUPV2 = "java-oom-cgroupv2"
KB_QOS_OOM = "qos-oom-score"
KB_CONTAINER_OOM = "container-oomkilled"
KB_CRASHLOOP = "crashloop"
KB_IMAGE_PULL = "image-pull"
KB_POD_PENDING = "pod-pending"
KB_MEMORY_PRESSURE = "memory-pressure-eviction"
KB_DISK_PRESSURE = "disk-pressure"
KB_PID_PRESSURE = "pid-pressure"
KB_PDB_BLOCKING = "pdb-blocking-drain"
KB_SNAT = "snat-exhaustion"
KB_RECONCILE_FAILED = "reconcile-failed-state"
KB_SP_EXPIRED = "sp-expired"
KB_PVC_ATTACH = "pvc-attach"
KB_DNS_TIMEOUT = "dns-timeout"

CITED_KB_IDS: tuple[str, ...] = (
    KB_NODE_NOTREADY,
    KB_JAVA_OOM_CGROUPV2,
    KB_QOS_OOM,
    KB_CONTAINER_OOM,
    KB_CRASHLOOP,
    KB_IMAGE_PULL,
    KB_POD_PENDING,
    KB_MEMORY_PRESSURE,
    KB_DISK_PRESSURE,
    KB_PID_PRESSURE,
    KB_PDB_BLOCKING,
    KB_SNAT,
    KB_RECONCILE_FAILED,
    KB_SP_EXPIRED,
    KB_PVC_ATTACH,
    KB_DNS_TIMEOUT,
)


class LogLine(Said):
    """An evidence line that quotes a container's previous log ("previous log: …"), in both languages. A view that
    must shorten a finding's evidence drops the oldest of these first: the newest lines tell how the container died,
    and the rule's own lines are the finding."""


@dataclass(frozen=True)
class SuggestedAction:
    """A next step offered as a button; the dispatcher turns a disruptive command into an approval request.
    `label` is a `Said` (both languages).

    Rules do not know which cluster they look at: `ref` names no cluster, and whoever shows the finding (a
    diagnosis, an alert) points it at the cluster the finding came from."""

    label: str
    ref: CommandRef
    danger: bool = False


@dataclass(frozen=True)
class Finding:
    """One problem the evidence supports.

    `rule` names the rule that fired (the key `health` groups by); `subject` is the object it is about (a typed
    reference: kind, name, namespace); `signals[0]` is the primary signal, the one the cited entry must
    list. `next` says what the platform will do by itself if nobody acts (eviction at T+300 s, auto-repair).
    `title`, `next` and the actions' labels are `Said`s: English wherever a `str` is read (alerts, stores), and a
    view that knows its reader's language shows them with `in_lang`. The evidence quotes the cluster in English,
    except the lines that are the rule's own reading of it ("likely cause: …", a remedy), which are `Said`s too.
    """

    rule: str
    severity: Severity
    title: str
    subject: ObjectRef
    evidence: tuple[str, ...]
    kb: str | None
    signals: tuple[str, ...]
    actions: tuple[SuggestedAction, ...] = ()
    next: str | None = None
    namespace: str | None = None
    confidence: Confidence = "high"
    # An expected state the bot brought about itself (its own approved cordon): a diagnosis shows it, the
    # watcher does not announce it as an alert.
    quiet: bool = False
    # When the evidence says the problem began (the Ready condition's lastTransitionTime, a Pending pod's creation),
    # when it says so: an alert for a node Unknown for 14 min is not "2 s" old because the watcher just saw it.
    since: datetime | None = None
    # How long the problem must have lasted (from `since`) before the watcher makes it an alert: a Pending pod the
    # autoscaler may yet place. A diagnosis asked for shows it at once.
    patience: timedelta | None = None


def by_severity(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Most severe first; ties keep the order the rules produced them in (rules emit the strongest cause first)."""
    return tuple(sorted(findings, key=lambda f: -int(f.severity)))
