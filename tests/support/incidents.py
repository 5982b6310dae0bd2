"""Incidents in a test: the real desk, store, dispatcher and approval workflow, the shell as the chat workspace,
a fake of the alerts side's seams (`FakeAlerts`), and a workspace that fails at a chosen step.

The registry is private: the incident commands, `kb show` and `diagnose pod` as the bot registers them, the approval
commands, the lamp from `tests.support.approvals` (a disruptive command that needs no cluster), and a `diagnose node`
that answers without a cluster — so the timeline sees approvals and diagnoses without a sandbox (and a bed on the
sandbox cluster diagnoses its pods as the bot does).
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import handlers
from bot.approvals.store import SqlApprovalStore
from bot.approvals.workflow import ApprovalWorkflow
from bot.blocks import Message, Rich, View
from bot.clock import ManualClock
from bot.cluster.ports import ClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.errors import AksbotError
from bot.groups import SettingsGroups
from bot.incidents.alerts import FiringAlert, IncidentLink, IncidentScope, NotEvaluated
from bot.incidents.model import EntryKind, TimelineEntry
from bot.incidents.ports import Channel, Invited, Workspace
from bot.incidents.service import IncidentDesk
from bot.incidents.store import SqlIncidentStore
from bot.registry import REGISTRY, ClusterCall, Registry, Scope
from bot.settings import Settings, from_mapping
from bot.shell import Shell, ShellSurface, ShellWorkspace
from bot.surface import MessageRef
from handlers.args import DiagnoseNodeArgs
from knowledge import load_knowledge_base
from tests.support import approvals
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import ShellTranscript

handlers.load_all()
registry = Registry()
for _spec in REGISTRY:
    if _spec.name.startswith("incident ") or _spec.name in ("kb show", "diagnose pod"):
        registry.add(_spec)
for _spec in approvals.registry:
    registry.add(_spec)


@registry.command("diagnose node", args=DiagnoseNodeArgs, scope=Scope.CLUSTER)
def diagnose_node(call: ClusterCall[DiagnoseNodeArgs], deps: Deps) -> Message:
    """A diagnosis that needs no cluster."""
    return Message(f"node {call.args.name} on {call.cluster}: NotReady for 6m (kubelet stopped posting status)")


CONFIG: dict[str, Any] = {
    "default_cluster": "home",
    "clusters": [
        {
            "name": "home",
            "kubeconfig": "/dev/null",
            "oncall": ["S0ONCALL"],
            "azure": {
                "cloud": "AzureChinaCloud",
                "subscription_id": "8c3e6d41-27a9-4b6f-b0d2-1f7e5a9c3d88",
                "resource_group": "rg-home",
                "cluster_name": "aks-home",
            },
        },
        {"name": "garden", "kubeconfig": "/dev/null"},
    ],
    "roles": {"viewer": ["carol"], "operator": ["alice", "bob"], "approver": ["bob", "dave"]},
    "groups": {"S0ONCALL": ["dave", "erin"]},
}


def settings(config: dict[str, Any] | None = None) -> Settings:
    return from_mapping(CONFIG if config is None else config, source=None, environ={})


class FakeAlerts:
    """The alerts side as the incident seams see it: firing alerts per cluster, links asked for, and the alert
    events (fired, acknowledged, resolved) a timeline reads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now_firing: dict[str, tuple[str, FiringAlert]] = {}
        self.events: list[tuple[str, TimelineEntry]] = []
        self.links: list[tuple[str, IncidentLink]] = []
        self.broken: AksbotError | None = None
        # Clusters whose alerts the side has not evaluated lately (none: every cluster's list is current).
        self.unevaluated: dict[str, NotEvaluated] = {}

    def fire(self, cluster: str, key: str, title: str, at: datetime, *, runbook: str | None = None) -> None:
        with self.lock:
            self.now_firing[key] = (cluster, FiringAlert(key, title, "critical", at, "", runbook))
            data = json.dumps({"alert": key, "runbook": runbook} if runbook else {"alert": key})
            self.events.append((cluster, TimelineEntry(at, EntryKind.ALERT_FIRING, None, title, data=data)))

    def acknowledge(self, cluster: str, key: str, user: str, at: datetime) -> None:
        with self.lock:
            title = self.now_firing[key][1].title
            data = json.dumps({"alert": key})
            self.events.append((cluster, TimelineEntry(at, EntryKind.ALERT_ACKNOWLEDGED, user, title, data=data)))

    def resolve(self, cluster: str, key: str, at: datetime) -> None:
        with self.lock:
            _, alert = self.now_firing.pop(key)
            data = json.dumps({"alert": key})
            self.events.append((cluster, TimelineEntry(at, EntryKind.ALERT_RESOLVED, None, alert.title, data=data)))

    # AlertDesk
    def firing(self, cluster: str) -> Sequence[FiringAlert]:
        if self.broken is not None:
            raise self.broken
        with self.lock:
            return [a for c, a in self.now_firing.values() if c == cluster]

    def not_evaluated(self, cluster: str) -> NotEvaluated | None:
        with self.lock:
            return self.unevaluated.get(cluster)

    def link_incident(self, alert_key: str, incident: IncidentLink, *, answered_in: MessageRef | None = None
                      ) -> None:
        with self.lock:
            self.links.append((alert_key, incident))

    def incident_closed(self, alert_key: str, incident: IncidentLink) -> None:
        with self.lock:
            self.links.append((alert_key, incident))

    # TimelineSource
    def timeline(self, scope: IncidentScope) -> Sequence[TimelineEntry]:
        with self.lock:
            # The cluster's events while the incident is open, and every event of the alert it was opened from.
            return [
                e
                for c, e in self.events
                if c == scope.cluster
                and (
                    e.at >= scope.since or (scope.alert_key is not None and e.details().get("alert") == scope.alert_key)
                )
                and (scope.until is None or e.at <= scope.until)
            ]


class FailingWorkspace:
    """A workspace whose `method` raises `error` (its other methods are the inner workspace's)."""

    def __init__(self, inner: Workspace, method: str, error: AksbotError) -> None:
        self.inner = inner
        self.method = method
        self.error = error
        self.calls: list[str] = []

    def _maybe_fail(self, method: str) -> None:
        self.calls.append(method)
        if method == self.method:
            raise self.error

    def create_channel(self, name: str, *, private: bool) -> Channel:
        self._maybe_fail("create_channel")
        return self.inner.create_channel(name, private=private)

    def invite(self, channel: str, users: Sequence[str]) -> Invited:
        self._maybe_fail("invite")
        return self.inner.invite(channel, users)

    def set_topic(self, channel: str, topic: Rich) -> None:
        self._maybe_fail("set_topic")
        self.inner.set_topic(channel, topic)

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef:
        self._maybe_fail("post")
        return self.inner.post(channel, view, thread)

    def pin(self, message: MessageRef) -> None:
        self._maybe_fail("pin")
        self.inner.pin(message)

    def bookmark(self, channel: str, title: str, link: str) -> None:
        self._maybe_fail("bookmark")
        self.inner.bookmark(channel, title, link)

    def archive(self, channel: str) -> None:
        self._maybe_fail("archive")
        self.inner.archive(channel)

    def join(self, channel: str) -> None:
        self._maybe_fail("join")
        self.inner.join(channel)

    def message_text(self, message: MessageRef) -> str | None:
        self._maybe_fail("message_text")
        return self.inner.message_text(message)


@dataclass
class Bed(ShellTranscript):
    """One bot replica in the shell: type lines as a user, read what it printed."""

    surface: ShellSurface
    out: io.StringIO
    shell: Shell
    desk: IncidentDesk
    dispatcher: Dispatcher
    workflow: ApprovalWorkflow
    clock: ManualClock
    alerts: FakeAlerts
    workspace: Workspace
    said: int = field(default=0)


def make_bed(
    db: SqlApprovalStore,
    *,
    clock: ManualClock | None = None,
    config: dict[str, Any] | None = None,
    alerts: FakeAlerts | None = None,
    workspace: Any = None,
    surface: ShellSurface | None = None,
    user: str = "alice",
    clusters: ClusterProvider | None = None,
) -> Bed:
    """A replica over `db`; several beds over one database are several replicas (sharing `surface`: one
    workspace)."""
    clock = clock or ManualClock()
    alerts = alerts or FakeAlerts()
    out = io.StringIO()
    surface = surface or ShellSurface(out)
    if surface.out is not out:
        out = surface.out  # type: ignore[assignment]
    config_settings = settings(config)
    groups = SettingsGroups(config_settings)
    deps = Deps(
        settings=config_settings,
        clock=clock,
        clusters=clusters or NoClusters(),
        azure=NoAzure(),
        knowledge=load_knowledge_base(),
    )
    workflow = ApprovalWorkflow(deps, db, surface, groups, registry=registry)
    chosen = workspace if workspace is not None else ShellWorkspace(surface)
    desk = IncidentDesk(
        config_settings,
        clock,
        SqlIncidentStore(db),
        chosen,
        groups,
        alerts=alerts,
        alert_timeline=alerts,
        registry=registry,
    )
    full = dataclasses.replace(deps, approvals=workflow, incidents=desk)
    dispatcher = Dispatcher(full, registry=registry, groups=groups, observers=(desk.observe,))
    shell = Shell(dispatcher, surface, user, on_reaction=desk.on_reaction)
    return Bed(surface, out, shell, desk, dispatcher, workflow, clock, alerts, chosen, len(out.getvalue()))
