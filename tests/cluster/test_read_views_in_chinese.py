"""The everyday read views asked in Chinese answer in Chinese: `nodes`, `node`, `pods`, `pod`, `logs`, `events`,
`deployments`, `pdbs`, `top nodes`, `top pods` and the list of approval requests waiting.

Each view is rendered in both languages from the same result, made by the real handler through the real client on the
sandbox API server. The Chinese rendering has the bot's words in Chinese and none of its English — what the cluster
says (Ready, CrashLoopBackOff, BackOff, names, ages, quantities) stays as it is; the English rendering reads as it
always did. Through the real dispatcher, `/k8s 节点`, `/k8s 事件` and `/k8s 审批` answer in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pytest

import handlers
from bot.approvals.store import SqliteApprovalStore
from bot.blocks import View
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.i18n import READ
from bot.registry import Args, Caller, ClusterCall
from bot.render_text import render_text
from bot.surface import Incoming, InputKind
from handlers.args import (
    DeploymentsArgs,
    EventsArgs,
    LogsArgs,
    NodeNameArgs,
    NodesArgs,
    PdbsArgs,
    PodNameArgs,
    PodsArgs,
    TopNodesArgs,
    TopPodsArgs,
)
from handlers.events import events
from handlers.nodes import node, nodes
from handlers.pods import logs, pod, pods
from handlers.top import top_nodes, top_pods
from handlers.workloads import deployments, pdbs
from tests.support.approvals import RecordingNotifier, approval_dispatcher, request_id_of
from tests.support.cluster import Cluster, start, team_settings
from tests.support.fakes import NoAzure
from tests.support.foundation import Conversation, ok_text
from tests.support.language import english_left, english_prose, view_labels

handlers.load_all()
N0, N1, N2 = (f"aks-nodepool1-12345678-vmss00000{i}" for i in range(3))
CJK = re.compile(r"[\u4e00-\u9fff]")


# Labels the views print (headings, column and field names, table and code titles, buttons) that Chinese says
# otherwise: one of them in a Chinese view is a word left untranslated.
ENGLISH_LABELS = {
    getattr(READ, f.name).en
    for f in fields(READ)
    if "{" not in getattr(READ, f.name).en and getattr(READ, f.name).en != getattr(READ, f.name).zh
}
ENGLISH_PROSE = english_prose(READ)


def assert_no_english_of_the_bot(view: View) -> None:
    text = view.summary + "\n" + render_text(view)
    left = english_left(text, ENGLISH_PROSE)
    assert not left, f"English left in the Chinese answer: {left}\n{text}"
    untranslated = [label for label in view_labels(view) if label in ENGLISH_LABELS]
    assert not untranslated, f"English labels in the Chinese answer: {untranslated}\n{text}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from start(tmp_path_factory.mktemp("read-zh"))


@pytest.fixture(scope="module")
def deps(cluster: Cluster) -> Deps:
    return Deps(cluster.settings, SystemClock(), cluster.provider, NoAzure())


def zh_call(args: Args, namespace: str = "shop", all_namespaces: bool = False) -> ClusterCall[Any]:
    """A call as a command typed in Chinese makes it."""
    return ClusterCall(command="test", args=args, caller=Caller("U1"), cluster="sandbox", namespace=namespace,
                       all_namespaces=all_namespaces, lang="zh")


def _silent_logs(cluster: Cluster, deps: Deps) -> Any:
    """`logs` of a crash-looping container whose new run has written nothing: it offers the previous run's lines."""
    key = ("shop", "web-7d9f-fghij", "app", False)
    written = cluster.server.logs.pop(key)
    try:
        return logs(zh_call(LogsArgs(pod="web-7d9f-fghij", tail=20)), deps)
    finally:
        cluster.server.logs[key] = written


@dataclass(frozen=True)
class Case:
    """One view: how the handler makes its result, what its Chinese says and what its English has always said."""

    make: Callable[[Cluster, Deps], Any]
    zh: tuple[str, ...]
    en: tuple[str, ...]


CASES: dict[str, Case] = {
    "nodes": Case(
        lambda c, d: nodes(zh_call(NodesArgs()), d),
        ("节点 — sandbox", "sandbox：4 个节点，3 Ready，1 NotReady/Unknown，1 个已隔离，1 个有压力或问题状况",
         "nodepool1 : 3 个节点", "存在时长", "问题状况", "可分配 CPU/内存"),
        ("Nodes — sandbox",
         "[error] 4 nodes in sandbox: 3 Ready, 1 NotReady/Unknown, 1 cordoned, 1 with pressure or problem conditions",
         "nodepool1 : 3 nodes", "NODE ", " AGE ", "CONDITIONS", "ALLOCATABLE CPU/MEM"),
    ),
    "nodes filtered": Case(
        lambda c, d: nodes(zh_call(NodesArgs(pool="user", problems=True, selector="agentpool=user")), d),
        ("sandbox（-l agentpool=user，节点池 user，只看有问题的）：1 个节点，1 Ready，1 个已隔离",),
        ("1 node in sandbox (-l agentpool=user, pool user, with problems): 1 Ready, 1 cordoned",),
    ),
    "no nodes": Case(
        lambda c, d: nodes(zh_call(NodesArgs(pool="user", selector="kubernetes.io/os=windows")), d),
        ("[i] 没有匹配的节点。",),
        ("[i] No nodes matched.",),
    ),
    "a page past the last": Case(
        lambda c, d: nodes(zh_call(NodesArgs(page=3)), d),
        ("[warn] 没有第 3 页：列表只有 1 页（共 4 行）。下面是最后一页。", "节点池"),
        ("[warn] There is no page 3: the list has only 1 page (4 rows). This is the last one.", "POOL"),
    ),
    "node under pressure": Case(
        lambda c, d: node(zh_call(NodeNameArgs(name=N1)), d),
        (f"节点 {N1} 的状态为 Ready，存在 MemoryPressure", "心跳 lease", " 前续约", "容器运行时", "内网 IP",
         "状况（Conditions）", "容量与用量", "已请求", "已设上限", "节点上的 Pod（", "最近的事件",
         "Warning  OOMKilling"),
        (f"[warn] Node {N1} is Ready with MemoryPressure", "Lease       : renewed ", "Runtime     : containerd://1.7.15",
         "Conditions", "Capacity and usage", "RESOURCE  CAPACITY  ALLOCATABLE  REQUESTED", "Pods on this node (",
         "Recent events"),
    ),
    "node lost": Case(
        lambda c, d: node(zh_call(NodeNameArgs(name=N2)), d),
        (f"节点 {N2} 的状态为 Unknown", "（已过期：kubelet 已停止心跳）", "*污点：* `node.kubernetes.io/unreachable",
         "[诊断该节点]"),
        (f"Node {N2} is Unknown", "(stale: the kubelet stopped heartbeating)", "*Taints:* `node.kubernetes.io/",
         "[Diagnose this node]"),
    ),
    "pods with a selector": Case(
        lambda c, d: pods(zh_call(PodsArgs(selector="app=api")), d),
        ("Pod — 命名空间 shop（-l app=api）", "命名空间 shop 中（-l app=api）有 1 个 Pod：1 Running", "上次终止"),
        ("Pods — in shop -l app=api", "[ok] 1 pod in shop -l app=api: 1 Running",
         "POD             STATUS   READY  RESTARTS  LAST TERMINATION  NODE"),
    ),
    "pods with problems everywhere": Case(
        lambda c, d: pods(zh_call(PodsArgs(problems=True, node=N1), all_namespaces=True), d),
        (f"所有命名空间中（节点 {N1}，只看有问题的）有 2 个 Pod：", "CrashLoopBackOff", "OOMKilled (137)"),
        (f"2 pods in all namespaces on {N1} with problems: ", "shop/web-7d9f-fghij"),
    ),
    "no pods": Case(
        lambda c, d: pods(zh_call(PodsArgs(selector="app=none"), namespace="default"), d),
        ("[i] 命名空间 default 中（-l app=none）没有 Pod。",),
        ("[i] No pods in default -l app=none.",),
    ),
    "pod": Case(
        lambda c, d: pod(zh_call(PodNameArgs(name="web-7d9f-fghij")), d),
        ("Pod shop/web-7d9f-fghij：CrashLoopBackOff，0/1 就绪，重启 7 次", "启动于", " 前", "QoS 类", "服务账号",
         "Terminated: OOMKilled (exit 137)，于 ", "请求 250m/256Mi · 上限 -/512Mi",
         "环境变量（不显示来自 Secret 的值）", "DB_PASSWORD=<secret:db/password>", "(状况：Ready=False)",
         "app 最后的日志（上次运行）:", "panic: out of memory"),
        ("[error] Pod shop/web-7d9f-fghij is CrashLoopBackOff, 0/1 ready, 7 restarts", "Started         : 2h ago",
         "req 250m/256Mi · lim -/512Mi", "Environment (values from Secrets are never shown):",
         "(Conditions: Ready=False)", "Last log lines of app (previous run):"),
    ),
    "logs": Case(
        lambda c, d: logs(zh_call(LogsArgs(pod="web-7d9f-fghij", tail=3)), d),
        ("shop/web-7d9f-fghij [app]：最后 3 行日志:", "line 199"),
        ("Last 3 log lines of shop/web-7d9f-fghij [app]:", "line 199"),
    ),
    "logs of the previous run": Case(
        lambda c, d: logs(zh_call(LogsArgs(pod="web-7d9f-fghij", previous=True)), d),
        ("shop/web-7d9f-fghij [app]（上次运行）：最后 1 行日志:",),
        ("Last 1 log line of shop/web-7d9f-fghij [app] (previous run):",),
    ),
    "logs of a silent run": Case(
        _silent_logs,
        ("shop/web-7d9f-fghij [app]：还没有写出任何日志。上次运行的结束方式：OOMKilled (exit 137)。"
         "`/k8s logs web-7d9f-fghij -p --tail 20 -n shop --cluster sandbox` 会显示那次运行最后的日志。",
         "[上次运行的日志]"),
        ("shop/web-7d9f-fghij [app] has written nothing yet. Its previous run ended: OOMKilled (exit 137). "
         "`/k8s logs web-7d9f-fghij -p --tail 20 -n shop --cluster sandbox` shows its last lines.", "[Previous logs]"),
    ),
    "events": Case(
        lambda c, d: events(zh_call(EventsArgs(type="Warning", reason="BackOff")), d),
        ("事件 — 命名空间 shop（类型 Warning，原因 BackOff）",
         "命名空间 shop 中（类型 Warning，原因 BackOff）有 1 个事件：1 Warning；最多的警告：BackOff ×1",
         "最近发生", "对象"),
        ("Events — in shop of type Warning with reason BackOff",
         "[warn] 1 event in shop of type Warning with reason BackOff: 1 Warning; top warnings: BackOff ×1",
         "LAST SEEN  TYPE     REASON   OBJECT              COUNT  MESSAGE"),
    ),
    "events everywhere": Case(
        lambda c, d: events(zh_call(EventsArgs(type="Warning"), all_namespaces=True), d),
        ("所有命名空间中（类型 Warning）有 3 个事件：3 Warning；最多的警告：", "OOMKilling ×1"),
        ("3 events in all namespaces of type Warning: 3 Warning; top warnings: ",),
    ),
    "no events": Case(
        lambda c, d: events(zh_call(EventsArgs(object="pod/api-5c6b-klmno")), d),
        ("[i] 命名空间 shop 中（对象 pod/api-5c6b-klmno）没有事件。",),
        ("[i] No events in shop for pod/api-5c6b-klmno.",),
    ),
    "deployments": Case(
        lambda c, d: deployments(zh_call(DeploymentsArgs()), d),
        ("Deployment — 命名空间 shop", "命名空间 shop 中有 1 个 Deployment：", "已更新", "说明"),
        ("Deployments — in shop", "1 deployment in shop: ", "DEPLOYMENT  READY  UP-TO-DATE  AVAILABLE  AGE"),
    ),
    "no deployments": Case(
        lambda c, d: deployments(zh_call(DeploymentsArgs(), namespace="default"), d),
        ("[i] 命名空间 default 中没有 Deployment。",),
        ("[i] No deployments in default.",),
    ),
    "pdbs": Case(
        lambda c, d: pdbs(zh_call(PdbsArgs()), d),
        ("PodDisruptionBudget — 命名空间 shop", "命名空间 shop 中有 1 个 PodDisruptionBudget", "（需要 2）",
         "保护的 POD"),
        ("PodDisruptionBudgets — in shop", "1 PodDisruptionBudget in shop", "(needs 2)",
         "BUDGET   RULE            ALLOWED  HEALTHY"),
    ),
    "no pdbs": Case(
        lambda c, d: pdbs(zh_call(PdbsArgs(), namespace="default"), d),
        ("[i] 命名空间 default 中没有 PodDisruptionBudget。",),
        ("[i] No PodDisruptionBudgets in default.",),
    ),
    "top nodes": Case(
        lambda c, d: top_nodes(zh_call(TopNodesArgs()), d),
        ("节点用量 — sandbox", "个节点报告了用量", f"[warn] 1 个节点没有报告指标（通常是因为 NotReady）：{N2}",
         "CPU %  内存"),
        ("Node usage — sandbox", "nodes reporting usage in sandbox",
         f"1 node(s) report no metrics (often NotReady): {N2}", "CPU %  MEMORY"),
    ),
    "top pods": Case(
        lambda c, d: top_pods(zh_call(TopPodsArgs(sort="memory")), d),
        ("Pod 用量 — 命名空间 shop", "命名空间 shop 中的", "个 Pod 共使用", "占 REQUEST", "内存 LIMIT"),
        ("Pod usage — in shop", "pods in shop use ", "OF REQUEST", "MEMORY LIMIT"),
    ),
    "no pod usage": Case(
        lambda c, d: top_pods(zh_call(TopPodsArgs(), namespace="kube-node-lease"), d),
        ("[i] 命名空间 kube-node-lease 中没有运行中的 Pod 报告用量。",),
        ("[i] No running pods report usage in kube-node-lease.",),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_read_view_in_chinese_and_in_english(name: str, cluster: Cluster, deps: Deps) -> None:
    case = CASES[name]
    result = case.make(cluster, deps)
    assert result.lang == "zh"
    zh_view = result.view()
    zh = render_text(zh_view)
    for said in case.zh:
        assert said in zh, f"{said!r} not in:\n{zh}"
    assert CJK.search(zh_view.summary), zh_view.summary
    assert_no_english_of_the_bot(zh_view)
    en_view = replace(result, lang="en").view()
    en = render_text(en_view)
    for said in case.en:
        assert said in en, f"{said!r} not in:\n{en}"
    assert not CJK.search(en_view.summary + en), en


def test_the_english_summaries_read_word_for_word_as_before(cluster: Cluster, deps: Deps) -> None:
    """The sentences existing tests and users' eyes know, singular and plural as they were."""
    summary = {name: replace(CASES[name].make(cluster, deps), lang="en").view().summary for name in CASES}
    assert summary["nodes"] == (
        "4 nodes in sandbox: 3 Ready, 1 NotReady/Unknown, 1 cordoned, 1 with pressure or problem conditions"
    )
    assert summary["nodes filtered"] == (
        "1 node in sandbox (-l agentpool=user, pool user, with problems): 1 Ready, 1 cordoned"
    )
    assert summary["no nodes"] == "No nodes in sandbox (-l kubernetes.io/os=windows, pool user)."
    assert summary["node under pressure"] == f"Node {N1} is Ready with MemoryPressure"
    assert summary["pods with a selector"] == "1 pod in shop -l app=api: 1 Running"
    assert summary["no pods"] == "No pods in default -l app=none."
    assert summary["pod"] == "Pod shop/web-7d9f-fghij is CrashLoopBackOff, 0/1 ready, 7 restarts"
    assert summary["logs"] == "Last 3 log lines of shop/web-7d9f-fghij [app]"
    assert summary["logs of a silent run"] == "No log lines from shop/web-7d9f-fghij [app]."
    assert summary["events"] == (
        "1 event in shop of type Warning with reason BackOff: 1 Warning; top warnings: BackOff ×1"
    )
    assert summary["no events"] == "No events in shop for pod/api-5c6b-klmno."
    assert summary["no deployments"] == "No deployments in default."
    assert summary["no pdbs"] == "No PodDisruptionBudgets in default."
    assert summary["no pod usage"] == "No pod metrics in kube-node-lease."


# -- through the real dispatcher ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dispatcher(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dispatcher]:
    """The registry's real commands on the sandbox, risky ones through an approval workflow on its own store."""
    folder: Path = tmp_path_factory.mktemp("read-zh-dispatch")
    settings = team_settings(cluster, folder)
    provider = KubeClusterProvider(settings)
    store = SqliteApprovalStore(folder / "approvals.sqlite3")
    yield approval_dispatcher(Deps(settings, SystemClock(), provider, NoAzure()), store, RecordingNotifier())
    store.close()
    provider.close()


def test_nodes_and_events_typed_in_chinese_answer_in_chinese(dispatcher: Dispatcher) -> None:
    said = ok_text(dispatcher, "/k8s 节点")
    assert "节点 — sandbox" in said
    assert "sandbox：4 个节点，3 Ready，1 NotReady/Unknown，1 个已隔离" in said
    assert re.search(r"节点\s+状态\s+节点池\s+版本\s+存在时长", said)
    events_said = ok_text(dispatcher, "/k8s 事件 -n shop")
    assert "事件 — 命名空间 shop" in events_said and "命名空间 shop 中有 " in events_said
    assert re.search(r"最近发生\s+类型\s+原因\s+对象\s+次数\s+消息", events_said)
    for text in (said, events_said):
        assert not any(p in text for p in ENGLISH_PROSE), text
    # Typed in English, the same commands answer as they always did.
    assert "4 nodes in sandbox: 3 Ready" in ok_text(dispatcher, "/k8s nodes")
    assert "Events — in shop" in ok_text(dispatcher, "/k8s events -n shop")


def test_the_approvals_list_in_chinese_waiting_or_not(dispatcher: Dispatcher) -> None:
    assert "[ok] 没有等待审批的请求。" in ok_text(dispatcher, "/k8s 审批")
    assert "[ok] 集群 sandbox 上没有等待审批的请求。" in ok_text(dispatcher, "/k8s 审批 --cluster sandbox")
    # Asked where its card can be posted, so the request waits for a decision.
    requested = dispatcher.handle(Incoming(f"/k8s cordon {N0}", "alice", InputKind.SLASH, "C0OPS"), Conversation())
    request_id = request_id_of(requested)
    try:
        waiting = ok_text(dispatcher, "/k8s 审批", user="bob")
        assert "等待审批的请求" in waiting and "[warn] 有 1 个审批请求在等待，其中 1 个你可以批准" in waiting
        assert f"• `{request_id}`（集群 sandbox）：" in waiting and "— 申请人 " in waiting
        assert "，已批准 0/1，到期时间 " in waiting and "— *你可以批准*" in waiting
        assert f"[打开 {request_id}]" in waiting
        assert "打开请求可查看完整的审批卡片，并在卡片上批准、拒绝或撤回。" in waiting
        assert not any(p in waiting for p in ENGLISH_PROSE), waiting
        yours = ok_text(dispatcher, "/k8s 审批", user="alice")
        assert "其中" not in yours and "，没有你可以批准的" in yours and "*你的请求：可以撤回*" in yours
        english = ok_text(dispatcher, "/k8s approvals", user="bob")
        assert "[warn] 1 approval request(s) waiting, 1 you may approve" in english
        assert f"• `{request_id}` on sandbox: " in english and " — *you may approve it*" in english
        assert f"[Open {request_id}]" in english
    finally:
        ok_text(dispatcher, f"/k8s cancel {request_id}", user="alice")
    assert "[ok] No approval requests are waiting." in ok_text(dispatcher, "/k8s approvals")


def test_what_the_bot_adds_to_a_pod_status_is_said_in_the_reader_s_language() -> None:
    from handlers.pods import status_in

    assert status_in("Running (not ready)", "zh") == "Running（未就绪）"
    assert status_in("Running (node Unknown)", "zh") == "Running（节点 Unknown）"
    assert status_in("Running (not ready)", "en") == "Running (not ready)"
    assert status_in("CrashLoopBackOff", "zh") == "CrashLoopBackOff"  # the cluster's own word stays
