"""The edge where everything is wired: settings → adapters → `Deps` → `Dispatcher`, for any surface.

Only this module (and the surfaces) chooses concrete adapters; handlers see protocols. The surfaces call
`build_dispatcher(settings, notifier)` with their own `Notifier` (the shell's printer, Slack's Web API client).
"""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.dispatch import Dispatcher, GroupDirectory
from bot.settings import Settings
from bot.surface import Notifier


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
    from bot.cluster.kube import KubeClusterProvider
    from knowledge import load_knowledge_base

    handlers.load_all()
    clock = clock or SystemClock()
    deps = Deps(
        settings=settings,
        clock=clock,
        clusters=KubeClusterProvider(settings),
        azure=AzureSdkProvider(settings),
        knowledge=load_knowledge_base(),
    )
    return build_approvals(deps, notifier)


def build_dispatcher(
    settings: Settings, notifier: Notifier, *, groups: GroupDirectory | None = None, clock: Clock | None = None
) -> Dispatcher:
    return Dispatcher(build_deps(settings, notifier, clock=clock), groups=groups or SettingsGroups(settings))


def run_shell_with(settings: Settings, user: str, *, banner: str = "") -> int:
    from bot.shell import ShellSurface, run_shell

    surface = ShellSurface()
    dispatcher = build_dispatcher(settings, surface)
    return run_shell(dispatcher, surface, user, banner=banner)
