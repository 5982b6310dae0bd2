"""What goes wrong is said in the asker's language: a node, pod, deployment or namespace that is not there (with the
names that are close), a cluster nobody configured, a role the asker lacks, a cluster that is down or refuses the
bot, a bug. Asked in Chinese (typed, or a click on a Chinese message), the answer is Chinese around the names and the
cluster's own words; asked in English, it reads as it always did. Through the real dispatcher, the real kubernetes
client and the sandbox API server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import handlers
from bot.blocks import Message
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.reads import ReadLog
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.i18n import ERRORS, in_lang
from bot.refs import CommandRef
from bot.registry import Args, Call, Registry, Scope
from bot.render_text import render_text
from bot.settings import Settings, from_mapping
from bot.surface import Incoming
from handlers.args import DiagnosePodArgs
from sandbox.kube import AccessRule
from tests.support.cluster import Cluster, settings_for, start, team_settings
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import Captured, run_slash
from tests.support.language import english_left, english_prose

handlers.load_all()
ENGLISH = english_prose(ERRORS)
N0 = "aks-nodepool1-12345678-vmss000000"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from start(tmp_path_factory.mktemp("errors-zh"))


@pytest.fixture(scope="module")
def dispatcher(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dispatcher]:
    folder = tmp_path_factory.mktemp("errors-zh-settings")
    settings = team_settings(cluster, folder)
    provider = KubeClusterProvider(settings)
    yield Dispatcher(Deps(settings, SystemClock(), provider, NoAzure()))
    provider.close()


def said(dispatcher: Dispatcher, text: str, user: str = "carol") -> str:
    outcome, reply = run_slash(dispatcher, text, user)
    assert outcome.status != "ok", reply
    return reply


def chinese(text: str) -> str:
    """The answer, checked to have none of the catalog's English in what it says (the usage under it is the command's
    syntax, the same in every language)."""
    words = text.split("\n用法", maxsplit=1)[0]
    left = english_left(words, ENGLISH)
    assert not left, f"English left in a Chinese error: {left}\n{text}"
    return text


def test_names_that_are_not_there_are_answered_in_chinese_with_the_names_that_are_close(
    dispatcher: Dispatcher,
) -> None:
    typo = N0[:-1]
    node = chinese(said(dispatcher, f"/k8s 诊断 节点 {typo}"))
    assert f"[warn] sandbox 中没有节点 `{typo}`。你是不是要找 `aks-nodepool1-" in node and f"`、`{N0}`" in node
    assert "？用 `/k8s nodes --cluster sandbox` 列出所有节点。" in node
    elsewhere = chinese(said(dispatcher, "/k8s 诊断 pod web-7d9f-fghij -n default"))
    assert "命名空间 `default` 中没有 Pod `web-7d9f-fghij`；" in elsewhere
    assert "；命名空间 `shop` 中有同名的 Pod：请加上 `-n 命名空间`。" in elsewhere
    nowhere = chinese(said(dispatcher, "/k8s 诊断 pod nosuch-pod"))
    assert "命名空间 `shop` 中没有 Pod `nosuch-pod`。用 `/k8s pods -A --cluster sandbox` 在所有命名空间中查找。" in (
        nowhere)
    namespace = chinese(said(dispatcher, "/k8s 事件 -n shpo"))
    assert "sandbox 中没有命名空间 `shpo`。你是不是要找 `shop`？用 `-A` 查看所有命名空间。" in namespace

    # The same mistakes typed in English read as they always did.
    english = said(dispatcher, f"/k8s diagnose node {typo}")
    assert f"Node `{typo}` not found in sandbox. Did you mean `aks-nodepool1-" in english and f", `{N0}`?" in english
    assert ("Pod `nosuch-pod` not found in namespace `shop`. Search everywhere with `/k8s pods -A --cluster sandbox`."
            in said(dispatcher, "/k8s diagnose pod nosuch-pod"))
    assert "Namespace `shpo` does not exist in sandbox. Did you mean `shop`? Use `-A` for all namespaces." in said(
        dispatcher, "/k8s events -n shpo"
    )


def test_a_click_on_a_chinese_message_is_answered_in_chinese(dispatcher: Dispatcher) -> None:
    """A Diagnose button under a Chinese answer, on a pod that has gone since."""
    ref = CommandRef("diagnose pod", DiagnosePodArgs(name="gone-7d9f-xxxxx"), "sandbox", "shop")
    captured = Captured()
    outcome = dispatcher.handle(Incoming.click(ref, "carol", "C0TEST", None, lang="zh"), captured)
    text = chinese(render_text(captured.replies[0].view))
    assert outcome.status != "ok", text
    assert "命名空间 `shop` 中没有 Pod `gone-7d9f-xxxxx`" in text


def test_an_unknown_cluster_and_a_missing_role_in_chinese(dispatcher: Dispatcher) -> None:
    cluster = chinese(said(dispatcher, "/k8s 节点 --cluster 生产"))
    assert "[warn] 没有名为 `生产` 的集群（已配置：sandbox）。" in cluster and "用法" in cluster
    role = chinese(said(dispatcher, "/k8s 节点", user="mallory"))
    assert "你不能运行 `nodes`（集群 `sandbox`）：它需要 viewer 角色（你的角色：无）" in role and "`roles`" in role
    assert "Unknown cluster `prod` (clusters: sandbox)." in said(dispatcher, "/k8s nodes --cluster prod")
    assert "You may not run `nodes` on cluster `sandbox`: it needs the viewer role" in said(
        dispatcher, "/k8s nodes", user="mallory"
    )


def viewing(settings: Settings) -> Settings:
    """`settings` with `admin` a viewer of its one cluster."""
    c = settings.clusters[0]
    return from_mapping(
        {"clusters": [{"name": c.name, "kubeconfig": c.kubeconfig, "context": c.context}],
         "roles": {"viewer": ["admin"]}},
        source=None,
        environ={},
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_cluster_that_is_down_or_refuses_the_bot_is_said_in_chinese(cluster: Cluster, tmp_path: Path) -> None:
    down = viewing(settings_for(tmp_path, f"https://127.0.0.1:{_closed_port()}", None))
    provider = KubeClusterProvider(down)
    try:
        d = Dispatcher(Deps(down, SystemClock(), provider, NoAzure()))
        text = chinese(said(d, "/k8s 节点", user="admin"))
        assert "集群 'sandbox' 无法访问：连接被拒绝或没有路由" in text and "。可能是暂时的，请一分钟后再试。" in text
        english = said(d, "/k8s nodes", user="admin")
        assert "cluster 'sandbox' is unreachable: connection refused or no route" in english
        assert "It may be temporary; try again in a minute." in english
    finally:
        provider.close()

    cluster.server.set_access("carol", AccessRule(allow=frozenset()))
    try:
        refusing = viewing(settings_for(tmp_path, cluster.server.url, cluster.server.ca_pem, user="carol"))
        provider = KubeClusterProvider(refusing)
        d = Dispatcher(Deps(refusing, SystemClock(), provider, NoAzure()))
        text = chinese(said(d, "/k8s 节点", user="admin"))
        assert "集群或 Azure 拒绝了机器人：" in text
        assert "它的身份 `carol` 无权对 `nodes` 执行 `list`（在整个集群范围）" in text
        english = said(d, "/k8s nodes", user="admin")
        assert "The cluster or Azure refused the bot: " in english and "may not `list` `nodes` cluster-wide" in english
        provider.close()
    finally:
        cluster.server.set_access("carol", None)


def test_a_bug_is_an_internal_error_with_its_reference_in_the_askers_language() -> None:
    registry = Registry()

    @registry.command("explode", args=Args, scope=Scope.NONE, requires=None)
    def explode(call: Call[Args], deps: Deps) -> Message:
        """Fail the way a bug does."""
        raise RuntimeError("boom")

    settings = from_mapping({"clusters": []}, source=None, environ={})
    d = Dispatcher(Deps(settings, SystemClock(), NoClusters(), NoAzure()), registry=registry)
    captured = Captured()
    outcome = d.handle(Incoming.click(CommandRef("explode", Args()), "carol", "C0TEST", None, lang="zh"), captured)
    assert outcome.status == "error"
    text = render_text(captured.replies[0].view)
    assert f"内部错误（ref {outcome.correlation_id}）。详情记在机器人日志的这个编号下。" in text
    assert "boom" not in text


def test_how_fresh_an_answer_is_is_said_in_both_languages() -> None:
    now, old = ReadLog(cached={"pods": 0.1}), ReadLog(cached={"pods": 3.2, "nodes": 1.0})
    assert (in_lang(now.note() or "", "en"), in_lang(now.note() or "", "zh")) == (
        "from the watch cache, as of now", "来自 watch 缓存，即时数据")
    assert (in_lang(old.note() or "", "en"), in_lang(old.note() or "", "zh")) == (
        "from the watch cache, as of 3 s ago", "来自 watch 缓存，3 秒前的数据")
    assert ReadLog().note() is None
