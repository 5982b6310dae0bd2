"""`/k8s alerts …` as people use them in the shell — typed, and clicked on an alert's message — through the real
dispatcher, the registry's commands and the alert store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import handlers
from bot.alerts import alertmanager
from bot.alerts.findings import from_finding
from bot.alerts.model import AlertGroup, Status, short_id
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import AlertState, AlertStore, Event
from bot.alerts.views import alert_card
from bot.approvals.store import SqlApprovalStore
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.groups import SettingsGroups
from bot.refs import CommandRef, node_ref, pod_ref
from bot.settings import from_mapping
from bot.severity import Severity
from bot.shell import Shell, ShellSurface
from handlers.args import DrainArgs, NodeArgs
from handlers.rules.finding import Finding, SuggestedAction
from knowledge import load_knowledge_base
from tests.support.alerts import directory, payload
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import ShellTranscript

handlers.load_all()
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
ROUTE = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)
NODE = "aks-userpool-12345678-vmss000003"

CONFIG: dict[str, Any] = {
    "default_cluster": "prod",
    "clusters": [
        {"name": "prod", "kubeconfig": "/dev/null"},
        # Only alice may see the vault.
        {"name": "vault", "kubeconfig": "/dev/null",
         "roles": {"viewer": ["alice"], "operator": ["alice"], "approver": []}},
    ],
    "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
}


def notready(cluster: str = "prod", node: str = NODE, since: datetime = T0) -> AlertGroup:
    finding = Finding(
        "node.notready", Severity.CRITICAL, f"Node {node} is NotReady", node_ref(node),
        ("Ready=Unknown since 02:54:10Z",), "node-notready", ("node.lease:stale",),
        actions=(SuggestedAction("Cordon", CommandRef("cordon", NodeArgs(node=node)), danger=True),
                 SuggestedAction("Drain", CommandRef("drain", DrainArgs(node=node)), danger=True)),
    )
    return from_finding(cluster, finding, since=since)


def crashloop(pod: str, cluster: str = "prod") -> AlertGroup:
    finding = Finding("pod.crashloop", Severity.WARNING, f"{pod} is in CrashLoopBackOff", pod_ref("shop", pod),
                      ("restarts: 14",), "crashloop", ("pod.reason:CrashLoopBackOff",))
    return from_finding(cluster, finding, since=T0)


def resolved(group: AlertGroup, at: datetime) -> AlertGroup:
    return group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=at) for a in group.alerts)


@dataclass
class Room(ShellTranscript):
    """One bot in the shell over an alert store: type lines as someone, read what it printed."""

    store: AlertStore
    clock: ManualClock
    surface: ShellSurface
    out: io.StringIO
    shell: Shell
    said: int = 0

    def fire(self, group: AlertGroup) -> AlertState:
        return self.store.record(group, [ROUTE], at=self.clock.now(), flap_window=WINDOW).state

    def post_card(self, state: AlertState) -> str:
        """What the outlet does: the alert's message, drawn from its stored state, in the alert channel; what the
        shell printed."""
        fresh = self.store.get(state.key)
        assert fresh is not None
        self.surface.post("C0ALERTS", alert_card(fresh, now=self.clock.now()))
        return self.say()


@pytest.fixture
def room(db: SqlApprovalStore) -> Room:
    settings = from_mapping(CONFIG, source=None, environ={})
    clock = ManualClock(T0)
    store = AlertStore(db)
    out = io.StringIO()
    surface = ShellSurface(out)
    deps = Deps(settings=settings, clock=clock, clusters=NoClusters(), azure=NoAzure(), knowledge=load_knowledge_base(),
                alerts=store)
    dispatcher = Dispatcher(deps, groups=SettingsGroups(settings))
    return Room(store, clock, surface, out, Shell(dispatcher, surface, "carol"))


def test_alerts_lists_what_fires_on_the_clusters_the_caller_may_see(room: Room) -> None:
    node = room.fire(notready())
    room.clock.advance(timedelta(minutes=12))
    pod = room.fire(crashloop("web-1"))
    secret = room.fire(crashloop("ledger-1", cluster="vault"))
    room.store.acknowledge(node.key, "U0ALICE", room.clock.now())
    said = room.say("/k8s alerts")
    assert "Firing now: 2" in said
    assert f"🔴 `{node.id}` *Node {NODE} is NotReady* · node/{NODE} · 12m · 👀 @U0ALICE" in said
    assert f"🟠 `{pod.id}` *web-1 is in CrashLoopBackOff* · pod/shop/web-1 · 12m" in said
    assert secret.id not in said and "ledger-1" not in said  # carol has no role on the vault
    assert f"[{node.id} · Node {NODE} is NotReady]" in said  # a button to each
    said = room.say(":as alice", "/k8s alerts")
    assert "Firing now: 3" in said and secret.id in said
    assert "You have no role on cluster `vault`" in room.say(":as carol", "/k8s alerts --cluster vault")
    assert "Unknown cluster `nowhere`" in room.say("/k8s alerts --cluster nowhere")
    # Every filter by cluster refuses a name that is not configured: a typo must not read as "nothing is waiting".
    for listing in ("approvals", "audit", "alerts history"):
        said = room.say(f"/k8s {listing} --cluster nowhere")
        assert "Unknown cluster `nowhere` (clusters:" in said and "No " not in said, listing
    assert "没有名为 `nowhere` 的集群" in room.say("/k8s 审批 --cluster nowhere")
    # A Show button draws the alert's message with its buttons.
    said = room.say(":as carol", f":click {node.id} · Node {NODE} is NotReady")
    assert f"🔴 Node {NODE} is NotReady" in said and "[Snooze 1 h]" in said and "Acknowledged by @U0ALICE" in said


def test_acknowledge_from_the_message_records_who_and_the_message_says_so(room: Room) -> None:
    state = room.fire(notready())
    room.post_card(state)
    room.clock.advance(timedelta(minutes=3))
    said = room.say(":click Acknowledge")
    assert f"@carol acknowledged `{state.id}` (Node {NODE} is NotReady)." in said  # a viewer may acknowledge
    after = room.store.get(state.key)
    assert after is not None and after.ack_by == "carol" and after.ack_at == room.clock.now()
    assert [(h.event, h.actor) for h in room.store.history(key=state.key)][-1] == (Event.ACKNOWLEDGED, "carol")
    room.clock.advance(timedelta(minutes=2))
    card = room.post_card(after)
    assert f"Acknowledged by @carol at {after.ack_at:%H:%M} UTC" in card and "[Acknowledge]" not in card
    # Somebody else, later: nothing changes, and the answer says who already did.
    said = room.say(":as alice", f"/k8s alerts ack {state.id}")
    assert f"`{state.id}` was already acknowledged by @carol." in said
    assert room.store.get(state.key).ack_by == "carol"  # type: ignore[union-attr]


def test_snoozing_needs_an_operator_and_ends_when_asked(room: Room) -> None:
    state = room.fire(notready())
    room.post_card(state)
    said = room.say(":click Snooze 1 h")
    assert "You may not snooze alerts on cluster `prod`: it needs the operator role (you have: viewer)." in said
    said = room.say(":as alice", ":click Snooze 1 h")
    assert f"@alice snoozed `{state.id}` (Node {NODE} is NotReady) until 04:00 UTC." in said
    after = room.store.get(state.key)
    assert after is not None and after.snoozed(room.clock.now()) and after.snooze_until == T0 + timedelta(hours=1)
    assert not after.snoozed(T0 + timedelta(hours=1, seconds=1))
    room.post_card(after)
    said = room.say(":click Unsnooze")
    assert f"@alice unsnoozed `{state.id}`" in said
    assert f"`{state.id}` is not snoozed; nothing changed." in room.say(f"/k8s alerts unsnooze {state.id}")
    said = room.say(f"/k8s alerts snooze {state.id} resolved")
    assert "until it resolves." in said
    assert room.store.get(state.key).snoozed_until_resolved  # type: ignore[union-attr]
    assert "expected one of 1h, 4h, resolved" in room.say(f"/k8s alerts snooze {state.id} 2d")


def test_a_resolved_alert_cannot_be_acknowledged_or_snoozed(room: Room) -> None:
    state = room.fire(notready())
    room.clock.advance(timedelta(minutes=14))
    room.store.record(resolved(notready(), room.clock.now()), [ROUTE], at=room.clock.now(), flap_window=WINDOW)
    said = room.say(f"/k8s alerts ack {state.id}")
    assert f"`{state.id}` (Node {NODE} is NotReady) is not firing any more; nothing to acknowledge." in said
    said = room.say(":as alice", f"/k8s alerts snooze {state.id} 4h")
    assert "is not firing any more; nothing to snooze." in said
    card = alert_card(room.store.get(state.key), now=room.clock.now())  # type: ignore[arg-type]
    assert card.buttons() == ()


def colliding_nodes() -> tuple[str, str]:
    """Two node names whose alerts' short ids share their first four characters."""
    seen: dict[str, str] = {}
    for i in range(200_000):
        node = f"aks-pool-{i}"
        prefix = short_id(notready(node=node).key)[:4]
        if prefix in seen:
            return seen[prefix], node
        seen[prefix] = node
    raise AssertionError("no collision found")


def test_an_alert_is_named_by_its_id_a_unique_prefix_or_its_key_and_a_bad_name_gets_a_clear_answer(
        room: Room) -> None:
    first, second = colliding_nodes()
    a, b = room.fire(notready(node=first)), room.fire(notready(node=second))
    assert a.id[:4] == b.id[:4] and a.id != b.id
    assert f"@carol acknowledged `{a.id}`" in room.say(f"/k8s alerts ack {a.id[:6]}")
    said = room.say(f"/k8s alerts ack {a.id[:4]}")
    assert f"`{a.id[:4]}` could be 2 alerts:" in said and a.id in said and b.id in said and "more of the id" in said
    assert f"@carol acknowledged `{b.id}`" in room.say(f"/k8s alerts ack {b.key}")
    said = room.say("/k8s alerts ack zzzzzzzz")
    assert "No alert `zzzzzzzz`." in said and "`/k8s alerts` lists the firing ones" in said
    assert "usage" in room.say("/k8s alerts ack").lower()


def test_alerts_history_lists_the_last_days_transitions(room: Room) -> None:
    old = room.fire(crashloop("web-0"))
    room.clock.advance(timedelta(days=2))
    now = room.clock.now()
    state = room.fire(notready(since=now))
    room.store.acknowledge(state.key, "U0ALICE", now + timedelta(minutes=1))
    room.store.snooze(state.key, "U0ALICE", now + timedelta(minutes=2), None)
    end = now + timedelta(minutes=14)
    room.store.record(resolved(notready(since=now), end), [ROUTE], at=end, flap_window=WINDOW)
    room.fire(crashloop("ledger-1", cluster="vault"))
    room.clock.advance(timedelta(minutes=30))
    said = room.say("/k8s alerts history")
    assert "Alert history since 11-23 03:30:00" in said
    events = re.findall(rf"{state.id}\s+(\S+ [a-z ]+?)\s{{2,}}", said)
    assert events == ["🔥 fired", "👀 acknowledged", "💤 snoozed", "✅ resolved"]
    # A table cell cannot mention: the row says who by a number, the line under the table by mention.
    assert "by ①" in said and "after 14 min" in said and "People: ① @U0ALICE" in said
    assert "by U0ALICE" not in said
    said = room.say("/k8s 告警 历史")
    assert "由 ①" in said and "持续 14 分钟" in said and "相关人员：① @U0ALICE" in said
    assert "after" not in said and "min" not in said
    assert old.id not in said and "ledger-1" not in said  # older than a day; a cluster carol may not see
    said = room.say("/k8s alerts history --since 3d")
    assert old.id in said
    assert "a span from 1m to 30d" in room.say("/k8s alerts history --since 90d")
    assert "No alert changed since" in room.say("/k8s alerts history --since 1m")


def test_a_suggested_action_goes_through_the_approval_flow_never_straight_to_the_cluster(room: Room) -> None:
    state = room.fire(notready())
    room.post_card(state)
    said = room.say(":as alice", ":click Cordon")
    # This bot has no approval workflow: the disruptive command is refused, not run.
    assert "`cordon` changes the cluster and must be approved first" in said


def test_help_lists_the_alert_commands(room: Room) -> None:
    said = room.say("/k8s help")
    for name in ("alerts", "alerts history", "alerts ack", "alerts snooze", "alerts unsnooze", "alerts show"):
        assert f"`/k8s {name}`" in said
    assert "/k8s alerts snooze <id> <1h|4h|resolved>" in room.say("/k8s help alerts snooze")


def test_without_an_alert_store_the_commands_say_so(db: SqlApprovalStore) -> None:
    settings = from_mapping(CONFIG, source=None, environ={})
    deps = Deps(settings=settings, clock=ManualClock(T0), clusters=NoClusters(), azure=NoAzure())
    out = io.StringIO()
    surface = ShellSurface(out)
    Shell(Dispatcher(deps, groups=SettingsGroups(settings)), surface, "carol").run_line("/k8s alerts")
    assert "no alert store is wired into this bot" in out.getvalue()


def test_an_alertmanager_alert_of_no_known_cluster_is_for_global_roles(room: Room) -> None:
    group = alertmanager.parse(payload("alertmanager-cputhrottlinghigh.json"), directory())
    state = room.fire(group)
    assert state.cluster is None
    assert state.id in room.say("/k8s alerts")
    assert f"@carol acknowledged `{state.id}`" in room.say(f"/k8s alerts ack {state.id}")


def test_a_group_on_several_clusters_is_shown_to_the_people_of_each(room: Room) -> None:
    prod, vault = notready().alerts[0], notready(cluster="vault", node="aks-vault-0").alerts[0]
    mixed = AlertGroup(prod.source, "alertmanager/central/{}:{alertname=\"KubeNodeUnreachable\"}",
                       "KubeNodeUnreachable", (prod, vault))
    state = room.fire(mixed)
    assert state.cluster is None
    said = room.post_card(state)
    assert "several (prod, vault)" in said and "unknown" not in said
    # carol is a viewer of prod only: she sees it (under prod) and may acknowledge it, not snooze it for vault.
    said = room.say(":as carol", "/k8s alerts")
    assert "*prod* (1)" in said and state.id in said
    assert f"@carol acknowledged `{state.id}`" in room.say(f"/k8s alerts ack {state.id}")
    assert state.id in room.say("/k8s alerts history")
    assert "may not" in room.say(f"/k8s alerts snooze {state.id} 1h").lower()
    said = room.say(":as alice", f"/k8s alerts snooze {state.id} 1h")  # an operator of both
    assert "snoozed" in said.lower()


def test_asked_in_chinese_the_list_answers_in_chinese(room: Room) -> None:
    from bot.i18n import Said

    state = room.fire(notready())
    said = room.say("/k8s 告警")
    assert "正在触发：1" in said and state.id in said
    # A watcher finding's title is kept in both languages: lists, buttons, replies and the history say the Chinese.
    title = Said("web-1 is in CrashLoopBackOff", "web-1 处于 CrashLoopBackOff")
    chinese = Finding("pod.crashloop", Severity.WARNING, title, pod_ref("shop", "web-1"), ("restarts: 14",),
                      "crashloop", ("pod.reason:CrashLoopBackOff",))
    looping = room.fire(from_finding("prod", chinese, since=T0))
    listed = room.say("/k8s 告警")
    assert "*web-1 处于 CrashLoopBackOff*" in listed and f"[{looping.id} · web-1 处于 CrashLoopBackOff]" in listed
    assert "web-1 is in CrashLoopBackOff" not in listed
    assert f"确认了 `{looping.id}`（web-1 处于 CrashLoopBackOff）。" in room.say(f"/k8s 告警 确认 {looping.id}")
    history = room.say("/k8s 告警 历史 --since 1天")
    assert "🔥 触发" in history and "时间 (UTC)" in history and "web-1 处于 CrashLoopBackOff" in history, history
    assert "没有告警 `zzzzzz`" in room.say("/k8s 告警 详情 zzzzzz")
    assert "你不能静默集群 `prod` 上的告警：需要 operator 角色" in room.say(f"/k8s 告警 静默 {looping.id} 1小时")
    room.store.record_scan("vault", room.clock.now())  # the watcher has looked there
    assert "vault 上没有正在触发的告警。" in room.say(":as alice", "/k8s 告警 --cluster vault")


def test_an_empty_list_says_whether_the_watcher_has_looked(room: Room) -> None:
    """Moments after a start, or with no replica leading, "no alert is firing" would be a lie: nobody has looked."""
    said = room.say("/k8s alerts")
    assert "No alert has fired so far." in said and "No alert is firing" not in said
    assert "has not finished its first look at `prod` yet" in said and "vault" not in said  # carol's clusters only
    room.store.record_scan("prod", room.clock.now())
    said = room.say("/k8s alerts")
    assert "No alert is firing." in said and "first look" not in said
    room.clock.advance(timedelta(minutes=10))  # the leader died: nobody has looked since
    said = room.say("/k8s alerts")
    assert "last looked at `prod` 10m ago: alerts from it may be missing" in said
    state = room.fire(notready())
    said = room.say("/k8s 告警")
    assert "正在触发" in said and state.id in said and "上一次检查 `prod` 是在 10m 前" in said


def test_the_list_says_why_no_replica_can_lead_while_the_replicas_still_say_so(room: Room) -> None:
    """Replicas that cannot take the leader Lease record why; any replica's `/k8s alerts` shows it, not only
    "nobody has looked"."""
    reason = "no replica can lead: namespace aksbot does not exist in cluster 'prod'"
    room.store.record_scan("prod", room.clock.now())
    room.store.record_leader_problem("aksbot/aksbot-leader", reason, room.clock.now())
    said = room.say("/k8s alerts")
    assert "No replica can lead, so the bot's own watcher does not run and no alert message is posted" in said
    assert "namespace aksbot does not exist in cluster 'prod'" in said and "No alert is firing" not in said
    assert "没有副本能担任 leader" in room.say("/k8s 告警")
    room.clock.advance(timedelta(minutes=16))  # no replica said so again: they are gone, or were fixed
    room.store.record_scan("prod", room.clock.now())
    assert "No replica can lead" not in room.say("/k8s alerts")
    room.store.record_leader_problem("aksbot/aksbot-leader", reason, room.clock.now())
    room.store.record_leader_problem("aksbot/aksbot-leader", None, room.clock.now())  # the Lease works again
    assert "No replica can lead" not in room.say("/k8s alerts")
