"""`aks show`, `aks pools`, `aks upgrades`, `aks snat`: what only Azure knows about a cluster.

Each handler reads through `deps.azure.client(call.cluster)` (the AKS resource provider) and, for the upgrade
checklist, `deps.clusters.reader(call.cluster)`; the arithmetic lives in `handlers.rules.snat` and
`handlers.rules.upgrade`. Results point to the knowledge-base entry that explains each finding, found by the entry's
live signal (`azure.provisioning:Failed`, `azure.snat:pressure` …), so the link follows the knowledge base.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.azure.model import AgentPool, ManagedCluster, PoolUpgradeProfile
from bot.blocks import Actions, Block, Button, Code, Context, Fields, Heading, Level, Notice, Table, Text, View
from bot.cluster.ports import ClusterReader
from bot.deps import Deps
from bot.errors import AksbotError, Forbidden, NotFound
from bot.i18n import AKS as W
from bot.refs import CommandRef
from bot.registry import ClusterCall, Lang, NoArgs, Scope, command
from handlers.args import KbShowArgs, SnatArgs, UpgradesArgs
from handlers.rules.snat import SnatBudget, cluster_budget
from handlers.rules.upgrade import CheckItem, ClusterFacts, ContainerFact, NodeFact, PdbFact, UpgradePlan, plan_upgrade

# The entry written for each finding, preferred over any other entry that merely mentions the signal.
FALLBACK_ENTRIES: Mapping[str, str] = {
    "azure.provisioning:Failed": "reconcile-failed-state",
    "azure.identity:service-principal": "sp-expired",
    "azure.snat:pressure": "snat-exhaustion",
    "azure.upgrade:surge": "upgrade-blocked",
    "azure.upgrade:node-headroom": "upgrade-blocked",
    "azure.upgrade:sa-token-secrets": "upgrade-blocked",
    "azure.upgrade:cgroup-v1-removed": "java-oom-cgroupv2",
    "azure.servicemesh:Istio": "istio-sidecar",
}


def entry_for(deps: Deps, signal: str | None) -> str | None:
    """The id of the knowledge-base entry that explains `signal`: the dedicated entry, else one declaring it."""
    if signal is None or deps.knowledge is None:
        return None
    preferred = FALLBACK_ENTRIES.get(signal)
    if preferred and deps.knowledge.get(preferred) is not None:
        return preferred
    for entry in deps.knowledge.entries():
        if signal in entry.signals:
            return entry.id
    return None


def _mesh(cluster: ManagedCluster, lang: Lang) -> str:
    """The Istio add-on's revision, or the two of a canary upgrade in progress (the older first)."""
    revisions = cluster.istio_revisions
    if len(revisions) >= 2:
        return W.istio_canary(lang, old=revisions[0], new=revisions[-1])
    return W.istio_addon(lang, revisions=", ".join(revisions))


def _see(lang: Lang, entry: str | None) -> str:
    """" See `/k8s kb show ENTRY`." — pointing at the runbook, when there is one."""
    return W.see(lang, command=CommandRef("kb show", KbShowArgs(entry=entry)).text()) if entry else ""


# -- aks show -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AksShowResult:
    cluster_name: str
    cluster: ManagedCluster
    failed_entry: str | None = None
    sp_entry: str | None = None
    nap_entry: str | None = None
    istio_entry: str | None = None
    lang: Lang = "en"

    def view(self) -> View:
        c = self.cluster
        lang = self.lang
        net = c.network
        plugin = " ".join(x for x in (net.plugin, net.plugin_mode) if x) or "unknown"
        identity = {
            "service-principal": f"service principal `{c.identity.service_principal_client_id}`",
            "system-assigned": "system-assigned managed identity",
            "user-assigned": "user-assigned managed identity",
            "unknown": "unknown",
        }[c.identity.kind]
        state = c.provisioning_state or "unknown"
        blocks: list[Block] = [
            Heading(W.cluster_heading(lang, name=c.name)),
            Fields(
                (
                    (W.kubernetes(lang), c.version or "unknown"),
                    (W.state(lang), f"{state}, power {c.power_state or 'unknown'}"),
                    (W.network(lang), f"{plugin}" + (f", policy {net.policy}" if net.policy else "")),
                    (W.outbound(lang), net.outbound_type),
                    (W.identity(lang), identity),
                    (W.auto_upgrade(lang), c.auto_upgrade_channel or "none"),
                    (W.node_os_upgrade(lang), c.node_os_upgrade_channel or "unset"),
                    (W.node_resource_group(lang), c.node_resource_group or "unknown"),
                    (W.location(lang), c.location or "unknown"),
                    (W.pools(lang), ", ".join(f"{p.name} ({p.count})" for p in c.pools) or "none"),
                    *(((W.node_provisioning(lang), c.node_provisioning_mode or ""),) if c.auto_provisioned else ()),
                    *(((W.service_mesh(lang), _mesh(c, lang)),) if c.istio_revisions else ()),
                    *(((W.monitoring(lang), W.container_insights_on(lang)),) if c.container_insights else ()),
                )
            ),
        ]
        if c.auto_provisioned:
            blocks.append(Context(W.auto_provisioned(lang, see=_see(lang, self.nap_entry))))
        if c.istio_revisions:
            labels = " / ".join(f"`istio.io/rev={r}`" for r in c.istio_revisions)
            blocks.append(Context(W.istio_label(lang, labels=labels, see=_see(lang, self.istio_entry))))
        failed_pools = [p for p in c.pools if (p.provisioning_state or "").lower() == "failed"]
        if c.failed or failed_pools:
            what = "The cluster" if c.failed else "Pool(s) " + ", ".join(p.name for p in failed_pools)
            err = c.provisioning_error
            reason = f" Azure's error: `{err.code}`: {err.message}" if err else ""
            reconcile = CommandRef("aks reconcile", NoArgs(), cluster=self.cluster_name)
            failed = W.failed_state(
                lang,
                what=what,
                reason=reason,
                target=c.az_target,
                reconcile=reconcile.text(),
                see=_see(lang, self.failed_entry),
            )
            blocks.append(Notice(failed, Level.ERROR))
            blocks.append(Actions((Button("Reconcile", reconcile, "danger"),)))
        if c.identity.kind == "service-principal":
            sp = c.identity.service_principal_client_id
            check = f'`az ad app credential list --id {sp} --query "[].endDateTime"`'
            renew = (
                f"`az ad app credential reset --id {sp}`, `az aks update-credentials {c.az_target} "
                f"--reset-service-principal --service-principal {sp} --client-secret NEW`"
            )
            migrate = f"`az aks update {c.az_target} --enable-managed-identity`"
            principal = W.service_principal(
                lang, sp=sp, check=check, renew=renew, migrate=migrate, see=_see(lang, self.sp_entry)
            )
            blocks.append(Notice(principal, Level.WARN))
        if c.fqdn:
            blocks.append(Context(f"API server {c.fqdn}"))
        return View(f"AKS {c.name}: {c.version or '?'}, {state}", tuple(blocks))


@command("aks show", args=NoArgs, scope=Scope.CLUSTER, examples=("/k8s aks show",))
def aks_show(call: ClusterCall[NoArgs], deps: Deps) -> AksShowResult:
    """Show the AKS cluster as Azure sees it: version, state, network, outbound type, identity, upgrade channel.

    A Failed cluster gets its Azure error and a Reconcile button, a service principal its expiry check. Nodes from
    node auto-provisioning (Karpenter), the Istio add-on (its revision and the namespace label it needs) and
    Container Insights are named when they are on.
    """
    cluster_name = call.cluster
    cluster = deps.azure.client(cluster_name).cluster()
    return AksShowResult(
        cluster_name,
        cluster,
        failed_entry=entry_for(deps, "azure.provisioning:Failed"),
        sp_entry=entry_for(deps, "azure.identity:service-principal"),
        nap_entry=entry_for(deps, "azure.nodeprovisioning:Auto"),
        istio_entry=entry_for(deps, "azure.servicemesh:Istio"),
        lang=call.lang,
    )


# -- aks pools ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AksPoolsResult:
    cluster_name: str
    pools: tuple[AgentPool, ...]
    profiles: Mapping[str, PoolUpgradeProfile | None] = field(default_factory=dict)

    def newer_image(self, pool: AgentPool) -> str:
        profile = self.profiles.get(pool.name)
        if profile is None:
            return "?"
        latest = profile.latest_node_image_version
        return latest if latest and latest != pool.node_image_version else "no"

    def view(self) -> View:
        # A pool has more to say than a table row fits in a chat pane: one block of label/value pairs per pool.
        blocks: list[Block] = [Heading(f"Node pools of {self.cluster_name}")]
        for p in self.pools:
            scale = f"{p.count}"
            if p.autoscaling:
                scale += f" (autoscaling {p.min_count}–{p.max_count})"
            blocks.append(
                Fields(
                    (
                        ("Pool", f"*{p.name}* ({p.mode or '?'}, {p.provisioning_state or '?'})"),
                        ("VM size", p.vm_size or "?"),
                        ("Nodes", scale),
                        ("Kubernetes", p.version or "?"),
                        ("Node image", p.node_image_version or "?"),
                        ("Newer image", self.newer_image(p)),
                        ("OS", p.os_sku or p.os_type or "?"),
                        ("Max pods", str(p.max_pods or "?")),
                        ("Max surge", p.max_surge or "unset (10%)"),
                    )
                )
            )
        stale = [p.name for p in self.pools if self.newer_image(p) not in ("no", "?")]
        if stale:
            blocks.append(
                Notice(
                    f"A newer node image exists for {', '.join(stale)}: "
                    + ", ".join(f"`/k8s aks upgrade-node-image {n}`" for n in stale)
                    + " applies it (one node at a time, with surge).",
                    Level.INFO,
                )
            )
        failed = [p.name for p in self.pools if (p.provisioning_state or "").lower() == "failed"]
        if failed:
            blocks.append(Notice(f"Pool(s) {', '.join(failed)} are Failed; see `/k8s aks show`.", Level.ERROR))
        return View(f"{len(self.pools)} node pool(s) in {self.cluster_name}", tuple(blocks))


@command("aks pools", args=NoArgs, scope=Scope.CLUSTER, examples=("/k8s aks pools",))
def aks_pools(call: ClusterCall[NoArgs], deps: Deps) -> AksPoolsResult:
    """List the node pools: mode, VM size, node counts and autoscaling, version, node image and OS."""
    cluster_name = call.cluster
    client = deps.azure.client(cluster_name)
    pools = client.pools()
    profiles: dict[str, PoolUpgradeProfile | None] = {}
    for p in pools:
        try:
            profiles[p.name] = client.pool_upgrade_profile(p.name)
        except NotFound:
            profiles[p.name] = None
    return AksPoolsResult(cluster_name, pools, profiles)


# -- aks upgrades -------------------------------------------------------------------------------------------


_MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}


@dataclass(frozen=True)
class AksUpgradesResult:
    cluster_name: str
    plan: UpgradePlan
    entries: Mapping[str, str] = field(default_factory=dict)
    facts_error: str | None = None
    lang: Lang = "en"

    def _row(self, c: CheckItem) -> tuple[str, str, str, str]:
        entry = self.entries.get(c.signal or "")
        return (_MARK[c.status], c.title, c.detail, f"/k8s kb show {entry}" if entry else "")

    def view(self) -> View:
        p = self.plan
        offered = p.target is None or any(c.version == p.target and c.allowed for c in p.choices)
        target = (p.target or "—") + ("" if offered else " (not allowed)")
        blocks: list[Block] = [Heading(f"Upgrade pre-flight for {self.cluster_name}: {p.current or '?'} → {target}")]
        if p.choices:
            blocks.append(
                Table(
                    ("version", "allowed", "note"),
                    tuple((c.version, "yes" if c.allowed else "no", c.note) for c in p.choices),
                    title="Versions Azure offers",
                )
            )
        else:
            blocks.append(Text("Azure offers no newer version for the control plane."))
        blocks.append(
            Table(("result", "check", "detail", "read"), tuple(self._row(c) for c in p.checks), title="Checklist")
        )
        for c in p.checks:
            if c.items:
                blocks.append(
                    Code(
                        "\n".join(c.items[:30]) + (f"\n… {len(c.items) - 30} more" if len(c.items) > 30 else ""),
                        title=c.title,
                    )
                )
        if self.facts_error:
            blocks.append(Context(f"Cluster checks were limited: {self.facts_error}"))
        level = {"pass": Level.OK, "warn": Level.WARN, "fail": Level.ERROR}[p.status]
        verdict = {"pass": W.ready_to_upgrade, "warn": W.read_the_warnings, "fail": W.fix_failures}[p.status]
        blocks.append(Notice(W.preflight(self.lang, verdict=verdict(self.lang)), level))
        return View(f"Upgrade pre-flight {p.current or '?'} → {p.target or '—'}: {p.status}", tuple(blocks))


_FINISHED = frozenset({"Succeeded", "Failed"})


def read_cluster_facts(reader: ClusterReader) -> ClusterFacts:
    """The facts the upgrade checklist needs: PodDisruptionBudgets, each node's allocatable resources and what the
    pods on it request, and the images of the containers that run. Finished pods (Succeeded, Failed) hold no
    resources and run no runtime, so they are left out."""
    pdbs = tuple(PdbFact(p.namespace, p.name, p.disruptions_allowed) for p in reader.pdbs(None))
    pods = [p for p in reader.pods(None) if p.phase not in _FINISHED]
    cpu: dict[str, int] = defaultdict(int)
    memory: dict[str, int] = defaultdict(int)
    for pod in pods:
        if pod.node:
            requests = pod.requests
            cpu[pod.node] += requests.cpu_m or 0
            memory[pod.node] += requests.memory or 0
    nodes = tuple(
        NodeFact(
            n.name, n.pool or None, n.allocatable.cpu_m or 0, n.allocatable.memory or 0, cpu[n.name], memory[n.name]
        )
        for n in reader.nodes()
    )
    containers = tuple(
        ContainerFact(pod.namespace, pod.name, c.name, c.image) for pod in pods for c in pod.containers if c.image
    )
    return ClusterFacts(pdbs, nodes, containers)


def _facts(deps: Deps, cluster: str) -> tuple[ClusterFacts | None, str | None]:
    """PDBs, nodes and running images for the checklist; on failure the checklist says what it could not check."""
    try:
        return read_cluster_facts(deps.clusters.reader(cluster)), None
    except AksbotError as exc:
        return None, exc.message


@command(
    "aks upgrades",
    args=UpgradesArgs,
    scope=Scope.CLUSTER,
    examples=("/k8s aks upgrades", "/k8s aks upgrades --to 1.30.5"),
)
def aks_upgrades(call: ClusterCall[UpgradesArgs], deps: Deps) -> AksUpgradesResult:
    """Show the Kubernetes versions you can upgrade to, with a pre-flight checklist (PDBs, surge, IPs, gotchas)."""
    cluster_name = call.cluster
    client = deps.azure.client(cluster_name)
    cluster = client.cluster()
    pools = client.pools()
    profile = client.upgrade_profile()
    pool_profiles: dict[str, PoolUpgradeProfile] = {}
    for p in pools:
        try:
            pool_profiles[p.name] = client.pool_upgrade_profile(p.name)
        except NotFound:
            continue
    supported = None
    if cluster.location:
        try:
            supported = client.supported_versions(cluster.location) or None
        except (NotFound, Forbidden):
            # The checklist says the window is unknown rather than failing the whole answer.
            supported = None
    facts, error = _facts(deps, cluster_name)
    plan = plan_upgrade(cluster, pools, profile, pool_profiles, facts, target=call.args.to, supported=supported)
    entries = {c.signal: e for c in plan.checks if c.signal and (e := entry_for(deps, c.signal))}
    return AksUpgradesResult(cluster_name, plan, entries, error, call.lang)


# -- aks snat -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AksSnatResult:
    cluster_name: str
    budget: SnatBudget
    entry: str | None = None
    lang: Lang = "en"

    def view(self) -> View:
        b = self.budget
        fields: list[tuple[str, str]] = [
            ("Outbound type", b.inputs.outbound_type),
            ("Outbound IPs", f"{b.inputs.outbound_ips} ({b.inputs.ip_source})"),
        ]
        if b.total_ports is not None:
            fields.append(("Ports in all", f"{b.total_ports:,}"))
        if b.ports_per_node is not None:
            fields.append(("Ports per node", f"{b.ports_per_node:,}"))
        if b.max_nodes is not None:
            fields.append(("Maximum nodes", f"{b.max_nodes:,}"))
        fields.append(("Nodes now / at peak", f"{b.current_nodes} / {b.peak_nodes}"))
        if b.headroom is not None:
            fields.append(("Headroom at peak", f"{b.headroom} node(s)"))
        blocks: list[Block] = [Heading(f"SNAT budget of {self.cluster_name}"), Fields(tuple(fields))]
        blocks.extend(Text(f"• {f}") for f in b.findings)
        if b.inputs.pools:
            blocks.append(
                Table(
                    ("pool", "nodes", "peak", "surge"),
                    tuple((p.name, str(p.count), str(p.peak), str(p.surge)) for p in b.inputs.pools),
                    title="Nodes counted",
                )
            )
        if b.what_if is not None:
            w = b.what_if
            blocks.append(Notice(f"With {w.nodes} nodes: {w.detail}.", Level.OK if w.fits else Level.ERROR))
        if b.pressure:
            blocks.append(Notice(W.snat_tight(self.lang) + _see(self.lang, self.entry), Level.WARN))
        for r in b.recommendations:
            blocks.append(Text(f"→ {r.text}"))
            if r.command:
                blocks.append(Code(r.command))
        summary = f"SNAT {self.cluster_name}: " + (
            f"{b.ports_per_node:,} ports/node, max {b.max_nodes} nodes"
            if b.ports_per_node is not None and b.max_nodes is not None
            else b.mode
        )
        return View(summary, tuple(blocks))


@command("aks snat", args=SnatArgs, scope=Scope.CLUSTER, examples=("/k8s aks snat", "/k8s aks snat --nodes 80"))
def aks_snat(call: ClusterCall[SnatArgs], deps: Deps) -> AksSnatResult:
    """Show the SNAT port budget: ports per node, the most nodes it allows, and what scaling would do."""
    cluster_name = call.cluster
    cluster = deps.azure.client(cluster_name).cluster()
    budget = cluster_budget(cluster, call.args.nodes)
    return AksSnatResult(cluster_name, budget, entry_for(deps, "azure.snat:pressure"), call.lang)
