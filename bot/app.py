"""The edge where everything is wired: settings → adapters → `Deps` → approval workflow, incident desk →
`Dispatcher`.

Only this module (and the surfaces) chooses concrete adapters; handlers see protocols. A surface calls
`assemble(settings, notifier, groups=…, executor=…, workspace=…)` with its own `Notifier` (the shell's printer,
Slack's Web API client), its group directory, where approved actions run and its chat workspace (incident
channels), then starts the background work it wants (`Assembly.start()`) — nothing starts as a side effect of
building. The incident desk shares the approval store's database and watches every request (`Dispatcher`
observers) for diagnoses run in incident channels.

Clusters are read through the watch cache (`bot.cluster.cache`); nothing watches until `Assembly.start(watch=True)`
(the shell and the demo at once) or `Assembly.watch(True)` when a replica becomes the leader (`aksbot serve`).
Previews, the re-check before an approved action runs, and the action itself always read the cluster live.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from bot.alerts.desk import StoredAlertDesk
from bot.alerts.store import AlertStore
from bot.approvals.store import SqlApprovalStore
from bot.approvals.workflow import (
    ApprovalWorkflow,
    Executor,
    ExpirySweeper,
    open_approval_store,
    run_inline,
    unknown_actions,
)
from bot.clock import Clock, SystemClock
from bot.cluster.ports import CachingProvider, live_provider
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.errors import NotConfigured
from bot.groups import GroupDirectory, SettingsGroups
from bot.incidents.alerts import AlertDesk, TimelineSource
from bot.incidents.ports import NoWorkspace, Workspace
from bot.incidents.service import IncidentDesk
from bot.incidents.store import SqlIncidentStore
from bot.questions.store import SqlQuestionLog
from bot.settings import Settings
from bot.surface import Notifier


@dataclass
class Assembly:
    """The bot as one surface runs it: the dispatcher, the approval workflow behind it, its background work."""

    dispatcher: Dispatcher
    approvals: ApprovalWorkflow
    incidents: IncidentDesk
    # The SQL database approvals, incidents, alert state and Slack deliveries share (SQLite or PostgreSQL).
    store: SqlApprovalStore
    # Alert state, history and the Slack work still to do, in that database (what `/k8s alerts` reads).
    alerts: AlertStore
    _sweeper: ExpirySweeper | None = field(default=None, repr=False)

    @property
    def deps(self) -> Deps:
        return self.dispatcher.deps

    def start(self, *, watch: bool = True) -> Assembly:
        """Start the background work: requests expire (and their cards say so) even when nobody clicks; with
        `watch`, the watch caches start filling (a single process is its own leader)."""
        if self._sweeper is None:
            self._sweeper = ExpirySweeper(self.approvals)
            self._sweeper.start()
        if watch:
            self.watch(True)
        return self

    def watch(self, leading: bool) -> None:
        """Watch the clusters (the leader) or stop watching (a follower, or on the way out)."""
        clusters = self.deps.clusters
        if isinstance(clusters, CachingProvider):
            clusters.on_leadership(leading)

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        clusters = self.deps.clusters
        if isinstance(clusters, CachingProvider):
            clusters.stop()


def base_deps(settings: Settings, *, clock: Clock | None = None) -> Deps:
    """Adapters for every configured cluster (read through the watch cache) and Azure, and the knowledge base."""
    import handlers
    from bot.azure.sdk import AzureSdkProvider
    from bot.cluster.cache import CachedClusterProvider
    from bot.cluster.kube import KubeClusterProvider
    from knowledge import load_knowledge_base

    handlers.load_all()
    return Deps(
        settings=settings,
        clock=clock or SystemClock(),
        clusters=CachedClusterProvider(KubeClusterProvider(settings), settings.cache),
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
    workspace: Workspace | None = None,
    alerts: AlertDesk | None = None,
    alert_timeline: TimelineSource | None = None,
) -> Assembly:
    """The dispatcher over the configured adapters, with the approval workflow on the configured store and the
    incident desk beside it (`workspace` None: incidents can be read, not declared; `alerts`, `alert_timeline`:
    the alerts side's seams, see `bot.incidents.alerts`: by default the alert store in the same database,
    `bot.alerts.desk`)."""
    directory = groups or SettingsGroups(settings)
    deps = base_deps(settings, clock=clock)
    if problems := unknown_actions(settings):  # a typo there would leave an action on the weaker default
        raise NotConfigured("; ".join(problems))
    store = open_approval_store(settings)
    if not isinstance(store, SqlApprovalStore):  # both stores the settings can name are
        raise TypeError("incidents keep their tables in the approval store's SQL database")
    # Previews, their re-check and the approved action read the cluster itself, never a cache; and the workflow
    # does not reach itself through its deps.
    live = dataclasses.replace(deps, clusters=live_provider(deps.clusters))
    workflow = ApprovalWorkflow(live, store, notifier, directory, executor=executor)
    # The alert store is the alerts side of the incident seams unless the caller brings its own.
    alert_store = AlertStore(store)
    alert_desk = StoredAlertDesk(alert_store, deps.clock, watched=settings.alerts.watcher.enabled)
    desk = IncidentDesk(
        settings,
        deps.clock,
        SqlIncidentStore(store),
        workspace or NoWorkspace(),
        directory,
        alerts=alerts or alert_desk,
        alert_timeline=alert_timeline or alert_desk,
    )
    # The questions people ask and the entries they open (`bot.questions`), unless the configuration says no.
    keep = settings.knowledge
    questions = None
    if keep.keep_questions and deps.knowledge is not None:
        questions = SqlQuestionLog(store, keep_days=keep.keep_days)
    full = dataclasses.replace(deps, approvals=workflow, incidents=desk, alerts=alert_store, questions=questions)
    dispatcher = Dispatcher(full, groups=directory, observers=(desk.observe,))
    return Assembly(dispatcher, workflow, desk, store, alert_store)


def build_dispatcher(
    settings: Settings, notifier: Notifier, *, groups: GroupDirectory | None = None, clock: Clock | None = None
) -> Dispatcher:
    """The dispatcher alone (tests; one-shot use): approved actions run inline, nothing in the background, every
    read live."""
    return assemble(settings, notifier, groups=groups, clock=clock).dispatcher
