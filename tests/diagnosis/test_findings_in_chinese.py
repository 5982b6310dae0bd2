"""A diagnosis asked in Chinese reads in Chinese: each finding's title, what happens next, its buttons, the group
headings of `health`/`diagnose cluster`, the evidence lines that are the rules' own reading ("likely cause: …") and the
bot's words around what the evidence quotes ("Pending since …", "previous log: …"); what the cluster says
(conditions, events, messages, log lines, the lease's fields) stays as it said it. In English nothing changed: a
finding's words are `Said`s, whose value is the English text they always were."""

from __future__ import annotations

import ast
import inspect
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tests.diagnosis.test_azure_rules as azure_tests
import tests.diagnosis.test_cluster_rules as cluster_tests
import tests.diagnosis.test_log_hints as log_hint_tests
import tests.diagnosis.test_node_rules as node_tests
import tests.diagnosis.test_pod_rules as pod_tests
from bot.cluster.model import Condition, ContainerState, ContainerStatus, Event, Node, Pod, Taint
from bot.i18n import FINDING, Said, in_lang
from bot.render_text import render_text
from handlers.diagnose import ClusterDiagnosis, Health, NodeDiagnosis, PodDiagnosis
from handlers.rules import finding as finding_module
from handlers.rules.cluster import diagnose_cluster, group
from handlers.rules.finding import Finding, by_severity
from handlers.rules.node_rules import lease_state, node_findings
from handlers.rules.pod_rules import PodContext, pod_findings
from handlers.rules.scheduling import NodeSizes
from handlers.rules.workload_rules import pdb_rule
from tests.support.language import english_left, english_prose
from tests.support.objects import GI, NOW, event, lease, node, pod, terminated, unreachable_taints

RULES = Path(finding_module.__file__).parent
DEAD = "aks-userpool-12345678-vmss000003"


def _dead_node_diagnosis(lang: str) -> NodeDiagnosis:
    n = node(DEAD, ready="Unknown", message="Kubelet stopped posting node status.", taints=unreachable_taints(300))
    heartbeat = lease(n.name, 372)
    findings = by_severity(node_findings(n, heartbeat, (), (pod(node_name=n.name),), NOW))
    return NodeDiagnosis("prod", n, findings, lease_state(n.name, heartbeat, NOW).line, 1, lang)  # type: ignore[arg-type]


def _java_oom_diagnosis(lang: str) -> PodDiagnosis:
    status = ContainerStatus(
        "ledger",
        ready=False,
        restart_count=7,
        state=ContainerState("waiting", reason="CrashLoopBackOff", message="back-off 5m0s"),
        last_state=terminated("OOMKilled", 137),
    )
    p = pod(statuses=(status,))
    findings = by_severity(pod_findings(p, PodContext(node=node("aks-userpool-12345678-vmss000001")), NOW))
    return PodDiagnosis("prod", p, findings, lang)  # type: ignore[arg-type]


NODE_TITLE_EN = f"Node {DEAD} is Unknown: the kubelet stopped posting node status (lease not renewed since 09:13:48Z)"
NODE_TITLE_ZH = f"节点 {DEAD} 状态为 Unknown：kubelet 已停止上报节点状态（lease 自 09:13:48Z 起未续约）"
HEARTBEAT_EN = (
    "likely cause: the kubelet stopped heartbeating (lease stale, status not posted for longer than the 40 s grace "
    "period): kubelet down or hung, the VM hung, or the node cannot reach the API server"
)
HEARTBEAT_ZH = (
    "可能的原因：kubelet 已停止心跳（lease 已过期，超过 40 秒的 grace period 未上报状态）：kubelet 停止运行或卡死、"
    "VM 卡死，或节点无法访问 API server"
)
POD_TITLE_EN = (
    "Container ledger of ledger-7d9f8b6c5d-x2x7q was OOMKilled (exit 137): JDK 11.0.14 predates cgroup v2 support "
    "on a cgroup v2 node"
)
POD_TITLE_ZH = (
    "Pod ledger-7d9f8b6c5d-x2x7q 的容器 ledger 被 OOMKilled（exit 137）：JDK 11.0.14 早于 cgroup v2 支持，"
    "而节点使用 cgroup v2"
)


def test_a_node_diagnosis_in_chinese_says_the_finding_in_chinese() -> None:
    zh = render_text(_dead_node_diagnosis("zh").view())
    assert NODE_TITLE_ZH in zh and NODE_TITLE_EN not in zh
    assert "接下来会发生：" in zh and "AKS 自动修复" in zh and "AKS auto-repair" not in zh
    assert "[隔离节点]" in zh and "[节点详情]" in zh and "[排空节点]" in zh and "[处理手册：node-notready]" in zh
    assert f"• {HEARTBEAT_ZH}" in zh and "likely cause" not in zh
    # What the cluster says is quoted as it says it.
    assert '• condition Ready=Unknown, reason NodeStatusUnknown, "Kubelet stopped posting node status."' in zh
    assert f"• Lease kube-node-lease/{DEAD} last renewed 6m12s ago at 09:13:48Z" in zh


def test_a_pod_diagnosis_in_chinese_says_the_finding_in_chinese() -> None:
    zh = render_text(_java_oom_diagnosis("zh").view())
    assert POD_TITLE_ZH in zh and POD_TITLE_EN not in zh
    assert "kubelet 会以递增的 back-off" in zh and "[上次运行的日志]" in zh and "[重启 Deployment]" in zh
    assert "image contoso.azurecr.cn/payments/ledger:2.3.1-jdk11.0.14" in zh


def test_the_same_findings_in_english_read_as_they_always_did() -> None:
    node_view = _dead_node_diagnosis("en").view()
    en = render_text(node_view)
    assert f"*{NODE_TITLE_EN}*" in en and "状态为" not in en
    assert "*What happens next:* NoExecute taint node.kubernetes.io/unreachable since 09:15:00Z: eviction was due" in en
    assert "[Cordon]  [Node details]  [Drain]  [Runbook: node-notready]" in en
    assert f"• {HEARTBEAT_EN}\n" in en and "可能的原因" not in en
    assert node_view.summary == f"{NODE_TITLE_EN} — see node-notready"
    finding = _dead_node_diagnosis("en").findings[0]
    assert isinstance(finding.title, Said) and finding.title == NODE_TITLE_EN and str(finding.title) == NODE_TITLE_EN
    assert finding.title.zh == NODE_TITLE_ZH
    pod_en = render_text(_java_oom_diagnosis("en").view())
    assert f"*{POD_TITLE_EN}*" in pod_en and "[Previous logs]  [Restart deployment]" in pod_en
    assert "OOMKilled（" not in pod_en


def test_group_headings_of_health_and_diagnose_cluster_are_in_the_language_asked() -> None:
    crashing = [
        pod(
            name=f"web-{i}",
            namespace=f"ns{i % 2}",
            statuses=(
                ContainerStatus(
                    "ledger",
                    ready=False,
                    restart_count=3,
                    state=ContainerState("waiting", reason="CrashLoopBackOff"),
                    last_state=terminated("Error", 1),
                ),
            ),
        )
        for i in range(4)
    ]
    report = diagnose_cluster(
        nodes=[], leases={}, pods=crashing, events=(), pdbs=(), deployments=(), azure=None, now=NOW
    )
    (crashloop,) = report.groups
    assert crashloop.title == "4 containers in CrashLoopBackOff in 2 namespaces"
    assert isinstance(crashloop.title, Said)
    assert crashloop.title.zh == "4 个容器处于 CrashLoopBackOff，分布在 2 个命名空间"
    health_zh = render_text(Health("prod", report, "zh").view())
    assert "4 个容器处于 CrashLoopBackOff，分布在 2 个命名空间（ns0/web-0, ns1/web-1, ns0/web-2, …）" in health_zh
    assert "[诊断 web-0]" in health_zh
    cluster_zh = render_text(ClusterDiagnosis("prod", report, "zh").view())
    assert "_最严重的一例: Pod web-0 的容器 ledger 反复崩溃（exit 1）_" in cluster_zh
    health_en = render_text(Health("prod", report).view())
    assert "4 containers in CrashLoopBackOff in 2 namespaces (ns0/web-0, ns1/web-1, ns0/web-2, …)" in health_en
    assert "[Diagnose web-0]" in health_en


# -- the rules' own reading of the evidence ---------------------------------------------------------------------


def _node_diagnosis_in(n: Node, events: tuple[Event, ...] = ()) -> tuple[str, str]:
    """`diagnose node` of `n` (its lease 400 s stale) as read in Chinese and in English."""
    heartbeat = lease(n.name, 400)
    findings = by_severity(node_findings(n, heartbeat, events, (), NOW))
    line = lease_state(n.name, heartbeat, NOW).line
    zh, en = (render_text(NodeDiagnosis("prod", n, findings, line, 0, lang).view()) for lang in ("zh", "en"))
    return zh, en


def test_a_stopped_vm_reads_as_its_cause_in_chinese_and_the_commands_stay_commands() -> None:
    shutdown = Taint("node.cloudprovider.kubernetes.io/shutdown", "NoSchedule")
    zh, en = _node_diagnosis_in(node(DEAD, ready="Unknown", taints=(*unreachable_taints(600), shutdown)))
    assert "• taint node.cloudprovider.kubernetes.io/shutdown：云提供商报告该 VM 已停止或已释放（deallocated）\n" in zh
    assert (
        "• 可能的原因：VM 已停止或已释放（deallocated）：启动该 VM（`az vmss start`）或整个节点池"
        "（`az aks nodepool start`）\n"
    ) in zh
    assert "likely cause" not in zh and "the cloud provider reports" not in zh
    assert (
        "• taint node.cloudprovider.kubernetes.io/shutdown: the cloud provider reports the VM stopped or deallocated\n"
    ) in en
    assert (
        "• likely cause: the VM is stopped or deallocated: start it (`az vmss start`) or the pool "
        "(`az aks nodepool start`)\n"
    ) in en
    assert "可能的原因" not in en and "云提供商" not in en


def test_node_problem_detector_and_a_blocked_egress_read_as_causes_in_chinese() -> None:
    kubelet_down = Condition("KubeletProblem", "True", "KubeletIsDown", "kubelet service is not running")
    blocked = event("EgressBlocked", "cannot reach the API server", kind="Node", name=DEAD, source="npd")
    zh, en = _node_diagnosis_in(node(DEAD, ready="Unknown", extra=(kubelet_down,)), (blocked,))
    quoted = 'condition KubeletProblem=True, reason KubeletIsDown, "kubelet service is not running"'
    assert f"• {quoted}（node-problem-detector：kubelet 已停止运行（KubeletIsDown））\n" in zh
    assert "• 可能的原因：到 API server 的出站流量被阻止（NSG、UDR 或防火墙）：请放行 TCP 443\n" in zh
    assert "• 可能的原因：node-problem-detector 报告：kubelet 已停止运行（KubeletIsDown）\n" in zh
    assert "• event EgressBlocked (npd) 1m00s ago: cannot reach the API server\n" in zh  # the event, as it came
    assert f"• {quoted} (node-problem-detector: the kubelet is down (KubeletIsDown))\n" in en
    assert "• likely cause: egress to the API server is blocked (NSG, UDR or firewall): allow TCP 443\n" in en
    assert "• likely cause: node-problem-detector says the kubelet is down (KubeletIsDown)\n" in en
    # The strongest cause first, in either language.
    assert zh.index("可能的原因：到 API server") < zh.index("可能的原因：node-problem-detector")
    assert en.index("likely cause: egress") < en.index("likely cause: node-problem-detector")


def test_memory_pressure_reads_as_a_cause_and_its_taint_in_chinese() -> None:
    pressure = Condition("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory")
    taint = Taint("node.kubernetes.io/memory-pressure", "NoSchedule")
    zh, en = _node_diagnosis_in(node(DEAD, ready="Unknown", extra=(pressure,), taints=(taint,)))
    assert "• 可能的原因：MemoryPressure 为 True：节点可能缺少资源（内存）\n" in zh
    assert "• taint node.kubernetes.io/memory-pressure：新的 Pod 不会再调度到这里\n" in zh
    assert 'condition MemoryPressure=True, reason KubeletHasInsufficientMemory, "kubelet has insufficient memory"' in zh
    assert "• likely cause: MemoryPressure is True: the node may be starved (memory)\n" in en
    assert "• taint node.kubernetes.io/memory-pressure: new pods are not scheduled here\n" in en


PULL_FAILURES = {
    "401": (
        'Failed to pull image "contoso.azurecr.cn/payments/ledger:2.3.2": failed to authorize: failed to fetch '
        "anonymous token: unexpected status from GET request to https://contoso.azurecr.cn/oauth2/token: "
        "401 Unauthorized",
        "the registry refused the node's credentials: attach the registry to the cluster (`az aks update "
        "--attach-acr`) or check that the cluster's identity or service principal is still valid",
        "镜像仓库拒绝了节点的凭据：把该仓库关联到集群（`az aks update --attach-acr`），"
        "或检查集群的托管标识或服务主体是否仍然有效",
    ),
    "not found": (
        'Failed to pull image "contoso.azurecr.cn/payments/ledger:9.9.9": rpc error: code = NotFound desc = failed '
        'to resolve reference "contoso.azurecr.cn/payments/ledger:9.9.9": contoso.azurecr.cn/payments/ledger:9.9.9: '
        "not found",
        "the image or tag does not exist in the registry: check the name and tag",
        "镜像仓库中没有该镜像或 tag：请检查镜像名和 tag",
    ),
    "timeout": (
        'Failed to pull image "mcr.microsoft.com/dotnet/aspnet:8.0": rpc error: code = Unknown desc = failed to do '
        'request: Head "https://mcr.microsoft.com/v2/dotnet/aspnet/manifests/8.0": dial tcp 20.61.99.69:443: '
        "i/o timeout",
        "the node cannot reach the registry: check egress (firewall, NSG, DNS) to it",
        "节点无法访问镜像仓库：请检查到它的出站网络（防火墙、NSG、DNS）",
    ),
    "429": (
        'Failed to pull image "docker.io/library/nginx:1.27": 429 Too Many Requests - Server message: '
        "toomanyrequests: You have reached your pull rate limit.",
        "the registry rate-limits pulls: mirror the image into your own registry",
        "镜像仓库限制了拉取频率：请把镜像同步到你自己的镜像仓库",
    ),
}


@pytest.mark.parametrize("failure", list(PULL_FAILURES))
def test_the_likely_cause_of_a_failed_pull_reads_in_chinese(failure: str) -> None:
    message, cause_en, cause_zh = PULL_FAILURES[failure]
    waiting = ContainerState("waiting", reason="ErrImagePull", message=message)
    p = pod(statuses=(ContainerStatus("ledger", ready=False, state=waiting),), phase="Pending")
    failed = event("Failed", message, name=p.name, namespace=p.namespace)
    findings = by_severity(pod_findings(p, PodContext(events=(failed,)), NOW))
    zh, en = (render_text(PodDiagnosis("prod", p, findings, lang).view()) for lang in ("zh", "en"))  # type: ignore[arg-type]
    assert f"• 可能的原因：{cause_zh}\n" in zh and "likely cause" not in zh
    assert f"• event Failed ×1: {message}\n" in zh and f"• {message}\n" in zh  # the kubelet's words, as it said them
    assert f"• likely cause: {cause_en}\n" in en and "可能的原因" not in en
    (pull,) = findings
    assert pull.evidence[-1] == f"likely cause: {cause_en}"


# -- every rule's findings are said in both languages ------------------------------------------------------------


def _calls(module: ModuleType) -> Iterator[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """Every test function of `module` that needs no fixture, once per parameter set."""
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("test_") or fn.__module__ != module.__name__:
            continue
        cases: list[dict[str, Any]] = [{}]
        for mark in getattr(fn, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else mark.args[0]
            values = [v.values if hasattr(v, "values") else v for v in mark.args[1]]
            rows = [dict(zip(names, v if len(names) > 1 else (v,), strict=True)) for v in values]
            cases = [{**a, **b} for a, b in itertools.product(cases, rows)]
        wanted = set(inspect.signature(fn).parameters)
        for case in cases:
            if set(case) == wanted:
                yield name, fn, case


def _findings_of_the_rule_tests(monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """Every finding a rule makes while the rule tests of `tests/diagnosis` run (their scenarios, their objects)."""
    made: list[Finding] = []
    init = Finding.__init__

    def recording(self: Finding, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Finding, "__init__", recording)
    for module in (node_tests, pod_tests, cluster_tests, azure_tests, log_hint_tests):
        for _, fn, case in _calls(module):
            fn(**case)
    # A rule no test above reaches.
    config_error = ContainerState("waiting", reason="CreateContainerConfigError", message='secret "db" not found')
    pod_findings(pod(statuses=(ContainerStatus("ledger", ready=False, state=config_error),)), PodContext(), NOW)
    monkeypatch.undo()
    # Findings a test writes by hand (`Finding(rule="a", title="a", …)`) are not a rule's.
    rules = _rules_in_the_source()
    return [f for f in made if any(_is(f.rule, rule) for rule in rules)]


def _is(rule: str, source: str) -> bool:
    """`rule` is the one the source writes as `source` (an f-string's head ends with a dot: `node.condition.`)."""
    return rule == source or (source.endswith(".") and rule.startswith(source))


def _rules_in_the_source() -> set[str]:
    """The `rule=` of every `Finding(...)` in handlers/rules; an f-string's constant head (`node.condition.`)."""
    rules: set[str] = set()
    for path in RULES.glob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Finding":
                for kw in call.keywords:
                    if kw.arg == "rule" and isinstance(kw.value, ast.Constant):
                        rules.add(str(kw.value.value))
                    elif kw.arg == "rule" and isinstance(kw.value, ast.JoinedStr):
                        head = kw.value.values[0]
                        rules.add(str(head.value) if isinstance(head, ast.Constant) else "")
    return rules


def test_every_rule_says_its_findings_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _findings_of_the_rule_tests(monkeypatch)
    assert len(findings) > 50
    for f in findings:
        assert isinstance(f.title, Said), f"{f.rule}: {f.title!r} is English only"
        assert f.title.zh != str(f.title), f.rule
        assert f.next is None or isinstance(f.next, Said), f"{f.rule}: next {f.next!r} is English only"
        for a in f.actions:
            assert isinstance(a.label, Said), f"{f.rule}: button {a.label!r} is English only"
        for line in f.evidence:
            if line.startswith("likely cause: "):
                assert isinstance(line, Said), f"{f.rule}: {line!r} is English only"
                assert line.zh.startswith("可能的原因："), f.rule
    for g in group(findings):
        assert isinstance(g.title, Said), f"group {g.rule}: {g.title!r} is English only"
    seen = {f.rule for f in findings}
    for rule in _rules_in_the_source():
        assert any(_is(s, rule) for s in seen), f"{rule} is not reached by any scenario"


def test_no_rule_writes_a_title_next_step_or_button_as_a_plain_string() -> None:
    """What the scenarios may not reach: in handlers/rules, no Finding's title/next and no SuggestedAction's label is
    a string literal or an f-string."""
    for path in RULES.glob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", None)
            values: list[ast.expr] = []
            if name == "Finding":
                values = [kw.value for kw in call.keywords if kw.arg in ("title", "next")]
            elif name == "SuggestedAction":
                values = [call.args[0]] if call.args else [kw.value for kw in call.keywords if kw.arg == "label"]
            for value in values:
                assert not _english_only(value), f"{path.name}:{value.lineno} writes English only: {ast.unparse(value)}"


def _english_only(value: ast.expr) -> bool:
    """A string literal, an f-string, or one of them joined or chosen (`"a" + x`, `f"…" if c else said(…)`)."""
    if isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    if isinstance(value, ast.BinOp):
        return _english_only(value.left) or _english_only(value.right)
    if isinstance(value, ast.IfExp):
        return _english_only(value.body) or _english_only(value.orelse)
    if isinstance(value, ast.BoolOp):
        return any(_english_only(v) for v in value.values)
    return False


# -- the words around what the evidence quotes ---------------------------------------------------------------------

FINDING_PROSE = english_prose(FINDING)


def _pod_diagnosis_zh(p: Pod, ctx: PodContext) -> str:
    findings = by_severity(pod_findings(p, ctx, NOW))
    return render_text(PodDiagnosis("prod", p, findings, "zh").view())  # type: ignore[arg-type]


def test_a_pending_pods_evidence_reads_in_chinese_around_what_it_quotes() -> None:
    p = pod_tests._too_big_pod(40 * GI)
    failed = event("FailedScheduling", pod_tests.PENDING_MESSAGE, name=p.name, namespace=p.namespace)
    zh = _pod_diagnosis_zh(p, PodContext(events=(failed,), node_sizes=NodeSizes(pod_tests.USERPOOL)))
    assert english_left(zh, FINDING_PROSE) == []
    assert "• 自 07:20:00Z 起处于 Pending（2h0m前）\n" in zh and "Pending since" not in zh
    assert "• Pod 请求 2000m CPU，40Gi 内存\n" in zh and "pod requests" not in zh
    assert (
        "• 没有任何节点能运行它：它请求 40Gi 内存，而全部 3 个节点中可分配量最大的也只有 13Gi"
        "（aks-userpool-12345678-vmss000000，节点池 userpool）\n"
    ) in zh
    assert f"• scheduler: {pod_tests.PENDING_MESSAGE}\n" in zh  # the scheduler's words, as it said them


def test_an_oom_kill_and_a_crash_loop_read_in_chinese_around_what_they_quote() -> None:
    logs = {"ledger": "Starting LedgerApplication\nsettlement batch 88214 started\n"}
    oom = pod(statuses=(pod_tests._oom_status(),))
    zh = _pod_diagnosis_zh(oom, PodContext(node=node(), previous_logs=logs))
    assert english_left(zh, FINDING_PROSE) == []
    assert "• 容器 ledger：上次状态 Terminated reason=OOMKilled exitCode=137 于 09:18:25Z，重启 7 次\n" in zh
    assert "• 容器 ledger 现在处于 CrashLoopBackOff\n" in zh and " now CrashLoopBackOff" not in zh
    assert "• 内存 limit 1Gi，内存 request 1Gi，QoS 等级 Burstable\n" in zh
    assert "• 上次运行的日志：settlement batch 88214 started\n" in zh and "previous log" not in zh
    looping = ContainerStatus(
        "ledger",
        restart_count=12,
        state=ContainerState("waiting", reason="CrashLoopBackOff"),
        last_state=ContainerState("terminated", reason="Error", exit_code=1, message="config key DB_URL missing"),
    )
    zh = _pod_diagnosis_zh(pod(statuses=(looping,)), PodContext(previous_logs={"ledger": "ERROR no DB_URL\n"}))
    assert english_left(zh, FINDING_PROSE) == []
    assert "• 容器 ledger：Waiting reason=CrashLoopBackOff，重启 12 次\n" in zh
    assert "• 容器 ledger：上次状态 Terminated reason=Error exitCode=1\n" in zh
    assert "• 终止消息：config key DB_URL missing\n" in zh


def test_a_failed_pull_reads_in_chinese_around_the_kubelets_words() -> None:
    message, _, _ = PULL_FAILURES["401"]
    waiting = ContainerState("waiting", reason="ErrImagePull", message=message)
    p = pod(statuses=(ContainerStatus("ledger", ready=False, state=waiting),), phase="Pending")
    zh = _pod_diagnosis_zh(p, PodContext())
    assert english_left(zh, FINDING_PROSE) == []
    assert f"• 容器 ledger：Waiting reason=ErrImagePull，镜像 {p.containers[0].image}\n" in zh


def test_a_budget_and_a_lease_read_in_chinese_around_what_they_quote() -> None:
    guarded = (pod(node_name=DEAD),)
    findings = by_severity(pdb_rule(cluster_tests.PDB, guarded))
    zh = render_text(PodDiagnosis("prod", guarded[0], findings, "zh").view())  # type: ignore[arg-type]
    assert english_left(zh, FINDING_PROSE) == []
    assert (
        "• PodDisruptionBudget payments/ledger-pdb：minAvailable 3，预期 3 个 Pod 中 3 个健康（要求 3 个）→ "
        "允许 0 次中断\n"
    ) in zh
    assert "selects " not in zh and "• 选择器 app=ledger\n" in zh
    dead = _dead_node_diagnosis("zh")
    zh = render_text(dead.view())
    # The lease's fields are quoted as they read; what they normally are is the bot's gloss.
    quoted = f"Lease kube-node-lease/{DEAD} last renewed 6m12s ago at 09:13:48Z"
    assert f"• {quoted}（有效期 40 秒，正常每 10 秒续约一次）\n" in zh
    assert "renewed every" not in zh and english_left(zh, FINDING_PROSE) == []
    fresh = lease_state(DEAD, lease(DEAD, 4), NOW).line
    assert in_lang(fresh, "en") == (
        f"Lease kube-node-lease/{DEAD} last renewed 4s ago at 09:19:56Z (duration 40 s, renewed every 10 s normally)"
    )
    missing = lease_state(DEAD, None, NOW).line
    assert in_lang(missing, "zh") == f"没有 Lease kube-node-lease/{DEAD}：kubelet 从未注册过心跳"


def test_a_clean_diagnosis_says_so_in_the_askers_language() -> None:
    healthy = pod()
    zh = PodDiagnosis("prod", healthy, [], "zh").view()  # type: ignore[arg-type]
    assert zh.summary == f"Pod {healthy.namespace}/{healthy.name}：未发现问题"
    en = PodDiagnosis("prod", healthy, [], "en").view()  # type: ignore[arg-type]
    assert en.summary == f"pod {healthy.namespace}/{healthy.name}: no problem found"
