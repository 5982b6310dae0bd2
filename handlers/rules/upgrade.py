"""The upgrade pre-flight checklist: pure rules over what Azure and the cluster say (aks-facts §3, §5, §6).

Inputs are the typed views of `bot.azure.model` plus a few facts read from the cluster (`ClusterFacts`: PDBs,
nodes with their requests, running container images). Output is a plan: the versions the control plane may go to
(no minor skipping, the N-2 window) and one `CheckItem` per concern that passes, warns or fails, each carrying the
knowledge-base signal that explains it. No I/O; the `aks upgrades` handler gathers the inputs.

The checklist's words (a check's title and detail, a version's note, why an image is at risk) are `Said`s: English
wherever a `str` is read, and in Chinese when the view's reader asked in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.azure.model import (
    AgentPool,
    ManagedCluster,
    PoolUpgradeProfile,
    SupportedMinor,
    UpgradeOption,
    UpgradeProfile,
    parse_version,
)
from bot.i18n import UPGRADE, Said, said

Status = Literal["pass", "warn", "fail"]
DEFAULT_MAX_PODS = 30
# A node whose requests already exceed this share of its allocatable has no room for a drained neighbour's pods.
BUSY_SHARE = 0.9


@dataclass(frozen=True)
class PdbFact:
    namespace: str
    name: str
    disruptions_allowed: int


@dataclass(frozen=True)
class NodeFact:
    name: str
    pool: str | None
    cpu_allocatable_m: int
    memory_allocatable: int
    cpu_requested_m: int
    memory_requested: int


@dataclass(frozen=True)
class ContainerFact:
    namespace: str
    pod: str
    container: str
    image: str


@dataclass(frozen=True)
class ClusterFacts:
    """What the checklist needs from inside the cluster; absent (None) when the cluster could not be read."""

    pdbs: tuple[PdbFact, ...]
    nodes: tuple[NodeFact, ...]
    containers: tuple[ContainerFact, ...]


@dataclass(frozen=True)
class CheckItem:
    """One concern of the checklist. `title` and `detail` are `Said`s, and so are the `items` the rules word (the
    ones that only name objects — `ns/pdb`, a node — are plain)."""

    key: str
    title: str
    status: Status
    detail: str
    signal: str | None = None
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionChoice:
    version: str
    is_preview: bool
    allowed: bool
    note: str  # a `Said`


@dataclass(frozen=True)
class UpgradePlan:
    current: str | None
    target: str | None
    choices: tuple[VersionChoice, ...]
    checks: tuple[CheckItem, ...]

    @property
    def status(self) -> Status:
        states = {c.status for c in self.checks}
        return "fail" if "fail" in states else "warn" if "warn" in states else "pass"


def _minor(version: str | None) -> int | None:
    parsed = parse_version(version)
    return parsed[1] if parsed else None


def _community_minors(supported: tuple[SupportedMinor, ...] | None) -> list[int]:
    return [m.minor for m in supported or () if not m.is_preview and m.community]


def version_choices(
    current: str | None, options: Iterable[UpgradeOption], supported: tuple[SupportedMinor, ...] | None = None
) -> tuple[VersionChoice, ...]:
    """The offered versions, each marked allowed or not.

    Azure's upgrade profile lists the versions it accepts, so every newer one it offers is allowed. AKS goes one
    minor at a time (aks-facts §6) except from a minor the region no longer supports back into a supported one
    (without SLA for the jump) and between long-term-support minors: Azure decides those exceptions, and a skip it
    offers is noted, not refused.
    """
    cm = _minor(current)
    ga = _community_minors(supported)
    oldest = min(ga) if ga else None
    out_of_support = cm is not None and oldest is not None and cm < oldest
    out = []
    for o in sorted(options, key=lambda o: parse_version(o.version) or (0, 0, 0)):
        m = _minor(o.version)
        now, then = parse_version(current), parse_version(o.version)
        if now is not None and then is not None and then <= now:
            out.append(VersionChoice(o.version, o.is_preview, False, said(UPGRADE.not_newer, current=current)))
        elif cm is not None and m is not None and m > cm + 1:
            into = out_of_support and oldest is not None and m >= oldest
            skip = said(UPGRADE.skips_into_supported) if into else said(UPGRADE.skips_offered, next=cm + 1)
            out.append(VersionChoice(o.version, o.is_preview, True, skip))
        else:
            note = UPGRADE.preview if o.is_preview else (UPGRADE.patch if m == cm else UPGRADE.next_minor)
            out.append(VersionChoice(o.version, o.is_preview, True, said(note)))
    return tuple(out)


def _resolved(target: str, current: str | None, choices: tuple[VersionChoice, ...]) -> str:
    """`--to 1.28` means the newest allowed patch of 1.28 Azure offers; a whole version stays as typed."""
    target = target.strip().lstrip("vV")
    minor = parse_version(target)
    if target.count(".") != 1 or minor is None:
        return target
    same = [c.version for c in choices if c.allowed and (parse_version(c.version) or (0, 0, 0))[:2] == minor[:2]]
    return same[-1] if same else target


def pick_target(choices: tuple[VersionChoice, ...]) -> str | None:
    """The newest allowed GA version (preview only when nothing else is offered)."""
    ga = [c for c in choices if c.allowed and not c.is_preview]
    pool = ga or [c for c in choices if c.allowed]
    return pool[-1].version if pool else None


def _support_check(
    current: str | None,
    choices: tuple[VersionChoice, ...],
    supported: tuple[SupportedMinor, ...] | None,
    location: str | None,
) -> CheckItem:
    """Where the current minor stands in AKS's N-2 window (aks-facts §6).

    Judged against the region's list of versions when Azure gave it; otherwise only the offered upgrades are known,
    and the newest of those is a lower bound for the newest minor, so the check says so instead of guessing.
    """
    title = said(UPGRADE.support_window)
    cm = _minor(current)
    signal = "azure.upgrade:version-skip"
    if cm is None:
        return CheckItem("support", title, "warn", said(UPGRADE.version_unknown))
    ga = sorted(set(_community_minors(supported)))
    if ga:
        where = said(UPGRADE.in_region, location=location) if location else Said("", "")
        window = ", ".join(f"1.{m}" for m in ga)
        newest = ga[-1]
        lts = next((m for m in supported or () if m.minor == cm and not m.community), None)
        if lts is not None:
            return CheckItem(
                "support", title, "warn",
                said(UPGRADE.long_term_only, minor=cm, where=where, window=window),
                signal,
            )
        if cm > newest:
            newer = said(UPGRADE.newer_than_ga, minor=cm, where=where, window=window)
            return CheckItem("support", title, "pass", newer)
        behind = newest - cm
        if cm < ga[0]:
            level = said(UPGRADE.platform_only if behind == 3 else UPGRADE.unsupported)
            return CheckItem(
                "support", title, "fail",
                said(UPGRADE.out_of_support, minor=cm, where=where, level=level, window=window, oldest=ga[0]),
                signal,
            )
        if cm == ga[0] and len(ga) >= 3:
            return CheckItem(
                "support", title, "warn",
                said(UPGRADE.oldest_supported, minor=cm, where=where, window=window),
                signal,
            )
        within = said(UPGRADE.within_window, minor=cm, where=where, window=window)
        return CheckItem("support", title, "pass", within)
    minors = [m for m in (_minor(c.version) for c in choices if not c.is_preview) if m is not None]
    newest = max([cm, *minors])
    behind = newest - cm
    if behind > 2:
        return CheckItem(
            "support", title, "fail",
            said(UPGRADE.behind_offered, minor=cm, behind=behind, newest=newest),
            signal,
        )
    return CheckItem(
        "support", title, "warn",
        said(UPGRADE.window_unknown, newest=newest, behind=behind, minor=cm),
        signal,
    )


def _state_check(cluster: ManagedCluster, pools: tuple[AgentPool, ...]) -> CheckItem:
    title = said(UPGRADE.provisioning_state)
    failed = [p.name for p in pools if p.failed]
    if cluster.failed or failed:
        what = said(UPGRADE.the_cluster) if cluster.failed else said(UPGRADE.failed_pools, pools=", ".join(failed))
        error = cluster.provisioning_error
        code = said(UPGRADE.error_code, code=error.code) if error else Said("", "")
        return CheckItem(
            "state",
            title,
            "fail",
            said(UPGRADE.failed_first, what=what, code=code),
            "azure.provisioning:Failed",
        )
    busy = [p.name for p in pools if (p.provisioning_state or "Succeeded") not in ("Succeeded", "Canceled")]
    if busy:
        return CheckItem("state", title, "warn", said(UPGRADE.operation_running, pools=", ".join(busy)))
    return CheckItem("state", title, "pass", said(UPGRADE.all_succeeded))


def _identity_check(cluster: ManagedCluster) -> CheckItem | None:
    if cluster.identity.kind != "service-principal":
        return None
    return CheckItem(
        "identity",
        said(UPGRADE.cluster_identity),
        "warn",
        said(UPGRADE.service_principal, sp=cluster.identity.service_principal_client_id),
        "azure.identity:service-principal",
    )


def _pdb_check(facts: ClusterFacts | None) -> CheckItem:
    title = said(UPGRADE.pdbs)
    if facts is None:
        return CheckItem("pdb", title, "warn", said(UPGRADE.pdbs_unread), "azure.upgrade:pdb")
    blocking = [f"{p.namespace}/{p.name}" for p in facts.pdbs if p.disruptions_allowed <= 0]
    if blocking:
        return CheckItem(
            "pdb",
            title,
            "fail",
            said(UPGRADE.pdbs_blocking, count=len(blocking)),
            "azure.upgrade:pdb",
            tuple(blocking),
        )
    return CheckItem("pdb", title, "pass", said(UPGRADE.pdbs_fine, count=len(facts.pdbs)))


def _surge_check(pools: tuple[AgentPool, ...]) -> CheckItem:
    title = said(UPGRADE.surge_capacity)
    unset = [p.name for p in pools if not p.max_surge]
    lines = tuple(
        said(
            UPGRADE.surge_line,
            pool=p.name,
            surge=p.max_surge or said(UPGRADE.surge_unset),
            extra=p.surge(),
            vm=p.vm_size or "VM",
        )
        for p in pools
    )
    zero = [p.name for p in pools if p.surge() == 0]
    if zero:
        return CheckItem(
            "surge", title, "warn", said(UPGRADE.surge_zero, pools=", ".join(zero)), "azure.upgrade:surge", lines
        )
    if unset:
        return CheckItem(
            "surge", title, "warn", said(UPGRADE.surge_not_set, pools=", ".join(unset)), "azure.upgrade:surge", lines
        )
    return CheckItem("surge", title, "pass", said(UPGRADE.surge_set), None, lines)


def subnet_ips_needed(pools: tuple[AgentPool, ...], *, pods_from_subnet: bool) -> int:
    """IPs an upgrade needs from the node subnet: (nodes + surge) nodes, and their pods with Azure CNI (no overlay)."""
    total = 0
    for p in pools:
        nodes = p.count + p.surge()
        total += nodes + (nodes * (p.max_pods or DEFAULT_MAX_PODS) if pods_from_subnet else 0)
    return total


def _subnet_check(cluster: ManagedCluster, pools: tuple[AgentPool, ...]) -> CheckItem:
    title = said(UPGRADE.subnet_headroom)
    needed = subnet_ips_needed(pools, pods_from_subnet=cluster.network.pod_ips_from_subnet)
    if cluster.network.pod_ips_from_subnet:
        return CheckItem(
            "subnet", title, "warn", said(UPGRADE.subnet_per_pod, needed=needed), "azure.upgrade:subnet-ips"
        )
    plugin = cluster.network.plugin or "kubenet"
    mode = f" {cluster.network.plugin_mode}" if cluster.network.plugin_mode else ""
    return CheckItem(
        "subnet", title, "pass", said(UPGRADE.subnet_nodes_only, plugin=plugin, mode=mode, needed=needed)
    )


# Runtime images whose version decides whether they read cgroup v2 limits (aks-facts §3).
_JAVA_NAMES = ("openjdk", "jdk", "jre", "java", "temurin", "zulu", "corretto", "semeru", "tomcat", "jetty")
_VERSION_IN_TAG = re.compile(r"^(\d+)(?:u(\d+))?(?:\.(\d+))?(?:\.(\d+))?")


def _image_parts(image: str) -> tuple[str, str]:
    ref = image.split("@", maxsplit=1)[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    return name.lower(), tag.lower()


def cgroup_v2_risk(image: str) -> Said | None:
    """Why this image may size its memory from the node instead of its limit under cgroup v2 (None: no risk seen)."""
    name, tag = _image_parts(image)
    base = name.rsplit("/", 1)[-1]
    m = _VERSION_IN_TAG.match(tag)
    if any(j in base for j in _JAVA_NAMES):
        if not m:
            return said(UPGRADE.jvm_untagged)
        major, update, minor, patch = (int(g) if g else None for g in m.groups())
        if major is None:
            return None
        if major >= 15:
            return None
        if major == 8 and update is not None:
            return None if update >= 372 else said(UPGRADE.jdk8_old, update=update)
        if major == 11 and patch is not None:
            return None if patch >= 16 else said(UPGRADE.jdk11_old, patch=patch)
        if major in (8, 11):
            return said(UPGRADE.jdk_no_update, major=major)
        return said(UPGRADE.jdk_old, major=major)
    if base == "node" and m:
        major, minor = int(m.group(1)), int(m.group(3) or 0)
        if major < 20 or (major == 20 and m.group(3) is not None and minor < 3):
            return said(UPGRADE.node_js_old, major=major)
        return None
    if "dotnet" in name and m:
        major = int(m.group(1))
        return said(UPGRADE.dotnet_old, major=major) if major < 5 else None
    return None


def _crosses(current: str | None, target: str | None, minor: int) -> bool:
    cm, tm = _minor(current), _minor(target)
    return cm is not None and tm is not None and cm < minor <= tm


def _is_azure_linux(pool: AgentPool) -> bool:
    return (pool.os_sku or "").lower() in ("azurelinux", "cblmariner", "mariner")


def _gotcha_checks(
    current: str | None, target: str | None, pools: tuple[AgentPool, ...], facts: ClusterFacts | None
) -> list[CheckItem]:
    out: list[CheckItem] = []
    if _crosses(current, target, 24):
        out.append(
            CheckItem(
                "sa-tokens",
                said(UPGRADE.sa_token_secrets),
                "warn",
                said(UPGRADE.sa_tokens),
                "azure.upgrade:sa-token-secrets",
            )
        )
    linux = [p for p in pools if (p.os_type or "Linux").lower() == "linux"]
    moving = [
        p.name
        for p in linux
        if (_crosses(current, target, 29) if _is_azure_linux(p) else _crosses(current, target, 25))
    ]
    if moving:
        risky: dict[str, Said] = {}
        for c in facts.containers if facts else ():
            why = cgroup_v2_risk(c.image)
            if why:
                risky.setdefault(f"{c.namespace}/{c.pod} ({c.image})", why)
        items = tuple(said(UPGRADE.affected, workload=k, why=v) for k, v in sorted(risky.items()))
        title = said(UPGRADE.cgroup_v2)
        detail = said(UPGRADE.to_cgroup_v2, pools=", ".join(moving))
        if facts is None:
            out.append(
                CheckItem(
                    "cgroup-v2",
                    title,
                    "warn",
                    said(UPGRADE.images_unread, detail=detail),
                    "runtime:jvm-pre-cgroupv2",
                )
            )
        elif items:
            out.append(
                CheckItem(
                    "cgroup-v2",
                    title,
                    "warn",
                    said(UPGRADE.images_affected, detail=detail, count=len(items)),
                    "runtime:jvm-pre-cgroupv2",
                    items,
                )
            )
        else:
            out.append(CheckItem("cgroup-v2", title, "pass", said(UPGRADE.images_fine, detail=detail)))
    if _crosses(current, target, 35):
        reverted = sorted(
            {f"{c.namespace}/{c.pod}" for c in (facts.containers if facts else ()) if "revert-cgroup-v1" in c.pod}
        )
        out.append(
            CheckItem(
                "cgroup-v1",
                said(UPGRADE.cgroup_v1_refused),
                "fail" if reverted else "warn",
                said(UPGRADE.cgroup_v1_gone),
                "azure.upgrade:cgroup-v1-removed",
                tuple(reverted),
            )
        )
    return out


def _headroom_check(pools: tuple[AgentPool, ...], facts: ClusterFacts | None) -> CheckItem:
    title = said(UPGRADE.node_headroom)
    if facts is None or not facts.nodes:
        return CheckItem("headroom", title, "warn", said(UPGRADE.requests_unread))
    busy = [
        n.name
        for n in facts.nodes
        if (n.cpu_allocatable_m and n.cpu_requested_m / n.cpu_allocatable_m > BUSY_SHARE)
        or (n.memory_allocatable and n.memory_requested / n.memory_allocatable > BUSY_SHARE)
    ]
    # Draining the most loaded node: can the others (plus surge) take its pods?
    biggest = max(facts.nodes, key=lambda n: (n.memory_requested, n.cpu_requested_m))
    others = [n for n in facts.nodes if n is not biggest]
    free_cpu = sum(max(0, n.cpu_allocatable_m - n.cpu_requested_m) for n in others)
    free_mem = sum(max(0, n.memory_allocatable - n.memory_requested) for n in others)
    surge = sum(p.surge() for p in pools)
    if surge > 0:
        free_cpu += biggest.cpu_allocatable_m
        free_mem += biggest.memory_allocatable
    if free_cpu < biggest.cpu_requested_m or free_mem < biggest.memory_requested:
        no_room = said(
            UPGRADE.no_room,
            node=biggest.name,
            cpu=biggest.cpu_requested_m,
            memory=biggest.memory_requested // 2**20,
            free_cpu=free_cpu,
            free_memory=free_mem // 2**20,
        )
        return CheckItem("headroom", title, "fail", no_room, "azure.upgrade:node-headroom")
    if busy:
        return CheckItem(
            "headroom",
            title,
            "warn",
            said(UPGRADE.nodes_busy, count=len(busy), share=int(BUSY_SHARE * 100)),
            "azure.upgrade:node-headroom",
            tuple(busy),
        )
    return CheckItem("headroom", title, "pass", said(UPGRADE.room_enough))


def plan_upgrade(
    cluster: ManagedCluster,
    pools: tuple[AgentPool, ...],
    profile: UpgradeProfile,
    pool_profiles: Mapping[str, PoolUpgradeProfile],
    facts: ClusterFacts | None,
    *,
    target: str | None = None,
    supported: tuple[SupportedMinor, ...] | None = None,
) -> UpgradePlan:
    """The pre-flight checklist for upgrading the control plane (and its pools) to `target` or the best choice.

    `supported` is the region's version list (None when Azure would not give it).
    """
    current = cluster.version or profile.control_plane_version
    choices = version_choices(current, profile.control_plane_upgrades, supported)
    checks: list[CheckItem] = []
    if target is not None:
        target = _resolved(target, current, choices)
        wanted, now = parse_version(target), parse_version(current)
        offered_here = any(c.version == target and c.allowed for c in choices)
        why: str | None = None
        if wanted is None:
            why = said(UPGRADE.not_a_version, target=target)
        elif now is not None and wanted == now:
            why = said(UPGRADE.is_current, target=target)
        elif now is not None and wanted < now:
            why = said(UPGRADE.is_downgrade, target=target, current=current)
        elif not offered_here:
            offered = ", ".join(c.version for c in choices if c.allowed) or said(UPGRADE.none_offered)
            why = said(UPGRADE.not_offered, target=target, current=current, offered=offered)
        if why is not None:
            checks.append(CheckItem("version", said(UPGRADE.target_version), "fail", why, "azure.upgrade:version-skip"))
    else:
        target = pick_target(choices)
        if target is None:
            newest = said(UPGRADE.newest_already, current=current)
            checks.append(CheckItem("version", said(UPGRADE.target_version), "pass", newest))
    checks.append(_support_check(current, choices, supported, cluster.location))
    checks.append(_state_check(cluster, pools))
    identity = _identity_check(cluster)
    if identity:
        checks.append(identity)
    checks.append(_pdb_check(facts))
    checks.append(_surge_check(pools))
    checks.append(_subnet_check(cluster, pools))
    checks.extend(_gotcha_checks(current, target, pools, facts))
    checks.append(_headroom_check(pools, facts))
    images = {x.name: x.node_image_version for x in pools}
    stale = [
        f"{p.pool}: {images.get(p.pool)} → {p.latest_node_image_version}"
        for p in pool_profiles.values()
        if p.latest_node_image_version and p.latest_node_image_version != images.get(p.pool)
    ]
    if stale:
        newer = said(UPGRADE.newer_node_image)
        checks.append(CheckItem("node-image", said(UPGRADE.node_images), "warn", newer, None, tuple(stale)))
    return UpgradePlan(current, target, choices, tuple(checks))
