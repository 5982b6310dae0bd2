"""The upgrade pre-flight checklist: pure rules over what Azure and the cluster say (aks-facts §3, §5, §6).

Inputs are the typed views of `bot.azure.model` plus a few facts read from the cluster (`ClusterFacts`: PDBs,
nodes with their requests, running container images). Output is a plan: the versions the control plane may go to
(no minor skipping, the N-2 window) and one `CheckItem` per concern that passes, warns or fails, each carrying the
knowledge-base signal that explains it. No I/O; the `aks upgrades` handler gathers the inputs.
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
    note: str


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

    One minor at a time (aks-facts §6), except from a minor the region no longer supports: then AKS lets the
    cluster skip straight into the oldest supported minor, and no further.
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
            out.append(VersionChoice(o.version, o.is_preview, False, f"not newer than {current}"))
        elif cm is not None and m is not None and m > cm + 1:
            if out_of_support and m == oldest:
                out.append(
                    VersionChoice(o.version, o.is_preview, True, "skips into the oldest supported minor")
                )
            else:
                out.append(VersionChoice(o.version, o.is_preview, False, f"skips a minor: go to 1.{cm + 1} first"))
        else:
            note = "preview" if o.is_preview else ("patch" if m == cm else "next minor")
            out.append(VersionChoice(o.version, o.is_preview, True, note))
    return tuple(out)


def pick_target(choices: tuple[VersionChoice, ...]) -> str | None:
    """The newest allowed GA version (preview only when nothing else is offered)."""
    ga = [c for c in choices if c.allowed and not c.is_preview]
    pool = ga or [c for c in choices if c.allowed]
    return pool[-1].version if pool else None


_SUPPORT = "Support window (N-2)"


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
    cm = _minor(current)
    signal = "azure.upgrade:version-skip"
    if cm is None:
        return CheckItem("support", _SUPPORT, "warn", "The current version is unknown.")
    ga = sorted(set(_community_minors(supported)))
    if ga:
        where = f" in {location}" if location else ""
        window = ", ".join(f"1.{m}" for m in ga)
        newest = ga[-1]
        lts = next((m for m in supported or () if m.minor == cm and not m.community), None)
        if lts is not None:
            return CheckItem(
                "support", _SUPPORT, "warn",
                f"1.{cm} is supported{where} only as long-term support (AKSLongTermSupport, Premium tier); "
                f"community support covers {window}.",
                signal,
            )
        if cm > newest:
            return CheckItem("support", _SUPPORT, "pass", f"1.{cm} is newer than every GA minor{where} ({window}).")
        behind = newest - cm
        if cm < ga[0]:
            level = (
                "N-3: platform support only (no Kubernetes fixes)" if behind == 3 else "no longer supported at all"
            )
            return CheckItem(
                "support", _SUPPORT, "fail",
                f"1.{cm} is out of support{where} ({level}); supported minors: {window}. From an unsupported "
                f"minor AKS allows a jump straight into 1.{ga[0]}, otherwise one minor at a time.",
                signal,
            )
        if cm == ga[0] and len(ga) >= 3:
            return CheckItem(
                "support", _SUPPORT, "warn",
                f"1.{cm} is the oldest supported minor{where} (supported: {window}); it leaves support 30 days "
                "after the next minor ships.",
                signal,
            )
        return CheckItem("support", _SUPPORT, "pass", f"1.{cm} is within N-2{where} (supported: {window}).")
    minors = [m for m in (_minor(c.version) for c in choices if not c.is_preview) if m is not None]
    newest = max([cm, *minors])
    behind = newest - cm
    if behind > 2:
        return CheckItem(
            "support", _SUPPORT, "fail",
            f"1.{cm} is {behind} minors behind the newest offered upgrade (1.{newest}): outside the N-2 window, "
            "at best platform support. Upgrade one minor at a time.",
            signal,
        )
    return CheckItem(
        "support", _SUPPORT, "warn",
        f"The region's version list could not be read, so the window is unknown: upgrades are offered up to "
        f"1.{newest} ({behind} minor(s) ahead of 1.{cm}). `az aks get-versions -l <region>` shows it.",
        signal,
    )


def _state_check(cluster: ManagedCluster, pools: tuple[AgentPool, ...]) -> CheckItem:
    failed = [p.name for p in pools if (p.provisioning_state or "").lower() == "failed"]
    if cluster.failed or failed:
        what = "the cluster" if cluster.failed else "pool(s) " + ", ".join(failed)
        code = f" ({cluster.provisioning_error.code})" if cluster.provisioning_error else ""
        return CheckItem(
            "state",
            "Provisioning state",
            "fail",
            f"{what} is in the Failed state{code}: reconcile first (`/k8s aks reconcile`, i.e. `az aks update` with "
            "no arguments), then upgrade.",
            "azure.provisioning:Failed",
        )
    busy = [p.name for p in pools if (p.provisioning_state or "Succeeded") not in ("Succeeded", "Canceled")]
    if busy:
        return CheckItem(
            "state", "Provisioning state", "warn", f"An operation is running on {', '.join(busy)}; wait for it."
        )
    return CheckItem("state", "Provisioning state", "pass", "Cluster and pools are Succeeded.")


def _identity_check(cluster: ManagedCluster) -> CheckItem | None:
    if cluster.identity.kind != "service-principal":
        return None
    return CheckItem(
        "identity",
        "Cluster identity",
        "warn",
        f"The cluster uses service principal `{cluster.identity.service_principal_client_id}`; an expired secret "
        "fails the upgrade. Check it first: `az ad app credential list --id "
        f'{cluster.identity.service_principal_client_id} --query "[].endDateTime"`.',
        "azure.identity:service-principal",
    )


def _pdb_check(facts: ClusterFacts | None) -> CheckItem:
    if facts is None:
        return CheckItem(
            "pdb", "PodDisruptionBudgets", "warn", "Could not read the cluster's PDBs.", "azure.upgrade:pdb"
        )
    blocking = [f"{p.namespace}/{p.name}" for p in facts.pdbs if p.disruptions_allowed <= 0]
    if blocking:
        return CheckItem(
            "pdb",
            "PodDisruptionBudgets",
            "fail",
            f"{len(blocking)} PDB(s) allow 0 disruptions: the drain stops on them and the upgrade fails after the "
            "drain timeout (30 min by default). Scale the workload up or relax the PDB first.",
            "azure.upgrade:pdb",
            tuple(blocking),
        )
    return CheckItem("pdb", "PodDisruptionBudgets", "pass", f"{len(facts.pdbs)} PDB(s), none at 0 allowed disruptions.")


def _surge_check(pools: tuple[AgentPool, ...]) -> CheckItem:
    unset = [p.name for p in pools if not p.max_surge]
    lines = tuple(
        f"{p.name}: maxSurge {p.max_surge or 'unset'} → {p.surge()} extra {p.vm_size or 'VM'}(s)" for p in pools
    )
    zero = [p.name for p in pools if p.surge() == 0]
    if zero:
        return CheckItem(
            "surge",
            "Surge capacity",
            "warn",
            f"maxSurge gives 0 extra nodes on {', '.join(zero)}: nodes are drained without a replacement first.",
            "azure.upgrade:surge",
            lines,
        )
    if unset:
        return CheckItem(
            "surge",
            "Surge capacity",
            "warn",
            f"maxSurge is not set on {', '.join(unset)}; AKS then surges 10% (one page says 1 node). 33% is "
            "recommended for production; every surge node needs vCPU quota and IPs.",
            "azure.upgrade:surge",
            lines,
        )
    return CheckItem(
        "surge",
        "Surge capacity",
        "pass",
        "Surge is set on every pool; make sure the vCPU quota covers it.",
        None,
        lines,
    )


def subnet_ips_needed(pools: tuple[AgentPool, ...], *, pods_from_subnet: bool) -> int:
    """IPs an upgrade needs from the node subnet: (nodes + surge) nodes, and their pods with Azure CNI (no overlay)."""
    total = 0
    for p in pools:
        nodes = p.count + p.surge()
        total += nodes + (nodes * (p.max_pods or DEFAULT_MAX_PODS) if pods_from_subnet else 0)
    return total


def _subnet_check(cluster: ManagedCluster, pools: tuple[AgentPool, ...]) -> CheckItem:
    needed = subnet_ips_needed(pools, pods_from_subnet=cluster.network.pod_ips_from_subnet)
    if cluster.network.pod_ips_from_subnet:
        return CheckItem(
            "subnet",
            "Subnet IP headroom",
            "warn",
            f"Azure CNI without overlay gives every pod a subnet IP: the upgrade needs {needed:,} IPs in the node "
            "subnet(s) ((nodes + surge) × (1 + maxPods)). Check the free addresses "
            "(`az network vnet subnet show … --query ipConfigurations`) or the upgrade fails with SubnetIsFull.",
            "azure.upgrade:subnet-ips",
        )
    plugin = cluster.network.plugin or "kubenet"
    mode = f" {cluster.network.plugin_mode}" if cluster.network.plugin_mode else ""
    return CheckItem(
        "subnet", "Subnet IP headroom", "pass", f"{plugin}{mode}: pods do not take subnet IPs; nodes need {needed}."
    )


# Runtime images whose version decides whether they read cgroup v2 limits (aks-facts §3).
_JAVA_NAMES = ("openjdk", "jdk", "jre", "java", "temurin", "zulu", "corretto", "semeru", "tomcat", "jetty")
_VERSION_IN_TAG = re.compile(r"^(\d+)(?:u(\d+))?(?:\.(\d+))?(?:\.(\d+))?")


def _image_parts(image: str) -> tuple[str, str]:
    ref = image.split("@", maxsplit=1)[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    return name.lower(), tag.lower()


def cgroup_v2_risk(image: str) -> str | None:
    """Why this image may size its memory from the node instead of its limit under cgroup v2 (None: no risk seen)."""
    name, tag = _image_parts(image)
    base = name.rsplit("/", 1)[-1]
    m = _VERSION_IN_TAG.match(tag)
    if any(j in base for j in _JAVA_NAMES):
        if not m:
            return "JVM image without a version in its tag: check it is 8u372, 11.0.16 (AKS: 11.0.18) or 15+"
        major, update, minor, patch = (int(g) if g else None for g in m.groups())
        if major is None:
            return None
        if major >= 15:
            return None
        if major == 8 and update is not None:
            return None if update >= 372 else f"JDK 8u{update} is not cgroup-v2 aware (needs 8u372+)"
        if major == 11 and patch is not None:
            return (
                None if patch >= 16 else f"JDK 11.0.{patch} is not cgroup-v2 aware (needs 11.0.16+, AKS says 11.0.18+)"
            )
        if major in (8, 11):
            return f"JDK {major} without an exact update in the tag: make sure it is 8u372+ / 11.0.16+"
        return f"JDK {major} is not cgroup-v2 aware (needs 15+)"
    if base == "node" and m:
        major, minor = int(m.group(1)), int(m.group(3) or 0)
        if major < 20 or (major == 20 and m.group(3) is not None and minor < 3):
            return f"Node.js {major} does not reliably read cgroup v2 limits (needs 20.3+; set --max-old-space-size)"
        return None
    if "dotnet" in name and m:
        major = int(m.group(1))
        return f".NET {major} is not cgroup-v2 aware (needs 5.0+)" if major < 5 else None
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
                "1.24: service-account token Secrets",
                "warn",
                "From 1.24 ServiceAccount token Secrets are no longer created automatically: anything reading "
                "`secrets[0]` of a ServiceAccount must use TokenRequest or create the Secret itself.",
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
        risky: dict[str, str] = {}
        for c in facts.containers if facts else ():
            why = cgroup_v2_risk(c.image)
            if why:
                risky.setdefault(f"{c.namespace}/{c.pod} ({c.image})", why)
        items = tuple(f"{k}: {v}" for k, v in sorted(risky.items()))
        detail = (
            f"Pools {', '.join(moving)} move to cgroup v2 (Ubuntu at 1.25, Azure Linux at 1.29). "
            "Runtimes that are not cgroup-v2 aware size their heap from node RAM and get OOMKilled."
        )
        if facts is None:
            out.append(
                CheckItem(
                    "cgroup-v2",
                    "cgroup v2",
                    "warn",
                    detail + " Could not list running images.",
                    "runtime:jvm-pre-cgroupv2",
                )
            )
        elif items:
            out.append(
                CheckItem(
                    "cgroup-v2",
                    "cgroup v2",
                    "warn",
                    detail + f" {len(items)} workload(s) look affected.",
                    "runtime:jvm-pre-cgroupv2",
                    items,
                )
            )
        else:
            out.append(CheckItem("cgroup-v2", "cgroup v2", "pass", detail + " No running image looks affected."))
    if _crosses(current, target, 35):
        reverted = sorted(
            {f"{c.namespace}/{c.pod}" for c in (facts.containers if facts else ()) if "revert-cgroup-v1" in c.pod}
        )
        out.append(
            CheckItem(
                "cgroup-v1",
                "1.35: cgroup v1 refused",
                "fail" if reverted else "warn",
                "From 1.35 the kubelet refuses to start on cgroup v1: nodes reverted with the revert-cgroup-v1 "
                "DaemonSet will not come up. Fix the runtimes instead of reverting.",
                "azure.upgrade:cgroup-v1-removed",
                tuple(reverted),
            )
        )
    return out


def _headroom_check(pools: tuple[AgentPool, ...], facts: ClusterFacts | None) -> CheckItem:
    if facts is None or not facts.nodes:
        return CheckItem("headroom", "Node resource headroom", "warn", "Could not read node requests.")
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
        return CheckItem(
            "headroom",
            "Node resource headroom",
            "fail",
            f"Draining {biggest.name} needs {biggest.cpu_requested_m}m CPU and "
            f"{biggest.memory_requested // 2**20} MiB requested elsewhere; the rest of the cluster has "
            f"{free_cpu}m and {free_mem // 2**20} MiB free. Add a node or surge first.",
            "azure.upgrade:node-headroom",
        )
    if busy:
        return CheckItem(
            "headroom",
            "Node resource headroom",
            "warn",
            f"{len(busy)} node(s) have more than {int(BUSY_SHARE * 100)}% of CPU or memory requested; pods moved "
            "off a drained node may wait for the surge node.",
            "azure.upgrade:node-headroom",
            tuple(busy),
        )
    return CheckItem("headroom", "Node resource headroom", "pass", "The other nodes can take a drained node's pods.")


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
        chosen = next((c for c in choices if c.version == target), None)
        if chosen is None:
            offered = ", ".join(c.version for c in choices) or "none"
            checks.append(
                CheckItem(
                    "version",
                    "Target version",
                    "fail",
                    f"{target} is not offered from {current} (offered: {offered}).",
                    "azure.upgrade:version-skip",
                )
            )
        elif not chosen.allowed:
            checks.append(
                CheckItem(
                    "version", "Target version", "fail", f"{target}: {chosen.note}.", "azure.upgrade:version-skip"
                )
            )
    else:
        target = pick_target(choices)
        if target is None:
            checks.append(CheckItem("version", "Target version", "pass", f"{current} is the newest version offered."))
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
        checks.append(
            CheckItem(
                "node-image",
                "Node images",
                "warn",
                "A newer node image exists (a Kubernetes upgrade brings it too; `/k8s aks upgrade-node-image POOL` "
                "applies it alone).",
                None,
                tuple(stale),
            )
        )
    return UpgradePlan(current, target, choices, tuple(checks))
