"""A question that names a workload, pod or node by its whole name also says how that object is now, from the watch
cache of the cluster it is asked about — through the real dispatcher, the cache and the sandbox API server. Never
for someone who may not read that cluster, never at the cost of a request, never by a word inside a name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import handlers
from bot.blocks import Actions
from bot.clock import SystemClock
from bot.cluster.cache import CachedClusterProvider
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.ports import ClusterProvider
from bot.cluster.settings import CacheSettings
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.registry import REGISTRY
from bot.render_slack import render_slack
from bot.render_text import render_text
from bot.settings import Settings, from_mapping
from bot.surface import Incoming, InputKind
from knowledge import load_knowledge_base
from sandbox.kube import KubeServer
from tests.support.cluster import LOGS, TOKENS, objects, settings_for
from tests.support.fakes import NoAzure
from tests.support.foundation import Captured

handlers.load_all()
POD = "web-7d9f-fghij"  # crash-looping, 7 restarts
NODE = "aks-nodepool1-12345678-vmss000002"  # its kubelet went silent: Unknown
LIVE = "Named in your question, live on `sandbox`:"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, CachedClusterProvider]]:
    folder = tmp_path_factory.mktemp("kb-live")
    server = KubeServer(objects(), logs=LOGS, tls=False, tokens={t: u for u, t in TOKENS.items()}).start()
    kubeconfig = settings_for(folder, server.url, None).clusters[0].kubeconfig
    settings = from_mapping(
        {
            "default_cluster": "sandbox",
            # `mirror` is the same API server under another name: a second cluster to name in a question.
            "clusters": [{"name": "sandbox", "kubeconfig": kubeconfig, "context": "admin"},
                         {"name": "mirror", "kubeconfig": kubeconfig, "context": "admin"}],
            "roles": {"viewer": ["carol"], "operator": ["alice"]},
        },
        source=str(folder / "aksbot.yaml"),
        environ={},
    )
    provider = CachedClusterProvider(KubeClusterProvider(settings), CacheSettings(watch_timeout_seconds=1))
    provider.start()
    assert provider.wait_synced(30)
    yield settings, provider
    provider.close()
    server.stop()


def ask(settings: Settings, clusters: ClusterProvider, text: str, user: str = "carol") -> str:
    deps = Deps(settings, SystemClock(), clusters, NoAzure(), knowledge=load_knowledge_base())
    captured = Captured()
    outcome = Dispatcher(deps, registry=REGISTRY).handle(Incoming(text, user, InputKind.MENTION, "C0OPS"), captured)
    assert outcome.status == "ok", render_text(outcome.view)
    (reply,) = captured.replies
    render_slack(reply.view)  # fits Slack's limits
    return render_text(reply.view)


def test_a_question_naming_a_pod_and_a_node_shows_them_as_they_are(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    settings, provider = world
    said = ask(settings, provider, f"@aksbot why does {POD} keep crashing on {NODE}?")
    assert "`/k8s kb show " in said.split(LIVE)[0]  # the knowledge base's reply comes first, as before
    live = said.split(LIVE)[1]
    assert f"• Pod `shop/{POD}`: CrashLoopBackOff, 7 restart(s), last " in live
    assert f"• Node `{NODE}` (pool nodepool1): Unknown" in live
    assert f"[Diagnose {POD}]  [Diagnose {NODE}]" in live
    assert "(from the watch cache, as of " in said  # the live lines are dated


def test_an_answer_that_shows_nothing_live_is_not_dated_by_the_look_for_names(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    settings, provider = world
    said = ask(settings, provider, "@aksbot how do I rotate the cluster certificates")
    assert LIVE not in said and "watch cache" not in said


def test_a_workload_is_named_by_its_controller_and_shown_by_its_worst_pod(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    settings, provider = world
    said = ask(settings, provider, "@aksbot old-batch 为什么被驱逐了")
    assert "你问到的对象在 `sandbox` 上的实时状态：" in said
    assert "• Pod `shop/old-batch`：" in said and "[诊断 old-batch]" in said


def test_a_workload_is_also_named_by_the_names_its_team_gave_it(world: tuple[Settings, CachedClusterProvider]) -> None:
    """`shop/web` carries `aksbot.io/names: 商城前端, storefront`: a Chinese name is found inside a sentence written
    without spaces, a Latin one only as a whole word."""
    settings, provider = world
    said = ask(settings, provider, "@aksbot 商城前端一直重启是怎么回事")
    assert "你问到的对象在 `sandbox` 上的实时状态：" in said
    assert "• Deployment `shop/web`：" in said and "[诊断 web-7d9f-fghij]" in said
    assert "• Deployment `shop/web`: " in ask(settings, provider, "@aksbot why is storefront crashing")
    assert LIVE not in ask(settings, provider, "@aksbot why are the storefronts crashing")


def test_the_words_that_name_objects_are_no_evidence_for_the_knowledge_base(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    """A workload's name says which object, not what is wrong with it: the knowledge base answers the question
    without the words that named live objects and the cluster ("orders-api" once pointed to the ACME entry's
    orders, "checkout-worker" to the node-login entry's worker nodes)."""
    settings, provider = world
    plain = ask(settings, provider, "@aksbot why does it keep restarting?")
    title = "CrashLoopBackOff: container keeps restarting (crashes, failing probes)"
    assert plain.splitlines()[0] == title
    for named in (f"why does {POD} keep restarting on sandbox?", "why does storefront keep restarting?"):
        said = ask(settings, provider, f"@aksbot {named}")
        # The pod was OOMKilled at its limit: its live state points elsewhere, and the words alone matched weakly,
        # so the runbook of what is happening leads, the words' entry is the next button, and the reply says why.
        assert LIVE in said and f"[{title}]" in said
        assert "Chosen from the live state of what the question names (below): its diagnosis points to " \
               "`container-oomkilled`" in said
        assert said.index("Container OOMKilled at its own memory limit") < said.index(f"[{title}]")


def test_a_named_pods_state_points_to_the_runbook_the_diagnosis_rules_match(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    """"why does it keep crashing" reads as a crash loop, but the pod was OOMKilled at its limit: the rules' reading
    of its state names that runbook, with a button, beside the knowledge base's answer; in Chinese too."""
    settings, provider = world
    said = ask(settings, provider, f"@aksbot why does {POD} keep crashing?")
    live = said.split(LIVE)[1]
    assert f"    ↳ Container app of {POD} was OOMKilled (exit 137) → runbook `container-oomkilled`" in live
    # The reply leads with that runbook (the words matched weakly): no second button for it below.
    assert said.startswith("  (from the watch cache") and "Container OOMKilled at its own memory limit" in said
    assert f"[Diagnose {POD}]   (press" in live
    zh = ask(settings, provider, f"@aksbot {POD} 为什么一直崩溃")
    assert "→ 处理手册 `container-oomkilled`" in zh and "根据问题所指对象的实时状态选出" in zh
    unspaced = ask(settings, provider, f"@aksbot {POD}为什么一直崩溃？")
    assert "→ 处理手册 `container-oomkilled`" in unspaced


def test_a_name_the_knowledge_base_uses_stays_in_the_question() -> None:
    """`coredns` is a Deployment's name and the DNS entries' subject: it stays; a team's own workload's name goes."""
    from handlers.kb import Live

    live = Live("test", (), (), names=("coredns", "checkout-worker", "test"))
    known = load_knowledge_base().knows
    assert live.without_names("coredns pods restarting since checkout-worker went live on test", known) == (
        "coredns pods restarting since went live on")
    # Chinese written right after a name, as Chinese is typed: the name still ends there.
    assert live.without_names("checkout-worker为什么一直重启？", known) == "为什么一直重启？"


def test_nothing_live_without_a_role_a_name_or_a_warm_cache(world: tuple[Settings, CachedClusterProvider]) -> None:
    settings, provider = world
    question = f"@aksbot why does {POD} keep crashing"
    assert LIVE not in ask(settings, provider, question, user="mallory")  # may not read the cluster
    # Words inside names (`web`, `7d9f`) and common words name nothing.
    assert LIVE not in ask(settings, provider, "@aksbot why does the web app on 7d9f keep crashing")
    # Without a watch cache every question would cost the cluster a list of all pods: none is made.
    live_only = KubeClusterProvider(settings)
    try:
        assert LIVE not in ask(settings, live_only, question)
    finally:
        live_only.close()


def test_a_question_that_names_a_cluster_looks_there(world: tuple[Settings, CachedClusterProvider]) -> None:
    settings, provider = world
    said = ask(settings, provider, f"@aksbot is {POD} crashing on mirror too?")
    assert "Named in your question, live on `mirror`:" in said and LIVE not in said
    both = ask(settings, provider, f"@aksbot {POD} crashes on mirror and sandbox")  # two named: the default
    assert LIVE in both


def test_a_command_takes_a_workload_by_the_name_its_team_gave_it(world: tuple[Settings, CachedClusterProvider]) -> None:
    """`shop/web` is 商城前端 to its team: `诊断 pod 商城前端` diagnoses its worst pod, in whichever namespace it
    runs."""
    settings, provider = world
    said = ask(settings, provider, "/k8s 诊断 pod 商城前端")
    assert f"诊断：Pod shop/{POD}" in said and "`web` 是工作负载而不是 Pod" in said, said
    assert f"Pod shop/{POD}" in ask(settings, provider, "/k8s pod 商城前端 -n default")


def _buttons(settings: Settings, clusters: ClusterProvider, text: str, user: str) -> tuple[str, list[str]]:
    """The reply's text and its buttons' commands as a person would type them."""
    deps = Deps(settings, SystemClock(), clusters, NoAzure(), knowledge=load_knowledge_base())
    captured = Captured()
    Dispatcher(deps, registry=REGISTRY).handle(Incoming(text, user, InputKind.MENTION, "C0OPS"), captured)
    (reply,) = captured.replies
    render_slack(reply.view)
    refs = [b.ref.text() for block in reply.view.blocks if isinstance(block, Actions) for b in block.buttons]
    return render_text(reply.view), refs


def test_an_action_asked_for_in_words_is_offered_as_its_command(world: tuple[Settings, CachedClusterProvider]) -> None:
    """"please restart storefront", "把 nodepool1 扩到 5 个节点": the action as the command it is, with a button that
    asks for it (the approval follows the click), for someone who may ask for it; no runbook for words that only
    ask."""
    settings, provider = world
    said, refs = _buttons(settings, provider, "@aksbot please restart storefront", "alice")
    assert "This asks for an action on `sandbox`" in said and "[Ask to restart web]" in said
    assert "/k8s restart deployment web -n shop --cluster sandbox" in refs
    assert "(`/k8s kb show " not in said and "• Deployment `shop/web`: " in said  # how it is now; no runbook search
    said, refs = _buttons(settings, provider, "@aksbot 把 商城前端 扩到 4 个副本", "alice")
    assert "把 Deployment `shop/web` 调整为 4 个副本" in said
    assert "/k8s scale deployment web --replicas 4 -n shop --cluster sandbox" in refs
    said, refs = _buttons(settings, provider, "@aksbot 帮我把 nodepool1 缩到 2 台", "alice")
    assert "• 节点池 `nodepool1`：集群里有 3 个节点，2 个 Ready" in said
    assert "把节点池 `nodepool1` 调整为 2 个节点（比现在的 3 个少：将移除 1 个节点）" in said
    # "Scale up to 2" of a pool of 3 is still a scale-down, whatever the words say.
    said, _ = _buttons(settings, provider, "@aksbot please scale up nodepool1 to 2 nodes", "alice")
    assert "(fewer than the 3 it has now: 1 node(s) will be removed)" in said
    assert "/k8s aks scale-pool nodepool1 --count 2 --cluster sandbox" in refs
    said, refs = _buttons(settings, provider, f"@aksbot pls cordon {NODE}", "alice")
    assert refs[0] == f"/k8s cordon {NODE} --cluster sandbox"
    # A pod is restarted by deleting it: its controller makes a new one.
    said, refs = _buttons(settings, provider, f"@aksbot please restart {POD}", "alice")
    assert f"/k8s delete pod {POD} -n shop --cluster sandbox" in refs and "(its Deployment makes a new one)" in said
    # A scale without a number says the command, and has no button that would guess one.
    said, refs = _buttons(settings, provider, "@aksbot can you scale up storefront", "alice")
    assert "`/k8s scale deployment web --replicas N -n shop --cluster sandbox` (say how many" in said
    assert not any(r.startswith("/k8s scale") for r in refs)


def test_an_action_is_offered_only_when_it_was_asked_for_by_someone_who_may(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    settings, provider = world
    # A story with a request in it: the runbook first, the offer beside the live lines.
    said, refs = _buttons(settings, provider, f"@aksbot {POD} is crash looping since the deploy, restart it", "alice")
    assert "(`/k8s kb show " in said and f"/k8s delete pod {POD} -n shop --cluster sandbox" in refs
    # Questions about a restart, a refusal and a condition ask for nothing.
    for text in ("@aksbot why does storefront keep restarting?", "@aksbot 商城前端为什么一直重启",
                 "@aksbot what happens if I restart storefront", "@aksbot 先别重启商城前端",
                 "@aksbot storefront 重启了还是不行"):
        said, refs = _buttons(settings, provider, text, "alice")
        assert "This asks for an action" not in said and "这是在请求" not in said, text
        assert not any(r.startswith(("/k8s restart", "/k8s delete")) for r in refs), text
    # A viewer may not ask for it: no button that would be refused.
    said, refs = _buttons(settings, provider, "@aksbot please restart storefront", "carol")
    assert "This asks for an action" not in said and not any(r.startswith("/k8s restart") for r in refs)


def test_a_namespace_named_in_a_question_shows_its_workloads_in_trouble(
    world: tuple[Settings, CachedClusterProvider],
) -> None:
    """"为什么 shop 的 pod 一直重启": the namespace's workloads whose pods are not ready or restarting, not the ones
    that are fine, nor its finished pods; a workload named by name still wins over its namespace."""
    settings, provider = world
    said = ask(settings, provider, "@aksbot 为什么 shop 的 pod 一直重启")
    assert "你问到的对象在 `sandbox` 上的实时状态：" in said and "• Deployment `shop/web`：" in said
    assert "old-batch" not in said.split("实时状态")[1]
    assert "• Pod `shop/web-7d9f-fghij`: " in ask(settings, provider, f"@aksbot why does {POD} in shop crash?")
    # No action is offered on a workload the words did not name: "restart shop" names a namespace.
    said, refs = _buttons(settings, provider, "@aksbot please restart shop", "alice")
    assert not any(r.startswith(("/k8s restart", "/k8s delete")) for r in refs)


def test_a_dashed_name_typed_with_spaces_is_still_the_object() -> None:
    """Chat and phones turn a dash into a space: "ledger api" is read as `ledger-api` too (two or three words with
    only spaces between them), never across punctuation."""
    from handlers._naming import names_in

    assert {"ledger-api", "web-7d9f-fghij"} <= names_in("ledger api OOM again; web 7d9f fghij crashes")
    assert "again-web" not in names_in("ledger api OOM again; web 7d9f fghij crashes")  # the ';' ends a name


def test_a_pods_name_typed_with_spaces_shows_it_live(world: tuple[Settings, CachedClusterProvider]) -> None:
    settings, provider = world
    said = ask(settings, provider, "@aksbot why does web 7d9f fghij keep crashing?")
    assert f"• Pod `shop/{POD}`: CrashLoopBackOff" in said


def test_a_pool_named_by_an_ordinary_word_needs_the_word_pool(world: tuple[Settings, CachedClusterProvider]) -> None:
    """Pool `user` is also a word people use ("the user cannot log in"; the demo's `system` in "print your system
    prompt"): it is named only with "pool" (or 节点池) near it; `nodepool1` is a name on its own."""
    settings, provider = world
    assert "Node pool `user`" not in ask(settings, provider, "@aksbot why does a user get 502 from the ingress?")
    assert "Node pool `user`: 1 node(s) in the cluster" in ask(settings, provider, "@aksbot the user pool is cordoned")
    assert "节点池 `user`" in ask(settings, provider, "@aksbot user 节点池 为什么不调度")
    assert "Node pool `nodepool1`" in ask(settings, provider, "@aksbot nodepool1 is slow")
