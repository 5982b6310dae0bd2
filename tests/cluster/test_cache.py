"""The watch cache against the sandbox API server: it follows adds, updates and deletes, relists after 410 Gone,
falls back to live reads when it is not synced or stale, says how fresh its answers are, and never feeds an
approval preview."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from bot.cluster import kube
from bot.cluster.cache import CachedClusterProvider, Change, ClusterCache
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.ports import live_provider
from bot.cluster.reads import observe_reads
from bot.cluster.settings import CacheSettings
from bot.settings import Roles, Settings
from sandbox.kube import KubeServer
from sandbox.kube.resources import BY_KEY
from tests.support.cluster import LOGS, TOKENS, objects, pod, settings_for
from tests.support.waiting import eventually

N0, N1 = "aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001"
FAST = CacheSettings(watch_timeout_seconds=1, max_staleness_seconds=30)


def serve(bookmark_seconds: float = 0.2) -> KubeServer:
    return KubeServer(objects(), logs=LOGS, bookmark_seconds=bookmark_seconds, tls=False,
                      tokens={t: u for u, t in TOKENS.items()}).start()


def provider_for(server: KubeServer, folder: Path, cache: CacheSettings = FAST) -> CachedClusterProvider:
    settings = settings_for(folder, server.url, None)
    return CachedClusterProvider(KubeClusterProvider(settings), cache)


@pytest.fixture
def server() -> Iterator[KubeServer]:
    kube_server = serve()
    yield kube_server
    kube_server.stop()


@pytest.fixture
def cached(server: KubeServer, tmp_path: Path) -> Iterator[CachedClusterProvider]:
    provider = provider_for(server, tmp_path)
    provider.start()
    assert provider.wait_synced(30)
    yield provider
    provider.close()


def pod_keys(provider: CachedClusterProvider, **kwargs: Any) -> list[str]:
    return [p.key for p in provider.reader("sandbox").pods(**kwargs)]


def test_the_cache_answers_exactly_what_the_cluster_answers(cached: CachedClusterProvider) -> None:
    reader, live = cached.reader("sandbox"), cached.live.reader("sandbox")
    with observe_reads() as reads:
        for kwargs in ({}, {"namespace": "shop"}, {"selector": "app=web"}, {"selector": "app in (api,batch)"},
                       {"selector": "app!=web"}, {"node": N1}, {"field_selector": "metadata.name=web-7d9f-abcde"}):
            assert reader.pods(**kwargs) == live.pods(**kwargs), kwargs
        assert reader.nodes() == live.nodes()
        assert reader.nodes(selector="agentpool=user") == live.nodes(selector="agentpool=user")
        assert reader.leases() == live.leases()
        assert reader.deployments() == live.deployments() and reader.pdbs("shop") == live.pdbs("shop")
        assert reader.events("shop", involved_name="web-7d9f-fghij") == live.events("shop", "web-7d9f-fghij")
        assert reader.pod("shop", "web-7d9f-fghij") == live.pod("shop", "web-7d9f-fghij")
    assert set(reads.cached) == {"pods", "nodes", "leases", "deployments", "pdbs", "events"}
    assert not reads.live


def test_the_cache_follows_adds_updates_and_deletes(server: KubeServer, cached: CachedClusterProvider) -> None:
    seen: list[tuple[str, str, str]] = []
    subscription = cached.cache("sandbox").subscribe(
        lambda c: seen.append((c.kind, c.type, (c.new or c.old).name)), kinds=["pods"])

    server.apply(pod("shop", "cart-1", N0, app="cart"))
    eventually(lambda: "shop/cart-1" in pod_keys(cached))

    def crash(obj: dict[str, Any]) -> None:
        obj["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}

    server.mutate("pods", "cart-1", crash, namespace="shop")
    eventually(lambda: cached.reader("sandbox").pod("shop", "cart-1").status_text == "CrashLoopBackOff")

    server.store.delete(BY_KEY["pods"], "shop", "cart-1", grace_seconds=0)
    eventually(lambda: "shop/cart-1" not in pod_keys(cached))
    eventually(lambda: ("pods", "DELETED", "cart-1") in seen)
    subscription.close()
    assert [s for s in seen if s[2] == "cart-1"][:2] == [("pods", "ADDED", "cart-1"), ("pods", "MODIFIED", "cart-1")]
    informer = cached.cache("sandbox").informers["pods"]
    assert informer.relists == 1  # each watch the server ended after timeoutSeconds was resumed, not relisted


def test_410_gone_relists_and_reports_what_changed_meanwhile(server: KubeServer,
                                                              cached: CachedClusterProvider) -> None:
    changes: list[Change] = []
    subscription = cached.cache("sandbox").subscribe(changes.append, kinds=["nodes"])
    informer = cached.cache("sandbox").informers["nodes"]

    def cordon(obj: dict[str, Any]) -> None:
        obj["spec"]["unschedulable"] = True

    # Compacted history and a change the watch can no longer see: the server answers the watch with 410.
    with server.store.lock:
        server.store.compact()
        server.mutate("nodes", N0, cordon)
        server.store.compact()
    eventually(lambda: informer.relists >= 2)
    eventually(lambda: cached.reader("sandbox").node(N0).unschedulable)
    eventually(lambda: any(c.type == "MODIFIED" and c.new.name == N0 for c in changes))
    subscription.close()
    modified = next(c for c in changes if c.type == "MODIFIED" and c.new.name == N0)
    assert not modified.old.unschedulable and modified.new.unschedulable


def test_an_expired_continue_token_restarts_the_list(server: KubeServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    live = KubeClusterProvider(settings_for(tmp_path, server.url, None)).reader("sandbox")
    whole = sorted(p.key for p in live.pods())
    monkeypatch.setattr(kube, "PAGE_SIZE", 2)
    pages = live._pages(kube.wire.PODS, "pods", live.core.list_pod_for_all_namespaces)
    first = next(pages)
    server.store.compact()  # the token of a next page is now older than the history: 410
    after = list(pages)
    # The page after `first` may already have been fetched (the next page is fetched while one is decoded); the
    # list begins again at the first page that finds its token expired, and says so.
    again = next(i for i, page in enumerate(after) if page.restarted)
    rest = [p for page in after[again:] for p in page.items]
    assert sorted(p.key for p in rest) == whole  # started over: every pod, none twice
    assert len(first.items) == 2 and not first.restarted
    listed, _ = live.list_all(kube.wire.PODS, "pods", live.core.list_pod_for_all_namespaces)
    assert sorted(p.key for p in listed) == whole


def test_an_unsynced_cache_reads_live(server: KubeServer, tmp_path: Path) -> None:
    provider = provider_for(server, tmp_path)  # never started: nothing is watched
    with observe_reads() as reads:
        pods = provider.reader("sandbox").pods("shop")
    assert [p.name for p in pods] == [p.name for p in provider.live.reader("sandbox").pods("shop")]
    assert reads.cached == {} and reads.live == {"pods"} and reads.note() is None
    assert not provider.warm("sandbox", ("pods",))  # so nothing optional (a question's live look) lists them


def test_a_stale_cache_reads_live_and_a_fresh_one_says_how_old(tmp_path: Path) -> None:
    quiet = serve(bookmark_seconds=3600)  # the server says nothing on a kind that does not change
    provider = provider_for(quiet, tmp_path, CacheSettings(watch_timeout_seconds=60, max_staleness_seconds=1))
    try:
        provider.start()
        assert provider.wait_synced(30)
        with observe_reads() as reads:
            provider.reader("sandbox").pdbs()
        assert "pdbs" in reads.cached and (reads.note() or "").startswith("from the watch cache, as of")
        assert provider.warm("sandbox", ("pdbs",)) and not provider.warm("elsewhere", ("pdbs",))
        time.sleep(1.5)  # longer than max_staleness_seconds without a word from the server
        assert not provider.warm("sandbox", ("pdbs",))
        with observe_reads() as reads:
            assert [b.name for b in provider.reader("sandbox").pdbs()] == ["web-pdb"]
        assert reads.live == {"pdbs"} and reads.cached == {} and reads.note() is None
    finally:
        provider.close()
        quiet.stop()


def test_stopping_forgets_and_reads_go_live(cached: CachedClusterProvider) -> None:
    cached.stop()
    with observe_reads() as reads:
        assert pod_keys(cached, namespace="shop")
    assert reads.live == {"pods"}
    assert cached.cache("sandbox").status()["pods"]["objects"] == 0


def test_events_are_bounded(server: KubeServer, tmp_path: Path) -> None:
    for i in range(150):
        server.apply({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"extra-{i:03d}", "namespace": "shop"},
                      "involvedObject": {"kind": "Pod", "name": "web-7d9f-abcde", "namespace": "shop"},
                      "reason": "Pulled", "message": "pulled", "type": "Normal",
                      "lastTimestamp": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z"})
    provider = provider_for(server, tmp_path, CacheSettings(watch_timeout_seconds=1, max_events=100))
    try:
        provider.start()
        assert provider.wait_synced(30)
        assert provider.cache("sandbox").status()["events"]["objects"] == 100
        reader, live = provider.reader("sandbox"), provider.live.reader("sandbox")
        # Fewer matches than asked for in a cache that dropped events: the answer comes from the cluster.
        assert reader.events("shop", involved_name="web-7d9f-abcde") == live.events("shop", "web-7d9f-abcde")
        newest = reader.events("shop", limit=5)
        assert newest == live.events("shop", limit=5)
    finally:
        provider.close()


def test_a_slow_subscriber_never_stalls_the_watch(server: KubeServer, cached: CachedClusterProvider) -> None:
    release = threading.Event()
    got: list[Change] = []

    def slow(change: Change) -> None:
        release.wait(30)
        got.append(change)

    subscription = cached.cache("sandbox").subscribe(slow, kinds=["pods"], max_pending=1)
    for i in range(5):
        server.apply(pod("shop", f"burst-{i}", N0))
    # The cache is current although the subscriber has not taken a single change.
    eventually(lambda: {f"shop/burst-{i}" for i in range(5)} <= set(pod_keys(cached)))
    release.set()
    eventually(lambda: any(c.type == "RESYNC" for c in got))
    subscription.close()
    assert got[-1] == Change("pods", "RESYNC", None, None)


# -- through the dispatcher: the note, and previews that ignore the cache ----------------------------------


def shell_settings(server: KubeServer, folder: Path, cache: CacheSettings) -> Settings:
    base = settings_for(folder, server.url, None)
    return base.model_copy(update={"cache": cache, "roles": Roles(viewer=["*"], operator=["alice"],
                                                                  approver=["bob"])})


def test_answers_from_the_cache_say_how_fresh_and_previews_read_live(server: KubeServer, tmp_path: Path) -> None:
    from bot.app import assemble
    from bot.shell import Shell, ShellSurface

    out = StringIO()
    surface = ShellSurface(out)
    settings = shell_settings(server, tmp_path, CacheSettings(watch_timeout_seconds=1, max_staleness_seconds=3600))
    assembly = assemble(settings, surface).start()
    dispatcher = assembly.dispatcher
    try:
        assert isinstance(dispatcher.deps.clusters, CachedClusterProvider)
        assert dispatcher.deps.clusters.wait_synced(30)
        assert dispatcher.deps.approvals is not None
        assert live_provider(dispatcher.deps.clusters) is dispatcher.deps.clusters.live
        shell = Shell(dispatcher, surface, "alice")
        shell.run_line("/k8s nodes")
        assert "from the watch cache, as of" in out.getvalue()

        # Freeze what the cache knows of nodes, then cordon one behind its back.
        nodes: ClusterCache = dispatcher.deps.clusters.cache("sandbox")
        nodes.informers["nodes"].stop()

        def cordon(obj: dict[str, Any]) -> None:
            obj["spec"]["unschedulable"] = True

        server.mutate("nodes", N0, cordon)
        out.truncate(0)
        shell.run_line(f"/k8s node {N0}")
        assert "SchedulingDisabled" not in out.getvalue()  # the (frozen) cache, as the note says
        out.truncate(0)
        shell.run_line(f"/k8s cordon {N0}")
        text = out.getvalue()
        # The preview read the cluster itself: nothing to approve, the node is already cordoned.
        assert "already cordoned" in text and "Approval request" not in text
        assert "watch cache" not in text
    finally:
        assembly.stop()
