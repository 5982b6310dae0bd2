"""Alerts in `aksbot serve`: the webhook intake on the HTTP port, and the leader's alert work with a Slack outlet.

- `build_intake(settings, wake)`: the `AlertIntake` WSGI app (`POST /alerts/alertmanager`, `POST
  /alerts/azure-monitor`) over its own connection to the store, with runbooks resolved from the knowledge base;
  `wake` is called after each recorded change (it reaches the leader's outlet when this replica leads).
- `start_alert_runtime(settings, assembly, client)`: the `AlertRuntime` of this replica — the watcher over the
  assembly's watch caches and the outlet posting through `client` — elected on a Lease when the store is
  PostgreSQL (replicas), leading at once on SQLite (one replica).
- `slack_outlet(…)`: the one place the outlet is built for Slack (a factory, so the outlet's constructor can
  change without touching the rest).

Only this module and `bot.slack.serve` know the pieces meet here; `bot.alerts` knows nothing of Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.alerts.intake import AlertIntake
from bot.alerts.ports import AlertOutlet
from bot.alerts.runtime import (
    AlertRuntime,
    Election,
    LeaderWork,
    election_config,
    lease_cluster,
    problem_recorder,
    watcher_factory,
)
from bot.alerts.store import AlertStore
from bot.approvals.store import SqlApprovalStore
from bot.cluster.kube import KubeCluster
from bot.cluster.ports import live_provider
from bot.errors import AksbotError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import Assembly

log = logging.getLogger("aksbot.alerts")


def build_intake(settings: Settings, wake: Callable[[], None]) -> tuple[AlertIntake, Callable[[], None]]:
    """The webhook app and what closes its store connection."""
    from bot.alerts.runbooks import ClusterNodeFacts, RunbookResolver
    from bot.approvals.workflow import open_approval_store
    from bot.cluster.kube import KubeClusterProvider
    from knowledge import LazyKnowledgeBase

    db = open_approval_store(settings)
    assert isinstance(db, SqlApprovalStore)  # both stores the settings can name are
    clusters = KubeClusterProvider(settings)
    # Built on first use: most alerts name their runbook, and the front process then never holds the index.
    runbooks = RunbookResolver(LazyKnowledgeBase(), ClusterNodeFacts(clusters))
    intake = AlertIntake(settings, AlertStore(db), runbooks=runbooks, on_recorded=lambda recorded: wake())

    def close() -> None:
        clusters.close()
        db.close()

    return intake, close


def slack_outlet(settings: Settings, store: AlertStore, worker: str) -> AlertOutlet:
    """The outlet that delivers the store's alert work to Slack (its own Web API client: a 429 is reported to the
    outlet, never slept on)."""
    from bot.alerts.outlet import Outlet
    from bot.slack.alerts import SlackAlertPoster

    return Outlet(store, SlackAlertPoster.from_settings(settings), settings.alerts, worker=worker)


def election_for(settings: Settings, assembly: Assembly, identity: str | None) -> Election | None:
    """None on SQLite (a single replica leads without a Lease); else the Lease in the leader's cluster."""
    if assembly.store.dialect == "sqlite":
        return None
    cluster = lease_cluster(settings)
    if cluster is None:
        log.warning("several replicas share PostgreSQL but no cluster is configured to hold the leader Lease: "
                    "this replica leads alone")
        return None
    client = live_provider(assembly.deps.clusters).reader(cluster)
    if not isinstance(client, KubeCluster):
        raise TypeError(f"cluster {cluster!r} cannot hold a Lease")
    return Election(client, election_config(settings, identity))


def start_alert_runtime(
    settings: Settings,
    assembly: Assembly,
    outlet: Callable[[AlertStore, str], AlertOutlet],
    *,
    identity: str | None = None,
) -> AlertRuntime:
    """Stand for (or take) the alert work of this replica; `outlet(store, worker)` builds the outlet each time
    this replica starts leading. Follows leadership for the watch caches too (`Assembly.watch`)."""
    store = assembly.alerts
    try:
        election = election_for(settings, assembly, identity)
    except AksbotError as exc:  # replicas that cannot elect must not all lead: this one does no alert work
        log.error("no alert work on this replica: the leader Lease's cluster cannot be reached as configured (%s)",
                  exc.message)
        return AlertRuntime(LeaderWork(lambda: outlet(store, identity or "leader")))
    worker = election.config.identity if election is not None else (identity or "leader")
    work = LeaderWork(
        lambda: outlet(store, worker),
        watcher=watcher_factory(settings, assembly.deps, store),
        watch=assembly.watch,
    )
    if election is None:
        return AlertRuntime(work).start()
    assembly.watch(False)  # a follower until elected (with `cache.followers: cache` it watches anyway)
    return AlertRuntime(work, election,
                        on_problem=problem_recorder(store, election.config, assembly.deps.clock)).start()
