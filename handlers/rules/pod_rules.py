"""Pod rules: OOMKilled (with the cgroup v2 runtime check), CrashLoopBackOff, image pulls, Pending, Evicted,
volume mounts.

OOM vs eviction (aks-facts §8): a kernel OOM kill shows as a container's `terminated.reason: OOMKilled`, exit code
137, and the kubelet restarts the container; a node-pressure eviction shows as the pod's `status.reason: Evicted`.
Init containers are checked like the others. The cgroup v2 rule needs the pod's node (Kubernetes version and OS
image say the cgroup version) and the container's spec (image tag, command, `JAVA_*`/`NODE_VERSION`/`DOTNET_*`
env). Pure functions; previous logs, when the handler has them, arrive as a mapping from container to text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cluster.model import Container, ContainerState, ContainerStatus, Event, Node, Pod, format_bytes
from bot.i18n import FINDING, Said, joined, said
from bot.refs import CommandRef, pod_ref
from bot.severity import Severity
from bot.timefmt import ago, clock
from handlers.args import DeletePodArgs, DeploymentArgs, LogsArgs, NodesArgs, PodNameArgs
from handlers.rules.finding import (
    KB_CONTAINER_OOM,
    KB_CRASHLOOP,
    KB_DISK_PRESSURE,
    KB_IMAGE_PULL,
    KB_JAVA_OOM_CGROUPV2,
    KB_MEMORY_PRESSURE,
    KB_POD_PENDING,
    KB_PVC_ATTACH,
    KB_QOS_OOM,
    Confidence,
    Finding,
    SuggestedAction,
)
from handlers.rules.runtimes import RUNTIME_NAMES, Awareness, ContainerSpec, heap_advice, judge, mib, node_cgroup
from handlers.rules.scheduling import parse_failed_scheduling

LOG_LINES = 5
_HEAP_FLAG = re.compile(r"(-Xmx\S+|-XX:MaxRAMPercentage=\S+|-XX:MaxRAM=\S+|--max-old-space-size=\S+)")
_HEAP_ENV = ("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "NODE_OPTIONS", "CATALINA_OPTS")
_XMX = re.compile(r"-Xmx(\d+)([kKmMgG]?)")
PULL_WAITING = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull")
CONFIG_WAITING = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError")


@dataclass(frozen=True)
class PodContext:
    """What the pod rules may look at beyond the pod itself; all optional so `health` can skip the costly parts."""

    node: Node | None = None
    events: Sequence[Event] = ()
    previous_logs: Mapping[str, str] | None = None
    # An OOM kill seen only in a container's last state, the container running and ready since, is over once the
    # kill is this old: a scan of the whole cluster (health, alerts) reports what is wrong now. None: always
    # reported, as a pod's own diagnosis tells its history.
    oom_settles_after: timedelta | None = None


def _previous_logs(pod: Pod, container: str) -> SuggestedAction:
    args = LogsArgs(pod=pod.name, container=container, previous=True)
    return SuggestedAction(said(FINDING.previous_logs), CommandRef("logs", args, namespace=pod.namespace))


def _which(init: bool) -> Said:
    """"Container" or "Init container", as a finding's title starts."""
    return said(FINDING.init_container if init else FINDING.container)


def _spec(c: Container) -> ContainerSpec:
    env = {e.name: e.value for e in c.env if e.value is not None}
    return ContainerSpec(c.name, c.image, c.command, c.args, env)


def _containers(pod: Pod) -> list[tuple[Container, ContainerStatus, bool]]:
    """(spec, status, is_init) for every container that has a status."""
    out: list[tuple[Container, ContainerStatus, bool]] = []
    for specs, statuses, init in (
        (pod.init_containers, pod.init_container_statuses, True),
        (pod.containers, pod.container_statuses, False),
    ):
        by_name = {s.name: s for s in statuses}
        out.extend((c, by_name[c.name], init) for c in specs if c.name in by_name)
    return out


def _state_line(label: str, st: ContainerState) -> str:
    parts = [f"{label} {st.kind.capitalize()}"]
    if st.reason:
        parts.append(f"reason={st.reason}")
    if st.exit_code is not None:
        parts.append(f"exitCode={st.exit_code}")
    if st.finished is not None:
        parts.append(f"at {clock(st.finished)}")
    return " ".join(parts)


def _log_tail(ctx: PodContext, container: str) -> tuple[str, ...]:
    if ctx.previous_logs is None:
        return ()
    text = ctx.previous_logs.get(container, "")
    lines = [line for line in text.splitlines() if line.strip()]
    return tuple(f"previous log: {line[:300]}" for line in lines[-LOG_LINES:])


def _heap_flags(c: Container) -> list[str]:
    found: list[str] = []
    for e in c.env:
        if e.name in _HEAP_ENV and e.value:
            found.extend(_HEAP_FLAG.findall(e.value))
    for word in (*c.command, *c.args):
        found.extend(_HEAP_FLAG.findall(word))
    return found


def _xmx_bytes(flag: str) -> int | None:
    m = _XMX.fullmatch(flag)
    if m is None:
        return None
    unit = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    return int(m.group(1)) * unit


def _is_oom(st: ContainerState | None) -> bool:
    return st is not None and st.reason == "OOMKilled"


def _oom_killed(pod: Pod) -> frozenset[str]:
    return frozenset(c.name for c, s, _ in _containers(pod) if _is_oom(s.state) or _is_oom(s.last_state))


def _settled(status: ContainerStatus, ctx: PodContext, now: datetime | None) -> bool:
    """The container was OOMKilled once but has run and been ready since, for longer than `ctx` says matters."""
    last = status.last_state
    return (ctx.oom_settles_after is not None and now is not None and status.state.kind == "running"
            and status.ready and last is not None and last.finished is not None
            and now - last.finished > ctx.oom_settles_after)


def oom_rule(pod: Pod, ctx: PodContext, now: datetime | None = None) -> list[Finding]:
    """A container OOMKilled now or in its last state, with the cgroup v2 runtime check when it applies."""
    out: list[Finding] = []
    for c, status, init in _containers(pod):
        oom = [st for st in (status.state, status.last_state) if st is not None and _is_oom(st)]
        if not oom or (oom[0] is not status.state and _settled(status, ctx, now)):
            continue
        which = "init container" if init else "container"
        label = "state" if oom[0] is status.state else "last state"
        evidence = [f"{which} {c.name}: {_state_line(label, oom[0])}, restarts {status.restart_count}"]
        if status.state.kind == "waiting" and status.state.reason:
            evidence.append(f"{which} {c.name} now {status.state.reason}")
        limit = c.limits.memory
        memory: list[str] = [f"memory limit {format_bytes(limit)}" if limit else said(FINDING.no_memory_limit)]
        if c.requests.memory:
            memory.append(f"request {format_bytes(c.requests.memory)}")
        memory.append(f"QoS {pod.qos or 'unknown'}")
        # With a limit the line only quotes the spec; without one it starts with the bot's own gloss.
        evidence.append(", ".join(memory) if limit else joined(memory, ", ", "，"))
        signals = ["pod.reason:OOMKilled", "pod.exit:137"]
        # With a limit the container's own cgroup killed it; without one the node ran out and chose it.
        kb = KB_CONTAINER_OOM if limit else KB_QOS_OOM
        title = said(FINDING.oom_killed, which=_which(init), container=c.name, pod=pod.name)
        confidence: Confidence = "high"
        advice: str | None = None
        verdict = judge(_spec(c), (ctx.previous_logs or {}).get(c.name, ""))
        cgroup = None
        if ctx.node is not None:
            cgroup = node_cgroup(
                ctx.node.node_info.kubelet_version,
                ctx.node.node_info.os_image,
                ctx.node.labels.get("kubernetes.azure.com/os-sku"),
            )
        flags = _heap_flags(c)
        if verdict is not None:
            source = f" ({verdict.version.source} {verdict.version.raw})" if verdict.version else ""
            evidence.append(f"image {c.image}{source} → {verdict.reason}")
            if cgroup is not None:
                evidence.append(f"node {ctx.node.name if ctx.node else '?'}: {cgroup.reason}")
            else:
                evidence.append(said(FINDING.cgroup_not_checked))
            if flags:
                evidence.append(f"heap flags set: {' '.join(flags)}")
                for flag in flags:
                    size = _xmx_bytes(flag)
                    if size is not None and limit and size >= limit:
                        evidence.append(said(FINDING.heap_at_limit, flag=flag, limit=mib(limit)))
            else:
                evidence.append(said(FINDING.no_heap_flags))
            advice = heap_advice(verdict.kind, limit, verdict.awareness)
            on_v2 = cgroup is not None and cgroup.version == 2
            # Without a limit every runtime sees the node's memory anyway: cgroup v2 awareness changes nothing,
            # the kill is a node-level OOM.
            if (
                limit
                and verdict.awareness in (Awareness.NOT_AWARE, Awareness.DISPUTED, Awareness.UNKNOWN)
                and (on_v2 or cgroup is None or cgroup.version is None)
            ):
                kb = KB_JAVA_OOM_CGROUPV2
                signals.insert(0, verdict.signal)
                runtime = str(verdict.version) if verdict.version else RUNTIME_NAMES[verdict.kind]
                if verdict.awareness is Awareness.NOT_AWARE and on_v2:
                    title = said(FINDING.runtime_unaware_on_v2, title=title, runtime=runtime)
                elif verdict.awareness is Awareness.NOT_AWARE:
                    title = said(FINDING.runtime_unaware, title=title, runtime=runtime)
                    confidence = "medium"
                elif verdict.awareness is Awareness.DISPUTED:
                    title = said(FINDING.runtime_disputed, title=title, runtime=runtime)
                    confidence = "medium"
                else:
                    title = said(FINDING.runtime_unknown, title=title, runtime=runtime)
                    confidence = "low"
                if not flags:
                    evidence.append(
                        said(
                            FINDING.heap_from_node_ram
                            if verdict.awareness is Awareness.NOT_AWARE
                            else FINDING.heap_from_node_ram_if
                        )
                    )
            evidence.append(said(FINDING.advice, advice=advice))
        evidence.extend(_log_tail(ctx, c.name))
        actions = [_previous_logs(pod, c.name)]
        workload = pod.workload
        deployment = workload.name if workload is not None and workload.kind == "Deployment" else None
        if deployment:
            restart = CommandRef("restart deployment", DeploymentArgs(name=deployment), namespace=pod.namespace)
            actions.append(SuggestedAction(said(FINDING.restart_deployment), restart, True))
        out.append(
            Finding(
                rule="pod.oom",
                severity=Severity.CRITICAL,
                title=title,
                subject=pod_ref(pod.namespace, pod.name),
                namespace=pod.namespace,
                evidence=tuple(evidence),
                kb=kb,
                signals=tuple(signals),
                actions=tuple(actions),
                next=said(FINDING.oom_next_limit if limit else FINDING.oom_next_no_limit),
                confidence=confidence,
            )
        )
    return out


def crashloop_rule(pod: Pod, ctx: PodContext, skip: frozenset[str] = frozenset()) -> list[Finding]:
    """CrashLoopBackOff (not already explained as an OOM kill), with the last termination and log lines."""
    out: list[Finding] = []
    for c, status, init in _containers(pod):
        if c.name in skip or status.state.kind != "waiting" or status.state.reason != "CrashLoopBackOff":
            continue
        which = "init container" if init else "container"
        evidence = [f"{which} {c.name}: Waiting reason=CrashLoopBackOff, restarts {status.restart_count}"]
        signals = ["pod.reason:CrashLoopBackOff"]
        last = status.last_state
        if last is not None and last.kind == "terminated":
            evidence.append(f"{which} {c.name}: {_state_line('last state', last)}")
            if last.exit_code is not None:
                signals.append(f"pod.exit:{last.exit_code}")
            if last.message:
                evidence.append(f"termination message: {last.message[:300]}")
        if status.state.message:
            evidence.append(status.state.message[:300])
        evidence.extend(_log_tail(ctx, c.name))
        for e in _pod_events(pod, ctx.events, ("BackOff", "Unhealthy"))[-2:]:
            evidence.append(f"event {e.reason} ×{e.count}: {e.message[:200]}")
            signals.append(f"pod.event:{e.reason}")
        code = last.exit_code if last is not None else None
        title = (
            said(FINDING.crash_looping, which=_which(init), container=c.name, pod=pod.name)
            if code is None
            else said(FINDING.crash_looping_exit, which=_which(init), container=c.name, pod=pod.name, code=code)
        )
        out.append(
            Finding(
                rule="pod.crashloop",
                severity=Severity.CRITICAL,
                title=title,
                subject=pod_ref(pod.namespace, pod.name),
                namespace=pod.namespace,
                evidence=tuple(evidence),
                kb=KB_CRASHLOOP,
                signals=tuple(dict.fromkeys(signals)),
                actions=(
                    _previous_logs(pod, c.name),
                ),
                next=said(FINDING.crashloop_next),
            )
        )
    return out


def _pull_hint(message: str) -> Said:
    """What the kubelet's pull errors most likely mean, in both languages."""
    m = message.lower()
    if "401" in m or "unauthorized" in m or "authorization failed" in m or "failed to authorize" in m:
        return said(FINDING.pull_unauthorized)
    if "not found" in m or "manifest unknown" in m:
        return said(FINDING.pull_not_found)
    if "i/o timeout" in m or "dial tcp" in m or "no such host" in m:
        return said(FINDING.pull_unreachable)
    if "toomanyrequests" in m or "429" in m:
        return said(FINDING.pull_rate_limited)
    return said(FINDING.pull_see_message)


def image_pull_rule(pod: Pod, ctx: PodContext) -> list[Finding]:
    out: list[Finding] = []
    for c, status, init in _containers(pod):
        if status.state.kind != "waiting" or status.state.reason not in PULL_WAITING:
            continue
        which = "init container" if init else "container"
        evidence = [f"{which} {c.name}: Waiting reason={status.state.reason}, image {c.image}"]
        messages = [status.state.message] if status.state.message else []
        for e in _pod_events(pod, ctx.events, ("Failed",))[-2:]:
            messages.append(e.message)
            evidence.append(f"event Failed ×{e.count}: {e.message[:300]}")
        if status.state.message:
            evidence.append(status.state.message[:300])
        evidence.append(said(FINDING.likely_cause, cause=_pull_hint(" ".join(messages))))
        out.append(
            Finding(
                rule="pod.image-pull",
                severity=Severity.CRITICAL,
                title=said(
                    FINDING.cannot_pull,
                    which=_which(init),
                    container=c.name,
                    pod=pod.name,
                    reason=status.state.reason,
                ),
                subject=pod_ref(pod.namespace, pod.name),
                namespace=pod.namespace,
                evidence=tuple(evidence),
                kb=KB_IMAGE_PULL,
                signals=(f"pod.reason:{status.state.reason}", "pod.event:Failed"),
                actions=(
                    SuggestedAction(
                        said(FINDING.pod_details),
                        CommandRef("pod", PodNameArgs(name=pod.name), namespace=pod.namespace),
                    ),
                ),
            )
        )
    return out


def _pod_events(pod: Pod, events: Sequence[Event], reasons: Sequence[str]) -> list[Event]:
    found = [
        e
        for e in events
        if e.reason in reasons
        and e.involved.kind == "Pod"
        and e.involved.name == pod.name
        and (e.involved.namespace or e.namespace) == pod.namespace
    ]
    return sorted(found, key=lambda e: e.when.timestamp() if e.when else 0.0)


def pending_rule(pod: Pod, ctx: PodContext, now: datetime) -> list[Finding]:
    """Unschedulable: the scheduler's reasons in plain words."""
    if pod.phase != "Pending" or pod.node:
        return []
    scheduled = pod.condition("PodScheduled")
    failures = _pod_events(pod, ctx.events, ("FailedScheduling",))
    message = failures[-1].message if failures else (scheduled.message if scheduled is not None else "")
    if not message and (scheduled is None or scheduled.status != "False"):
        return []
    evidence: list[str] = []
    since = pod.created or pod.start_time
    if since is not None:
        evidence.append(f"Pending since {clock(since)} ({ago(since, now)})")
    signals = ["pod.event:FailedScheduling"]
    title = said(FINDING.unschedulable, name=pod.name)
    if message:
        parsed = parse_failed_scheduling(message)
        evidence.append(f"scheduler: {message[:400]}")
        evidence.extend(
            said(
                FINDING.scheduling_remedy,
                reason=r.plain if r.nodes is None else said(FINDING.on_nodes, nodes=r.nodes, plain=r.plain),
                remedy=r.remedy,
            )
            for r in parsed.reasons
        )
        title = said(FINDING.unschedulable_why, name=pod.name, why=parsed.summary())
    requests = pod.requests
    asked = [f"{requests.cpu_m}m CPU"] if requests.cpu_m is not None else []
    if requests.memory is not None:
        asked.append(f"{format_bytes(requests.memory)} memory")
    if asked:
        evidence.append(f"pod requests {', '.join(asked)}")
    if _pod_events(pod, ctx.events, ("NotTriggerScaleUp",)):
        scale = _pod_events(pod, ctx.events, ("NotTriggerScaleUp",))[-1]
        evidence.append(f"cluster autoscaler: {scale.message[:300]}")
        signals.append("pod.event:NotTriggerScaleUp")
    return [
        Finding(
            rule="pod.pending",
            severity=Severity.WARNING,
            title=title,
            subject=pod_ref(pod.namespace, pod.name),
            namespace=pod.namespace,
            evidence=tuple(evidence),
            kb=KB_POD_PENDING,
            signals=tuple(signals),
            actions=(SuggestedAction(said(FINDING.nodes), CommandRef("nodes", NodesArgs())),),
        )
    ]


def evicted_rule(pod: Pod, ctx: PodContext) -> list[Finding]:
    if pod.reason != "Evicted":
        return []
    msg = pod.message.lower()
    disk = "ephemeral-storage" in msg or "disk" in msg or "nodefs" in msg or "imagefs" in msg
    return [
        Finding(
            rule="pod.evicted",
            severity=Severity.WARNING,
            title=said(FINDING.evicted_disk if disk else FINDING.evicted_memory, name=pod.name),
            subject=pod_ref(pod.namespace, pod.name),
            namespace=pod.namespace,
            evidence=(f"status.reason=Evicted on node {pod.node or '?'}: {pod.message[:300]}",),
            kb=KB_DISK_PRESSURE if disk else KB_MEMORY_PRESSURE,
            signals=("pod.reason:Evicted",),
            actions=(
                SuggestedAction(
                    said(FINDING.delete_evicted),
                    CommandRef("delete pod", DeletePodArgs(pod=pod.name), namespace=pod.namespace),
                    True,
                ),
            ),
            next=said(FINDING.evicted_next),
        )
    ]


def volume_rule(pod: Pod, ctx: PodContext) -> list[Finding]:
    events = _pod_events(pod, ctx.events, ("FailedAttachVolume", "FailedMount"))
    if not events or pod.phase != "Pending":
        return []
    last = events[-1]
    return [
        Finding(
            rule="pod.volume",
            severity=Severity.WARNING,
            title=said(FINDING.waits_for_volume, name=pod.name, reason=last.reason),
            subject=pod_ref(pod.namespace, pod.name),
            namespace=pod.namespace,
            evidence=tuple(f"event {e.reason} ×{e.count}: {e.message[:300]}" for e in events[-2:]),
            kb=KB_PVC_ATTACH,
            signals=(f"pod.event:{last.reason}",),
        )
    ]


def config_rule(pod: Pod, ctx: PodContext) -> list[Finding]:
    out: list[Finding] = []
    for c, status, _init in _containers(pod):
        if status.state.kind == "waiting" and status.state.reason in CONFIG_WAITING:
            out.append(
                Finding(
                    rule="pod.config",
                    severity=Severity.CRITICAL,
                    title=said(FINDING.cannot_start, container=c.name, pod=pod.name, reason=status.state.reason),
                    subject=pod_ref(pod.namespace, pod.name),
                    namespace=pod.namespace,
                    evidence=(f"{status.state.reason}: {status.state.message[:300]}",),
                    kb=None,
                    signals=(f"pod.reason:{status.state.reason}",),
                )
            )
    return out


def is_quiet(pod: Pod) -> bool:
    """A pod no rule can fire on: running or done, no waiting/terminated trouble, no OOM history, not Evicted.

    `health` skips these without building anything, which keeps 50,000 pods cheap.
    """
    if pod.reason or pod.phase == "Pending":
        return False
    for s in (*pod.container_statuses, *pod.init_container_statuses):
        if s.state.kind == "waiting" and s.state.reason not in ("", "ContainerCreating", "PodInitializing"):
            return False
        if s.state.reason == "OOMKilled" or (s.last_state is not None and s.last_state.reason == "OOMKilled"):
            return False
    return True


def pod_findings(pod: Pod, ctx: PodContext, now: datetime) -> list[Finding]:
    """Every pod rule; a crash loop already explained by an OOM kill is reported once, as the OOM."""
    return [
        *oom_rule(pod, ctx, now),
        *crashloop_rule(pod, ctx, _oom_killed(pod)),
        *image_pull_rule(pod, ctx),
        *config_rule(pod, ctx),
        *pending_rule(pod, ctx, now),
        *volume_rule(pod, ctx),
        *evicted_rule(pod, ctx),
    ]
