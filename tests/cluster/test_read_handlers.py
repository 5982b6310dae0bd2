"""The read commands end to end through the real client on the sandbox API server: what a user would see."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import handlers
from bot.azure.sdk import AzureSdkProvider
from bot.blocks import Actions, Code, Notice, Table, View
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.errors import NotFound, UserError
from bot.registry import Args, Caller, ClusterCall
from bot.settings import from_mapping
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
from sandbox.arm import ArmServer
from sandbox.kube.resources import BY_KEY
from tests.support.azure import arm_state
from tests.support.cluster import Cluster, start, team_settings
from tests.support.cluster import pod as pod_object
from tests.support.fakes import NoAzure
from tests.support.foundation import ok_text, run_slash

handlers.load_all()
N0, N1, N2 = (f"aks-nodepool1-12345678-vmss00000{i}" for i in range(3))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from start(tmp_path_factory.mktemp("handlers"))


@pytest.fixture(scope="module")
def deps(cluster: Cluster) -> Deps:
    return Deps(cluster.settings, SystemClock(), cluster.provider, NoAzure())


@pytest.fixture(scope="module")
def dispatcher(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dispatcher]:
    """The registry's real commands on the sandbox, as carol (a viewer) types them."""
    settings = team_settings(cluster, tmp_path_factory.mktemp("handlers-dispatch"))
    provider = KubeClusterProvider(settings)
    yield Dispatcher(Deps(settings, SystemClock(), provider, NoAzure()))
    provider.close()


def call(args: Args, namespace: str = "shop", all_namespaces: bool = False, command: str = "test") -> ClusterCall[Any]:
    return ClusterCall(command=command, args=args, caller=Caller("U1"), cluster="sandbox", namespace=namespace,
                       all_namespaces=all_namespaces)


def tables(view: View) -> list[Table]:
    return [b for b in view.blocks if isinstance(b, Table)]


def test_nodes_put_notready_first_and_count(deps: Deps) -> None:
    view = nodes(call(NodesArgs()), deps).view()
    assert "4 nodes in sandbox: 3 Ready, 1 NotReady/Unknown, 1 cordoned, 1 with pressure" in view.summary
    rows = tables(view)[0].rows
    assert [r[0] for r in rows[:3]] == [N2, N1, "aks-user-87654321-vmss000000"]
    assert rows[1][5] == "MemoryPressure" and rows[2][1] == "Ready,SchedulingDisabled"
    assert rows[3][6] == "3860m / 12.6Gi"


def test_nodes_by_pool_and_problems(deps: Deps) -> None:
    assert nodes(call(NodesArgs(pool="user")), deps).view().summary.startswith("1 node in sandbox (pool user)")
    assert nodes(call(NodesArgs(problems=True)), deps).page.total == 3


def test_a_pool_no_node_is_in_is_told_apart_from_an_empty_answer(deps: Deps) -> None:
    """Without Azure the pools are the nodes' own: a typo names them and the closest, not "No nodes matched"."""
    with pytest.raises(NotFound) as typo:
        nodes(call(NodesArgs(pool="usr")), deps)
    assert typo.value.message == (
        "No node of sandbox is in a pool `usr` (pools with nodes: `nodepool1`, `user`). Did you mean `user`?"
    )
    with pytest.raises(NotFound, match=r"\(pools with nodes: `nodepool1`, `user`\)\.$"):
        nodes(call(NodesArgs(pool="gpu")), deps)
    # A pool that exists, with no node left after the other filters, is still an honest empty answer.
    empty = nodes(call(NodesArgs(pool="user", selector="kubernetes.io/os=windows")), deps).view()
    assert empty.summary == "No nodes in sandbox (-l kubernetes.io/os=windows, pool user)."


def test_node_shows_lease_usage_pods_and_events(deps: Deps) -> None:
    result = node(call(NodeNameArgs(name=N1)), deps)
    view = result.view()
    assert view.summary == f"Node {N1} is Ready with MemoryPressure"
    assert {p.name for p in result.pods} >= {"web-7d9f-fghij", "old-batch"}
    assert [e.reason for e in result.events] == ["OOMKilling"]
    capacity = next(t for t in tables(view) if t.title == "Capacity and usage")
    assert capacity.rows[0][2] == "3860m"
    pods_table = next(t for t in tables(view) if (t.title or "").startswith("Pods on this node"))
    assert pods_table.rows[0][1] in ("Evicted", "CrashLoopBackOff")
    stale = node(call(NodeNameArgs(name=N2)), deps).view()
    assert "stale" in str(stale.blocks)


def test_unknown_node_suggests_the_closest(deps: Deps) -> None:
    with pytest.raises(NotFound, match=f"Did you mean `{N1}`"):
        node(call(NodeNameArgs(name="aks-nodepool1-12345678-vmss00001")), deps)


def test_pods_problems_first_across_namespaces(deps: Deps) -> None:
    result = pods(call(PodsArgs(), all_namespaces=True), deps)
    rows = tables(result.view())[0].rows
    assert rows[0][0] in ("shop/web-7d9f-fghij", "shop/old-batch")
    crash = next(r for r in rows if r[0] == "shop/web-7d9f-fghij")
    assert crash[1:5] == ("CrashLoopBackOff", "0/1", "7", "OOMKilled (137)")
    only = pods(call(PodsArgs(problems=True)), deps)
    assert {p.name for p in only.page.items} == {"web-7d9f-fghij", "old-batch"}
    assert {p.name for p in pods(call(PodsArgs(selector="app=api")), deps).page.items} == {"api-5c6b-klmno"}


def test_pod_details_hide_secret_values_and_show_previous_logs(deps: Deps) -> None:
    view = pod(call(PodNameArgs(name="web-7d9f-fghij")), deps).view()
    assert view.summary == "Pod shop/web-7d9f-fghij is CrashLoopBackOff, 0/1 ready, 7 restarts"
    codes = {b.title: b.text for b in view.blocks if isinstance(b, Code)}
    env = codes["Environment (values from Secrets are never shown)"]
    assert "DB_PASSWORD=<secret:db/password>" in env and "hunter2" not in str(view)
    assert "out of memory" in codes["Last log lines of app (previous run)"]


def test_pod_in_another_namespace_says_where(deps: Deps) -> None:
    with pytest.raises(NotFound, match="is in namespace `shop`"):
        pod(call(PodNameArgs(name="api-5c6b-klmno"), namespace="default"), deps)
    with pytest.raises(NotFound, match="Did you mean `web-7d9f-fghij`"):
        pod(call(PodNameArgs(name="web-7d9f-fghi")), deps)


def test_logs_tail_and_container_choice(deps: Deps) -> None:
    view = logs(call(LogsArgs(pod="web-7d9f-fghij", tail=3)), deps).view()
    assert view.blocks == (Code("line 197\nline 198\nline 199", view.summary),)
    with pytest.raises(UserError, match="2 containers: api, sidecar"):
        logs(call(LogsArgs(pod="api-5c6b-klmno")), deps)
    assert "api ready" in logs(call(LogsArgs(pod="api-5c6b-klmno", container="api")), deps).text
    with pytest.raises(UserError, match="no container `web`"):
        logs(call(LogsArgs(pod="api-5c6b-klmno", container="web")), deps)


def test_a_silent_run_after_a_crash_points_to_the_previous_runs_lines(cluster: Cluster, deps: Deps) -> None:
    """A crash loop's new container has usually written nothing yet: the answer says how the last run ended and
    offers its lines, instead of a bare "nothing yet"."""
    key = ("shop", "web-7d9f-fghij", "app", False)
    written = cluster.server.logs.pop(key)
    try:
        view = logs(call(LogsArgs(pod="web-7d9f-fghij", tail=20)), deps).view()
    finally:
        cluster.server.logs[key] = written
    (said,) = [b.text for b in view.blocks if isinstance(b, Notice)]
    assert isinstance(said, str)
    assert said.startswith("shop/web-7d9f-fghij [app] has written nothing yet. Its previous run ended: ")
    assert "`/k8s logs web-7d9f-fghij -p --tail 20 -n shop --cluster sandbox` shows its last lines." in said
    (button,) = [b for a in view.blocks if isinstance(a, Actions) for b in a.buttons]
    again = logs(call(button.ref.args, namespace=button.ref.namespace or "shop"), deps)
    assert again.previous and again.text == "panic: out of memory\n"


def test_logs_never_show_the_secrets_an_application_writes(deps: Deps) -> None:
    """Log lines go to a channel: a password, a bearer token or a storage key the application logged is masked, and
    the line around it stays readable."""
    text = logs(call(LogsArgs(pod="api-5c6b-klmno", container="sidecar")), deps).text
    for secret in ("pg-pass-1", "hunter2-orders", "eyJhbGciOiJSUzI1NiJ9", "c2VjcmV0a2V5MTIzNDU2Nzg="):
        assert secret not in text
    assert "connecting to postgres://app:***@db:5432/orders password=***" in text
    assert "GET /v1/orders 401 Authorization: Bearer ***" in text
    assert "AccountName=shopdata;AccountKey=***" in text


def test_events_filters_and_summary(deps: Deps) -> None:
    view = events(call(EventsArgs(type="Warning"), all_namespaces=True), deps).view()
    assert view.summary.startswith("3 events in all namespaces of type Warning: 3 Warning; top warnings:")
    node_events = events(call(EventsArgs(object=f"node/{N2}"), all_namespaces=True), deps)
    assert [e.reason for e in node_events.events] == ["NodeNotReady"]


def test_with_azure_a_pool_is_one_azure_has_even_with_no_nodes(cluster: Cluster, tmp_path: Path) -> None:
    """Azure's list of pools is the truth: a pool scaled to zero is an empty answer, a typo is named with the pools
    Azure has — through the real SDK on the local ARM server and the real client on the sandbox API server."""
    state = arm_state()
    first = state["managedCluster"]["properties"]["agentPoolProfiles"][0]
    state["managedCluster"]["properties"]["agentPoolProfiles"] += [
        {**copy.deepcopy(first), "name": "user", "count": 1}, {**copy.deepcopy(first), "name": "spot", "count": 0}]
    arm = ArmServer(state).start()
    try:
        kube = cluster.settings.clusters[0]
        settings = from_mapping(
            {"default_cluster": "sandbox",
             "clusters": [{"name": "sandbox", "kubeconfig": kube.kubeconfig, "context": kube.context,
                           "default_namespace": "shop", "azure": arm.settings_fragment(tmp_path)}],
             "roles": {"viewer": ["carol"]}},
            source=None, environ=arm.environment())
        provider = KubeClusterProvider(settings)
        d = Dispatcher(Deps(settings, SystemClock(), provider, AzureSdkProvider(settings)))
        try:
            typo = run_slash(d, "/k8s nodes --pool spto")
            zero = ok_text(d, "/k8s nodes --pool spot")
            typo_zh = run_slash(d, "/k8s 节点 --pool spto")
        finally:
            provider.close()
    finally:
        arm.stop()
    assert typo[0].status != "ok"
    assert ("[warn] Cluster `sandbox` has no node pool `spto` (pools: `nodepool1`, `user`, `spot`). "
            "Did you mean `spot`?") in typo[1]
    assert "[i] No nodes matched." in zero
    assert ("[warn] 集群 `sandbox` 没有节点池 `spto`（现有节点池：`nodepool1`、`user`、`spot`）。"
            "你是不是要找 `spot`？") in typo_zh[1]


def test_pods_on_a_node_that_does_not_exist_name_the_closest_nodes(deps: Deps) -> None:
    with pytest.raises(NotFound, match=r"Node `nosuchnode` not found in sandbox\."):
        pods(call(PodsArgs(node="nosuchnode"), all_namespaces=True), deps)
    with pytest.raises(NotFound, match=f"Did you mean `aks-nodepool1-.*`{N1}`"):
        pods(call(PodsArgs(node=N1[:-1])), deps)
    # A node that exists with no pod in the namespace asked about is an empty answer.
    assert pods(call(PodsArgs(node=N2), namespace="default"), deps).view().summary == f"No pods in default on {N2}."


def test_events_for_takes_kind_and_name(deps: Deps) -> None:
    for given, example in (("banana", "pod/banana"), ("pod/", "pod/web-1"), ("/web-1", "pod/web-1"),
                           ("shop/Pod/web-1", "pod/web-1")):
        with pytest.raises(UserError) as bad:
            events(call(EventsArgs(object=given)), deps)
        assert bad.value.message == (
            f"`--for {given}` is not KIND/NAME: give the object's kind and its name, e.g. `--for {example}`."
        )
        assert (bad.value.usage or "").startswith("/k8s events ") and "[--for KIND/NAME]" in (bad.value.usage or "")
    # A short name one letter off is a typo, said so; "secret" is a kind of its own, not a typo of "service".
    with pytest.raises(UserError, match=r"`pdo` is no kind aksbot knows: did you mean `--for pod/web-1`\?"):
        events(call(EventsArgs(object="pdo/web-1")), deps)
    assert "No events in shop for secret/tls" in events(call(EventsArgs(object="secret/tls")), deps).view().summary


def test_no_events_about_an_object_that_does_not_exist_says_it_does_not_exist(deps: Deps) -> None:
    with pytest.raises(NotFound, match=r"Pod `banana` not found in namespace `shop`\."):
        events(call(EventsArgs(object="pod/banana")), deps)
    with pytest.raises(NotFound, match=r"Node `nosuchnode` not found in sandbox\."):
        events(call(EventsArgs(object="node/nosuchnode")), deps)
    with pytest.raises(NotFound, match=r"Deployment `wbe` not found in namespace `shop`\. Did you mean `web`\?"):
        events(call(EventsArgs(object="deploy/wbe")), deps)
    with pytest.raises(NotFound) as nowhere:
        events(call(EventsArgs(object="po/web-7d9f-fghi"), all_namespaces=True), deps)
    assert nowhere.value.message == (
        "No Pod `web-7d9f-fghi` in any namespace of sandbox. Did you mean `web-7d9f-fghij`, `web-7d9f-abcde`?"
    )
    # An object that exists and has no events, and a kind the bot does not read, keep the empty answer.
    quiet = events(call(EventsArgs(object="pod/api-5c6b-klmno")), deps).view()
    assert quiet.summary == "No events in shop for pod/api-5c6b-klmno."
    assert events(call(EventsArgs(object="service/banana")), deps).view().summary == (
        "No events in shop for service/banana."
    )


def test_events_about_a_deleted_object_are_still_shown(cluster: Cluster, deps: Deps) -> None:
    """Events outlive their object: the pod of `BackOff` is gone, its events are what explains why."""
    cluster.server.store.delete(BY_KEY["pods"], "shop", "web-7d9f-fghij")
    try:
        found = events(call(EventsArgs(object="pod/web-7d9f-fghij")), deps)
    finally:
        cluster.server.apply(pod_object("shop", "web-7d9f-fghij", N1, owner="web-7d9f", restarts=7,
                                        waiting="CrashLoopBackOff"))
    assert [e.reason for e in found.events] == ["BackOff"]


def test_a_pod_held_back_by_its_lost_node_says_so_beside_ready_1_of_1(cluster: Cluster, deps: Deps) -> None:
    """The node controller marks a lost node's pods not Ready and kubectl still prints `1/1 Running`: the list names
    the node's state as the reason, where `Running (not ready)` next to READY 1/1 read as a contradiction."""
    held = pod_object("shop", "web-7d9f-lost1", N2, owner="web-7d9f")
    held["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    cluster.server.apply(held)
    try:
        view = pods(call(PodsArgs()), deps).view()
    finally:
        cluster.server.store.delete(BY_KEY["pods"], "shop", "web-7d9f-lost1")
    row = next(r for r in tables(view)[0].rows if r[0] == "web-7d9f-lost1")
    assert row[1:3] == ("Running (node Unknown)", "1/1")
    assert "1 Running (node Unknown)" in view.summary


def test_deployments_and_pdbs(deps: Deps) -> None:
    view = deployments(call(DeploymentsArgs()), deps).view()
    assert view.summary.startswith("1 deployment in shop")
    budgets = pdbs(call(PdbsArgs()), deps)
    web = next(g for g in budgets.budgets if g.budget.name == "web-pdb")
    assert "web-7d9f-abcde" in web.pods and "api-5c6b-klmno" not in web.pods
    assert tables(budgets.view())[0].rows[0][1] == "minAvailable 2"
    # kubectl describe's Current / Desired / Total, in words: "2/1 of 3" read like a fraction.
    row = next(r for r in tables(budgets.view())[0].rows if r[0] == "web-pdb")
    status = web.budget
    assert row[3] == f"{status.current_healthy} of {status.expected_pods} (needs {status.desired_healthy})"


def test_top_nodes_and_pods(deps: Deps) -> None:
    result = top_nodes(call(TopNodesArgs()), deps)
    assert result.missing == (N2,)
    first = tables(result.view())[0].rows[0]
    assert first[0] == N0 and first[2] == "31%"
    pods_view = top_pods(call(TopPodsArgs(sort="memory")), deps).view()
    assert tables(pods_view)[0].rows[0][:2] == ("api-5c6b-klmno", "500m")
    assert any(isinstance(b, Notice) for b in pods_view.blocks)


def test_a_mistyped_namespace_is_told_apart_from_an_empty_one(deps: Deps) -> None:
    """kubectl says "No resources found" for both; the bot names the namespace that is close."""
    with pytest.raises(NotFound, match=r"Namespace `shpo` does not exist in sandbox\. Did you mean `shop`"):
        pods(call(PodsArgs(), namespace="shpo"), deps)
    for listing in (
        lambda: deployments(call(DeploymentsArgs(), namespace="shpo"), deps),
        lambda: pdbs(call(PdbsArgs(), namespace="shpo"), deps),
        lambda: events(call(EventsArgs(), namespace="shpo"), deps),
        lambda: top_pods(call(TopPodsArgs(), namespace="shpo"), deps),
    ):
        with pytest.raises(NotFound, match="Namespace `shpo` does not exist"):
            listing()
    # An existing namespace with nothing in it is still an honest empty answer.
    assert "No pods in kube-node-lease" in pods(call(PodsArgs(), namespace="kube-node-lease"), deps).view().summary


def test_a_page_past_the_last_one_says_how_many_pages_there_are(cluster: Cluster, dispatcher: Dispatcher) -> None:
    """`--page 99` of a two-page list shows the last page under a notice, not as if it were page 99 — for every list
    that pages, since they all page the same way."""
    cluster.server.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "paged"}})
    names = [f"batch-{i:02}" for i in range(45)]
    for name in names:
        cluster.server.apply(pod_object("paged", name, N0, app="batch"))
    try:
        last = ok_text(dispatcher, "/k8s pods -n paged --page 99")
        second = ok_text(dispatcher, "/k8s pods -n paged --page 2")
        zh = ok_text(dispatcher, "/k8s 事件 -n shop --page 3")
    finally:
        for name in names:
            cluster.server.store.delete(BY_KEY["pods"], "paged", name)
    assert "[warn] There is no page 99: the list has only 2 pages (45 rows). This is the last one." in last
    assert "batch-44" in last and "batch-00" not in last and "(rows 41–45 of 45)" in last
    assert "There is no page" not in second and "(rows 41–45 of 45)" in second  # the last page, asked for
    assert re.search(r"\[warn\] 没有第 3 页：列表只有 1 页（共 \d+ 行）。下面是最后一页。", zh) and "BackOff" in zh
    one_page = ok_text(dispatcher, "/k8s top nodes --page 2")
    assert "There is no page 2: the list has only 1 page (3 rows). This is the last one." in one_page
    assert "There is no page" not in ok_text(dispatcher, "/k8s nodes --page 1")


def test_filters_that_name_nothing_are_mistakes_in_the_askers_language(dispatcher: Dispatcher) -> None:
    """The tester's typos, typed: each is a warning naming what exists, never an empty "all clear"."""
    expected = {
        "/k8s nodes --pool usr": "[warn] No node of sandbox is in a pool `usr` (pools with nodes: `nodepool1`, "
                                 "`user`). Did you mean `user`?",
        "/k8s pods --node nosuchnode -A": "[warn] Node `nosuchnode` not found in sandbox. List them with "
                                          "`/k8s nodes --cluster sandbox`.",
        "/k8s events --for banana -n shop": "[warn] `--for banana` is not KIND/NAME: give the object's kind and its "
                                            "name, e.g. `--for pod/banana`.",
        "/k8s events --for pod/banana -n shop": "[warn] Pod `banana` not found in namespace `shop`.",
        "/k8s 节点 --pool usr": "[warn] sandbox 中没有属于节点池 `usr` 的节点（有节点的节点池：`nodepool1`、`user`）。"
                              "你是不是要找 `user`？",
        "/k8s 事件 --for banana -n shop": "[warn] `--for banana` 不是 KIND/NAME 的写法：请写出对象的类型和名称，例如 "
                                        "`--for pod/banana`。",
    }
    for text, said in expected.items():
        outcome, reply = run_slash(dispatcher, text)
        assert outcome.status != "ok" and said in reply, f"{text}:\n{reply}"
        assert "Traceback" not in reply and "No nodes matched" not in reply
    usage = run_slash(dispatcher, "/k8s events --for banana -n shop")[1]
    assert "Usage:" in usage and "[--for KIND/NAME]" in usage
