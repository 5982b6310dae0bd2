"""`aks show`, `aks pools`, `aks upgrades`, `aks snat`: what only Azure knows about a cluster.

Each handler reads through `deps.azure.client(call.cluster)` (the AKS resource provider) and, for the upgrade
checklist, `deps.clusters.reader(call.cluster)`; the arithmetic lives in `handlers.rules.snat` and
`handlers.rules.upgrade`. Results point to the knowledge-base entry that explains each finding, found by the entry's
live signal (`azure.provisioning:Failed`, `azure.snat:pressure` …), so the link follows the knowledge base.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.azure.model import AgentPool, ManagedCluster, PoolUpgradeProfile
from bot.blocks import Actions, Block, Button, Code, Context, Fields, Heading, Level, Notice, Table, Text, View
from bot.cluster.ports import ClusterReader
from bot.deps import Deps
from bot.errors import AksbotError, Forbidden, NotFound
from bot.i18n import AKS as W
from bot.i18n import FINDING, Msg, in_lang
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
        unknown = W.unknown(lang)
        plugin = " ".join(x for x in (net.plugin, net.plugin_mode) if x) or unknown
        identity = {
            "service-principal": W.identity_sp(lang, sp=c.identity.service_principal_client_id),
            "system-assigned": W.identity_system(lang),
            "user-assigned": W.identity_user(lang),
            "unknown": unknown,
        }[c.identity.kind]
        state = c.provisioning_state or "unknown"
        state_and_power = W.state_power(lang, state=c.provisioning_state or unknown, power=c.power_state or unknown)
        network = W.network_policy(lang, plugin=plugin, policy=net.policy) if net.policy else plugin
        blocks: list[Block] = [
            Heading(W.cluster_heading(lang, name=c.name)),
            Fields(
                (
                    (W.kubernetes(lang), c.version or unknown),
                    (W.state(lang), state_and_power),
                    (W.network(lang), network),
                    (W.outbound(lang), net.outbound_type),
                    (W.identity(lang), identity),
                    (W.auto_upgrade(lang), c.auto_upgrade_channel or W.none(lang)),
                    (W.node_os_upgrade(lang), c.node_os_upgrade_channel or W.unset(lang)),
                    (W.node_resource_group(lang), c.node_resource_group or unknown),
                    (W.location(lang), c.location or unknown),
                    (W.pools(lang), ", ".join(f"{p.name} ({p.count})" for p in c.pools) or W.none(lang)),
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
        failed_pools = [p for p in c.pools if p.failed]
        if c.failed or failed_pools:
            pools = ", ".join(p.name for p in failed_pools)
            what = W.the_cluster(lang) if c.failed else W.failed_pools(lang, pools=pools)
            err = c.provisioning_error
            reason = W.azure_error(lang, code=err.code, message=err.message) if err else ""
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
            blocks.append(Actions((Button(FINDING.reconcile(lang), reconcile, "danger"),)))
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
            blocks.append(Context(W.api_server(lang, fqdn=c.fqdn)))
        return View(f"AKS {c.name}: {c.version or '?'}, {state}", tuple(blocks))


@command("aks show", args=NoArgs, scope=Scope.CLUSTER, aliases=("aks 集群",), examples=("/k8s aks show",))
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


def registered_nodes(deps: Deps, cluster: str) -> Mapping[str, int] | None:
    """How many nodes of each pool are registered in the cluster (its Kubernetes nodes, by pool label); None when they
    could not be read. Azure's count is the pool's goal: after a failed or unfinished operation the two differ."""
    try:
        nodes = deps.clusters.reader(cluster).nodes()
    except AksbotError:
        return None
    return Counter(n.pool for n in nodes if n.pool)


def not_ready_nodes(deps: Deps, cluster: str) -> Mapping[str, int] | None:
    """How many nodes of each pool are registered but not Ready (NotReady or Unknown): Azure still counts them, so a
    pool's count alone hides a dead node. None when the nodes could not be read."""
    try:
        nodes = deps.clusters.reader(cluster).nodes()
    except AksbotError:
        return None
    return Counter(n.pool for n in nodes if n.pool and n.ready != "True")


def nodes_shown(pool: AgentPool, registered: Mapping[str, int] | None, lang: Lang) -> str:
    """A pool's node count as Azure's goal, with the registered count beside it when they differ: `5 (3 in the
    cluster)`."""
    have = registered.get(pool.name, 0) if registered is not None else None
    if have is None or pool.count is None or have == pool.count:
        return f"{pool.count}"
    return W.nodes_registered(lang, goal=pool.count, have=have)


@dataclass(frozen=True)
class AksPoolsResult:
    cluster_name: str
    pools: tuple[AgentPool, ...]
    profiles: Mapping[str, PoolUpgradeProfile | None] = field(default_factory=dict)
    lang: Lang = "en"
    registered: Mapping[str, int] | None = None  # nodes in the cluster per pool; None when not read
    not_ready: Mapping[str, int] | None = None  # of those, the ones not Ready; None when not read

    def newer_image(self, pool: AgentPool) -> str:
        profile = self.profiles.get(pool.name)
        if profile is None:
            return "?"
        latest = profile.latest_node_image_version
        return latest if latest and latest != pool.node_image_version else "no"

    def view(self) -> View:
        lang = self.lang
        # A pool has more to say than a table row fits in a chat pane: one block of label/value pairs per pool.
        blocks: list[Block] = [Heading(W.pools_heading(lang, name=self.cluster_name))]
        for p in self.pools:
            scale = nodes_shown(p, self.registered, lang)
            if p.autoscaling:
                scale += W.autoscaling(lang, min=p.min_count, max=p.max_count)
            down = (self.not_ready or {}).get(p.name, 0)
            if down:
                scale += W.nodes_not_ready(lang, count=down)
            newer = self.newer_image(p)
            blocks.append(
                Fields(
                    (
                        (W.pool(lang), f"*{p.name}* ({p.mode or '?'}, {p.provisioning_state or '?'})"),
                        (W.vm_size(lang), p.vm_size or "?"),
                        (W.nodes(lang), scale),
                        (W.kubernetes(lang), p.version or "?"),
                        (W.node_image(lang), p.node_image_version or "?"),
                        (W.newer_image(lang), W.no_newer_image(lang) if newer == "no" else newer),
                        (W.os(lang), p.os_sku or p.os_type or "?"),
                        (W.max_pods(lang), str(p.max_pods or "?")),
                        (W.max_surge(lang), p.max_surge or W.surge_default(lang)),
                    )
                )
            )
        stale = [p.name for p in self.pools if self.newer_image(p) not in ("no", "?")]
        if stale:
            commands = ", ".join(f"`/k8s aks upgrade-node-image {n}`" for n in stale)
            blocks.append(Notice(W.newer_image_notice(lang, pools=", ".join(stale), commands=commands), Level.INFO))
        failed = [p.name for p in self.pools if p.failed]
        if failed:
            blocks.append(Notice(W.pools_failed(lang, pools=", ".join(failed)), Level.ERROR))
        short = [
            p for p in self.pools
            if self.registered is not None and p.count is not None and self.registered.get(p.name, 0) != p.count
            and not p.autoscaling
        ]
        if short:
            names = ", ".join(p.name for p in short)
            busy = all((p.provisioning_state or "").lower() not in ("succeeded", "failed") for p in short)
            said_ = W.pools_short_busy if busy else W.pools_short
            blocks.append(Notice(said_(lang, pools=names), Level.INFO if busy else Level.WARN))
        return View(W.pools_summary(lang, count=len(self.pools), name=self.cluster_name), tuple(blocks))


@command("aks pools", args=NoArgs, scope=Scope.CLUSTER, aliases=("aks 节点池",), examples=("/k8s aks pools",))
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
    return AksPoolsResult(
        cluster_name,
        pools,
        profiles,
        call.lang,
        registered_nodes(deps, cluster_name),
        not_ready_nodes(deps, cluster_name),
    )


# -- aks upgrades -------------------------------------------------------------------------------------------


_MARK = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
_STATUS: Mapping[str, Msg] = {"pass": W.status_pass, "warn": W.status_warn, "fail": W.status_fail}
_ITEMS_SHOWN = 30


@dataclass(frozen=True)
class AksUpgradesResult:
    cluster_name: str
    plan: UpgradePlan
    entries: Mapping[str, str] = field(default_factory=dict)
    facts_error: str | None = None
    lang: Lang = "en"

    def _row(self, c: CheckItem) -> tuple[str, str, str, str]:
        entry = self.entries.get(c.signal or "")
        lang = self.lang
        mark = f"{_MARK[c.status]} {_STATUS[c.status](lang)}"
        return (mark, in_lang(c.title, lang), in_lang(c.detail, lang), f"/k8s kb show {entry}" if entry else "")

    def view(self) -> View:
        p = self.plan
        lang = self.lang
        offered = p.target is None or any(c.version == p.target and c.allowed for c in p.choices)
        target = (p.target or "—") + ("" if offered else W.not_allowed(lang))
        heading = W.upgrade_heading(lang, name=self.cluster_name, current=p.current or "?", target=target)
        blocks: list[Block] = [Heading(heading)]
        if p.choices:
            blocks.append(
                Table(
                    (W.col_version(lang), W.col_allowed(lang), W.col_note(lang)),
                    tuple(
                        (c.version, (W.yes if c.allowed else W.no)(lang), in_lang(c.note, lang)) for c in p.choices
                    ),
                    title=W.versions_offered(lang),
                )
            )
        else:
            blocks.append(Text(W.no_newer_version(lang)))
        blocks.append(
            Table(
                (W.col_result(lang), W.col_check(lang), W.col_detail(lang), W.col_read(lang)),
                tuple(self._row(c) for c in p.checks),
                title=W.checklist(lang),
            )
        )
        for c in p.checks:
            if c.items:
                lines = [in_lang(item, lang) for item in c.items[:_ITEMS_SHOWN]]
                if len(c.items) > _ITEMS_SHOWN:
                    lines.append(W.more_items(lang, count=len(c.items) - _ITEMS_SHOWN))
                blocks.append(Code("\n".join(lines), title=in_lang(c.title, lang)))
        if self.facts_error:
            blocks.append(Context(W.checks_limited(lang, reason=self.facts_error)))
        level = {"pass": Level.OK, "warn": Level.WARN, "fail": Level.ERROR}[p.status]
        verdict = {"pass": W.ready_to_upgrade, "warn": W.read_the_warnings, "fail": W.fix_failures}[p.status]
        blocks.append(Notice(W.preflight(lang, verdict=verdict(lang)), level))
        status = _STATUS[p.status](lang)
        summary = W.upgrade_summary(lang, current=p.current or "?", target=p.target or "—", status=status)
        return View(summary, tuple(blocks))


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
    aliases=("aks 升级",),
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
        lang = self.lang
        ips = W.ip_count(lang, count=b.inputs.outbound_ips, source=in_lang(b.inputs.ip_source, lang))
        fields: list[tuple[str, str]] = [(W.outbound_type(lang), b.inputs.outbound_type), (W.outbound_ips(lang), ips)]
        if b.total_ports is not None:
            fields.append((W.ports_in_all(lang), f"{b.total_ports:,}"))
        if b.ports_per_node is not None:
            fields.append((W.ports_per_node(lang), f"{b.ports_per_node:,}"))
        if b.max_nodes is not None:
            fields.append((W.maximum_nodes(lang), f"{b.max_nodes:,}"))
        fields.append((W.nodes_now_peak(lang), f"{b.current_nodes} / {b.peak_nodes}"))
        if b.headroom is not None:
            fields.append((W.headroom_at_peak(lang), W.headroom_nodes(lang, count=b.headroom)))
        blocks: list[Block] = [Heading(W.snat_heading(lang, name=self.cluster_name)), Fields(tuple(fields))]
        blocks.extend(Text(f"• {in_lang(f, lang)}") for f in b.findings)
        if b.inputs.pools:
            blocks.append(
                Table(
                    (W.col_pool(lang), W.col_nodes(lang), W.col_peak(lang), W.col_surge(lang)),
                    tuple((p.name, str(p.count), str(p.peak), str(p.surge)) for p in b.inputs.pools),
                    title=W.nodes_counted(lang),
                )
            )
        if b.what_if is not None:
            w = b.what_if
            what_if = W.with_nodes(lang, nodes=w.nodes, detail=in_lang(w.detail, lang))
            blocks.append(Notice(what_if, Level.OK if w.fits else Level.ERROR))
        if b.pressure:
            blocks.append(Notice(W.snat_tight(lang) + _see(lang, self.entry), Level.WARN))
        for r in b.recommendations:
            blocks.append(Text(f"→ {in_lang(r.text, lang)}"))
            if r.command:
                blocks.append(Code(r.command))
        summary = (
            W.snat_summary(lang, name=self.cluster_name, ports=b.ports_per_node, max=b.max_nodes)
            if b.ports_per_node is not None and b.max_nodes is not None
            else f"SNAT {self.cluster_name}: {b.mode}"
        )
        return View(summary, tuple(blocks))


@command("aks snat", args=SnatArgs, scope=Scope.CLUSTER, examples=("/k8s aks snat", "/k8s aks snat --nodes 80"))
def aks_snat(call: ClusterCall[SnatArgs], deps: Deps) -> AksSnatResult:
    """Show the SNAT port budget: ports per node, the most nodes it allows, and what scaling would do."""
    cluster_name = call.cluster
    cluster = deps.azure.client(cluster_name).cluster()
    budget = cluster_budget(cluster, call.args.nodes)
    return AksSnatResult(cluster_name, budget, entry_for(deps, "azure.snat:pressure"), call.lang)
