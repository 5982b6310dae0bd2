"""Workload rules, cluster-wide grouping, and the knowledge-base ids and signals the rules cite."""

from __future__ import annotations

from bot.cluster.model import Condition, Container, ContainerState, ContainerStatus, Deployment, PodDisruptionBudget
from bot.severity import Severity
from handlers.rules.azure_rules import azure_findings
from handlers.rules.cluster import diagnose_cluster, group
from handlers.rules.finding import CITED_KB_IDS, Finding
from handlers.rules.pod_rules import PodContext, pod_findings
from handlers.rules.workload_rules import deployment_rule, pdb_rule
from knowledge import load_knowledge_base
from tests.support.objects import NOW, ago, lease, node, pod, terminated, unreachable_taints

PDB = PodDisruptionBudget(
    namespace="payments",
    name="ledger-pdb",
    min_available="3",
    selector={"app": "ledger"},
    selector_text="app=ledger",
    disruptions_allowed=0,
    current_healthy=3,
    desired_healthy=3,
    expected_pods=3,
)


def _crashloop(name: str, namespace: str) -> object:
    status = ContainerStatus(
        "app",
        restart_count=5,
        state=ContainerState("waiting", reason="CrashLoopBackOff"),
        last_state=terminated("Error", 1),
    )

    return pod(
        name=name, namespace=namespace, containers=(Container("app", "contoso.azurecr.cn/app:1"),), statuses=(status,)
    )


def test_pdb_at_zero_names_its_pods_node() -> None:
    pods = [pod(name=f"ledger-{i}", node_name="aks-userpool-12345678-vmss000002") for i in range(3)]
    (f,) = pdb_rule(PDB, pods)
    assert f.kb == "pdb-blocking-drain" and f.signals == ("pdb.disruptions:0",)
    assert "a drain of aks-userpool-12345678-vmss000002" in f.title
    assert any("minAvailable 3, 3 healthy of 3 expected" in e for e in f.evidence)
    assert any("aks-userpool-12345678-vmss000002 (3 pods)" in e for e in f.evidence)
    assert f.next is not None and "30 minutes" in f.next
    allowed = PodDisruptionBudget(
        "payments",
        "web",
        max_unavailable="1",
        selector={"app": "web"},
        disruptions_allowed=1,
        current_healthy=3,
        desired_healthy=2,
        expected_pods=3,
    )
    assert pdb_rule(allowed, pods) == []
    empty = PodDisruptionBudget("payments", "none", min_available="1", disruptions_allowed=0, expected_pods=0)
    assert pdb_rule(empty, pods) == []


def test_deployment_not_progressing() -> None:
    stalled = Deployment(
        namespace="payments",
        name="ledger",
        replicas=3,
        ready=0,
        updated=1,
        available=0,
        unavailable=3,
        selector_text="app=ledger",
        conditions=(
            Condition(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                'ReplicaSet "ledger-7d9f8b6c5d" has timed out progressing.',
                last_transition=ago(900),
            ),
        ),
    )
    (f,) = deployment_rule(stalled, NOW)
    assert f.severity is Severity.CRITICAL
    assert f.signals == ("deployment.condition:Progressing=False",) and f.kb == "crashloop"
    assert f.actions[0].ref.text() == "/k8s pods -l app=ledger -n payments"
    fine = Deployment("payments", "web", conditions=(Condition("Progressing", "True", "NewReplicaSetAvailable"),))
    assert deployment_rule(fine, NOW) == []


def test_cluster_groups_many_crashloops_into_one_line() -> None:
    pods = [_crashloop(f"app-{i}", f"team-{i % 5}") for i in range(37)]
    pods += [pod(name=f"ok-{i}") for i in range(100)]
    dead = node("aks-userpool-12345678-vmss000003", ready="Unknown", taints=unreachable_taints(300))
    nodes = [node(f"aks-userpool-12345678-vmss00000{i}") for i in range(3)] + [dead]
    leases = {n.name: lease(n.name, 372 if n is dead else 3) for n in nodes}
    report = diagnose_cluster(
        nodes=nodes,
        leases=leases,
        pods=pods,
        events=(),
        pdbs=(PDB,),
        deployments=(),
        azure=None,
        now=NOW,  # type: ignore[arg-type]
    )
    titles = [g.title for g in report.groups]
    assert titles[0].startswith("Node aks-userpool-12345678-vmss000003 is Unknown")
    assert "37 containers in CrashLoopBackOff in 5 namespaces" in titles
    assert report.counts.nodes == 4 and report.counts.nodes_ready == 3 and report.counts.pods == 137
    assert sum(g.count for g in report.groups) == len(report.findings)


def test_group_orders_by_severity_then_size() -> None:
    def f(rule: str, sev: Severity, n: int) -> list[Finding]:
        return [Finding(rule, sev, rule, f"pod/ns/{rule}-{i}", (), None, ("x",), namespace="ns") for i in range(n)]

    groups = group([*f("a", Severity.WARNING, 9), *f("b", Severity.CRITICAL, 1), *f("c", Severity.WARNING, 20)])
    assert [g.rule for g in groups] == ["b", "c", "a"]


def _sample_findings() -> list[Finding]:
    """One finding from every rule that cites an entry."""
    from tests.support.objects import event, java_container

    from .test_pod_rules import PENDING_MESSAGE, _oom_status

    out: list[Finding] = []
    dead = node(ready="Unknown", taints=unreachable_taints(300))
    report = diagnose_cluster(
        nodes=[
            dead,
            node("n-pleg", ready="False", message="PLEG is not healthy: pleg was last seen active 3m ago"),
            node("n-mem", extra=(Condition("MemoryPressure", "True"),)),
            node("n-disk", extra=(Condition("DiskPressure", "True"),)),
            node("n-pid", extra=(Condition("PIDPressure", "True"),)),
            node("n-kubelet", extra=(Condition("KubeletProblem", "True", "KubeletIsDown"),)),
            node("n-lease"),
        ],
        leases={dead.name: lease(dead.name, 372), "n-lease": lease("n-lease", 120)},
        pods=[],
        events=(),
        pdbs=(PDB,),
        deployments=(),
        azure=None,
        now=NOW,
    )
    out.extend(report.findings)
    pending = pod(name="p", node_name="", phase="Pending", statuses=())
    ctx = PodContext(
        node=node(),
        events=[
            event("FailedScheduling", PENDING_MESSAGE, name="p", namespace="payments"),
            event("FailedMount", "MountVolume.SetUp failed", name="p", namespace="payments"),
        ],
    )
    out.extend(pod_findings(pending, ctx, NOW))
    out.extend(pod_findings(pod(statuses=(_oom_status(),)), PodContext(node=node()), NOW))
    modern = java_container("eclipse-temurin:21-jre")
    out.extend(pod_findings(pod(containers=(modern,), statuses=(_oom_status(),)), PodContext(node=node()), NOW))
    out.extend(pod_findings(_crashloop("c", "ns"), PodContext(), NOW))  # type: ignore[arg-type]
    pull = ContainerStatus("app", state=ContainerState("waiting", reason="ImagePullBackOff"))
    out.extend(pod_findings(pod(containers=(Container("app", "x/y:1"),), statuses=(pull,)), PodContext(), NOW))
    out.extend(
        pod_findings(pod(phase="Failed", reason="Evicted", message="low on resource: memory"), PodContext(), NOW)
    )
    out.extend(
        pod_findings(
            pod(phase="Failed", reason="Evicted", message="low on resource: ephemeral-storage"), PodContext(), NOW
        )
    )
    stalled = Deployment("ns", "d", conditions=(Condition("Progressing", "False", "ProgressDeadlineExceeded"),))
    out.extend(deployment_rule(stalled, NOW))
    from .test_azure_rules import _cluster

    sp = "5a9a1f0e-9c0d-4c6c-9d8e-0f1a2b3c4d5e"
    out.extend(azure_findings(_cluster(count=8, state="Failed", client_id=sp, error={"code": "X", "message": "y"})))
    return out


def test_every_cited_entry_exists_and_lists_the_findings_signal() -> None:
    kb = load_knowledge_base()
    missing = [k for k in CITED_KB_IDS if kb.get(k) is None]
    assert missing == [], f"rules cite entries that do not exist: {missing}"
    findings = _sample_findings()
    cited = {f.kb for f in findings if f.kb}
    assert len(cited) >= 14
    for f in findings:
        if f.kb is None:
            continue
        entry = kb.get(f.kb)
        assert entry is not None
        assert set(f.signals) & set(entry.signals), f"{f.rule}: {f.kb} lists none of {f.signals}"
        assert f.signals[0] in entry.signals or f.rule.startswith("node.condition."), (
            f"{f.rule}: primary signal {f.signals[0]} not listed by {f.kb}"
        )


def test_cluster_views_stay_on_one_screen_with_counts() -> None:
    from handlers.diagnose import ClusterDiagnosis, Health

    pods = [_crashloop(f"app-{i}", f"team-{i % 5}") for i in range(37)]
    pods += [
        pod(name=f"evicted-{i}", namespace=f"ns-{i}", phase="Failed", reason="Evicted", message="memory")
        for i in range(9)
    ]
    dead = node("aks-userpool-12345678-vmss000003", ready="Unknown", taints=unreachable_taints(300))
    sick = [node(f"n-{k}", extra=(Condition(k, "True"),)) for k in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    report = diagnose_cluster(
        nodes=[dead, *sick],
        leases={dead.name: lease(dead.name, 372)},
        pods=pods,
        events=(),
        pdbs=(PDB,),
        deployments=(),
        azure=None,
        now=NOW,
        notes=("Azure checks skipped: no azure settings for this cluster",),
    )  # type: ignore[arg-type]
    assert len(report.groups) == 7
    view = ClusterDiagnosis("prod", report).view()
    assert len(view.blocks) <= 50
    from bot.render_text import render_text

    text = render_text(view)
    assert (
        "37 containers in CrashLoopBackOff in 5 namespaces (team-0/app-0, team-1/app-1, team-2/app-2, …) → `crashloop`"
        in text
    )
    assert "9 pods Evicted in 9 namespaces" in text
    health = render_text(Health("prod", report).view())
    assert health.count("\n🔴") + health.count("\n🟠") + health.count("\n🔵") == 7
    assert "Azure checks skipped" in health


def test_fixed_words_follow_the_askers_language() -> None:
    from bot.render_text import render_text
    from handlers.diagnose import Health

    dead = node("aks-userpool-12345678-vmss000003", ready="Unknown", taints=unreachable_taints(300))
    report = diagnose_cluster(nodes=[dead], leases={}, pods=[], events=(), pdbs=(), deployments=(), azure=None, now=NOW)
    zh = render_text(Health("prod", report, "zh").view())
    assert "健康状况：prod" in zh and "集群需要处理" in zh and "就绪节点" in zh
    assert "node-notready" in zh
    assert "Cluster needs attention" in render_text(Health("prod", report).view())
