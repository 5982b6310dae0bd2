"""The alert message as people see it, through both renderers: what broke, since when, where, the evidence, the
runbook, who acknowledged or snoozed it, the incident; buttons that each run a registered command; Slack's limits
held whatever the source sent; Chinese where the route says so."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import handlers
from bot.alerts import alertmanager, azure_monitor
from bot.alerts.findings import from_finding
from bot.alerts.model import AlertGroup, Status
from bot.alerts.store import AlertState, Event, HistoryEntry
from bot.alerts.views import alert_card, alert_reply, alert_summary, summary_title
from bot.approvals.model import utc_text
from bot.blocks import Actions, Heading, View
from bot.incidents.alerts import IncidentLink
from bot.refs import CommandRef, decode, node_ref, pod_ref
from bot.registry import REGISTRY
from bot.render_slack import render_slack
from bot.render_text import render_text
from bot.severity import Severity
from handlers.args import DrainArgs, NodeArgs
from handlers.rules.finding import Finding, SuggestedAction
from handlers.rules.finding import Severity as FindingSeverity
from knowledge import load_knowledge_base
from tests.foundation.test_render_slack import assert_within_slack_limits
from tests.support.alerts import directory, node_notready_webhook, payload

handlers.load_all()
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
NODE = "aks-userpool-12345678-vmss000003"


def state_of(group: AlertGroup, *, at: datetime = T0, **changes: Any) -> AlertState:
    """The stored state of a problem first seen at `at` (as `AlertStore.record` would make it)."""
    base = AlertState(
        key=group.key, id="k3j9x2abqd", status=group.status, episode=1, severity=group.severity,
        cluster=group.cluster, namespace=group.namespace, first_fired_at=at, last_fired_at=at, resolved_at=None,
        updated_at=at, ack_by=None, ack_at=None, snooze_until=None, snoozed_until_resolved=False, snoozed_by=None,
        evidence_hash="h", flap_count=0, summary=group.summary, group=group, version=1,
    )
    return replace(base, **changes)


def notready_finding() -> Finding:
    return Finding(
        rule="node.notready",
        severity=FindingSeverity.CRITICAL,
        title=f"Node {NODE} is NotReady",
        subject=node_ref(NODE),
        evidence=("Ready=Unknown since 02:54:10Z (NodeStatusUnknown)", "lease last renewed 6m12s ago"),
        kb="node-notready",
        signals=("node.lease:stale",),
        actions=(
            SuggestedAction("Cordon", CommandRef("cordon", NodeArgs(node=NODE)), danger=True),
            SuggestedAction("Drain", CommandRef("drain", DrainArgs(node=NODE)), danger=True),
        ),
        next="pods are evicted at 02:59:10Z",
    )


def notready() -> AlertGroup:
    return from_finding("prod", notready_finding(), since=T0)


def labelled(view: View) -> dict[str, CommandRef]:
    return {b.label: b.ref for b in view.buttons()}


def every_button_runs_a_registered_command(view: View) -> None:
    for button in view.buttons():
        spec, ref = decode(button.ref.value, REGISTRY)
        assert ref == button.ref and spec.name == button.ref.command


def test_a_watcher_finding_card_has_the_rules_evidence_runbook_and_every_button() -> None:
    card = alert_card(state_of(notready()), now=T0 + timedelta(minutes=3), knowledge=load_knowledge_base())
    text = render_text(card)
    assert f"🔴 Node {NODE} is NotReady" in text
    assert "Ready=Unknown since 02:54:10Z" in text and "next: pods are evicted at 02:59:10Z" in text
    assert re.search(r"Status +: Firing\n", text) and re.search(r"Since +: 03:00 UTC\n", text)
    assert re.search(r"Cluster +: prod", text) and f"node/{NODE}" in text
    assert "Runbook: *" in text and "(`node-notready`) — `/k8s kb show node-notready`" in text
    buttons = labelled(card)
    assert list(buttons) == ["Acknowledge", "Snooze 1 h", "Snooze 4 h", "Snooze until resolved", "Diagnose",
                             "Runbook: node-notready", "Open incident", "Cordon", "Drain"]
    assert buttons["Acknowledge"].text() == "/k8s alerts ack k3j9x2abqd"
    assert buttons["Snooze until resolved"].text() == "/k8s alerts snooze k3j9x2abqd resolved"
    assert buttons["Diagnose"].text() == f"/k8s diagnose node {NODE} --cluster prod"
    assert buttons["Runbook: node-notready"].text() == "/k8s kb show node-notready"
    assert buttons["Open incident"].text() == (
        f"/k8s incident start Node {NODE} is NotReady --severity sev2 --runbook node-notready --alert k3j9x2abqd "
        "--cluster prod")
    # The rule's own actions, pointed at the alert's cluster: disruptive, so a click becomes an approval request.
    assert buttons["Cordon"].text() == f"/k8s cordon {NODE} --cluster prod"
    assert REGISTRY.get("drain").risk.value == "disruptive"  # type: ignore[union-attr]
    every_button_runs_a_registered_command(card)
    slack = render_slack(card)
    assert_within_slack_limits(slack)
    styles = {e["text"]["text"]: e.get("style") for b in slack.blocks if b["type"] == "actions" for e in b["elements"]}
    assert styles["Acknowledge"] == "primary" and styles["Drain"] == "danger"


def test_a_pod_alert_diagnoses_the_pod_in_its_namespace_and_an_unknown_cluster_gets_no_cluster_buttons() -> None:
    crash = Finding("pod.crashloop", FindingSeverity.WARNING, "ledger-1 is in CrashLoopBackOff",
                    pod_ref("shop", "ledger-1"), ("restarts: 14",), "crashloop", ("pod.reason:CrashLoopBackOff",))
    card = alert_card(state_of(from_finding("prod", crash, since=T0)), now=T0)
    assert labelled(card)["Diagnose"].text() == "/k8s diagnose pod ledger-1 -n shop --cluster prod"
    throttled = alertmanager.parse(payload("alertmanager-cputhrottlinghigh.json"), directory())
    assert throttled.cluster is None  # the example names no cluster the bot knows
    card = alert_card(state_of(throttled), now=T0)
    assert "Diagnose" not in labelled(card) and "Open incident" not in labelled(card)
    assert {"Acknowledge", "Snooze 1 h"} <= set(labelled(card))
    every_button_runs_a_registered_command(card)


def test_an_alertmanager_group_shows_each_alert_and_the_ones_it_left_out() -> None:
    raw = payload("alertmanager-longhorn-3-alerts.json")
    raw["truncatedAlerts"] = 9
    for alert in raw["alerts"]:
        alert["labels"]["cluster"] = "prod"
    raw["commonLabels"]["cluster"] = "prod"
    group = alertmanager.parse(raw, directory())
    text = render_text(alert_card(state_of(group), now=T0 + timedelta(minutes=20)))
    assert "Longhorn volume is Degraded (12 firing)" in text
    assert "volume=pvc-06a35737-f5a8-440f-b889-5ca5f8e6c4ed" in text  # the first alert's labels in full
    assert "volume=pvc-9f529f7b-035b-4a8f-b26d-59573c708e8f" in text  # one line for each other alert
    assert "+9 more" in text  # what Alertmanager left out (max_alerts)
    assert "runbook: https://longhorn.io/docs/1.3.0/monitoring/metrics/" in text


def test_an_alerts_own_runbook_is_a_link_button_and_no_runbook_is_said_only_when_there_is_none() -> None:
    throttled = alertmanager.parse(payload("alertmanager-cputhrottlinghigh.json"), directory())
    url = "https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/runbook.md#alert-name-cputhrottlinghigh"
    card = alert_card(state_of(throttled), now=T0)
    text = render_text(card)
    assert "No runbook matched" not in text and f"Runbook ↗ {url}" in text
    every_button_runs_a_registered_command(card)  # the link is no command button
    (link,) = [e for b in render_slack(card).blocks if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert link["url"] == url and link["text"]["text"] == "Runbook ↗" and "value" not in link
    assert "处理手册 ↗" in render_text(alert_card(state_of(throttled), now=T0, lang="zh"))
    bare = replace(throttled.with_alerts(replace(a, links=()) for a in throttled.alerts), annotations={})
    assert "No runbook matched this alert" in render_text(alert_card(state_of(bare), now=T0))


def test_an_azure_alert_shows_its_value_and_expression() -> None:
    group = azure_monitor.parse(payload("azure-prometheus-alert.json"), directory())
    text = render_text(alert_card(state_of(group), now=T0))
    first = group.alerts[0]
    assert first.evidence and first.evidence[0] in text
    assert_within_slack_limits(render_slack(alert_card(state_of(group), now=T0)))


def test_ack_snooze_and_incident_are_people_and_channels_never_text_mentions() -> None:
    state = state_of(notready(), ack_by="U0ALICE", ack_at=T0 + timedelta(minutes=1), snoozed_by="U0BOB",
                     snooze_until=T0 + timedelta(hours=1))
    incident = IncidentLink(7, "INC-7", "node down", "prod", "C0INC7", "inc-20261122-node-down")
    card = alert_card(state, now=T0 + timedelta(minutes=4), incident=incident)
    text = render_text(card)
    assert "Acknowledged by @U0ALICE at 03:01 UTC" in text and "Snoozed by @U0BOB until 04:00 UTC" in text
    assert "INC-7 is open: #C0INC7" in text
    buttons = labelled(card)
    # Acknowledged already, snoozed already, incident open already: those buttons give way.
    assert "Acknowledge" not in buttons and "Snooze 1 h" not in buttons and "Open incident" not in buttons
    assert buttons["Unsnooze"].text() == "/k8s alerts unsnooze k3j9x2abqd"
    slack = str(render_slack(card).blocks)
    assert "<@U0ALICE>" in slack and "<@U0BOB>" in slack and "<#C0INC7>" in slack
    # A label value that tries to be a mention stays text.
    evil = notready().with_alerts([replace(notready().alerts[0], evidence=("<@U0EVIL> <!channel>",))])
    slack = str(render_slack(alert_card(state_of(evil), now=T0)).blocks)
    assert "<@U0EVIL>" not in slack and "<!channel>" not in slack and "&lt;@U0EVIL&gt;" in slack


def test_a_timed_snooze_that_is_over_offers_the_snoozes_again() -> None:
    state = state_of(notready(), snoozed_by="U0BOB", snooze_until=T0 + timedelta(hours=1))
    while_snoozed = labelled(alert_card(state, now=T0 + timedelta(minutes=30)))
    assert "Unsnooze" in while_snoozed and "Snooze 1 h" not in while_snoozed
    after = alert_card(state, now=T0 + timedelta(hours=2))
    assert "Unsnooze" not in labelled(after) and "Snooze 1 h" in labelled(after)
    assert "Snoozed by" not in render_text(after)


def test_a_resolved_alert_says_how_long_it_lasted_and_has_no_buttons() -> None:
    group = notready()
    resolved = group.with_alerts([replace(a, status=Status.RESOLVED, ends_at=T0 + timedelta(minutes=14))
                                  for a in group.alerts])
    state = state_of(resolved, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=14), ack_by="U0ALICE",
                     ack_at=T0 + timedelta(minutes=2))
    card = alert_card(state, now=T0 + timedelta(hours=1))
    assert card.buttons() == ()
    assert not any(isinstance(b, Actions) for b in card.blocks)
    text = render_text(card)
    assert "✅ Resolved: Node" in text and "resolved after 14 min" in text
    assert card.summary.startswith("✅ ") and "resolved after 14 min" in card.summary
    assert_within_slack_limits(render_slack(card))


def test_a_card_drawn_an_hour_later_says_nothing_stale_and_slack_shows_each_reader_their_own_time() -> None:
    """A card is redrawn only when its problem changes: what it says must hold however long it stands. Its times
    are moments Slack formats for each reader's time zone; the shell (and the text outlet) show UTC words."""
    state = state_of(notready(), ack_by="U0ALICE", ack_at=T0 + timedelta(minutes=2), snoozed_by="U0BOB",
                     snooze_until=T0 + timedelta(hours=4))
    for lang in ("en", "zh"):
        soon = alert_card(state, now=T0 + timedelta(minutes=3), lang=lang)
        later = alert_card(state, now=T0 + timedelta(hours=1, minutes=3), lang=lang)
        assert render_slack(later) == render_slack(soon) and render_text(later) == render_text(soon)
    blocks = json.dumps(render_slack(alert_card(state, now=T0 + timedelta(minutes=3))).blocks, ensure_ascii=False)
    since, acked, until = (int((T0 + d).timestamp()) for d in (timedelta(0), timedelta(minutes=2), timedelta(hours=4)))
    assert f"*Since*\\n<!date^{since}^{{date_short_pretty}} {{time}}|03:00 UTC>" in blocks
    assert f"👀 Acknowledged by <@U0ALICE> at <!date^{acked}^{{date_short_pretty}} {{time}}|03:02 UTC>" in blocks
    assert f"💤 Snoozed by <@U0BOB> until <!date^{until}^{{date_short_pretty}} {{time}}|07:00 UTC>" in blocks
    assert " min ago" not in blocks and "firing for" not in blocks  # (the evidence says when it was read)
    zh = json.dumps(render_slack(alert_card(state, now=T0, lang="zh")).blocks, ensure_ascii=False)
    assert f"👀 已确认：<@U0ALICE>（<!date^{acked}^{{date_short_pretty}} {{time}}|03:02 UTC>）" in zh
    text = render_text(alert_card(state, now=T0 + timedelta(minutes=3)))
    assert "Acknowledged by @U0ALICE at 03:02 UTC" in text and "Snoozed by @U0BOB until 07:00 UTC" in text
    # A duration that is over is final, so it is said: how long the problem lasted.
    over = replace(state, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=14))
    ended = int((T0 + timedelta(minutes=14)).timestamp())
    blocks = json.dumps(render_slack(alert_card(over, now=T0 + timedelta(hours=2))).blocks, ensure_ascii=False)
    assert f"resolved after 14 min, at <!date^{ended}^{{date_short_pretty}} {{time}}|03:14 UTC>" in blocks
    # A burst's table is a code block, where no moment shows: its start is a UTC time, under a column that says so.
    summary = render_text(alert_summary([state, state_of(notready())], now=T0 + timedelta(hours=1)))
    assert "SINCE (UTC)" in summary and " 03:00 " in summary
    assert "开始 (UTC)" in render_text(alert_summary([state, state], now=T0, lang="zh"))


def test_a_problem_that_fired_again_says_since_when_this_time_and_since_when_in_all() -> None:
    again = state_of(notready(), last_fired_at=T0 + timedelta(minutes=10), flap_count=1)
    text = render_text(alert_card(again, now=T0 + timedelta(minutes=11)))
    assert re.search(r"Status +: Firing · firing again since 03:10 UTC\n", text)
    assert re.search(r"Since +: 03:00 UTC\n", text) and "Fired again 1 time(s) after resolving" in text
    zh = render_text(alert_card(again, now=T0 + timedelta(minutes=11), lang="zh"))
    assert re.search(r"状态 +: 触发中 · 自 03:10 UTC 起再次触发\n", zh)
    over = replace(again, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=12))
    assert "resolved after 2 min, at 03:12 UTC this time (first fired 03:00 UTC, 1 repeat(s))" in render_text(
        alert_card(over, now=T0 + timedelta(minutes=13)))
    assert "2 分钟后恢复（03:12 UTC）（这一次；首次触发于 03:00 UTC，重复 1 次）" in render_text(
        alert_card(over, now=T0 + timedelta(minutes=13), lang="zh"))


def test_a_watcher_alerts_evidence_says_when_it_was_read_and_a_resolved_one_has_no_next() -> None:
    """The message is redrawn long after the rules read the evidence ("since 02:54:10Z (0s ago)", "in 4m59s"): the
    heading says when they read it, and a resolved problem does not say what happens next."""
    from bot.alerts.codec import group_from_json, group_to_json

    seen = T0 + timedelta(seconds=40)
    group = from_finding("prod", notready_finding(), since=T0, seen=seen)
    stored = group_from_json(group_to_json(group))  # what the store gives back to redraw it
    firing = render_text(alert_card(state_of(stored), now=T0 + timedelta(minutes=9)))
    assert "*Evidence (as read at 03:00:40Z)*" in firing and "next: pods are evicted at 02:59:10Z" in firing
    zh = render_text(alert_card(state_of(stored), now=T0 + timedelta(minutes=9), lang="zh"))
    assert "*证据（读取于 03:00:40Z）*" in zh
    ended = stored.with_alerts([replace(a, status=Status.RESOLVED, ends_at=T0 + timedelta(minutes=14))
                                for a in stored.alerts])
    resolved = render_text(alert_card(state_of(ended, status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=14)),
                                      now=T0 + timedelta(minutes=15)))
    assert "Ready=Unknown since 02:54:10Z" in resolved and "next:" not in resolved


def huge_group() -> AlertGroup:
    """A group as big as a careless rule makes it: 300 alerts, 200 labels of 5,000 characters, long evidence."""
    raw = payload("alertmanager-longhorn-3-alerts.json")
    template = raw["alerts"][0]
    raw["alerts"] = []
    for i in range(300):
        alert = {**template, "fingerprint": f"{i:016x}"}
        labels = {f"label_{j}": "x" * 5000 for j in range(200)}
        alert["labels"] = {**template["labels"], **labels, "pod": f"pod-{i}" + "y" * 400, "cluster": "prod"}
        alert["annotations"] = {"summary": "s" * 10_000, "description": "d" * 50_000,
                                **{f"note_{j}": "n" * 3000 for j in range(50)}}
        raw["alerts"].append(alert)
    raw["commonLabels"] = {**raw["commonLabels"], **{f"common_{j}": "c" * 4000 for j in range(100)}}
    raw["truncatedAlerts"] = 5000
    return alertmanager.parse(raw, directory())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_card_with_huge_labels_annotations_and_evidence_stays_within_slacks_limits(lang: str) -> None:
    group = huge_group()
    watcher = notready().with_alerts([replace(notready().alerts[0], evidence=tuple("e" * 4000 for _ in range(500)),
                                              summary="t" * 5000)])
    for g in (group, watcher):
        card = alert_card(state_of(g, ack_by="U0ALICE", ack_at=T0), now=T0, lang=lang)
        slack = render_slack(card)
        assert_within_slack_limits(slack)
        assert sum(len(str(b)) for b in slack.blocks) < 20_000  # readable, not merely accepted
        every_button_runs_a_registered_command(card)
    text = render_text(alert_card(state_of(group), now=T0, lang=lang))
    assert "+5290" in text or "另有 5290" in text  # 290 not listed + 5,000 Alertmanager left out


def test_chinese_cards_replies_and_summaries() -> None:
    state = state_of(notready(), ack_by="U0ALICE", ack_at=T0)
    card = alert_card(state, now=T0 + timedelta(minutes=5), lang="zh", knowledge=load_knowledge_base())
    text = render_text(card)
    assert "状态" in text and "开始时间 : 03:00 UTC" in text and "👀 已确认：@U0ALICE（03:00 UTC）" in text
    assert "处理手册：*" in text
    wanted = {"静默 1 小时", "静默 4 小时", "静默直到恢复", "诊断", "处理手册：node-notready", "发起故障处理"}
    assert wanted <= set(labelled(card))
    every_button_runs_a_registered_command(card)
    entry = HistoryEntry(3, state.key, 1, T0, Event.RESOLVED, "", Status.RESOLVED, "prod", "after 14 min")
    assert render_text(alert_reply(state, entry, lang="zh")) == "✅ 已恢复（持续 14 分钟）。"
    assert render_text(alert_reply(state, entry, lang="en")) == "✅ Resolved after 14 min."
    again = replace(entry, event=Event.REOPENED, detail="flap 2")
    assert render_text(alert_reply(state, again, lang="zh")) == "🔁 再次触发（第 2 次反复）。"
    more = replace(entry, event=Event.UPDATED, detail="2 → 3 firing")
    assert render_text(alert_reply(state, more, lang="zh")) == "🔄 变化：2 → 3 条触发中"
    worse = replace(entry, event=Event.UPDATED, detail="warning → critical")
    assert render_text(alert_reply(state, worse, lang="zh")) == "🔄 变化：warning → critical"
    assert summary_title([state] * 3, "zh") == "prod 上3 个节点：node.notready"


def test_a_summary_in_chinese_marks_and_names_who_acknowledged_and_snoozed() -> None:
    acked = state_of(notready(), id="aaaaaaaaaa", ack_by="U0ALICE", ack_at=T0)
    snoozed = state_of(notready(), id="bbbbbbbbbb", snoozed_by="U0BOB", snoozed_until_resolved=True)
    text = render_text(alert_summary([acked, snoozed, state_of(notready())], now=T0, lang="zh"))
    assert "  (👀 已确认：@U0ALICE（`aaaaaaaaaa`）)" in text.splitlines()
    assert "  (💤 已静默：@U0BOB，直到恢复（`bbbbbbbbbb`）)" in text.splitlines()
    assert "严重 👀" in text and "严重 💤" in text


def test_a_watcher_alert_on_a_chinese_route_says_the_finding_in_chinese_after_the_store() -> None:
    """A rule's finding keeps its Chinese through the store (the message is redrawn from it); an alert that comes in
    one language (Alertmanager's) is stored, and hashed, exactly as before."""
    from bot.alerts.codec import group_from_json, group_to_dict, group_to_json
    from handlers.rules.node_rules import node_findings
    from tests.support.objects import NOW, lease, node, unreachable_taints

    dead = node(NODE, ready="Unknown", message="Kubelet stopped posting node status.", taints=unreachable_taints(300))
    (finding, *_) = node_findings(dead, lease(NODE, 372), (), (), NOW)
    stored = group_from_json(group_to_json(from_finding("prod", finding, since=T0)))
    zh = alert_card(state_of(stored), now=T0 + timedelta(minutes=3), lang="zh", knowledge=load_knowledge_base())
    zh_text = render_text(zh)
    assert f"节点 {NODE} 状态为 Unknown：kubelet 已停止上报节点状态" in zh_text
    assert "stopped posting node status (lease" not in zh_text.split("\n")[0]
    assert {"隔离节点", "排空节点"} <= set(labelled(zh))
    every_button_runs_a_registered_command(zh)
    en_text = render_text(alert_card(state_of(stored), now=T0 + timedelta(minutes=3), lang="en"))
    assert f"Node {NODE} is Unknown: the kubelet stopped posting node status" in en_text and "状态为" not in en_text
    # The message's text (Slack's notification, sidebar and search) is in the route's language too.
    assert zh.summary.startswith(f"节点 {NODE} 状态为 Unknown：kubelet 已停止上报节点状态（lease 自 ")
    assert zh.summary.endswith(" — 自 03:00 UTC 起触发") and "stopped posting" not in zh.summary
    resolved = replace(state_of(stored), status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=14))
    zh = alert_card(resolved, now=T0 + timedelta(minutes=15), lang="zh")
    assert "状态为 Unknown" in render_text(zh)
    assert zh.summary.startswith(f"✅ 节点 {NODE} 状态为 Unknown") and "kubelet stopped" not in zh.summary
    # Alertmanager's alerts carry no second language: nothing is added to what is stored and hashed.
    external = group_to_dict(huge_group())
    assert not any(key.endswith("_zh") for key in external)
    assert not any(key.endswith("_zh") for alert in external["alerts"] for key in alert)


def test_a_groups_count_keeps_its_findings_chinese_through_the_store() -> None:
    """"(2 firing)" after a watcher finding's title: the list and the card of a Chinese channel read both parts in
    Chinese; everything that reads a plain string still gets the English, as before."""
    from bot.alerts.codec import group_from_json, group_to_json
    from bot.i18n import in_lang
    from handlers.rules.node_rules import node_findings
    from tests.support.objects import NOW, lease, node, unreachable_taints

    dead = node(NODE, ready="Unknown", message="Kubelet stopped posting node status.", taints=unreachable_taints(300))
    (finding, *_) = node_findings(dead, lease(NODE, 372), (), (), NOW)
    one = group_from_json(group_to_json(from_finding("prod", finding, since=T0)))
    two = one.with_alerts((*one.alerts, replace(one.alerts[0], source_id="another")))
    assert two.summary == f"{one.summary} (2 firing)"
    assert in_lang(two.summary, "zh") == f"{in_lang(one.summary, 'zh')}（2 条触发中）"
    assert "状态为 Unknown" in in_lang(two.summary, "zh")


def test_a_rules_likely_cause_reads_in_the_cards_language_before_and_after_the_store() -> None:
    """The evidence a rule words itself ("likely cause: …", "next: …") is a `Said`: a card of a Chinese route reads
    it in Chinese, fresh and redrawn from the store (which keeps its Chinese line for line); the cluster's own words
    stay as it said them, and an English card reads as it always did."""
    from bot.alerts.codec import group_from_json, group_to_json
    from handlers.rules.node_rules import node_findings
    from tests.support.objects import NOW, lease, node, unreachable_taints

    dead = node(NODE, ready="Unknown", message="Kubelet stopped posting node status.", taints=unreachable_taints(300))
    (finding, *_) = node_findings(dead, lease(NODE, 372), (), (), NOW)
    fresh = from_finding("prod", finding, since=T0)
    stored = group_from_json(group_to_json(fresh))
    for group in (fresh, stored):
        zh = render_text(alert_card(state_of(group), now=T0 + timedelta(minutes=3), lang="zh"))
        assert "• 可能的原因：kubelet 已停止心跳（lease 已过期，超过 40 秒的 grace period 未上报状态）" in zh
        assert "• 接下来：" in zh and "• next: " not in zh
        assert "• condition Ready=Unknown, reason NodeStatusUnknown" in zh  # the cluster's words, as it said them
        en = render_text(alert_card(state_of(group), now=T0 + timedelta(minutes=3), lang="en"))
        assert "• likely cause: the kubelet stopped heartbeating (lease stale" in en and "可能的原因" not in en
        assert "• next: " in en
    # Evidence with nothing of the bot's own words keeps the stored form (and hash) it always had.
    quoted = dataclasses.replace(notready_finding(), next="")
    assert "evidence_zh" not in group_to_json(from_finding("prod", quoted, since=T0))


def test_one_reply_per_transition() -> None:
    state = state_of(notready())

    def reply(event: Event, detail: str = "", actor: str = "") -> str:
        return render_text(alert_reply(state, HistoryEntry(1, state.key, 1, T0, event, actor, Status.FIRING, "prod",
                                                           detail)))

    assert reply(Event.RESOLVED, "after 14 min") == "✅ Resolved after 14 min."
    assert reply(Event.REOPENED, "flap 1") == "🔁 Firing again (flap 1)."
    assert reply(Event.ACKNOWLEDGED, actor="U0ALICE") == "👀 Acknowledged by @U0ALICE"
    until = f"until {utc_text(T0 + timedelta(hours=1))}"
    assert reply(Event.SNOOZED, until, "U0BOB") == "💤 Snoozed until 04:00 UTC by @U0BOB"
    assert reply(Event.SNOOZED, "until resolved", "U0BOB") == "💤 Snoozed until it resolves by @U0BOB"
    assert reply(Event.UNSNOOZED, actor="U0BOB") == "🔔 Unsnoozed by @U0BOB"
    linked = '{"channel": "C0INC7", "channel_name": "inc-x", "cluster": "prod", "incident": 7, "label": "INC-7", ' \
             '"title": "node down"}'
    assert reply(Event.LINKED, linked, "U0BOB") == "🚨 INC-7 opened for this alert: #C0INC7"
    slack = render_slack(alert_reply(state, HistoryEntry(1, state.key, 1, T0, Event.ACKNOWLEDGED, "U0ALICE",
                                                         Status.FIRING, "prod", "")))
    assert "<@U0ALICE>" in str(slack.blocks)


def crashlooping(i: int, namespace: str = "shop") -> AlertState:
    finding = Finding("pod.crashloop", FindingSeverity.WARNING, f"web-{i} is in CrashLoopBackOff",
                      pod_ref(namespace, f"web-{i}"), ("restarts: 14",), "crashloop", ("pod.reason:CrashLoopBackOff",))
    group = from_finding("prod", finding, since=T0)
    return state_of(group, id=f"id{i:08d}")


def test_a_burst_is_one_summary_message() -> None:
    states = [crashlooping(i) for i in range(12)]
    view = alert_summary(states, now=T0 + timedelta(minutes=2))
    assert view.summary == "12 pods: pod.crashloop in shop"
    text = render_text(view)
    assert "id00000011" in text and "pod/shop/web-11" in text
    assert [b.ref.text() for b in view.buttons()] == ["/k8s alerts --cluster prod"]
    every_button_runs_a_registered_command(view)
    mixed = [*states[:2], state_of(notready())]
    assert summary_title(mixed) == "3 alerts firing on prod"
    many = [crashlooping(i, f"ns-{i % 3}") for i in range(2000)]
    slack = render_slack(alert_summary(many, now=T0))
    assert_within_slack_limits(slack)
    assert "of 2,000" in str(slack.blocks)
    # Redrawn as its problems resolve: it counts what still fires, marks what resolved, and says when all did.
    two_ended = [replace(s, status=Status.RESOLVED) if i < 2 else s for i, s in enumerate(states)]
    view = alert_summary(two_ended, now=T0 + timedelta(minutes=3))
    assert view.summary == "10 pods: pod.crashloop in shop" and "2 of the 12 have resolved since." in render_text(view)
    assert "✅ Resolved" in render_text(alert_summary(two_ended[:4], now=T0))  # after the firing ones, marked
    over = alert_summary([replace(s, status=Status.RESOLVED) for s in states], now=T0 + timedelta(minutes=9))
    assert over.summary == "All 12 alerts of this burst resolved" and render_text(over).startswith("✅ ")


def test_severity_marks_follow_the_alert() -> None:
    info = notready().with_alerts([replace(notready().alerts[0], severity=Severity.INFO)])
    heading = alert_card(state_of(info, severity=Severity.INFO), now=T0).blocks[0]
    assert isinstance(heading, Heading) and heading.text.startswith("🔵")


def test_a_label_too_long_for_a_button_loses_that_button_not_the_card() -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["alerts"][0]["labels"].update(cluster="prod", pod="p" * 3000)
    raw["commonLabels"].update(cluster="prod", pod="p" * 3000)
    group = alertmanager.parse(raw, directory())
    card = alert_card(state_of(group), now=T0)
    assert "Diagnose" not in labelled(card) and "Acknowledge" in labelled(card)
    assert_within_slack_limits(render_slack(card))


def test_a_group_on_several_clusters_offers_a_diagnosis_on_each_and_an_incident_on_the_worst() -> None:
    raw = node_notready_webhook([("test", "aks-test-0"), ("prod", NODE)])
    raw["alerts"][1]["labels"]["severity"] = "critical"  # prod's is the worse: the incident is declared there
    group = alertmanager.parse(raw, directory())
    assert group.cluster is None and group.clusters == ("prod", "test")
    card = alert_card(state_of(group), now=T0)
    assert "several (prod, test)" in render_text(card)
    buttons = labelled(card)
    assert "Diagnose" not in buttons
    assert buttons["Diagnose prod"].text() == f"/k8s diagnose node {NODE} --cluster prod"
    assert buttons["Diagnose test"].text() == "/k8s diagnose node aks-test-0 --cluster test"
    assert buttons["Open incident on prod"].cluster == "prod"
    assert buttons["Open incident on prod"].text().startswith("/k8s incident start KubeNodeNotReady --severity sev2")
    every_button_runs_a_registered_command(card)
    assert_within_slack_limits(render_slack(card))
