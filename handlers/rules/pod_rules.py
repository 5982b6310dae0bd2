"""Pod rules: OOMKilled (with the cgroup v2 runtime check), CrashLoopBackOff, image pulls, Pending, Evicted,
volume mounts.

OOM vs eviction (aks-facts §8): a kernel OOM kill shows as a container's `terminated.reason: OOMKilled`, exit code
137, and the kubelet restarts the container; a node-pressure eviction shows as the pod's `status.reason: Evicted`.
Init containers are checked like the others. The cgroup v2 rule needs the pod's node (Kubernetes version and OS
image say the cgroup version) and the container's spec (image tag, command, `JAVA_*`/`NODE_VERSION`/`DOTNET_*`
env). Pure functions; previous logs, when the handler has them, arrive as a mapping from container to text.

The evidence quotes the cluster (names, states, reasons, messages, log lines) as it says them; the words the rules
put around them are `Said`s, so a diagnosis asked in Chinese reads in Chinese and one in English reads as it always
did.
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
from bot.timefmt import ago_said, clock, duration
from handlers.args import DeletePodArgs, DeploymentArgs, DiagnoseNodeArgs, LogsArgs, NodesArgs, PodNameArgs
from handlers.rules.finding import (
    KB_CONTAINER_OOM,
    KB_CRASHLOOP,
    KB_DISK_PRESSURE,
    KB_IMAGE_PULL,
    KB_JAVA_OOM_CGROUPV2,
    KB_MEMORY_PRESSURE,
    KB_NODE_NOTREADY,
    KB_POD_PENDING,
    KB_PVC_ATTACH,
    KB_QOS_OOM,
    Confidence,
    Finding,
    LogLine,
    SuggestedAction,
)
from handlers.rules.node_rules import TAINT_NOT_READY, TAINT_UNREACHABLE, eviction_due
from handlers.rules.runtimes import (
    RUNTIME_NAMES,
    Awareness,
    ContainerSpec,
    RuntimeKind,
    heap_advice,
    judge,
    mib,
    node_cgroup,
)
from handlers.rules.scheduling import NodeSizes, parse_failed_scheduling

LOG_LINES = 5
# How much of a kubelet message an evidence line shows.
MESSAGE_CHARS = 300
# Where each runtime takes its heap size from besides its command line: the environment variables whose value holds
# flags, and the flags. .NET reads variables of its own (`_DOTNET_HEAP_ENV`); a `runtimeconfig.json` setting is inside
# the image, out of reach.
_HEAP_FLAGS: dict[RuntimeKind, tuple[tuple[str, ...], re.Pattern[str]]] = {
    "jvm": (
        ("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CATALINA_OPTS"),
        re.compile(r"(-Xmx\S+|-XX:MaxRAMPercentage=\S+|-XX:MaxRAM=\S+)"),
    ),
    "node": (("NODE_OPTIONS",), re.compile(r"(--max-old-space-size=\S+)")),
}
# .NET 6+ reads DOTNET_*; every .NET Core reads COMPlus_* (the only prefix before 6). The values are hexadecimal.
_DOTNET_HEAP_ENV = tuple(
    f"{prefix}{name}" for prefix in ("DOTNET_", "COMPlus_") for name in ("GCHeapHardLimit", "GCHeapHardLimitPercent")
)
_NO_HEAP_FLAGS = {
    "jvm": FINDING.no_heap_flags_jvm,
    "node": FINDING.no_heap_flags_node,
    "dotnet": FINDING.no_heap_limit_dotnet,
}
_XMX = re.compile(r"-Xmx(\d+)([kKmMgG]?)")
_HARD_LIMIT = re.compile(r"(?:DOTNET_|COMPlus_)GCHeapHardLimit=(?:0[xX])?([0-9a-fA-F]+)")
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
    # The nodes' sizes, to tell a Pending pod whose request no node can ever hold; None: not read.
    node_sizes: NodeSizes | None = None
    # The caller reports the node's own findings (a scan of the whole cluster): a pod on a node that is not Ready
    # is not told again, pod by pod.
    node_reported: bool = False


def _previous_logs(pod: Pod, container: str) -> SuggestedAction:
    args = LogsArgs(pod=pod.name, container=container, previous=True)
    return SuggestedAction(said(FINDING.previous_logs), CommandRef("logs", args, namespace=pod.namespace))


def _which(init: bool) -> Said:
    """"Container" or "Init container", as a finding's title starts."""
    return said(FINDING.init_container if init else FINDING.container)


def _kind_of(init: bool) -> Said:
    """"container" or "init container", as an evidence line starts."""
    return said(FINDING.init_container_word if init else FINDING.container_word)


def _cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text` in about `limit` characters, its middle left out: a kubelet message says what it tried first and why it
    failed last ("Failed to pull image …: 401 Unauthorized"), and both must stay readable."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 5
    return f"{text[:head].rstrip()} … {text[len(text) - (limit - head - 3):].lstrip()}"


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


def _state_line(last: bool, st: ContainerState) -> Said:
    """`last state Terminated reason=OOMKilled exitCode=137 at 09:18:25Z`, in both languages."""
    parts: list[str] = [said(FINDING.state_last if last else FINDING.state_now), st.kind.capitalize()]
    if st.reason:
        parts.append(f"reason={st.reason}")
    if st.exit_code is not None:
        parts.append(f"exitCode={st.exit_code}")
    if st.finished is not None:
        parts.append(said(FINDING.state_at, time=clock(st.finished)))
    return joined(parts, " ", " ")


def _log_tail(ctx: PodContext, container: str) -> tuple[str, ...]:
    if ctx.previous_logs is None:
        return ()
    text = ctx.previous_logs.get(container, "")
    lines = [line for line in text.splitlines() if line.strip()]
    tail = (said(FINDING.previous_log, line=line[:300]) for line in lines[-LOG_LINES:])
    return tuple(LogLine(str(line), line.zh) for line in tail)


def _heap_flags(c: Container, kind: RuntimeKind) -> list[str]:
    """The heap settings of `kind` that the container sets: flags in its command or in the environment variables the
    runtime takes flags from, or .NET's own variables (`DOTNET_GCHeapHardLimit=0x…`)."""
    if kind == "dotnet":
        return [f"{e.name}={e.value}" for e in c.env if e.name in _DOTNET_HEAP_ENV and e.value]
    names, flag = _HEAP_FLAGS[kind]
    found: list[str] = []
    for e in c.env:
        if e.name in names and e.value:
            found.extend(flag.findall(e.value))
    for word in (*c.command, *c.args):
        found.extend(flag.findall(word))
    return found


def _heap_bytes(flag: str) -> int | None:
    """The heap size a setting fixes in bytes (`-Xmx2g`, `DOTNET_GCHeapHardLimit=0x30000000`); None for a share."""
    hard = _HARD_LIMIT.fullmatch(flag)
    if hard is not None:
        return int(hard.group(1), 16)
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
        which = _kind_of(init)
        state = _state_line(oom[0] is not status.state, oom[0])
        evidence: list[str] = [
            said(FINDING.container_state_restarts, which=which, container=c.name, state=state,
                 restarts=status.restart_count)
        ]
        if status.state.kind == "waiting" and status.state.reason:
            evidence.append(said(FINDING.waiting_now, which=which, container=c.name, reason=status.state.reason))
        limit = c.limits.memory
        memory: list[str] = [
            said(FINDING.memory_limit, limit=format_bytes(limit)) if limit else said(FINDING.no_memory_limit)
        ]
        if c.requests.memory:
            memory.append(said(FINDING.memory_request, request=format_bytes(c.requests.memory)))
        memory.append(said(FINDING.qos, qos=pod.qos or said(FINDING.qos_unknown)))
        evidence.append(joined(memory, ", ", "，"))
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
        if verdict is not None:
            flags = _heap_flags(c, verdict.kind)
            source = f" ({verdict.version.source} {verdict.version.raw})" if verdict.version else ""
            evidence.append(f"image {c.image}{source} → {verdict.reason}")
            if cgroup is not None:
                evidence.append(f"node {ctx.node.name if ctx.node else '?'}: {cgroup.reason}")
            else:
                evidence.append(said(FINDING.cgroup_not_checked))
            if flags:
                evidence.append(said(FINDING.heap_flags_set, flags=" ".join(flags)))
                for flag in flags:
                    size = _heap_bytes(flag)
                    if size is not None and limit and size >= limit:
                        evidence.append(said(FINDING.heap_at_limit, flag=flag, limit=mib(limit)))
            else:
                evidence.append(said(_NO_HEAP_FLAGS[verdict.kind]))
            advice = heap_advice(verdict.kind, limit, verdict.awareness, verdict.version)
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
        which = _kind_of(init)
        evidence: list[str] = [
            said(FINDING.container_state_restarts, which=which, container=c.name,
                 state="Waiting reason=CrashLoopBackOff", restarts=status.restart_count)
        ]
        signals = ["pod.reason:CrashLoopBackOff"]
        last = status.last_state
        if last is not None and last.kind == "terminated":
            evidence.append(said(FINDING.container_state, which=which, container=c.name, state=_state_line(True, last)))
            if last.exit_code is not None:
                signals.append(f"pod.exit:{last.exit_code}")
            if last.message:
                evidence.append(said(FINDING.termination_message, message=last.message[:300]))
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
                since=_first_time(_pod_events(pod, ctx.events, ("BackOff",))),
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


# The kubelet follows a failed pull's event with one that only names the state ("Error: ErrImagePull"), often in the
# same second; the registry's answer is in the first.
_PULL_STATE_ONLY = re.compile(r"Error: \w+")


def _pull_events(failed: Sequence[Event]) -> list[Event]:
    """The (at most two) `Failed` events a pull finding shows, oldest first: those with the registry's answer before
    those that only name the state."""
    telling = [e for e in failed if not _PULL_STATE_ONLY.fullmatch(e.message.strip())]
    plain = [e for e in failed if e not in telling]
    shown = telling[-2:]
    if len(shown) < 2:
        shown += plain[len(shown) - 2 :]
    return [e for e in failed if e in shown]


def image_pull_rule(pod: Pod, ctx: PodContext) -> list[Finding]:
    out: list[Finding] = []
    for c, status, init in _containers(pod):
        if status.state.kind != "waiting" or status.state.reason not in PULL_WAITING:
            continue
        evidence: list[str] = [
            said(FINDING.waiting_for_image, which=_kind_of(init), container=c.name, reason=status.state.reason,
                 image=c.image)
        ]
        failed = _pod_events(pod, ctx.events, ("Failed",))
        for e in _pull_events(failed):
            evidence.append(f"event Failed ×{e.count}: {_cut(e.message)}")
        if status.state.message:
            evidence.append(_cut(status.state.message))
        # The likely cause reads every message whole, whichever are shown and however they are cut.
        messages = [status.state.message, *(e.message for e in failed)]
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
                since=_first_time(failed),
                actions=(
                    SuggestedAction(
                        said(FINDING.pod_details),
                        CommandRef("pod", PodNameArgs(name=pod.name), namespace=pod.namespace),
                    ),
                ),
            )
        )
    return out


def _first_time(events: Sequence[Event]) -> datetime | None:
    """When the first of these events first happened (the kubelet's BackOff or Failed pull: when a crash loop or a
    failing pull began, as far as the events still held say)."""
    return min((t for e in events if (t := e.first_time or e.when) is not None), default=None)


def _pod_events(pod: Pod, events: Sequence[Event], reasons: Sequence[str]) -> list[Event]:
    found = [
        e
        for e in events
        if e.reason in reasons
        and e.involved.kind == "Pod"
        and e.involved.name == pod.name
        and (e.involved.namespace or e.namespace) == pod.namespace
    ]
    # Oldest first; events of the same second (the kubelet posts several at once) in one order whatever order they
    # were listed in, so the same pod always reads the same.
    return sorted(found, key=lambda e: (e.when.timestamp() if e.when else 0.0, e.count, e.message))


# How long a pod that waits only for room (full nodes, a size that fits) stays Pending before the watcher alerts: an
# AKS scale-up takes a few minutes (a node to boot and join); kube-prometheus' KubePodNotReady waits 15 min.
PENDING_PATIENCE = timedelta(minutes=5)


def pending_rule(pod: Pod, ctx: PodContext, now: datetime) -> list[Finding]:
    """Unschedulable: the scheduler's reasons in plain words, and a request that no node can ever hold.

    The scheduler says "Insufficient memory" both when the nodes are full and when none is big enough; only the
    nodes' allocatable tells them apart, and only in the first case do more nodes (or the autoscaler) help.
    """
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
        evidence.append(said(FINDING.pending_since, at=clock(since, now), ago=ago_said(since, now)))
    signals = ["pod.event:FailedScheduling"]
    requests = pod.requests
    sizes = ctx.node_sizes
    too_big = {t.resource: t for t in (sizes.too_big(pod) if sizes is not None else ())}
    # What no node can hold is the cause to name: the scheduler's other reasons (a tainted node) would not change it.
    why: Said | None = joined((t.short() for t in too_big.values()), "; ", "；") if too_big else None
    named: set[str | None] = set()
    # Only full nodes stand in the way (every reason "Insufficient …", a node size that could hold it): the cluster
    # autoscaler may well be adding a node right now, as every scale-up starts this way.
    waits_for_room = False
    if message:
        parsed = parse_failed_scheduling(message)
        waits_for_room = bool(parsed.reasons) and all(r.resource for r in parsed.reasons) and not too_big
        evidence.append(f"scheduler: {message[:400]}")
        for r in parsed.reasons:
            t = too_big.get(r.resource or "")
            reason = r.plain if r.nodes is None else said(FINDING.on_nodes, nodes=r.nodes, plain=r.plain)
            evidence.append(said(FINDING.scheduling_remedy, reason=reason, remedy=t.remedy() if t else r.remedy))
            named.add(r.resource)
        why = said(FINDING.scheduling_summary, head=parsed.head(), parts=why) if why else parsed.summary()
    for t in too_big.values():
        # The remedy once: on the scheduler's "Insufficient …" line when it has one, else here.
        line = t.line()
        remedied = said(FINDING.scheduling_remedy, reason=line, remedy=t.remedy())
        evidence.append(line if t.resource in named else remedied)
    asked: list[str] = [f"{requests.cpu_m}m CPU"] if requests.cpu_m is not None else []
    if requests.memory is not None:
        asked.append(said(FINDING.memory_amount, amount=format_bytes(requests.memory)))
    if asked:
        evidence.append(said(FINDING.pod_requests, amounts=joined(asked, ", ", "，")))
    if _pod_events(pod, ctx.events, ("NotTriggerScaleUp",)):
        scale = _pod_events(pod, ctx.events, ("NotTriggerScaleUp",))[-1]
        evidence.append(f"cluster autoscaler: {scale.message[:300]}")
        signals.append("pod.event:NotTriggerScaleUp")
        waits_for_room = False  # the autoscaler said it will not help: nothing to wait for
    unschedulable = said(FINDING.unschedulable, name=pod.name)
    title = said(FINDING.unschedulable_why, name=pod.name, why=why) if why else unschedulable
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
            # Unschedulable since the scheduler first said so (PodScheduled=False), else since it was made.
            since=(c.last_transition if (c := pod.condition("PodScheduled")) is not None and c.status == "False"
                   else None) or pod.created,
            patience=PENDING_PATIENCE if waits_for_room else None,
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


def lost_node_rule(pod: Pod, ctx: PodContext, now: datetime) -> list[Finding]:
    """A pod on a node that is not Ready: what it reports (Running, ready) is what the kubelet said before it fell
    silent, so nothing about it can be trusted; the node's NoExecute taint evicts it when its toleration runs
    out (aks-facts §1), and that is what happens next."""
    node = ctx.node
    if ctx.node_reported or node is None or pod.node != node.name or node.ready == "True" or pod.finished:
        return []
    state = "Unknown" if node.ready == "Unknown" else "NotReady"
    taint = next(
        (t for t in node.taints if t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY) and t.effect == "NoExecute"), None
    )
    if taint is None or taint.time_added is None or pod.deletion_timestamp is not None:
        next_ = said(FINDING.lost_node_next)
    elif (due := eviction_due(pod, taint, taint.time_added)) is None:
        next_ = said(FINDING.lost_node_stays, key=taint.key)
    elif due > now:
        next_ = said(FINDING.lost_node_evicted_at, at=clock(due, now), left=duration((due - now).total_seconds()),
                     key=taint.key)
    else:
        next_ = said(FINDING.lost_node_overdue, at=clock(due, now), key=taint.key)
    return [
        Finding(
            rule="pod.lost-node",
            severity=Severity.CRITICAL if state == "Unknown" else Severity.WARNING,
            title=said(FINDING.on_lost_node, name=pod.name, node=node.name, state=state),
            subject=pod_ref(pod.namespace, pod.name),
            namespace=pod.namespace,
            evidence=(said(FINDING.lost_node_evidence, node=node.name, state=state, shown=pod.shown_status),),
            kb=KB_NODE_NOTREADY,
            signals=(f"node.ready:{state}",),
            actions=(
                SuggestedAction(
                    said(FINDING.diagnose, name=node.name),
                    CommandRef("diagnose node", DiagnoseNodeArgs(name=node.name)),
                ),
            ),
            next=next_,
        )
    ]


def pod_findings(pod: Pod, ctx: PodContext, now: datetime) -> list[Finding]:
    """Every pod rule; a crash loop already explained by an OOM kill is reported once, as the OOM."""
    return [
        *lost_node_rule(pod, ctx, now),
        *oom_rule(pod, ctx, now),
        *crashloop_rule(pod, ctx, _oom_killed(pod)),
        *image_pull_rule(pod, ctx),
        *config_rule(pod, ctx),
        *pending_rule(pod, ctx, now),
        *volume_rule(pod, ctx),
        *evicted_rule(pod, ctx),
    ]
