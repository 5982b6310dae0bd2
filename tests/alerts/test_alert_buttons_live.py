"""Every button of a real alert works when clicked: a NotReady node found by the real rules in the sandbox becomes
an alert, and its message's buttons — Diagnose, the runbook, Acknowledge, and the rule's Cordon through the
approval flow — run through the dispatcher, the official Kubernetes client and the sandbox API server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

import handlers
from bot.alerts.findings import from_finding
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import AlertState, AlertStore
from bot.alerts.views import alert_card
from bot.approvals.store import SqliteApprovalStore
from bot.approvals.workflow import ApprovalWorkflow
from bot.blocks import View
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.groups import SettingsGroups
from bot.registry import Caller, ClusterCall
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, MessageRef
from handlers.args import DiagnoseNodeArgs
from handlers.diagnose import diagnose_node
from knowledge import load_knowledge_base
from tests.support.approvals import NoAzure, RecordingNotifier
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster, write_kubeconfig
from tests.support.minicluster import DEAD

handlers.load_all()
ROUTE = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)
ALERT_MESSAGE = MessageRef("C0ALERTS", "1700000000.000100")


@dataclass
class Live:
    dispatcher: Dispatcher
    deps: Deps
    store: AlertStore
    kube: KubeClusterProvider

    def click(self, view: View, label: str, user: str) -> Outcome:
        ref = {b.label: b.ref for b in view.buttons()}[label]
        # Every reply lands in the alert message's thread and gets a ts, as Slack answers a click.
        thread = Conversation("C0ALERTS", "1700000000.{n:06d}")
        return self.dispatcher.handle(Incoming.click(ref, user, "C0ALERTS", ALERT_MESSAGE), thread)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("alert-buttons")
    server = start_minicluster()
    try:
        kubeconfig = write_kubeconfig(folder, server)
        settings = from_mapping(
            {"clusters": [{"name": "sandbox", "kubeconfig": str(kubeconfig), "context": "sandbox"}],
             "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]}},
            source=str(folder / "aksbot.yaml"), environ={},
        )
        kube = KubeClusterProvider(settings)
        db = SqliteApprovalStore(Path(folder) / "store.sqlite3")
        store = AlertStore(db)
        deps = Deps(settings, SystemClock(), kube, NoAzure(), knowledge=load_knowledge_base(), alerts=store)
        groups = SettingsGroups(settings)
        workflow = ApprovalWorkflow(deps, db, RecordingNotifier(), groups)
        full = dataclasses.replace(deps, approvals=workflow)
        yield Live(Dispatcher(full, groups=groups), full, store, kube)
        db.close()
    finally:
        server.stop()


def notready_alert(live: Live) -> AlertState:
    """What the watcher does: the real rules on the sandbox's dead node, the finding recorded as an alert."""
    call = ClusterCall(command="diagnose node", args=DiagnoseNodeArgs(name=DEAD), caller=Caller("alice"),
                       cluster="sandbox")
    diagnosis = diagnose_node(call, live.deps)
    finding = next(f for f in diagnosis.findings if f.rule == "node.notready")
    now = live.deps.clock.now()
    group = from_finding("sandbox", finding, since=now)
    return live.store.record(group, [ROUTE], at=now, flap_window=timedelta(minutes=30)).state


def test_every_button_of_a_notready_node_alert_works_when_clicked(live: Live) -> None:
    state = notready_alert(live)
    card = alert_card(state, now=live.deps.clock.now(), knowledge=live.deps.knowledge)
    labels = [b.label for b in card.buttons()]
    assert labels[:7] == ["Acknowledge", "Snooze 1 h", "Snooze 4 h", "Snooze until resolved", "Diagnose",
                          "Runbook: node-notready", "Open incident"]
    assert "Cordon" in labels and "Drain" in labels

    diagnosed = live.click(card, "Diagnose", "carol")
    assert diagnosed.status == "ok" and diagnosed.command == "diagnose node"
    assert f"Node {DEAD} is" in render_text(diagnosed.view)

    runbook = live.click(card, "Runbook: node-notready", "carol")
    assert runbook.status == "ok" and runbook.command == "kb show"

    acked = live.click(card, "Acknowledge", "carol")
    assert acked.status == "ok" and live.store.get(state.key).ack_by == "carol"  # type: ignore[union-attr]

    # The rule's Cordon: a disruptive command, so the click is an approval request; nothing happens before it.
    requested = live.click(card, "Cordon", "alice")
    assert requested.status == "requested" and requested.command == "cordon"
    assert f"Cordon node {DEAD}" in render_text(requested.view)
    assert not live.kube.reader("sandbox").node(DEAD).unschedulable
    refused = live.click(card, "Cordon", "carol")  # a viewer may not even ask
    assert refused.status == "denied"

    snoozed = live.click(card, "Snooze 4 h", "alice")
    assert snoozed.status == "ok" and live.store.get(state.key).snoozed(live.deps.clock.now())  # type: ignore

    # No incident desk in this bot: the Open incident button answers so instead of failing.
    opened = live.click(card, "Open incident", "alice")
    assert opened.command == "incident start" and opened.status != "error"
