"""The disruptive actions asked in Chinese answer in Chinese: the previews of `cordon`, `uncordon`, `drain`,
`delete pod`, `restart deployment`, `scale deployment`, `aks scale-pool`, `aks reconcile` and `aks upgrade-node-image`
(the approval card's title, the fields, the warnings, the reasons one cannot run), the progress lines, and the results
they end with.

Each preview is computed twice by the real preview function — for a request made in Chinese and for one made in
English — through the real kubernetes client on the sandbox API server, or the real Azure SDK on the local ARM server;
each result is made once by the real handler and rendered in both languages. The Chinese has the bot's words in Chinese
and none of its English; what the cluster and Azure say (Ready, SchedulingDisabled, Succeeded, names, `/k8s` and `az`
commands) stays as it is; the English reads as it always did; the facts a request is checked against again before it
runs are the same in both (they are stored, and compared by name). Through the real dispatcher, a cordon clicked under a
Chinese message is previewed in Chinese and, once another user approves it, its card ends with the result in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pytest

import handlers.approvals  # noqa: F401  (registers approve, deny, cancel …)
from bot.approvals.store import SqliteApprovalStore
from bot.azure.sdk import AzureSdkProvider
from bot.blocks import View
from bot.clock import ManualClock, SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.errors import AksbotError, NotFound
from bot.i18n import ACTIONS, FINDING, SNAT, in_lang
from bot.preview import Preview
from bot.refs import CommandRef
from bot.registry import Args, Caller, ClusterCall, NoArgs
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind
from handlers.actions import (
    DrainResult,
    Kept,
    cordon,
    delete_pod,
    drain,
    preview_cordon,
    preview_delete_pod,
    preview_drain,
    preview_restart_deployment,
    preview_scale_deployment,
    preview_uncordon,
    restart_deployment,
    scale_deployment,
    uncordon,
)
from handlers.aks_actions import (
    Reconciled,
    aks_reconcile,
    aks_scale_pool,
    aks_upgrade_node_image,
    preview_reconcile,
    preview_scale_pool,
    preview_upgrade_node_image,
)
from handlers.args import (
    DeletePodArgs,
    DeploymentArgs,
    DrainArgs,
    NodeArgs,
    PoolArgs,
    ScaleDeploymentArgs,
    ScalePoolArgs,
)
from sandbox.arm import ArmServer
from sandbox.kube import AccessRule, KubeServer
from tests.support.approvals import RecordingNotifier, approval_dispatcher, request_id_of
from tests.support.azure import arm_state
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster, write_kubeconfig
from tests.support.language import english_left, english_prose, view_labels
from tests.support.minicluster import DEAD, GUARDED, SPARE, container

CJK = re.compile(r"[\u4e00-\u9fff]")

# Labels the actions print (field names, column and table titles) that Chinese says otherwise: one of them in a
# Chinese view is a word left untranslated.
ENGLISH_LABELS = {
    getattr(ACTIONS, f.name).en
    for f in fields(ACTIONS)
    if "{" not in getattr(ACTIONS, f.name).en and getattr(ACTIONS, f.name).en != getattr(ACTIONS, f.name).zh
}
# The SNAT budget and its recommendations speak in the scale-pool preview too.
ENGLISH_PROSE = english_prose(ACTIONS, SNAT, FINDING)


def chinese(view: View, said: tuple[str, ...]) -> str:
    """The view as text, checked to say `said`, in Chinese, with none of the bot's English."""
    text = " ".join(render_text(view).split())
    for words in said:
        assert words in text, f"{words!r} not in:\n{text}"
    assert CJK.search(view.summary), view.summary
    left = english_left(view.summary + "\n" + text, ENGLISH_PROSE)
    assert not left, f"English left in the Chinese answer: {left}\n{text}"
    untranslated = [label for label in view_labels(view) if label in ENGLISH_LABELS]
    assert not untranslated, f"English labels in the Chinese answer: {untranslated}\n{text}"
    return text


def english(view: View, said: tuple[str, ...]) -> str:
    """The view as text, checked to say `said` and no Chinese at all."""
    text = " ".join(render_text(view).split())
    for words in said:
        assert words in text, f"{words!r} not in:\n{text}"
    assert not CJK.search(view.summary + text), text
    return text


def call_in(lang: Any, args: Args, namespace: str = "shop", progress: Callable[[str], None] | None = None
            ) -> ClusterCall[Any]:
    """A call as a request made in `lang` makes it (and as the workflow makes it again once approved)."""
    extra: dict[str, Any] = {"progress": progress} if progress is not None else {}
    return ClusterCall(command="test", args=args, caller=Caller("alice"), cluster="sandbox", namespace=namespace,
                       lang=lang, **extra)


# -- the cluster: the sandbox API server over the minicluster, new for each test (the actions change it) -----------


@dataclass
class Kube:
    server: KubeServer
    deps: Deps
    kubeconfig: Path

    def pods_on(self, node: str) -> list[str]:
        return sorted(
            f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in self.server.objects("pods")
            if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp")
        )

    def pod_of(self, app: str) -> str:
        return next(p["metadata"]["name"] for p in self.server.objects("pods")
                    if p["metadata"].get("labels", {}).get("app") == app)


@contextmanager
def minicluster(folder: Path, context: str = "sandbox") -> Iterator[Kube]:
    server = start_minicluster()
    try:
        kubeconfig = write_kubeconfig(folder, server)
        settings = from_mapping(
            {"clusters": [{"name": "sandbox", "kubeconfig": str(kubeconfig), "context": context}],
             "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]}},
            source=str(folder / "aksbot.yaml"),
            environ={},
        )
        provider = KubeClusterProvider(settings)
        yield Kube(server, Deps(settings, SystemClock(), provider, NoAzure()), kubeconfig)
        provider.close()
    finally:
        server.stop()


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[Kube]:
    with minicluster(tmp_path) as k:
        yield k


def _cordoned(k: Kube) -> None:
    k.deps.clusters.writer("sandbox").cordon(SPARE, True)


def _one_replica(k: Kube) -> None:
    k.deps.clusters.writer("sandbox").scale_deployment("shop", "api", 1)


def _pod_on_the_unreachable_node(k: Kube) -> None:
    """A pod on the node whose kubelet is gone, tolerating that for good (only a drain moves it)."""
    unreachable = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    k.server.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ledger-0", "namespace": "shop"},
                    "spec": {"nodeName": DEAD, "containers": [container("ledger", "shop/ledger:1.0")],
                             "tolerations": [unreachable]}})


DELETE_MACHINE = f"az aks nodepool delete-machines -g RG --cluster-name NAME -n nodepool1 --machine-names {DEAD}"


@dataclass(frozen=True)
class PreviewCase:
    """One preview: what it is asked, how the cluster is first changed, what its Chinese and its English say."""

    preview: Callable[[ClusterCall[Any], Deps], Preview]
    args: Callable[[Kube], Args]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    before: Callable[[Kube], None] = lambda k: None
    blocked: bool = False
    warnings: int = 0


CLUSTER_PREVIEWS: dict[str, PreviewCase] = {
    "cordon": PreviewCase(
        preview_cordon, lambda k: NodeArgs(node=SPARE),
        (f"隔离节点 {SPARE}（集群 sandbox）", "新的 Pod 不会再调度到该节点；节点上的 4 个 Pod 继续运行。",
         "节点 : " + SPARE, "节点池 : nodepool1", "状态 : Ready", "调度 : 允许"),
        (f"Cordon node {SPARE} on sandbox", "[i] New pods will not be scheduled on it; its 4 pod(s) keep running.",
         "Node : " + SPARE, "Pool : nodepool1", "Status : Ready", "Scheduling : enabled"),
    ),
    "cordon of a cordoned node": PreviewCase(
        preview_cordon, lambda k: NodeArgs(node=SPARE),
        (f"[error] 节点 `{SPARE}` 已经处于隔离状态，无需操作。",),
        (f"[error] Node `{SPARE}` is already cordoned; nothing to do.",),
        before=_cordoned, blocked=True,
    ),
    "uncordon": PreviewCase(
        preview_uncordon, lambda k: NodeArgs(node=SPARE),
        (f"取消隔离节点 {SPARE}（集群 sandbox）", "[i] 新的 Pod 可以再次调度到该节点。", "调度 : SchedulingDisabled"),
        (f"Uncordon node {SPARE} on sandbox", "[i] New pods may be scheduled on it again.",
         "Scheduling : SchedulingDisabled"),
        before=_cordoned,
    ),
    "uncordon of a schedulable node": PreviewCase(
        preview_uncordon, lambda k: NodeArgs(node=SPARE),
        (f"[error] 节点 `{SPARE}` 已经可以调度，无需操作。",),
        (f"[error] Node `{SPARE}` is already schedulable; nothing to do.",),
        blocked=True,
    ),
    "drain that a PodDisruptionBudget holds": PreviewCase(
        preview_drain, lambda k: DrainArgs(node=GUARDED, timeout=60),
        (f"排空节点 {GUARDED}（集群 sandbox）：隔离该节点并驱逐 2 个 Pod", "要驱逐的 Pod", "所属",
         "shop/web（当前允许中断 0 个）", "与 kubectl drain 一样跳过：1 个 DaemonSet Pod，0 个静态（mirror）Pod。",
         "[warn] PodDisruptionBudget shop/web 当前不允许任何中断，它保护着 web-",
         "：排空最多重试 60 秒，然后停止，节点保持隔离，这些 Pod 仍留在节点上。"),
        (f"Drain node {GUARDED} on sandbox: cordon it and evict 2 pod(s)", "Pods to evict",
         "POD OWNER PODDISRUPTIONBUDGET", "shop/web (0 disruption(s) allowed now)",
         "Skipped, as kubectl drain does: 1 DaemonSet pod(s), 0 static (mirror) pod(s).",
         "[warn] PodDisruptionBudget shop/web allows no disruption now and guards web-",
         ": the drain retries for up to 60 s, then stops and leaves the node cordoned with those pods on it."),
        warnings=1,
    ),
    "drain of a node with a pod no controller recreates": PreviewCase(
        preview_drain, lambda k: DrainArgs(node=SPARE),
        (f"排空节点 {SPARE}（集群 sandbox）：隔离该节点并驱逐 2 个 Pod", "ReplicaSet/api-6f7c9d8b5",
         "[warn] 不会驱逐（没有控制器会重建它们；加 --force 才会驱逐）：shop/billing-7d4b9c-x2x9z。"),
        ("[warn] Not evicted (no controller would recreate them; add --force to evict): shop/billing-7d4b9c-x2x9z.",),
        warnings=1,
    ),
    "forced drain": PreviewCase(
        preview_drain, lambda k: DrainArgs(node=SPARE, force=True),
        ("隔离该节点并驱逐 3 个 Pod", "shop/billing-7d4b9c-x2x9z 无 -"),
        ("cordon it and evict 3 pod(s)", "shop/billing-7d4b9c-x2x9z none -"),
    ),
    "drain of a node whose kubelet is unreachable": PreviewCase(
        preview_drain, lambda k: DrainArgs(node=DEAD, force=True),
        (f"[warn] 节点 {DEAD} 的状态为 Unknown：它的 kubelet 已停止上报，没有谁能确认被驱逐的 Pod 已经停止。",
         "只有 kubelet 还能响应时才应排空；要释放这些 Pod，请通过节点池删除这台机器：",
         f"`{DELETE_MACHINE}`（不要用 `kubectl delete node`）。"),
        (f"[warn] Node {DEAD} is Unknown: its kubelet has stopped reporting, so nothing can confirm that an evicted "
         "pod stopped.", f"to release them, delete the machine through its node pool: `{DELETE_MACHINE}`"),
        before=_pod_on_the_unreachable_node, warnings=1,
    ),
    "delete pod": PreviewCase(
        preview_delete_pod, lambda k: DeletePodArgs(pod="api-6f7c9d8b5-k2x7p"),
        ("删除 Pod shop/api-6f7c9d8b5-k2x7p（集群 sandbox）", "Pod : api-6f7c9d8b5-k2x7p", "命名空间 : shop",
         f"节点 : {SPARE}", "所属 : ReplicaSet/api-6f7c9d8b5"),
        ("Delete pod shop/api-6f7c9d8b5-k2x7p on sandbox", "Namespace : shop", "Owner : ReplicaSet/api-6f7c9d8b5"),
    ),
    "delete a pod nothing recreates": PreviewCase(
        preview_delete_pod, lambda k: DeletePodArgs(pod="billing-7d4b9c-x2x9z"),
        ("所属 : 无", "[warn] 这个 Pod 没有控制器：删除后不会被重建。"),
        ("Owner : none", "[warn] This pod has no controller: once deleted, nothing recreates it."),
        warnings=1,
    ),
    "restart deployment": PreviewCase(
        preview_restart_deployment, lambda k: DeploymentArgs(name="web"),
        ("滚动重启 Deployment shop/web（集群 sandbox；rollout restart，共 2 个 Pod）", "Deployment : shop/web",
         "副本数 : 2", "更新策略 : RollingUpdate"),
        ("Restart deployment shop/web on sandbox (rollout restart of 2 pod(s))", "Replicas : 2",
         "Strategy : RollingUpdate"),
    ),
    "restart a deployment of one replica": PreviewCase(
        preview_restart_deployment, lambda k: DeploymentArgs(name="api"),
        ("[warn] 它只有 1 个副本：新 Pod 启动期间服务不可用。",),
        ("[warn] It has 1 replica: it is unavailable while the new pod starts.",),
        before=_one_replica, warnings=1,
    ),
    "scale deployment up": PreviewCase(
        preview_scale_deployment, lambda k: ScaleDeploymentArgs(name="web", replicas=4),
        ("扩缩容 Deployment shop/web（集群 sandbox）：副本数 2 → 4", "就绪 : "),
        ("Scale deployment shop/web on sandbox from 2 to 4 replicas", "Ready : "),
    ),
    "scale deployment down": PreviewCase(
        preview_scale_deployment, lambda k: ScaleDeploymentArgs(name="web", replicas=1),
        ("副本数 2 → 1", "[warn] 将终止 1 个 Pod。",
         "[warn] PodDisruptionBudget shop/web（minAvailable 2）在 1 个副本时将不允许任何中断"),
        ("from 2 to 1 replicas", "[warn] 1 pod(s) will be terminated.",
         "[warn] PodDisruptionBudget shop/web (minAvailable 2) will allow no disruption with 1 replica(s)"),
        warnings=2,
    ),
    "scale deployment to 0": PreviewCase(
        preview_scale_deployment, lambda k: ScaleDeploymentArgs(name="web", replicas=0),
        ("[warn] 缩容到 0 会停止它的所有 Pod：重新扩容之前，服务没有任何后端。",),
        ("[warn] Scaling to 0 stops every pod of it: the service has no backend until scaled up again.",),
        warnings=1,
    ),
    "scale deployment to its count": PreviewCase(
        preview_scale_deployment, lambda k: ScaleDeploymentArgs(name="web", replicas=2),
        ("[error] Deployment `web` 已经是 2 个副本，无需操作。",),
        ("[error] Deployment `web` already has 2 replicas; nothing to do.",),
        blocked=True,
    ),
}


def check_preview(zh: Preview, en: Preview, case_zh: tuple[str, ...], case_en: tuple[str, ...], blocked: bool,
                  warnings: int) -> None:
    # The facts the request is checked against again are stored with it and compared by name: they are one form in
    # both languages (and so are left out of what is checked for Chinese).
    assert zh.expect == en.expect
    chinese(replace(zh, expect=()).view("zh"), case_zh)
    english(en.view(), case_en)
    assert (zh.blocked is not None, len(zh.warnings)) == (en.blocked is not None, len(en.warnings)) == (
        blocked, warnings)
    assert len(zh.blocks) == len(en.blocks)


@pytest.mark.parametrize("name", CLUSTER_PREVIEWS)
def test_a_cluster_action_previewed_in_chinese_and_in_english(name: str, kube: Kube) -> None:
    case = CLUSTER_PREVIEWS[name]
    case.before(kube)
    args = case.args(kube)
    zh = case.preview(call_in("zh", args), kube.deps)
    en = case.preview(call_in("en", args), kube.deps)
    check_preview(zh, en, case.zh, case.en, case.blocked, case.warnings)


# -- what the cluster actions end with ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultCase:
    """One action run for a request made in Chinese: what its result says in Chinese, and in English."""

    run: Callable[[Kube, Callable[[str], None]], Any]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    progress: tuple[str, ...] = ()  # what it posts in the request's thread, in Chinese


def _uncordon(k: Kube, progress: Callable[[str], None]) -> Any:
    _cordoned(k)
    return uncordon(call_in("zh", NodeArgs(node=SPARE), progress=progress), k.deps)


def _drain_unreachable(k: Kube, progress: Callable[[str], None]) -> Any:
    _pod_on_the_unreachable_node(k)
    return drain(call_in("zh", DrainArgs(node=DEAD, force=True, timeout=20), progress=progress), k.deps)


CLUSTER_RESULTS: dict[str, ResultCase] = {
    "cordon": ResultCase(
        lambda k, p: cordon(call_in("zh", NodeArgs(node=SPARE), progress=p), k.deps),
        (f"[ok] 节点 {SPARE} 已隔离（SchedulingDisabled）：不会再有新的 Pod 调度到该节点。",
         "调度 : SchedulingDisabled", f"撤销：`/k8s uncordon {SPARE}`；把节点上的 Pod 迁走：`/k8s drain {SPARE}`。"),
        (f"[ok] Node {SPARE} is cordoned (SchedulingDisabled): no new pods will be scheduled on it.",
         f"Undo with `/k8s uncordon {SPARE}`; move its pods away with `/k8s drain {SPARE}`."),
    ),
    "uncordon": ResultCase(
        _uncordon,
        (f"[ok] 节点 {SPARE} 已恢复调度。", "调度 : 允许", "已经迁到别处的 Pod 不会迁回；新的 Pod 可以调度到这里。"),
        (f"[ok] Node {SPARE} is schedulable again.", "Scheduling : enabled",
         "Pods already moved elsewhere stay where they are; new ones may land here."),
    ),
    "drain": ResultCase(
        lambda k, p: drain(call_in("zh", DrainArgs(node=SPARE, force=True, timeout=20), progress=p), k.deps),
        (f"[ok] 节点 {SPARE} 已排空：驱逐了 3 个 Pod；节点保持隔离。",
         "已驱逐 : shop/api-6f7c9d8b5-k2x7p，shop/api-6f7c9d8b5-q9z4m，shop/billing-7d4b9c-x2x9z",
         f"1 个 DaemonSet/静态 Pod 留在原处。取消隔离：`/k8s uncordon {SPARE}`。"),
        (f"[ok] Node {SPARE} drained: 3 pod(s) evicted; it stays cordoned.",
         "Evicted : shop/api-6f7c9d8b5-k2x7p, shop/api-6f7c9d8b5-q9z4m, shop/billing-7d4b9c-x2x9z",
         f"1 DaemonSet/static pod(s) were left in place. Uncordon with `/k8s uncordon {SPARE}`."),
        (f"已隔离 {SPARE}。", f"正在从 {SPARE} 驱逐 3 个 Pod（跳过 1 个 DaemonSet/静态 Pod）；超时 20 秒。",
         "已驱逐 shop/api-6f7c9d8b5-k2x7p。"),
    ),
    "drain that a PodDisruptionBudget stops": ResultCase(
        lambda k, p: drain(call_in("zh", DrainArgs(node=GUARDED, timeout=1), progress=p), k.deps),
        (f"[warn] 节点 {GUARDED} 的排空已停止：2 个 Pod 中驱逐了 0 个，还有 2 个留在节点上。"
         "节点保持隔离（不会调度新的 Pod），下面这些 Pod 继续在节点上运行。",
         "重试 1 秒后仍在节点上", "阻止原因", "PodDisruptionBudget shop/web（当前允许中断 0 个）",
         f"1 个 DaemonSet/静态 Pod 留在原处。取消隔离：`/k8s uncordon {GUARDED}`；等 PodDisruptionBudget 允许中断后，"
         f"再运行一次 `/k8s drain {GUARDED}`。"),
        (f"[warn] Drain of {GUARDED} stopped: 0 of 2 pod(s) evicted, 2 still on the node. The node stays cordoned "
         "(no new pods), and the pods below keep running on it.",
         "Still on the node after 1 s of retries", "POD KEPT BY", "PodDisruptionBudget shop/web (0 disruption(s) "
         "allowed now)", f"once the budget allows it, run `/k8s drain {GUARDED}` again."),
        ("秒重试一次。",),
    ),
    "drain that leaves a pod no controller recreates": ResultCase(
        lambda k, p: drain(call_in("zh", DrainArgs(node=SPARE, timeout=20), progress=p), k.deps),
        ("2 个 Pod 中驱逐了 2 个，还有 1 个留在节点上", "[warn] 未驱逐（没有控制器）：shop/billing-7d4b9c-x2x9z"),
        ("2 of 2 pod(s) evicted, 1 still on the node",
         "[warn] Not evicted (no controller): shop/billing-7d4b9c-x2x9z"),
    ),
    "drain of a node whose kubelet is unreachable": ResultCase(
        _drain_unreachable,
        (f"[warn] 节点 {DEAD} 已排空：驱逐了 1 个 Pod，其中 1 个仍处于 Terminating；节点保持隔离。",
         f"[warn] 仍处于 Terminating：shop/ledger-0。节点 {DEAD} 的状态为 Unknown，它的 kubelet 无法确认这些 Pod "
         f"已经停止：它们会一直留着，直到节点恢复，或通过节点池删除该节点（`{DELETE_MACHINE}`）。"
         "其控制器会先在别处启动替代 Pod。"),
        (f"[warn] Node {DEAD} drained: 1 pod(s) evicted, 1 still Terminating; it stays cordoned.",
         f"[warn] Still Terminating: shop/ledger-0. Node {DEAD} is Unknown, so its kubelet cannot confirm that they "
         f"stopped: they stay until the node comes back or is deleted through its node pool (`{DELETE_MACHINE}`)."),
        (f"不等待被驱逐的 1 个 Pod 离开：{DEAD} 的状态为 Unknown，它的 kubelet 无法确认它们已经停止。",),
    ),
    "delete pod": ResultCase(
        lambda k, p: delete_pod(call_in("zh", DeletePodArgs(pod="api-6f7c9d8b5-k2x7p"), progress=p), k.deps),
        ("[ok] Pod shop/api-6f7c9d8b5-k2x7p 已删除。它的 ReplicaSet/api-6f7c9d8b5 会创建一个新的 Pod 来替代。",),
        ("[ok] Pod shop/api-6f7c9d8b5-k2x7p deleted. Its ReplicaSet/api-6f7c9d8b5 will create a replacement.",),
    ),
    "delete a pod nothing recreates": ResultCase(
        lambda k, p: delete_pod(call_in("zh", DeletePodArgs(pod="billing-7d4b9c-x2x9z"), progress=p), k.deps),
        ("[ok] Pod shop/billing-7d4b9c-x2x9z 已删除。不会有任何控制器重建它。",),
        ("[ok] Pod shop/billing-7d4b9c-x2x9z deleted. Nothing will recreate it.",),
    ),
    "restart deployment": ResultCase(
        lambda k, p: restart_deployment(call_in("zh", DeploymentArgs(name="web"), progress=p), k.deps),
        ("[ok] Deployment shop/web 正在滚动重启：它的 Pod 会通过滚动更新逐个替换。", "副本数 : 2"),
        ("[ok] Deployment shop/web restarting: its pods are replaced by a rolling update.", "Replicas : 2"),
    ),
    "scale deployment": ResultCase(
        lambda k, p: scale_deployment(call_in("zh", ScaleDeploymentArgs(name="web", replicas=3), progress=p), k.deps),
        ("[ok] Deployment shop/web 已完成扩缩容：副本数 2 → 3。", "副本数 : 3"),
        ("[ok] Deployment shop/web scaled from 2 to 3 replicas.", "Replicas : 3"),
    ),
}


def check_result(result: Any, zh: tuple[str, ...], en: tuple[str, ...]) -> None:
    assert result.lang == "zh"
    chinese(result.view(), zh)
    english(replace(result, lang="en").view(), en)


@pytest.mark.parametrize("name", CLUSTER_RESULTS)
def test_a_cluster_action_run_for_a_chinese_request_ends_in_chinese(name: str, kube: Kube) -> None:
    case = CLUSTER_RESULTS[name]
    progress: list[str] = []
    check_result(case.run(kube, progress.append), case.zh, case.en)
    posted = " ".join(progress)
    for line in case.progress:
        assert line in posted, f"{line!r} not in:\n{posted}"
    assert all(CJK.search(line) for line in progress), progress


def test_a_pod_the_cluster_refused_to_evict_is_kept_by_the_cluster_s_own_words() -> None:
    """A refusal with no budget behind it is quoted as the API server said it; one without words is "refused"."""
    kept = (Kept("shop/a", refusal="pod shop/a: Too many requests"), Kept("shop/b"))
    stopped = DrainResult("sandbox", SPARE, (), kept, (), (), 1, 5, lang="zh")
    chinese(stopped.view(), ("shop/a pod shop/a: Too many requests", "shop/b 被拒绝", "重试 5 秒后仍在节点上"))
    english(replace(stopped, lang="en").view(), ("shop/b refused", "Still on the node after 5 s of retries"))


def test_a_drain_that_loses_the_right_to_evict_says_in_chinese_what_it_changed(tmp_path: Path) -> None:
    """The bot (as the sandbox user `carol`) may no longer evict after its first eviction: the error is the API
    server's, what the drain had done by then and how to undo it are said in Chinese to a Chinese request (the
    message is English wherever a string is wanted: the audit, the log)."""
    with minicluster(tmp_path, context="sandbox-carol") as k:
        movable = [p for p in k.pods_on(SPARE) if not p.startswith("kube-system/")]

        def revoke_after_the_first_eviction(line: str) -> None:
            if line.startswith("已驱逐 "):
                k.server.set_access("carol", AccessRule(deny_verbs=frozenset({"create"})))

        asked = call_in("zh", DrainArgs(node=SPARE, force=True, timeout=20), progress=revoke_after_the_first_eviction)
        with pytest.raises(AksbotError) as failed:
            drain(asked, k.deps)
    said = " ".join(in_lang(failed.value.message, "zh").split())
    assert "forbidden" in said  # the API server's words, quoted
    assert f"Drain of {SPARE} stopped half-way: the node is left cordoned" in failed.value.message
    assert (f"。节点 {SPARE} 的排空中途停止：节点保持隔离（撤销：`/k8s uncordon {SPARE}`）；3 个 Pod 中驱逐了 1 个"
            f"（{movable[0]}），仍在节点上：{movable[1]}，{movable[2]}。已驱逐的 Pod 不会放回") in said, said
    assert not [p for p in ENGLISH_PROSE if p in said.split("。", 1)[1]], said


# -- AKS: the real Azure SDK on the local ARM server ---------------------------------------------------------------


@contextmanager
def arm(folder: Path, change: Callable[[dict[str, Any]], None] = lambda state: None) -> Iterator[Deps]:
    state = arm_state()
    change(state)
    srv = ArmServer(state).start()
    try:
        settings = from_mapping(
            {"default_cluster": "sandbox", "clusters": [{"name": "sandbox", "azure": srv.settings_fragment(folder)}],
             "roles": {"viewer": ["*"], "operator": ["alice"], "approver": ["bob"]}},
            source=None,
            environ=srv.environment(),
        )
        yield Deps(settings=settings, clock=ManualClock(), clusters=NoClusters(), azure=AzureSdkProvider(settings))
    finally:
        srv.stop()


def _pool(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def changed(state: dict[str, Any]) -> None:
        for profile in state["managedCluster"]["properties"]["agentPoolProfiles"]:
            change(profile)
    return changed


def _cluster_state(provisioning: str, error: tuple[str, str] | None = None) -> Callable[[dict[str, Any]], None]:
    def changed(state: dict[str, Any]) -> None:
        props = state["managedCluster"]["properties"]
        props["provisioningState"] = provisioning
        if error:
            props.setdefault("status", {})["provisioningError"] = {"code": error[0], "message": error[1]}
    return changed


def _latest_image(image: str | None) -> Callable[[dict[str, Any]], None]:
    def changed(state: dict[str, Any]) -> None:
        props = state["poolUpgradeProfiles"]["nodepool1"]["properties"]
        if image is None:
            props.pop("latestNodeImageVersion", None)
        else:
            props["latestNodeImageVersion"] = image
    return changed


def _unknown_image_and_surge(state: dict[str, Any]) -> None:
    _latest_image(None)(state)
    _pool(lambda p: p.pop("upgradeSettings", None))(state)


@dataclass(frozen=True)
class AksPreviewCase:
    preview: Callable[[ClusterCall[Any], Deps], Preview]
    args: Args
    zh: tuple[str, ...]
    en: tuple[str, ...]
    change: Callable[[dict[str, Any]], None] = lambda state: None
    blocked: bool = False
    warnings: int = 0


def _second_pool(provisioning: str) -> Callable[[dict[str, Any]], None]:
    """A System pool `syspool` next to nodepool1, in `provisioning` state (an operation of its own running)."""
    def changed(state: dict[str, Any]) -> None:
        profiles = state["managedCluster"]["properties"]["agentPoolProfiles"]
        profiles.append({**profiles[0], "name": "syspool", "mode": "System", "provisioningState": provisioning})
    return changed


FAILED = ("VMExtensionProvisioningError", "the CSE failed on one node")
AKS_PREVIEWS: dict[str, AksPreviewCase] = {
    "scale-pool": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=5),
        ("扩缩容集群 sandbox 的节点池 nodepool1：节点数 3 → 5", "节点池 : nodepool1", "VM 规格 : Standard_DS1_v2",
         "节点数 : 3", "自动缩放 : 关闭", "节点镜像 : AKSUbuntu:1604:2020.03.11", "状态 : Succeeded",
         "[i] 5 个节点时的 SNAT（load-balancer）：可行：5 × 2,000 个端口"),
        ("Scale pool nodepool1 of sandbox from 3 to 5 nodes", "VM size : Standard_DS1_v2", "Autoscaler : off",
         "[i] SNAT at 5 nodes (load-balancer): fits: 5 × 2,000 ports"),
    ),
    "scale-pool past the SNAT budget": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=70),
        # The verdict once, as the warning; the remedies say the peak they are sized for.
        ("[warn] SNAT：不可行：", "。Azure 可能拒绝这次扩缩容，或者节点的 SNAT 端口可能耗尽。",
         "[warn] 按集群峰值 94 个节点（所有自动缩放器到达上限再加升级 surge）计算："),
        ("[warn] SNAT: fails: ", "Azure may refuse the scale, or nodes may run out of ports.",
         "[warn] Sized for the cluster's peak, 94 nodes (every autoscaler at its maximum, plus upgrade surge):"),
        warnings=4,
    ),
    "scale-pool down": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=2),
        ("[warn] 将移除 1 个节点；AKS 会先隔离并排空它们，遵守 PodDisruptionBudget。",),
        ("[warn] 1 node(s) will be removed; AKS cordons and drains them, honouring PodDisruptionBudgets.",),
        warnings=1,
    ),
    "scale-pool to its count": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=3),
        ("[error] 节点池 `nodepool1` 已经有 3 个节点，无需操作。",),
        ("[error] Pool `nodepool1` already has 3 nodes; nothing to do.",),
        blocked=True,
    ),
    "scale-pool of an autoscaled pool": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=6),
        ("[error] 节点池 `nodepool1` 由 cluster autoscaler 管理（2–4 个节点）；请修改它的最小和最大节点数，"
         "而不是节点数：`az aks nodepool update -g rg1 --cluster-name clustername1 -n nodepool1 "
         "--update-cluster-autoscaler --min-count 2 --max-count 6`"
         "（或者用 `--disable-cluster-autoscaler` 关闭自动缩放，再手动设置节点数）。",),
        ("[error] The cluster autoscaler manages pool `nodepool1` (2–4 nodes); change its minimum and maximum instead "
         "of its count: `az aks nodepool update -g rg1 --cluster-name clustername1 -n nodepool1 "
         "--update-cluster-autoscaler --min-count 2 --max-count 6` (or `--disable-cluster-autoscaler` to set the count "
         "by hand).",),
        change=_pool(lambda p: p.update(enableAutoScaling=True, minCount=2, maxCount=4)), blocked=True,
    ),
    "scale-pool of an autoscaled pool past the SNAT budget": AksPreviewCase(
        # The command it hands out raises the maximum: where the pool may then grow must fit the SNAT budget too.
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=70),
        ("--max-count 70`", "注意 SNAT 预算：最大值设为 70 后，集群峰值", "最多 64 个节点"),
        ("--max-count 70`", "Mind the SNAT budget: with a maximum of 70, the cluster's peak", "at most 64 nodes"),
        change=_pool(lambda p: p.update(enableAutoScaling=True, minCount=2, maxCount=4)), blocked=True,
    ),
    "scale-pool of a System pool to 0": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=0),
        ("[error] 节点池 `nodepool1` 是 System 节点池，AKS 不会把它缩到 0 个节点。",),
        ("[error] Pool `nodepool1` is a System pool; AKS does not scale it to 0 nodes.",),
        change=_pool(lambda p: p.update(mode="System")), blocked=True,
    ),
    "scale-pool of a busy pool": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=5),
        ("[error] 节点池 `nodepool1` 处于 Upgrading 状态；请等该操作完成。",),
        ("[error] Pool `nodepool1` is Upgrading; wait for that operation to finish.",),
        change=_pool(lambda p: p.update(provisioningState="Upgrading")), blocked=True,
    ),
    "scale-pool while another pool is busy": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=5),
        ("[warn] 集群 `clustername1` 的节点池 `syspool` 处于 Upgrading 状态：该操作进行期间，AKS 可能拒绝这次操作"
         "（OperationNotAllowed，“另一个操作正在进行”）；用 `/k8s aks pools` 查看它何时完成。",),
        ("[warn] Pool `syspool` of `clustername1` is Upgrading: while that operation runs, AKS may refuse this one "
         "(OperationNotAllowed, \"another operation is in progress\"); `/k8s aks pools` shows when it is done.",),
        change=_second_pool("Upgrading"), warnings=1,
    ),
    "scale-pool of a busy cluster": AksPreviewCase(
        preview_scale_pool, ScalePoolArgs(pool="nodepool1", count=5),
        ("[error] 集群 `clustername1` 处于 Upgrading 状态；请等该操作完成。",),
        ("[error] Cluster `clustername1` is Upgrading; wait for that operation to finish.",),
        change=_cluster_state("Upgrading"), blocked=True,
    ),
    "reconcile": AksPreviewCase(
        preview_reconcile, NoArgs(),
        ("reconcile 集群 clustername1（把它当前的模型原样 PUT 回去，相当于不带参数的 `az aks update`）",
         "预配状态 : Succeeded", "Kubernetes : ", "节点池 : nodepool1 (3)",
         "[warn] 集群处于 Succeeded 状态，而不是 Failed：通常只有失败之后才需要 reconcile。"),
        ("Reconcile cluster clustername1 (a PUT of its current model, as `az aks update` with no arguments)",
         "Provisioning state : Succeeded", "Pools : nodepool1 (3)",
         "[warn] The cluster is Succeeded, not Failed: a reconcile is usually needed only after a failure."),
        warnings=1,
    ),
    "reconcile of a Failed cluster": AksPreviewCase(
        preview_reconcile, NoArgs(),
        ("预配状态 : Failed", "[warn] 上次的错误：VMExtensionProvisioningError：the CSE failed on one node"),
        ("[warn] Last error: VMExtensionProvisioningError: the CSE failed on one node",),
        change=_cluster_state("Failed", FAILED),
    ),
    "reconcile of a busy cluster": AksPreviewCase(
        preview_reconcile, NoArgs(),
        ("[error] 集群 `clustername1` 处于 Updating 状态；请等该操作完成。",),
        ("[error] Cluster `clustername1` is Updating; wait for that operation to finish.",),
        change=_cluster_state("Updating"), blocked=True,
    ),
    "upgrade-node-image": AksPreviewCase(
        preview_upgrade_node_image, PoolArgs(pool="nodepool1"),
        ("升级集群 sandbox 节点池 nodepool1 的节点镜像：AKSUbuntu:1604:2020.03.11 → AKSUbuntu:1604:2020.04.01",
         "[i] 节点每次重装 1 个（max surge 33%）：每个节点都先隔离、排空，遵守 PodDisruptionBudget。"),
        ("Upgrade the node image of pool nodepool1 on sandbox from AKSUbuntu:1604:2020.03.11 to "
         "AKSUbuntu:1604:2020.04.01",
         "[i] Nodes are reimaged 1 at a time (max surge 33%): each is cordoned and drained first, honouring "
         "PodDisruptionBudgets."),
    ),
    "upgrade-node-image without a surge or a latest image": AksPreviewCase(
        preview_upgrade_node_image, PoolArgs(pool="nodepool1"),
        ("（max surge 默认）", "→ ?", "[warn] Azure 没有报告最新的节点镜像；升级会采用届时最新的镜像。"),
        ("(max surge default)", "to ?", "[warn] Azure did not report the latest node image; the upgrade takes "
         "whatever is newest."),
        change=_unknown_image_and_surge,
        warnings=1,
    ),
    "upgrade-node-image already at the latest": AksPreviewCase(
        preview_upgrade_node_image, PoolArgs(pool="nodepool1"),
        ("[error] 节点池 `nodepool1` 已经在用最新的节点镜像（AKSUbuntu:1604:2020.03.11）。",),
        ("[error] Pool `nodepool1` already runs the latest node image (AKSUbuntu:1604:2020.03.11).",),
        change=_latest_image("AKSUbuntu:1604:2020.03.11"), blocked=True,
    ),
    "upgrade-node-image while the cluster is busy": AksPreviewCase(
        preview_upgrade_node_image, PoolArgs(pool="nodepool1"),
        ("[error] 集群 `clustername1` 处于 Updating 状态；请等该操作完成。",),
        ("[error] Cluster `clustername1` is Updating; wait for that operation to finish.",),
        change=_cluster_state("Updating"), blocked=True,
    ),
    "upgrade-node-image of a busy pool": AksPreviewCase(
        preview_upgrade_node_image, PoolArgs(pool="nodepool1"),
        ("[error] 节点池 `nodepool1` 处于 Scaling 状态；请等该操作完成。",),
        ("[error] Pool `nodepool1` is Scaling; wait for that operation to finish.",),
        change=_pool(lambda p: p.update(provisioningState="Scaling")), blocked=True,
    ),
}


@pytest.mark.parametrize("name", AKS_PREVIEWS)
def test_an_aks_action_previewed_in_chinese_and_in_english(name: str, tmp_path: Path) -> None:
    case = AKS_PREVIEWS[name]
    with arm(tmp_path, case.change) as deps:
        zh = case.preview(call_in("zh", case.args), deps)
        en = case.preview(call_in("en", case.args), deps)
    check_preview(zh, en, case.zh, case.en, case.blocked, case.warnings)


def test_an_unknown_pool_is_answered_in_chinese(tmp_path: Path) -> None:
    with arm(tmp_path) as deps, pytest.raises(NotFound) as missing:
        preview_scale_pool(call_in("zh", ScalePoolArgs(pool="nosuchpool", count=2)), deps)
    zh = "集群 `clustername1` 没有节点池 `nosuchpool`（现有节点池：nodepool1）。"
    assert in_lang(missing.value.message, "zh") == zh
    assert missing.value.message == "Cluster `clustername1` has no node pool `nosuchpool` (pools: nodepool1)."


@dataclass(frozen=True)
class AksResultCase:
    run: Callable[[Deps, Callable[[str], None]], Any]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    change: Callable[[dict[str, Any]], None] = lambda state: None
    progress: str = ""


def _still_failed(deps: Deps, progress: Callable[[str], None]) -> Reconciled:
    """What a reconcile that does not help ends with: the cluster as it was, Failed with Azure's error."""
    failed = deps.azure.client("sandbox").cluster()
    return Reconciled("sandbox", failed, failed, "zh")


AKS_RESULTS: dict[str, AksResultCase] = {
    "scale-pool": AksResultCase(
        lambda d, p: aks_scale_pool(call_in("zh", ScalePoolArgs(pool="nodepool1", count=5), progress=p), d),
        ("[ok] 集群 sandbox 的节点池 nodepool1 已完成扩缩容：节点数 3 → 5（状态 Succeeded）。", "节点数 : 5"),
        ("[ok] Pool nodepool1 on sandbox scaled from 3 to 5 nodes (state Succeeded).", "Nodes : 5"),
        progress="正在扩缩容节点池 nodepool1：节点数 3 → 5…",
    ),
    "upgrade-node-image": AksResultCase(
        lambda d, p: aks_upgrade_node_image(call_in("zh", PoolArgs(pool="nodepool1"), progress=p), d),
        ("[ok] 集群 sandbox 的节点池 nodepool1：节点镜像 AKSUbuntu:1604:2020.03.11 → AKSUbuntu:1604:2020.04.01"
         "（状态 Succeeded）。", "节点镜像 : AKSUbuntu:1604:2020.04.01"),
        ("[ok] Pool nodepool1 on sandbox: node image AKSUbuntu:1604:2020.03.11 → AKSUbuntu:1604:2020.04.01 "
         "(state Succeeded).",),
        progress="正在升级节点池 nodepool1 的节点镜像（当前 AKSUbuntu:1604:2020.03.11）…",
    ),
    "reconcile": AksResultCase(
        lambda d, p: aks_reconcile(call_in("zh", NoArgs(), progress=p), d),
        ("[ok] 集群 sandbox 已完成 reconcile：预配状态 Failed → Succeeded",
         "reconcile 只是把集群的模型重新应用一遍，不会改变版本或规模。"),
        ("[ok] Cluster sandbox reconciled: provisioning state Failed → Succeeded",
         "A reconcile re-applies the cluster's model; it does not change versions or sizes."),
        change=_cluster_state("Failed", FAILED),
        progress="正在 reconcile 集群 clustername1（状态 Failed）…",
    ),
    "reconcile that leaves the cluster Failed": AksResultCase(
        _still_failed,
        ("[error] 集群 sandbox 已完成 reconcile：预配状态 Failed → Failed",
         "[error] VMExtensionProvisioningError: the CSE failed on one node"),
        ("[error] Cluster sandbox reconciled: provisioning state Failed → Failed",),
        change=_cluster_state("Failed", FAILED),
    ),
}


@pytest.mark.parametrize("name", AKS_RESULTS)
def test_an_aks_action_run_for_a_chinese_request_ends_in_chinese(name: str, tmp_path: Path) -> None:
    case = AKS_RESULTS[name]
    progress: list[str] = []
    with arm(tmp_path, case.change) as deps:
        result = case.run(deps, progress.append)
    check_result(result, case.zh, case.en)
    if case.progress:
        assert progress[0] == case.progress, progress
    # What the Azure adapter reports as the operation goes is said in the request's language too.
    assert not progress or progress[1].startswith("Azure 已接受："), progress
    assert not [line for line in progress if "Azure accepted" in line or "still working" in line], progress


# -- through the real dispatcher and the approval workflow --------------------------------------------------------


def test_a_cordon_clicked_under_a_chinese_message_ends_with_its_result_in_chinese_on_the_card(
    tmp_path: Path,
) -> None:
    """alice clicks Cordon under a Chinese diagnosis; bob approves; the node is cordoned and the card says so in
    Chinese. The same command typed in English is answered in English, as before."""
    with minicluster(tmp_path) as k:
        store = SqliteApprovalStore(tmp_path / "approvals.sqlite3")
        notifier = RecordingNotifier()
        d = approval_dispatcher(k.deps, store, notifier)
        try:
            channel = Conversation()
            ref = CommandRef("cordon", NodeArgs(node=SPARE), "sandbox")
            requested = d.handle(Incoming.click(ref, "alice", "C0OPS", None, lang="zh"), channel)
            request_id = request_id_of(requested)
            asked = " ".join(render_text(requested.view).split())
            assert f"隔离节点 {SPARE}（集群 sandbox）" in asked and "新的 Pod 不会再调度到该节点" in asked, asked
            assert not k.deps.clusters.reader("sandbox").node(SPARE).unschedulable  # nothing before approval
            # An approver who reads English finds the Chinese request in English in the list of what waits.
            listed = render_text(d.handle(Incoming("/k8s approvals", "bob", InputKind.SLASH, "C0OPS"),
                                          Conversation()).view)
            assert f"Cordon node {SPARE} on sandbox" in listed and "隔离节点" not in listed, listed

            done = d.handle(Incoming(f"/k8s approve {request_id}", "bob", InputKind.SLASH, "C0OPS"), Conversation())
            assert k.deps.clusters.reader("sandbox").node(SPARE).unschedulable
            result = f"节点 {SPARE} 已隔离（SchedulingDisabled）：不会再有新的 Pod 调度到该节点。"
            assert result in " ".join(render_text(done.view).split())
            request = store.get(request_id)
            assert request is not None and request.result is not None and request.result.summary == result
            (card_ref,) = {r for r, _ in notifier.updates}
            card = notifier.latest(card_ref)
            assert card is not None
            on_card = " ".join(render_text(card).split())
            assert result in on_card and f"撤销：`/k8s uncordon {SPARE}`" in on_card, on_card
            assert not [p for p in english_prose(ACTIONS) if p in on_card], on_card

            typed = d.handle(Incoming(f"/k8s uncordon {SPARE}", "alice", InputKind.SLASH, "C0OPS"), Conversation())
            assert f"Uncordon node {SPARE} on sandbox" in render_text(typed.view)
            undone = d.handle(
                Incoming(f"/k8s approve {request_id_of(typed)}", "bob", InputKind.SLASH, "C0OPS"), Conversation()
            )
            assert f"Node {SPARE} is schedulable again." in render_text(undone.view)
        finally:
            store.close()
