"""Node rules: NotReady/Unknown with the cause the evidence supports, pressure, node-problem-detector conditions.

Condition polarity (the false alarms users complain about come from ignoring it):
- `Ready` is a fault unless it is `True` (`False`: the kubelet says it is not ready; `Unknown`: the control plane
  stopped hearing from it).
- Pressure conditions (`MemoryPressure`, `DiskPressure`, `PIDPressure`), `NetworkUnavailable` and the
  node-problem-detector conditions (`KernelDeadlock`, `ReadonlyFilesystem`, `KubeletProblem` …) are faults only
  when `True`; `Unknown` there just means the kubelet is not reporting, which the Ready rule already covers.
- Condition types we do not know are faults only when `True`.

Timings (aks-facts §1): the kubelet renews its Lease (duration 40 s) every 10 s; the node controller marks the
node Unknown after `node-monitor-grace-period` (40 s up to 1.31, 50 s from 1.32); the NoExecute taint evicts pods
after their toleration (300 s by default); AKS auto-repair acts on a node unhealthy for at least 5 minutes
(reboot, then reimage, then redeploy; up to 3 rounds, about an hour), except on nodes tainted shutdown or
ToBeDeletedByClusterAutoscaler.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.cluster.model import Condition, Event, Lease, Node, Pod, Taint
from bot.i18n import FINDING, Msg, Said, joined, said
from bot.refs import CommandRef, node_ref
from bot.severity import Severity
from bot.timefmt import ago, ago_said, clock, duration, lasted_said
from handlers.args import DrainArgs, NodeArgs, NodeNameArgs
from handlers.rules.finding import (
    KB_DISK_PRESSURE,
    KB_MEMORY_PRESSURE,
    KB_NODE_NOTREADY,
    KB_PID_PRESSURE,
    Finding,
    SuggestedAction,
)

LEASE_DURATION_SECONDS = 40
LEASE_RENEW_SECONDS = 10
DEFAULT_TOLERATION_SECONDS = 300
AUTO_REPAIR_AFTER_SECONDS = 5 * 60

TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown"
TAINT_AUTOSCALER_DELETE = "ToBeDeletedByClusterAutoscaler"

PRESSURE: dict[str, tuple[str, str, Said]] = {
    # condition → (kb id, taint, what the node lacks, in plain words)
    "MemoryPressure": (KB_MEMORY_PRESSURE, "node.kubernetes.io/memory-pressure", said(FINDING.starved_memory)),
    "DiskPressure": (KB_DISK_PRESSURE, "node.kubernetes.io/disk-pressure", said(FINDING.starved_disk)),
    "PIDPressure": (KB_PID_PRESSURE, "node.kubernetes.io/pid-pressure", said(FINDING.starved_pids)),
}
_PRESSURE_TITLE: dict[str, Msg] = {
    "MemoryPressure": FINDING.memory_pressure,
    "DiskPressure": FINDING.disk_pressure,
    "PIDPressure": FINDING.pid_pressure,
}

# node-problem-detector conditions (AKS ships NPD): what True means, and whether it explains NotReady.
# The meaning is a `Said`, in both languages wherever it is shown (the title, the evidence, the likely cause).
NPD_CONDITIONS: dict[str, tuple[Said, bool]] = {
    "KubeletProblem": (said(FINDING.kubelet_down), True),
    "ContainerRuntimeProblem": (said(FINDING.containerd_down), True),
    "FrequentKubeletRestart": (said(FINDING.kubelet_restarts), True),
    "FrequentContainerdRestart": (said(FINDING.containerd_restarts), True),
    "FrequentDockerRestart": (said(FINDING.dockerd_restarts), True),
    "KernelDeadlock": (said(FINDING.kernel_deadlock), True),
    "ReadonlyFilesystem": (said(FINDING.readonly_filesystem), True),
    "FilesystemCorruptionProblem": (said(FINDING.filesystem_corruption), True),
    "FrequentUnregisterNetDevice": (said(FINDING.unregister_net_device), False),
    "VMEventScheduled": (said(FINDING.vm_event_scheduled), False),
}
# NPD raises these conditions with the reason that its event carries; the knowledge base keys on the event.
NPD_EVENT_OF_CONDITION = {
    "KubeletProblem": "node.event:KubeletIsDown",
    "ContainerRuntimeProblem": "node.event:ContainerRuntimeIsDown",
}

AUTO_REPAIR_SOURCE = "aks-auto-repair"
_REPAIR_REASONS = ("NodeReboot", "NodeReimage", "NodeRedeploy")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NPD_EVENT_REASONS = ("KubeletIsDown", "ContainerRuntimeIsDown", "PLEGUnhealthy", "EgressBlocked", "DNSProblem")


def grace_period_seconds(kubernetes_version: str | None) -> int:
    """`node-monitor-grace-period`: 40 s up to 1.31, 50 s from 1.32 (kubernetes PR #126287)."""
    m = re.match(r"v?(\d+)\.(\d+)", kubernetes_version or "")
    if m and (int(m.group(1)), int(m.group(2))) >= (1, 32):
        return 50
    return 40


def _details(node: Node) -> CommandRef:
    return CommandRef("node", NodeNameArgs(name=node.name))


def condition(node: Node, kind: str) -> Condition | None:
    return node.condition(kind)


@dataclass(frozen=True)
class LeaseState:
    stale: bool
    line: str  # a `Said`: the lease's fields as they are, the bot's words around them in both languages
    renewed_seconds_ago: float | None


def lease_state(node_name: str, lease: Lease | None, now: datetime, *, read: bool = True) -> LeaseState:
    """Is the kubelet's heartbeat stale? Stale = not renewed within its duration (renewed every 10 s normally).
    `read` False: the Lease could not be read (forbidden, no answer), so nothing is concluded from its absence."""
    if not read:
        return LeaseState(False, said(FINDING.lease_not_read, node=node_name), None)
    if lease is None:
        return LeaseState(True, said(FINDING.lease_missing, node=node_name), None)
    if lease.renew_time is None:
        return LeaseState(True, said(FINDING.lease_never_renewed, node=node_name), None)
    seconds = lease.duration_seconds or LEASE_DURATION_SECONDS
    age = (now - lease.renew_time).total_seconds()
    stale = age > seconds
    # The lease's own fields stay as they read in `kubectl`; what they normally are is the bot's gloss.
    quoted = f"Lease kube-node-lease/{node_name} last renewed {duration(age)} ago at {clock(lease.renew_time, now)}"
    line = said(FINDING.lease_timing, lease=quoted, seconds=seconds, renew=LEASE_RENEW_SECONDS)
    return LeaseState(stale, line, age)


def _condition_line(c: Condition, now: datetime) -> str:
    parts = [f"condition {c.type}={c.status}"]
    if c.reason:
        parts.append(f"reason {c.reason}")
    if c.message:
        parts.append(f'"{c.message}"')
    if c.last_transition is not None:
        parts.append(f"since {clock(c.last_transition, now)} ({ago(c.last_transition, now)})")
    if c.last_heartbeat is not None and c.status != "True":
        parts.append(f"last heartbeat {clock(c.last_heartbeat, now)}")
    return ", ".join(parts)


def _taint(node: Node, key: str, effect: str | None = None) -> Taint | None:
    for t in node.taints:
        if t.key == key and (effect is None or t.effect == effect):
            return t
    return None


def _ready_false_cause(message: str) -> tuple[Said, str | None]:
    """The cause a `Ready=False` message supports, and the signal that names it."""
    m = message.lower()
    if "pleg is not healthy" in m:
        return said(FINDING.cause_pleg), "node.event:PLEGUnhealthy"
    if "networkready=false" in m or "cni" in m or "network plugin" in m:
        return said(FINDING.cause_cni), None
    if "container runtime" in m or "containerd" in m or "runtime is down" in m:
        return said(FINDING.cause_runtime_down), "node.event:ContainerRuntimeIsDown"
    return said(FINDING.cause_kubelet_not_ready), None


def _events_for(node_name: str, events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e.involved.kind == "Node" and e.involved.name == node_name]


def notready_rule(
    node: Node,
    lease: Lease | None,
    events: Sequence[Event],
    pods_on_node: Sequence[Pod],
    now: datetime,
    kubernetes_version: str | None = None,
    *,
    lease_read: bool = True,
) -> list[Finding]:
    """Ready=Unknown or Ready=False: which cause the evidence supports, what happens next, what to do."""
    ready = condition(node, "Ready")
    if ready is None or ready.status == "True":
        return []
    grace = grace_period_seconds(kubernetes_version or node.node_info.kubelet_version)
    unknown = ready.status == "Unknown"
    lease_info = lease_state(node.name, lease, now, read=lease_read)
    evidence = [_condition_line(ready, now), lease_info.line]
    signals = [f"node.condition:Ready={ready.status}"]
    if lease_info.stale:
        signals.append("node.lease:stale")
    causes: list[Said] = []

    shutdown = _taint(node, TAINT_SHUTDOWN)
    if shutdown is not None:
        signals.append(f"node.taint:{TAINT_SHUTDOWN}")
        evidence.append(said(FINDING.vm_stopped_taint, taint=TAINT_SHUTDOWN))
        causes.append(said(FINDING.cause_vm_stopped))
    if unknown:
        if lease_info.stale and shutdown is None:
            causes.append(said(FINDING.cause_no_heartbeat, grace=grace))
    elif ready.message:
        cause, cause_signal = _ready_false_cause(ready.message)
        causes.append(cause)
        if cause_signal:
            signals.append(cause_signal)

    for name, (meaning, explains) in NPD_CONDITIONS.items():
        c = condition(node, name)
        if c is not None and c.status == "True" and explains:
            evidence.append(said(FINDING.npd_condition_line, line=_condition_line(c, now), meaning=meaning))
            signals.append(f"node.condition:{name}=True")
            if name in NPD_EVENT_OF_CONDITION:
                signals.append(NPD_EVENT_OF_CONDITION[name])
            causes.insert(0, said(FINDING.cause_npd, meaning=meaning))
    for kind in PRESSURE:
        c = condition(node, kind)
        if c is not None and c.status == "True":
            causes.append(said(FINDING.cause_starved, kind=kind, words=PRESSURE[kind][2]))

    node_events = _events_for(node.name, events)
    repair = [e for e in node_events if e.source == AUTO_REPAIR_SOURCE or e.reason.startswith(_REPAIR_REASONS)]
    for e in sorted(node_events, key=_event_time)[-6:]:
        if e.reason in NPD_EVENT_REASONS or e in repair or e.reason in ("NodeNotReady", "Rebooted", "SystemOOM"):
            evidence.append(
                f"event {e.reason} ({e.source or 'unknown source'}) {ago(_event_time(e), now)}: {e.message}"
            )
            if e.reason in NPD_EVENT_REASONS:
                signals.append(f"node.event:{e.reason}")
                if e.reason == "EgressBlocked":
                    causes.insert(0, said(FINDING.cause_egress_blocked))

    for key in (TAINT_UNREACHABLE, TAINT_NOT_READY):
        if _taint(node, key) is not None and f"node.taint:{key}" not in signals:
            signals.append(f"node.taint:{key}")

    nexts = _what_happens_next(node, now, pods_on_node, repair)
    title = said(FINDING.node_unknown if unknown else FINDING.node_notready, name=node.name)
    if lease_info.stale and lease_info.renewed_seconds_ago is not None:
        renewed = now - timedelta(seconds=lease_info.renewed_seconds_ago)
        title = said(FINDING.lease_stale_since, title=title, at=clock(renewed, now))
    evidence.extend(said(FINDING.likely_cause, cause=c) for c in causes)
    actions = [SuggestedAction(said(FINDING.node_details), _details(node))]
    if not node.unschedulable:
        cordon = CommandRef("cordon", NodeArgs(node=node.name))
        actions.insert(0, SuggestedAction(said(FINDING.cordon), cordon, danger=True))
    actions.append(SuggestedAction(said(FINDING.drain), CommandRef("drain", DrainArgs(node=node.name)), danger=True))
    return [
        Finding(
            rule="node.notready",
            severity=Severity.CRITICAL,
            title=title,
            subject=node_ref(node.name),
            evidence=tuple(evidence),
            kb=KB_NODE_NOTREADY,
            signals=tuple(dict.fromkeys(signals)),
            actions=tuple(actions),
            next=joined(nexts, " ", ""),
            confidence="high" if causes else "medium",
            since=ready.last_transition if (ready := condition(node, "Ready")) is not None else None,
        )
    ]


def _event_time(e: Event) -> datetime:
    return e.when or _EPOCH


def eviction_due(pod: Pod, taint: Taint, added: datetime) -> datetime | None:
    """When the taint eviction controller deletes `pod` from a node with this NoExecute taint: the shortest
    tolerationSeconds of its matching tolerations after the taint was added; at once when none matches; never
    (None) when one matches without a limit. Pods made without the API server's defaults count 300 s."""
    matching = [t for t in pod.tolerations if t.matches(taint)]
    if not pod.tolerations:
        return added + timedelta(seconds=DEFAULT_TOLERATION_SECONDS)
    if not matching:
        return added
    if any(t.seconds is None for t in matching):
        return None
    return added + timedelta(seconds=max(0, min(t.seconds or 0 for t in matching)))


def _evictions(taint: Taint, added: datetime, now: datetime, pods_on_node: Sequence[Pod]) -> list[Said]:
    """What the NoExecute taint does to the node's pods: when each leaves, which stay for good, which are gone
    already and wait in Terminating (an unreachable node's kubelet never confirms a deletion)."""
    live = [p for p in pods_on_node if p.phase not in ("Succeeded", "Failed")]
    terminating = [p for p in live if p.deletion_timestamp is not None]
    waiting: dict[tuple[datetime, int], int] = {}
    forever = 0
    overdue: list[datetime] = []
    for p in live:
        if p.deletion_timestamp is not None:
            continue
        due = eviction_due(p, taint, added)
        if due is None:
            forever += 1
        elif due <= now:
            overdue.append(due)
        else:
            key = (due, int((due - added).total_seconds()))
            waiting[key] = waiting.get(key, 0) + 1
    parts = [
        said(
            FINDING.evicted_at,
            count=count,
            at=clock(due, now),
            left=duration((due - now).total_seconds()),
            seconds=seconds,
        )
        for (due, seconds), count in sorted(waiting.items())
    ]
    if overdue:
        first = min(overdue)
        parts.append(said(FINDING.eviction_overdue, at=clock(first, now), ago=ago_said(first, now), count=len(overdue)))
    if terminating:
        parts.append(said(FINDING.evicted_terminating, count=len(terminating)))
    if forever:
        parts.append(said(FINDING.tolerate_forever, count=forever))
    if not parts:
        parts.append(said(FINDING.nothing_to_evict, seconds=DEFAULT_TOLERATION_SECONDS))
    return [said(FINDING.evictions, key=taint.key, at=clock(added, now), parts=joined(parts, "; ", "；"))]


def _what_happens_next(node: Node, now: datetime, pods_on_node: Sequence[Pod], repair: Sequence[Event]) -> list[Said]:
    out: list[Said] = []
    noexec = None
    for t in node.taints:
        if t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY) and t.effect == "NoExecute":
            noexec = t
    if noexec is not None and noexec.time_added is not None:
        out.extend(_evictions(noexec, noexec.time_added, now, pods_on_node))
    if _taint(node, TAINT_SHUTDOWN) is not None or _taint(node, TAINT_AUTOSCALER_DELETE) is not None:
        out.append(said(FINDING.repair_skips))
    elif repair:
        last = max(repair, key=_event_time)
        out.append(said(FINDING.repair_acting, reason=last.reason, ago=ago_said(_event_time(last), now)))
    else:
        out.append(said(FINDING.repair_default))
    return out


def pressure_rule(node: Node, now: datetime) -> list[Finding]:
    """Memory/Disk/PID pressure, only when True."""
    out: list[Finding] = []
    for kind, (kb, taint, _words) in PRESSURE.items():
        c = condition(node, kind)
        if c is None or c.status != "True":
            continue
        evidence = [_condition_line(c, now)]
        signals = [f"node.condition:{kind}=True"]
        if _taint(node, taint) is not None:
            evidence.append(said(FINDING.pressure_taint, taint=taint))
            signals.append(f"node.taint:{taint}")
        out.append(
            Finding(
                rule=f"node.{kind}",
                severity=Severity.WARNING,
                title=said(_PRESSURE_TITLE[kind], name=node.name),
                subject=node_ref(node.name),
                evidence=tuple(evidence),
                kb=kb,
                signals=tuple(signals),
                actions=(SuggestedAction(said(FINDING.node_details), _details(node)),),
                next=said(FINDING.pressure_next),
                since=c.last_transition,
            )
        )
    return out


def npd_rule(node: Node, now: datetime) -> list[Finding]:
    """node-problem-detector and unknown condition types, only when True; folded into NotReady when it is."""
    ready = condition(node, "Ready")
    not_ready = ready is not None and ready.status != "True"
    out: list[Finding] = []
    for c in node.conditions:
        if c.type == "Ready" or c.type in PRESSURE or c.status != "True":
            continue
        known = NPD_CONDITIONS.get(c.type)
        if known is not None and known[1] and not_ready:
            continue  # already evidence of the NotReady finding
        if c.type == "NetworkUnavailable":
            meaning = said(FINDING.network_unavailable)
            severity = Severity.CRITICAL
        elif known is not None:
            meaning = known[0]
            severity = Severity.INFO if c.type == "VMEventScheduled" else Severity.WARNING
        else:
            meaning = said(FINDING.unknown_condition)
            severity = Severity.INFO
        signals = [f"node.condition:{c.type}=True"]
        if c.type in NPD_EVENT_OF_CONDITION:
            signals.append(NPD_EVENT_OF_CONDITION[c.type])
        out.append(
            Finding(
                rule=f"node.condition.{c.type}",
                severity=severity,
                title=said(FINDING.node_condition, name=node.name, type=c.type, meaning=meaning),
                subject=node_ref(node.name),
                evidence=(_condition_line(c, now),),
                # The NotReady runbook covers kubelet and runtime trouble; for the kernel and filesystem
                # conditions no entry exists yet, so none is cited rather than a wrong one.
                kb=KB_NODE_NOTREADY if c.type in NPD_EVENT_OF_CONDITION else None,
                signals=tuple(signals),
                actions=(SuggestedAction(said(FINDING.node_details), _details(node)),),
                confidence="high" if known is not None else "low",
                since=c.last_transition,
            )
        )
    return out


def lease_rule(node: Node, lease: Lease | None, now: datetime) -> list[Finding]:
    """A stale lease on a node still shown Ready: the node controller will mark it Unknown within its grace period."""
    ready = condition(node, "Ready")
    if ready is None or ready.status != "True" or lease is None:
        return []
    state = lease_state(node.name, lease, now)
    if not state.stale:
        return []
    return [
        Finding(
            rule="node.lease",
            severity=Severity.WARNING,
            title=said(FINDING.node_lease_stale, name=node.name),
            subject=node_ref(node.name),
            evidence=(state.line, _condition_line(ready, now)),
            kb=KB_NODE_NOTREADY,
            signals=("node.lease:stale",),
            next=said(FINDING.lease_next),
            confidence="medium",
            since=lease.renew_time,
        )
    ]


# How long the bot's own cordon (for an approved request) stays a quiet, expected state: a maintenance cordon lasts
# minutes to hours; one still there the next day is most likely forgotten, and is announced.
BOT_CORDON_QUIET = timedelta(hours=12)


def cordoned_rule(node: Node, now: datetime) -> list[Finding]:
    """A cordoned node. The bot's own cordon (its annotations name the approved request) is quiet for
    `BOT_CORDON_QUIET`: people asked for it and were told; after that it is a node somebody forgot."""
    if not node.unschedulable:
        return []
    evidence: tuple[str | Said, ...] = (said(FINDING.unschedulable_spec),)
    title = said(FINDING.node_cordoned, name=node.name)
    quiet = False
    next_: Said | None = None
    if (mine := node.bot_cordon) is not None:
        evidence += (said(FINDING.bot_cordon_line, at=clock(mine.at, now), request=mine.request),)
        quiet = now - mine.at < BOT_CORDON_QUIET
        if quiet:
            title = said(FINDING.node_cordoned_by_bot, name=node.name, request=mine.request)
            next_ = said(FINDING.bot_cordon_next, hours=int(BOT_CORDON_QUIET.total_seconds() // 3600))
        else:
            title = said(FINDING.node_cordon_forgotten, name=node.name, request=mine.request,
                         lasted=lasted_said(now - mine.at))
    return [
        Finding(
            rule="node.cordoned",
            severity=Severity.INFO,
            title=title,
            subject=node_ref(node.name),
            evidence=evidence,
            kb=None,
            signals=("node.taint:node.kubernetes.io/unschedulable",),
            actions=(
                SuggestedAction(said(FINDING.uncordon), CommandRef("uncordon", NodeArgs(node=node.name)), danger=True),
            ),
            next=next_,
            quiet=quiet,
            since=mine.at if mine is not None else None,
        )
    ]


def node_findings(
    node: Node,
    lease: Lease | None,
    events: Sequence[Event],
    pods_on_node: Sequence[Pod],
    now: datetime,
    kubernetes_version: str | None = None,
    *,
    lease_read: bool = True,
) -> list[Finding]:
    """Every node rule, strongest first (`lease_read` False: the heartbeat Lease could not be read)."""
    return [
        *notready_rule(node, lease, events, pods_on_node, now, kubernetes_version, lease_read=lease_read),
        *lease_rule(node, lease, now),
        *pressure_rule(node, now),
        *npd_rule(node, now),
        *cordoned_rule(node, now),
    ]
