"""The edge where everything is wired: settings → adapters → `Deps` → approval workflow → `Dispatcher`.

Only this module (and the surfaces) chooses concrete adapters; handlers see protocols. A surface calls
`assemble(settings, notifier, groups=…, executor=…)` with its own `Notifier` (the shell's printer, Slack's Web API
client), its group directory and where approved actions run, then starts the background work it wants
(`Assembly.start()`: the expiry sweeper) — nothing starts as a side effect of building.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from bot.approvals.workflow import ApprovalWorkflow, Executor, ExpirySweeper, open_approval_store, run_inline
from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.groups import GroupDirectory, SettingsGroups
from bot.settings import Settings
from bot.surface import Notifier


@dataclass
class Assembly:
    """The bot as one surface runs it: the dispatcher, the approval workflow behind it, its background work."""

    dispatcher: Dispatcher
    approvals: ApprovalWorkflow
    _sweeper: ExpirySweeper | None = field(default=None, repr=False)

    def start(self) -> Assembly:
        """Start the background work: requests expire (and their cards say so) even when nobody clicks."""
        if self._sweeper is None:
            self._sweeper = ExpirySweeper(self.approvals)
            self._sweeper.start()
        return self

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()


def base_deps(settings: Settings, *, clock: Clock | None = None) -> Deps:
    """Adapters for every configured cluster and Azure, and the knowledge base (no approval workflow)."""
    import handlers
    from bot.azure.sdk import AzureSdkProvider
    from bot.cluster.kube import KubeClusterProvider
    from knowledge import load_knowledge_base

    handlers.load_all()
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        clusters=KubeClusterProvider(settings),
        azure=AzureSdkProvider(settings),
        knowledge=load_knowledge_base(),
    )


def assemble(
    settings: Settings,
    notifier: Notifier,
    *,
    groups: GroupDirectory | None = None,
    executor: Executor = run_inline,
    clock: Clock | None = None,
) -> Assembly:
    """The dispatcher over the configured adapters, with the approval workflow on the configured store."""
    directory = groups or SettingsGroups(settings)
    deps = base_deps(settings, clock=clock)
    # Previews and approved actions run with the plain deps: the workflow does not reach itself through them.
    workflow = ApprovalWorkflow(deps, open_approval_store(settings), notifier, directory, executor=executor)
    dispatcher = Dispatcher(dataclasses.replace(deps, approvals=workflow), groups=directory)
    return Assembly(dispatcher, workflow)


def build_dispatcher(
    settings: Settings, notifier: Notifier, *, groups: GroupDirectory | None = None, clock: Clock | None = None
) -> Dispatcher:
    """The dispatcher alone (tests; one-shot use): approved actions run inline, nothing in the background."""
    return assemble(settings, notifier, groups=groups, clock=clock).dispatcher
