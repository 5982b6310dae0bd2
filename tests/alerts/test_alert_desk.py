"""The incident seams over the real alert store: an incident opened from an alert's button sees the firing alerts,
links back into the alert's thread through the outbox, and its timeline reads the alert's history — on SQLite
and PostgreSQL, with the real incident desk, dispatcher and shell."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.alerts.desk import StoredAlertDesk, incident_detail, incident_from_detail, linked_incident
from bot.alerts.findings import from_finding
from bot.alerts.model import AlertGroup, Status
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import LOOK_OVERDUE, AlertStore, Event, Work
from bot.alerts.views import alert_card, alert_reply
from bot.approvals.store import SqlApprovalStore
from bot.clock import ManualClock
from bot.errors import NotFound
from bot.incidents.alerts import IncidentLink, IncidentScope, NotEvaluated
from bot.incidents.model import EntryKind
from bot.refs import node_ref
from bot.render_text import render_text
from bot.severity import Severity
from bot.surface import Incoming, MessageRef
from handlers.rules.finding import Finding
from tests.support.foundation import Captured
from tests.support.incidents import Bed, make_bed

WINDOW = timedelta(minutes=30)
ROUTE = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)
NODE = "aks-2"


def notready(clock: ManualClock, cluster: str = "garden") -> AlertGroup:
    finding = Finding("node.notready", Severity.CRITICAL, f"Node {NODE} is NotReady", node_ref(NODE),
                      ("Ready=Unknown",), "node-notready", ("node.lease:stale",))
    return from_finding(cluster, finding, since=clock.now())


def resolved(group: AlertGroup, clock: ManualClock) -> AlertGroup:
    return group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=clock.now()) for a in group.alerts)


@pytest.fixture
def setup(db: SqlApprovalStore) -> tuple[Bed, AlertStore, StoredAlertDesk]:
    clock = ManualClock()
    store = AlertStore(db)
    desk = StoredAlertDesk(store, clock)
    bed = make_bed(db, clock=clock, alerts=desk)  # type: ignore[arg-type]  (the desk in place of the fake)
    return bed, store, desk


def test_an_incident_opened_from_an_alert_snapshots_links_and_shows_on_the_card(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    bed, store, desk = setup
    state = store.record(notready(bed.clock), [ROUTE], at=bed.clock.now(), flap_window=WINDOW).state
    post = store.due(bed.clock.now())[0]
    assert store.claim(post.id, "leader", bed.clock.now(), timedelta(seconds=30))
    store.posted(post, "1700000000.000100", bed.clock.now())
    assert [f.key for f in desk.firing("garden")] == [state.id] and desk.firing("home") == []
    # Bob clicks Open incident on the alert's message.
    button = {b.label: b.ref for b in alert_card(state, now=bed.clock.now()).buttons()}["Open incident"]
    captured = Captured()
    bed.dispatcher.handle(Incoming.click(button, "bob", "C0ALERTS", MessageRef("C0ALERTS", "1700000000.000100")),
                          captured)
    snapshot = bed.surface.find_message("1")
    assert snapshot is not None and f"Node {NODE} is NotReady" in render_text(snapshot.view)  # the firing alert
    incident = bed.desk.store.get(1)
    assert incident is not None and incident.alert_key == state.id
    # The link is recorded in the alert's history and queued for the leader: a reply in the thread, an update.
    linked = [h for h in store.history(key=state.key) if h.event is Event.LINKED]
    assert len(linked) == 1 and linked[0].actor == ""
    link = incident_from_detail(linked[0].detail)
    assert link is not None and link.label == "INC-1" and link.channel == incident.channel
    due = store.due(bed.clock.now())
    mirrored = [i for i in due if i.channel == incident.channel]  # the card goes to the incident channel too
    assert [i.kind for i in mirrored] == [Work.POST]
    due = [i for i in due if i not in mirrored]
    # One link to the channel in the alert's thread: the click's answer, which says who opened it; no reply of
    # the outbox's saying it again. The card itself is updated to show the incident.
    assert [i.kind for i in due] == [Work.UPDATE] and {i.ts for i in due} == {"1700000000.000100"}
    (answer,) = captured.replies
    assert answer.anchor == MessageRef("C0ALERTS", "1700000000.000100")
    said = render_text(answer.view)
    assert f"INC-1 declared: #{incident.channel_name}" in said and "Commander : @bob" in said
    assert render_text(alert_reply(state, linked[0])) == f"🚨 INC-1 opened for this alert: #{incident.channel}"
    fresh = store.get(state.key)
    assert fresh is not None and desk.incident_of(fresh) == link
    card = alert_card(fresh, now=bed.clock.now(), incident=desk.incident_of(fresh))
    assert f"INC-1 is open: #{incident.channel}" in render_text(card)
    assert "Open incident" not in {b.label for b in card.buttons()}
    assert {m.channel for m in store.messages(state.key)} == {"C0ALERTS", incident.channel}

    # Closed while the problem still fires: the card says so and offers a new incident; the incident channel's copy
    # gets nothing more (its channel will be archived), and no thread reply is queued for the close.
    bed.say(":as bob", "/k8s incident close --incident 1 false alarm, the node came back by itself")
    closed = store.get(state.key)
    assert closed is not None and desk.incident_of(closed) == replace(link, closed=True)
    card = alert_card(closed, now=bed.clock.now(), incident=desk.incident_of(closed))
    assert f"INC-1 was closed: #{incident.channel}" in render_text(card)
    assert "Open incident" in {b.label for b in card.buttons()}
    assert {m.channel for m in store.messages(state.key)} == {"C0ALERTS"}
    assert not [i for i in store.due(bed.clock.now()) if i.channel == incident.channel]


def test_an_incident_opened_away_from_the_alerts_message_links_it_in_the_alerts_thread(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    """Typed in another channel, the declaration's answer is there: the alert's own thread gets the one link."""
    bed, store, _ = setup
    state = store.record(notready(bed.clock), [ROUTE], at=bed.clock.now(), flap_window=WINDOW).state
    post = store.due(bed.clock.now())[0]
    assert store.claim(post.id, "leader", bed.clock.now(), timedelta(seconds=30))
    store.posted(post, "1700000000.000100", bed.clock.now())
    bed.say(":as bob", f"/k8s incident start aks-2 is down --cluster garden --alert {state.id}")
    incident = bed.desk.store.get(1)
    assert incident is not None and incident.alert_key == state.id
    due = [i for i in store.due(bed.clock.now()) if i.channel == "C0ALERTS"]
    assert sorted(i.kind for i in due) == [Work.REPLY, Work.UPDATE] and {i.ts for i in due} == {"1700000000.000100"}
    (linked,) = [h for h in store.history(key=state.key) if h.event is Event.LINKED]
    assert next(i for i in due if i.kind is Work.REPLY).history_seq == linked.seq


def test_a_clusters_alerts_are_evaluated_as_far_as_the_watchers_last_look(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    """The same last look `/k8s alerts` judges by: none yet, or one older than LOOK_OVERDUE, is "not evaluated";
    with the watcher turned off only pushed alerts arrive, and there is no look to wait for."""
    bed, store, desk = setup
    assert desk.not_evaluated("garden") == NotEvaluated(None)
    looked = bed.clock.now()
    store.record_scan("garden", looked)
    assert desk.not_evaluated("garden") is None and desk.not_evaluated("home") == NotEvaluated(None)
    bed.clock.advance(LOOK_OVERDUE)
    assert desk.not_evaluated("garden") is None
    bed.clock.advance(timedelta(seconds=1))
    assert desk.not_evaluated("garden") == NotEvaluated(looked)
    assert StoredAlertDesk(store, bed.clock, watched=False).not_evaluated("home") is None


def test_a_snapshot_before_the_watchers_first_look_lists_what_was_pushed_and_says_so(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    bed, store, _ = setup
    said = bed.say("/k8s incident start garden is slow --cluster garden")
    assert "[warn] Alerts on garden have not been evaluated yet (the watcher starts within a minute)" in said
    assert "No alert is firing" not in said
    store.record(notready(bed.clock), [ROUTE], at=bed.clock.now(), flap_window=WINDOW)
    said = bed.say("/k8s incident start garden is down --cluster garden")
    assert "have not been evaluated yet" in said and f"Node {NODE} is NotReady" in said
    store.record_scan("garden", bed.clock.now())
    said = bed.say("/k8s incident start garden is on fire --cluster garden")
    assert f"Node {NODE} is NotReady" in said and "evaluated" not in said


def test_linking_an_unknown_alert_says_so(setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    _, _, desk = setup
    with pytest.raises(NotFound, match="no alert `nope` is known"):
        desk.link_incident("nope", IncidentLink(1, "INC-1", "t", "garden", "C0INC", "inc-x"))


def test_the_timeline_reads_the_clusters_alert_events_and_the_origin_alerts_whole_story(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    bed, store, desk = setup
    clock = bed.clock
    origin = store.record(notready(clock), [ROUTE], at=clock.now(), flap_window=WINDOW).state
    clock.advance(timedelta(minutes=5))
    declared = clock.now()
    store.acknowledge(origin.key, "dave", clock.now() + timedelta(minutes=1))
    other = notready(clock, cluster="home")
    store.record(other, [ROUTE], at=clock.now(), flap_window=WINDOW)
    clock.advance(timedelta(minutes=14))
    store.record(resolved(notready(clock), clock), [ROUTE], at=clock.now(), flap_window=WINDOW)
    entries = desk.timeline(IncidentScope("garden", declared, None, origin.id))
    assert [(e.kind, e.actor) for e in entries] == [
        (EntryKind.ALERT_FIRING, None),  # before the declaration, but it is the alert the incident is about
        (EntryKind.ALERT_ACKNOWLEDGED, "dave"),
        (EntryKind.ALERT_RESOLVED, None),
    ]
    assert entries[0].text == f"Node {NODE} is NotReady" and "after" in entries[2].text
    assert entries[0].details() == {"alert": origin.id, "runbook": "node-notready"}
    # Another cluster's alert and, without an origin, anything before the declaration stay off.
    assert [e.kind for e in desk.timeline(IncidentScope("garden", declared, None, None))] == [
        EntryKind.ALERT_ACKNOWLEDGED, EntryKind.ALERT_RESOLVED]
    assert desk.timeline(IncidentScope("garden", declared, declared + timedelta(seconds=30), None)) == []
    assert [e.kind for e in desk.timeline(IncidentScope("home", declared, None, None))] == [EntryKind.ALERT_FIRING]


def test_the_timeline_keeps_each_alert_line_s_title_as_it_was_and_its_escalations(
        setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    """A node whose heartbeat went stale (warning) and then Unknown (critical): the firing line says what the alert
    said then, and the escalation is a line of its own; a change in how many alerts fire is not."""
    bed, store, desk = setup
    clock = bed.clock
    stale = Finding("node.notready", Severity.WARNING, f"Node {NODE} heartbeat lease is stale", node_ref(NODE),
                    ("lease stale",), "node-notready", ("node.lease:stale",))
    origin = store.record(from_finding("garden", stale, since=clock.now()), [ROUTE], at=clock.now(),
                          flap_window=WINDOW).state
    clock.advance(timedelta(seconds=10))
    store.record(notready(clock), [ROUTE], at=clock.now(), flap_window=WINDOW)
    entries = desk.timeline(IncidentScope("garden", clock.now(), None, origin.id))
    assert [e.kind for e in entries] == [EntryKind.ALERT_FIRING, EntryKind.ALERT_ESCALATED]
    assert str(entries[0].text) == f"Node {NODE} heartbeat lease is stale"
    assert str(entries[1].text) == f"Node {NODE} is NotReady (warning → critical)"


def test_the_incident_timeline_command_shows_the_alert_events(setup: tuple[Bed, AlertStore, StoredAlertDesk]) -> None:
    bed, store, _ = setup
    state = store.record(notready(bed.clock), [ROUTE], at=bed.clock.now(), flap_window=WINDOW).state
    bed.say(f"/k8s incident start node aks-2 down --cluster garden --alert {state.id}")
    bed.clock.advance(timedelta(minutes=2))
    store.acknowledge(state.key, "dave", bed.clock.now())
    said = bed.say("/k8s incident timeline --incident 1")
    assert "alert firing" in said and "alert acknowledged" in said and f"Node {NODE} is NotReady" in said


def test_the_link_detail_round_trips_and_the_latest_link_of_the_episode_wins() -> None:
    link = IncidentLink(7, "INC-7", "节点宕机", "garden", "C0INC7", "inc-20261122-node")
    assert incident_from_detail(incident_detail(link)) == link
    assert incident_from_detail("not json") is None and incident_from_detail(json.dumps({"label": "x"})) is None
    assert linked_incident([], 1) is None
