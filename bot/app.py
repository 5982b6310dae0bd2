"""The edge where everything is wired: settings → adapters → `Deps` → `Dispatcher`, for any surface.

Only this module (and the surfaces) chooses concrete adapters; handlers see protocols. The surfaces call
`build_dispatcher(settings, notifier)` with their own `Notifier` (the shell's printer, Slack's Web API client).

Clusters are read through the watch cache (`bot.cluster.cache`); nothing watches until `start_watching(deps)`
(the shell and the demo at once; `aksbot serve` on the leader replica). An answer read from the cache says how
fresh it is ("as of 2 s ago"), added here so handlers stay unaware of caching.
"""

from __future__ import annotations

from dataclasses import replace

from bot.blocks import Context, Heading, View
from bot.clock import Clock, SystemClock
from bot.cluster.ports import CachingProvider
from bot.cluster.reads import ReadLog, observe_reads
from bot.deps import Deps
from bot.dispatch import Dispatcher, GroupDirectory, Incoming, Outcome
from bot.settings import Settings
from bot.surface import MessageRef, Notifier, Reply, Responder


class SettingsGroups:
    """User groups from the settings' `groups:` mapping (the shell; tests)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset(self.settings.local_groups_of(user))


def build_deps(settings: Settings, notifier: Notifier, *, clock: Clock | None = None) -> Deps:
    """Adapters for every configured cluster, the knowledge base and the approval workflow."""
    import handlers
    from bot.approvals.workflow import build_approvals
    from bot.azure.sdk import AzureSdkProvider
    from bot.cluster.cache import CachedClusterProvider
    from bot.cluster.kube import KubeClusterProvider
    from knowledge import load_knowledge_base

    handlers.load_all()
    clock = clock or SystemClock()
    deps = Deps(
        settings=settings,
        clock=clock,
        clusters=CachedClusterProvider(KubeClusterProvider(settings), settings.cache),
        azure=AzureSdkProvider(settings),
        knowledge=load_knowledge_base(),
    )
    return build_approvals(deps, notifier)


def with_freshness(view: View, note: str) -> View:
    """The view with its freshness note right under its heading (where a long answer cannot push it out)."""
    at = 1 if view.blocks and isinstance(view.blocks[0], Heading) else 0
    return replace(view, blocks=(*view.blocks[:at], Context(note), *view.blocks[at:]))


class _FreshnessResponder:
    def __init__(self, inner: Responder, reads: ReadLog) -> None:
        self.inner = inner
        self.reads = reads

    def send(self, reply: Reply) -> MessageRef | None:
        note = self.reads.note()
        if note is not None:
            reply = Reply(with_freshness(reply.view, note), reply.visibility)
        return self.inner.send(reply)


class CacheAwareDispatcher(Dispatcher):
    """The dispatcher whose answers say "as of N s ago" when they were read from the watch cache."""

    def handle(self, incoming: Incoming, responder: Responder) -> Outcome:
        with observe_reads() as reads:
            return super().handle(incoming, _FreshnessResponder(responder, reads))


def build_dispatcher(
    settings: Settings, notifier: Notifier, *, groups: GroupDirectory | None = None, clock: Clock | None = None
) -> Dispatcher:
    deps = build_deps(settings, notifier, clock=clock)
    return CacheAwareDispatcher(deps, groups=groups or SettingsGroups(settings))


def start_watching(deps: Deps) -> None:
    """Start the watch caches (a no-op with `cache.enabled: false` or a provider without a cache)."""
    if isinstance(deps.clusters, CachingProvider):
        deps.clusters.start()


def stop_watching(deps: Deps) -> None:
    if isinstance(deps.clusters, CachingProvider):
        deps.clusters.stop()


def run_shell_with(settings: Settings, user: str, *, banner: str = "") -> int:
    from bot.shell import ShellSurface, run_shell

    surface = ShellSurface()
    dispatcher = build_dispatcher(settings, surface)
    # One process, so it is its own leader: it watches at once (reads stay live until each kind is listed).
    start_watching(dispatcher.deps)
    try:
        return run_shell(dispatcher, surface, user, banner=banner)
    finally:
        stop_watching(dispatcher.deps)
