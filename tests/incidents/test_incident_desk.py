"""Incidents as people use them in the shell: declare, note, pin, diagnose, approve, change, close, archive —
through the real dispatcher, desk, store and approval workflow, with the shell as the chat workspace."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.approvals.store import PostgresApprovalStore, SqlApprovalStore
from bot.blocks import Button, Text, plain
from bot.cluster.kube import KubeClusterProvider
from bot.errors import NotConfigured, Refused, Upstream
from bot.incidents.alerts import incident_severity, open_incident_ref
from bot.incidents.model import EntryKind, Severity
from bot.incidents.ports import Reaction
from bot.refs import Kind, ObjectRef
from bot.shell import ShellSurface, ShellWorkspace
from bot.surface import Incoming, InputKind, MessageRef
from handlers.incident import named_in_title
from handlers.rules import finding as rules
from handlers.rules.cluster import ClusterCounts, ClusterReport, group
from tests.support.approvals import POSTGRES_URL, WORLD, unique_schema
from tests.support.cluster import start
from tests.support.fakes import NoClusters
from tests.support.foundation import Captured
from tests.support.incidents import CONFIG, Bed, FailingWorkspace, FakeAlerts, make_bed, settings

CHANNEL = "inc-20261122-ledger-api-java-pods-oomkilled-after-the-cgroup-v2-upgrade"
# A title the knowledge base answers (not only suggests): its runbook is pinned.
TITLE = "ledger-api java pods OOMKilled after the cgroup v2 upgrade"


def declare(bed: Bed, title: str = TITLE, *flags: str) -> str:
    return bed.say(" ".join(["/k8s incident start", title, *flags]))


def test_declaring_makes_the_channel_invites_pins_and_bookmarks(bed: Bed) -> None:
    said = declare(bed, TITLE, "--severity sev2")
    assert f"channel #{CHANNEL} created" in said
    assert f"#{CHANNEL}: alice, dave, erin invited" in said  # the requester and the cluster's on-call group
    assert f"#{CHANNEL} topic: 🚨 SEV2 · {TITLE} · cluster home · commander @alice" in said
    assert re.search(rf"message #1 pinned in #{CHANNEL}", said)  # the snapshot
    assert "The cluster's health could not be read" in said  # this bed has no cluster: the snapshot says so
    assert "No alert is firing on home." in said
    assert re.search(rf"message #2 pinned in #{CHANNEL}", said)  # the runbook
    assert "Runbook for this incident: `java-oom-cgroupv2`" in said
    assert f"#{CHANNEL} bookmark: Runbook: java-oom-cgroupv2 → https://" in said
    portal = (
        "https://portal.azure.cn/#resource/subscriptions/8c3e6d41-27a9-4b6f-b0d2-1f7e5a9c3d88/resourceGroups/"
        "rg-home/providers/Microsoft.ContainerService/managedClusters/aks-home/overview"
    )
    assert f"#{CHANNEL} bookmark: Azure portal: home → {portal}" in said
    assert f"INC-1 declared: #{CHANNEL}" in said and "Invited   : @alice, @dave and @erin" in said
    listed = bed.say("/k8s incident list")
    assert f"*INC-1* SEV2 · {TITLE} · `home` · open · #{CHANNEL} · Commander @alice" in listed


def test_a_title_the_knowledge_base_is_unsure_about_pins_no_runbook(bed: Bed) -> None:
    """A guess pinned at the top of an incident channel would be followed as if it were known: when the knowledge
    base only suggests entries for the title, they are posted as a suggestion, and nothing is pinned or bookmarked
    as the incident's runbook."""
    title = "payments API returns 5xx"
    channel = "inc-20261122-payments-api-returns-5xx"
    said = declare(bed, title)
    assert f"INC-1 declared: #{channel}" in said
    assert re.search(rf"message #1 pinned in #{channel}", said)  # the snapshot
    assert not re.search(rf"message #2 pinned in #{channel}", said)
    assert "Runbook for this incident" not in said and "bookmark: Runbook:" not in said
    assert "No runbook is pinned: the knowledge base is not sure which entry this incident's title is about" in said
    assert "Not sure: this is probably the entry you need" in said and "[Open this entry]" in said
    closed = bed.say("/k8s incident close --incident 1 a bad deploy, rolled back")
    assert "*Runbooks used*\nnone" in closed  # a suggestion nobody opened is not a runbook the incident used


def test_the_same_incident_declared_again_is_refused_naming_the_open_one(bed: Bed) -> None:
    """A second `incident start` about what an open incident of the cluster is already about — its title, read
    without case or extra spaces — opens nothing and pages nobody: the answer names the open one and its channel."""
    declare(bed)
    said = declare(bed, "  Ledger-API  java pods OOMKILLED after the cgroup v2 upgrade ")
    assert (
        f"INC-1 is already open about that on `home`: #{CHANNEL} (“{TITLE}”). Add to it there, or declare another one "
        "anyway with `--new`." in said
    )
    assert "created" not in said and "invited" not in said and "INC-2" not in said
    assert "[Timeline]  [Declare a new one anyway]" in said
    assert "INC-2" not in bed.say("/k8s incident list")
    # Another cluster's incident is another incident.
    assert "INC-2 declared" in declare(bed, TITLE, "--cluster garden")


def test_a_refused_duplicate_reads_nothing_of_the_cluster(sqlite_store: SqlApprovalStore) -> None:
    """The refusal comes before the snapshot: a second declaration of one outage costs the cluster no read."""

    class Counting(NoClusters):
        readers = 0

        def reader(self, cluster: str) -> Any:
            Counting.readers += 1
            return super().reader(cluster)

    WORLD.reset()
    bed = make_bed(sqlite_store, clusters=Counting())
    declare(bed)
    read = Counting.readers
    assert read > 0  # the first one's snapshot tried
    assert "INC-1 is already open about that" in declare(bed)
    assert Counting.readers == read


def test_show_export_and_archive_take_the_incident_as_note_and_close_do(bed: Bed) -> None:
    """`--incident N` works wherever an incident is named, as does the bare number; two different ones are refused."""
    declare(bed)
    assert "# INC-1:" in bed.say("/k8s incident export --incident 1")
    assert "INC-1" in bed.say("/k8s incident show --incident INC-1")
    assert "`INC-1` and `--incident 2` name two different incidents: give one." in bed.say(
        "/k8s incident show 1 --incident 2")


def test_insisting_declares_another_in_a_channel_of_its_own(bed: Bed) -> None:
    declare(bed)
    said = declare(bed, TITLE, "--new")
    assert f"channel #{CHANNEL}-2 created" in said and "INC-2 declared" in said  # the name is taken: the next suffix
    declare(bed)
    clicked = bed.say(":click Declare a new one anyway")
    assert f"channel #{CHANNEL}-3 created" in clicked and "INC-3 declared" in clicked


def test_a_closed_incident_no_longer_stands_in_the_way(bed: Bed) -> None:
    declare(bed)
    bed.say("/k8s incident close --incident 1 heap capped")
    assert f"INC-2 declared: #{CHANNEL}-2" in declare(bed)


def test_one_alert_opens_one_incident_however_many_click_its_button(bed: Bed) -> None:
    ref = open_incident_ref(title="KubeNodeNotReady aks-2", cluster="garden", severity="critical", alert_key="f00d")
    alert = MessageRef("C0ALERTS", "9.1")
    first, second = Captured(), Captured()
    bed.dispatcher.handle(Incoming.click(ref, "bob", "C0ALERTS", alert), first)
    outcome = bed.dispatcher.handle(Incoming.click(ref, "alice", "C0ALERTS", alert), second)
    assert outcome.status == "failed" and second.replies[-1].anchor == alert
    refused = second.replies[-1].view
    assert plain(refused.blocks[0].text) == (
        "INC-1 is already open for alert `f00d` on `garden`: #inc-20261122-kubenodenotready-aks-2 "
        "(“KubeNodeNotReady aks-2”). Add to it there, or declare another one anyway with `--new`."
    )
    assert len(bed.alerts.links) == 1  # the alert's thread got one link
    # Typed with words of its own, the same alert is still the same incident.
    typed = bed.say("/k8s incident start aks-2 is down --cluster garden --alert f00d")
    assert "INC-1 is already open for alert `f00d` on `garden`" in typed
    timeline, anyway = refused.blocks[1].buttons
    assert timeline.ref.text() == "/k8s incident timeline --incident 1"
    assert anyway.ref.text() == (
        "/k8s incident start KubeNodeNotReady aks-2 --severity sev2 --alert f00d --new --cluster garden"
    )
    third = Captured()
    bed.dispatcher.handle(Incoming.click(anyway.ref, "alice", "C0ALERTS", alert), third)
    assert "INC-2 declared: #inc-20261122-kubenodenotready-aks-2-2" in plain(third.replies[-1].view.blocks[0].text)


@pytest.mark.parametrize(
    ("method", "step"),
    [
        ("create_channel", "creating the channel"),
        ("invite", "inviting the responders"),
        ("set_topic", "setting the channel's topic"),
        ("post", "posting the snapshot"),
        ("pin", "pinning the snapshot"),
        ("bookmark", "bookmarking the runbook"),
    ],
)
def test_a_step_that_fails_leaves_no_half_made_incident(sqlite_store: SqlApprovalStore, method: str, step: str) -> None:
    surface = ShellSurface(io.StringIO())
    missing = NotConfigured("Slack refused it: the aksbot app lacks the `pins:write` scope.")
    workspace = FailingWorkspace(ShellWorkspace(surface), method, missing)
    bed = make_bed(sqlite_store, surface=surface, workspace=workspace)
    said = declare(bed)
    assert (
        f"Could not declare the incident: {step} failed. Slack refused it: the aksbot app lacks the `pins:write`"
        in said
    )
    if method == "create_channel":
        assert "Nothing was left behind." in said and not surface.channels
    else:
        assert f"Cleaned up: the channel #{CHANNEL} it had created was archived." in said
        assert surface.channels[CHANNEL].archived
        assert bed.desk.store.in_channel(CHANNEL) is None
    assert "No incident has been declared yet." in bed.say("/k8s incident list --all")
    assert "There is no incident INC-1" in bed.say("/k8s incident show 1")


def test_when_the_cleanup_fails_too_the_answer_says_what_is_left_to_do(sqlite_store: SqlApprovalStore) -> None:
    surface = ShellSurface(io.StringIO())

    class Stubborn(FailingWorkspace):
        def archive(self, channel: str) -> None:
            raise Refused("Slack refused archiving the channel: a workspace setting does not allow it")

    workspace = Stubborn(ShellWorkspace(surface), "pin", Upstream("Slack failed pinning a message (internal_error)."))
    said = declare(make_bed(sqlite_store, surface=surface, workspace=workspace))
    assert "pinning the snapshot failed" in said
    assert f"the channel #{CHANNEL} it had created could not be archived" in said and "archive it by hand" in said


def test_who_may_do_what(bed: Bed) -> None:
    assert "needs the operator role" in bed.say(":as carol", f"/k8s incident start {TITLE}")
    bed.say(":as alice")
    declare(bed)
    bed.say(f":in {CHANNEL}")
    assert "Added to the timeline of INC-1" in bed.say(":as carol", "/k8s incident note looking at the JVM flags")
    assert "only its commander or someone with the operator role" in bed.say("/k8s incident severity sev1")
    assert "only its commander or someone with the approver role" in bed.say("/k8s incident close done")
    assert "it needs the viewer role (you have: none)" in bed.say(":as erin", "/k8s incident timeline")
    assert "INC-1: severity SEV3 → SEV1." in bed.say(":as alice", "/k8s incident severity SEV1")
    assert "INC-1: the commander is now @bob." in bed.say("/k8s incident commander @bob")
    # alice is no longer the commander, and not an approver: she may not close it; bob (commander) may.
    assert "may not close INC-1" in bed.say("/k8s incident close done")
    assert "INC-1 closed" in bed.say(":as bob", "/k8s incident close heap capped, 20 min of 5xx")
    assert "already closed" in bed.say("/k8s incident close again")
    assert "is closed; its timeline can be read, not changed" in bed.say("/k8s incident note too late")


def test_the_timeline_and_summary_list_everything_in_order(bed: Bed) -> None:
    clock, alerts = bed.clock, bed.alerts
    alerts.fire(
        "home", "a1b2", "KubePodCrashLooping ledger-api", clock.now() - timedelta(minutes=3), runbook="crashloop"
    )
    declare(bed, TITLE, "--severity sev2", "--alert a1b2")
    bed.say(f":in {CHANNEL}")
    clock.advance(timedelta(minutes=1))
    alerts.acknowledge("home", "a1b2", "bob", clock.now())
    clock.advance(timedelta(minutes=1))
    bed.say("/k8s diagnose node aks-userpool-3")
    clock.advance(timedelta(minutes=1))
    requested = bed.say("/k8s switch off hall")
    assert "Approval request" in requested
    clock.advance(timedelta(minutes=1))
    bed.say(":as bob", ":click Approve", ":as alice")
    assert WORLD.executions == ["hall by alice"]
    clock.advance(timedelta(minutes=1))
    bed.say("/k8s incident note heap capped at 75% of the limit")
    clock.advance(timedelta(minutes=1))
    people = bed.surface.find_message(None)
    assert people is not None
    bed.say(":as dave", f":react 📌 #{people.ref.ts}", ":as alice")
    clock.advance(timedelta(minutes=1))
    bed.say("/k8s kb show crashloop")
    clock.advance(timedelta(minutes=1))
    alerts.resolve("home", "a1b2", clock.now())
    clock.advance(timedelta(minutes=1))
    summary = bed.say("/k8s incident close 20 minutes of 5xx on payments; heap capped, pods stable")
    kinds = [e.kind for e in bed.desk._entries(bed.desk.store.get(1))]  # type: ignore[arg-type]
    assert kinds == [
        EntryKind.ALERT_FIRING,
        EntryKind.DECLARED,
        EntryKind.ALERT_ACKNOWLEDGED,
        EntryKind.DIAGNOSIS,
        EntryKind.APPROVAL_REQUESTED,
        EntryKind.APPROVED,
        EntryKind.ACTION_SUCCEEDED,
        EntryKind.NOTE,
        EntryKind.PIN,
        EntryKind.RUNBOOK,
        EntryKind.ALERT_RESOLVED,
        EntryKind.CLOSED,
    ]
    order = [
        "*alert firing* — KubePodCrashLooping ledger-api",
        "*declared* · @alice",
        "*alert acknowledged* · @bob",
        "*ran* · @alice — `/k8s diagnose node aks-userpool-3` — node aks-userpool-3 on home: NotReady",
        "*requested approval* · @alice — `/k8s switch off hall` — Switch off hall",
        "*approved* · @bob — `/k8s switch off hall`",
        "*action ran* — `/k8s switch off hall` — hall is off",
        "*note* · @alice — heap capped at 75% of the limit",
        "*pinned* · @dave — “",
        "*runbook* · @alice — `/k8s kb show crashloop`",
        "*alert resolved* — KubePodCrashLooping ledger-api",
        "*closed* · @alice — 20 minutes of 5xx",
    ]
    positions = [summary.find(line) for line in order]
    assert -1 not in positions, [line for line, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert re.search(r"Duration +: 9 min", summary)
    assert "✅ `/k8s switch off hall` — hall is off · requested by @alice, approved by @bob" in summary
    assert "`java-oom-cgroupv2` (`/k8s kb show java-oom-cgroupv2`), `crashloop`" in summary
    assert alerts.links and alerts.links[0][0] == "a1b2" and alerts.links[0][1].channel_name == CHANNEL
    # The summary also goes to the channel it was declared from, with the archive button.
    assert re.search(r"\[#\d+ in #shell\]\nINC-1 closed", summary)
    archived = bed.say(":click Archive channel")
    assert f"#{CHANNEL} archived" in archived and f"#{CHANNEL} is archived; INC-1 stays readable." in archived
    assert "closed, channel archived" in bed.say("/k8s incident show 1")


def test_export_as_markdown_and_json_lines(bed: Bed) -> None:
    declare(bed)
    bed.say(f":in {CHANNEL}", "/k8s incident note first note")
    markdown = bed.say("/k8s incident export INC-1")
    assert f"# INC-1: {TITLE}" in markdown
    assert "- **Commander**: @alice" in markdown and "*note* · @alice — first note" in markdown
    lines = [json.loads(line) for line in bed.say("/k8s incident export 1 --jsonl").splitlines()[2:] if line.strip()]
    assert [(e["incident"], e["kind"], e["actor"]) for e in lines] == [(1, "declared", "alice"), (1, "note", "alice")]


def test_in_its_channel_show_export_and_archive_need_no_number(bed: Bed) -> None:
    declare(bed)
    bed.say(f":in {CHANNEL}")
    assert f"INC-1 · SEV3 · {TITLE}" in bed.say("/k8s incident show")
    assert f"# INC-1: {TITLE}" in bed.say("/k8s incident export")
    bed.say("/k8s incident close fixed by raising the limit")
    assert "INC-1 stays readable." in bed.say("/k8s incident archive")
    bed.say(":in shell")
    elsewhere = bed.say("/k8s incident export")
    assert "This is not an incident channel" in elsewhere and "`/k8s incident list` shows them" in elsewhere


def test_chinese_title_gets_a_chinese_answer_and_a_valid_channel_name(bed: Bed) -> None:
    said = declare(bed, "支付接口 5xx 报错")
    assert "channel #inc-20261122-5xx created" in said
    assert "INC-1 已宣布：#inc-20261122-5xx" in said and "严重级别" in said
    assert re.search(r"已邀请\s*: @\w+(、@\w+)* 和 @\w+\n", said) and " and @" not in said, said
    # No Latin letter in the title and no runbook: named as an incident of its cluster, not a bare `incident`.
    bare = declare(bed, "支付接口报错")
    assert "channel #inc-20261122-home-incident created" in bare
    # With a runbook, by the runbook: what the incident is about, in words a channel name can hold.
    assert "channel #inc-20261122-node-notready created" in declare(bed, "节点未就绪")


def test_a_pin_counts_once_however_many_replicas_and_retries_see_it(bed: Bed) -> None:
    declare(bed)
    message = MessageRef(CHANNEL, "1")
    reaction = Reaction("dave", "pushpin", message)
    assert bed.desk.on_reaction(reaction)
    assert not bed.desk.on_reaction(reaction)
    assert not bed.desk.on_reaction(Reaction("dave", "tada", message))
    assert not bed.desk.on_reaction(Reaction("mallory", "pushpin", message))  # no role on the cluster
    assert not bed.desk.on_reaction(Reaction("dave", "pushpin", MessageRef("shell", "1")))  # not an incident
    pins = [e for e in bed.desk.store.entries(1) if e.kind is EntryKind.PIN]
    assert len(pins) == 1 and pins[0].text.startswith("“INC-1 · SEV3 ·")


def test_open_incident_from_an_alert_button(bed: Bed) -> None:
    bed.alerts.fire("garden", "f00d", "KubeNodeNotReady aks-2", bed.clock.now(), runbook="node-notready")
    ref = open_incident_ref(
        title="KubeNodeNotReady aks-2", cluster="garden", severity="critical", alert_key="f00d", runbook="node-notready"
    )
    assert Button("Open incident", ref).ref.fits_a_button()
    assert ref.text() == (
        "/k8s incident start KubeNodeNotReady aks-2 --severity sev2 --runbook node-notready --alert f00d "
        "--cluster garden"
    )
    captured = Captured()
    bed.dispatcher.handle(Incoming.click(ref, "bob", "C0ALERTS", MessageRef("C0ALERTS", "9.1")), captured)
    answer = captured.replies[-1]
    assert answer.anchor == MessageRef("C0ALERTS", "9.1")  # answered in the alert's thread
    assert "INC-1 declared: #inc-20261122-kubenodenotready-aks-2" in plain(answer.view.blocks[0].text)
    snapshot = bed.surface.find_message("1")
    assert snapshot is not None
    text = "\n".join(plain(b.text) for b in snapshot.view.blocks if isinstance(b, Text))
    assert "Firing alerts on garden" in text and "KubeNodeNotReady aks-2" in text and "`node-notready`" in text
    incident = bed.desk.store.get(1)
    assert incident is not None and incident.alert_key == "f00d" and incident.severity is Severity.SEV2
    assert [link.label for _, link in bed.alerts.links] == ["INC-1"]
    assert [incident_severity(s) for s in ("Sev0", "critical", "warning", "Sev3", "odd")] == [
        Severity.SEV1,
        Severity.SEV2,
        Severity.SEV3,
        Severity.SEV4,
        Severity.SEV3,
    ]


def test_a_broken_alerts_side_does_not_stop_a_declaration(sqlite_store: SqlApprovalStore) -> None:
    alerts = FakeAlerts()
    alerts.broken = Upstream("the alert store is unreachable")
    said = declare(make_bed(sqlite_store, alerts=alerts))
    assert "Firing alerts could not be read: the alert store is unreachable" in said and "INC-1 declared" in said


def test_an_observer_that_fails_never_fails_the_request(bed: Bed, caplog: pytest.LogCaptureFixture) -> None:
    def broken(incoming: Incoming, outcome: object) -> None:
        raise RuntimeError("observer bug")

    bed.dispatcher.observers = (*bed.dispatcher.observers, broken)
    captured = Captured()
    outcome = bed.dispatcher.handle(Incoming("/k8s incident list", "alice", InputKind.SLASH, "shell"), captured)
    assert outcome.status == "ok" and captured.replies
    assert any("an observer failed" in r.getMessage() for r in caplog.records)


@pytest.mark.postgres
def test_two_replicas_on_postgresql_serve_one_incident() -> None:
    schema = unique_schema()
    first_db = PostgresApprovalStore(POSTGRES_URL, schema=schema)
    second_db = PostgresApprovalStore(POSTGRES_URL, schema=schema)
    try:
        WORLD.reset()
        one = make_bed(first_db)
        two = make_bed(second_db, surface=one.surface, clock=one.clock, alerts=one.alerts)
        declare(one, TITLE, "--severity sev2")
        one.say(f":in {CHANNEL}")
        two.surface.current = CHANNEL
        two.say("/k8s incident note seen from the second replica")
        assert "INC-1: severity SEV2 → SEV1." in two.say("/k8s incident severity sev1")
        reaction = Reaction("dave", "pushpin", MessageRef(CHANNEL, "1"))
        assert [one.desk.on_reaction(reaction), two.desk.on_reaction(reaction)].count(True) == 1
        stale = one.desk.store.get(1)
        assert stale is not None
        assert two.desk.store.change(stale, commander="bob")
        assert not one.desk.store.change(stale, commander="dave")  # the other replica's change won
        closed = one.say(":as bob", "/k8s incident close done from replica one")  # the commander now
        assert "*note* · @alice — seen from the second replica" in closed and "SEV2 → SEV1" in closed
        assert "*pinned* · @dave" in closed
    finally:
        first_db.close()
        second_db.drop()
        second_db.close()


def test_the_shell_shows_new_channels_and_in_switches_between_them(bed: Bed) -> None:
    declare(bed)
    declare(bed, "dns timeouts in shop")
    assert "channels: #shell, #inc-20261122-ledger-api" in bed.say(":in")
    assert "several channels start with that" in bed.say(":in inc-")
    assert "no such channel" in bed.say(":in nowhere")
    assert "[you are now in #inc-20261122-dns-timeouts-in-shop]" in bed.say(":in inc-20261122-dns")
    noted = bed.say("/k8s incident note typed in the dns channel")
    assert "Added to the timeline of INC-2." in noted and " in #" not in noted  # answered where it was typed
    bed.say(":in shell")
    assert "[#" in bed.say("/k8s incident note --incident 1 from the shell") and bed.desk.store.entries(1)[-1].text == (
        "from the shell"
    )
    # Once one is archived, the start of a name means the channel that can still be entered.
    bed.say("/k8s incident close --incident 1 resolved", "/k8s incident archive --incident 1")
    assert "[you are now in #inc-20261122-dns-timeouts-in-shop]" in bed.say(":in inc-")


@pytest.fixture
def live_bed(sqlite_store: SqlApprovalStore, tmp_path: Path) -> Iterator[Bed]:
    """A bed whose cluster `home` is the sandbox API server of `tests.support.cluster`: a node Unknown in nodepool1,
    a pod of `web` OOMKilled and crash-looping, a node under memory pressure, a pod evicted."""
    WORLD.reset()
    for cluster in start(tmp_path):
        config = copy.deepcopy(CONFIG)
        sandbox = cluster.settings.clusters[0]
        config["clusters"][0].update(kubeconfig=sandbox.kubeconfig, context="admin", default_namespace="shop")
        provider = KubeClusterProvider(settings(config))
        yield make_bed(sqlite_store, config=config, clusters=provider)
        provider.close()


def test_a_title_naming_a_troubled_object_pins_the_runbook_of_its_findings(live_bed: Bed) -> None:
    """"nodepool1 unstable" is not a question the knowledge base can answer, but the cluster can: its node pool has
    a node Unknown (critical) and one under memory pressure. The most severe finding's runbook is pinned, with the
    findings that chose it."""
    said = declare(live_bed, "nodepool1 unstable since this morning")
    channel = "inc-20261122-nodepool1-unstable-since-this-morning"
    assert re.search(rf"message #2 pinned in #{channel}", said)
    assert "Runbook for this incident: `node-notready`" in said
    why = next(line for line in said.splitlines() if "Chosen from the cluster's findings" in line)
    assert "that name `nodepool1`: 🔴 Node aks-nodepool1-12345678-vmss000002 is Unknown" in why
    assert "🟠 Node aks-nodepool1-12345678-vmss000001 is under memory pressure → `memory-pressure-eviction`" in why
    assert f"#{channel} bookmark: Runbook: node-notready → https://" in said
    closed = live_bed.say("/k8s incident close --incident 1 kubelet restarted on vmss000002")
    assert "*Runbooks used*\n`node-notready` (`/k8s kb show node-notready`)" in closed


def test_a_title_naming_objects_with_different_runbooks_posts_each_unpinned(live_bed: Bed) -> None:
    said = declare(live_bed, "pod fghij crashing while nodepool1 flaps")
    channel = "inc-20261122-pod-fghij-crashing-while-nodepool1-flaps"
    assert not re.search(rf"message #2 pinned in #{channel}", said) and "bookmark: Runbook:" not in said
    assert ("No runbook is pinned: the cluster's findings that name `fghij`, `nodepool1` point to more than one "
            "entry. Each with its runbook:") in said
    assert "[Runbook: node-notready]  [Runbook: container-oomkilled]  [Runbook: memory-pressure-eviction]" in said
    opened = live_bed.say(":in inc-20261122-pod-fghij-crashing-while-nodepool1-flaps",
                          ":click Runbook: container-oomkilled")
    assert "OOMKilled" in opened


def test_a_chinese_title_calling_a_workload_by_its_teams_name_pins_its_runbook(live_bed: Bed) -> None:
    """"商城前端 5xx" has no word the cluster's names share, but `shop/web` carries `aksbot.io/names: 商城前端,
    storefront`: its crash-looping pod's runbook is pinned, said to be chosen for that name, and the channel is named
    by the workload (Slack's channel names are ASCII)."""
    said = declare(live_bed, "商城前端 5xx")
    channel = "inc-20261122-web-5xx"
    assert f"channel #{channel} created" in said
    assert re.search(rf"message #2 pinned in #{channel}", said)
    why = next(line for line in said.splitlines() if "根据集群中提到" in line)
    assert "`商城前端`" in why and "web-7d9f-fghij" in why
    assert "本故障的处理手册：`container-oomkilled`" in said


def test_a_workloads_latin_given_name_counts_only_as_whole_words(live_bed: Bed) -> None:
    said = declare(live_bed, "storefront checkout errors")
    assert "that name `storefront`" in said and "`container-oomkilled`" in said
    assert "channel #inc-20261122-storefront-checkout-errors created" in said  # an ASCII title keeps its words
    live_bed.say("/k8s incident close --incident 1 mistaken")
    said = declare(live_bed, "storefronts checkout errors")
    assert "Chosen from the cluster's findings" not in said


def test_words_of_a_title_name_objects_only_as_whole_parts_of_their_names() -> None:
    def finding(kind: Kind, name: str, namespace: str, kb: str, severity: rules.Severity) -> rules.Finding:
        return rules.Finding("pod.crashloop" if kind is Kind.POD else "node.notready", severity, f"{name} is unwell",
                       ObjectRef(kind, name, namespace), (), kb, ())

    report = ClusterReport(
        (
            finding(Kind.POD, "checkout-worker-7f9c-x2x1z", "shop", "crashloop", rules.Severity.CRITICAL),
            finding(Kind.NODE, "aks-userpool-11974196-vmss000003", "", "node-notready", rules.Severity.WARNING),
        ),
        (),
        ClusterCounts(0, 0, 0, 0, 0, 0, 0, 0),
        (),
    )
    report = dataclasses.replace(report, groups=group(report.findings))
    named, words = named_in_title("Checkout is DOWN for users", "prod", report)
    assert [g.kb for g in named] == ["crashloop"] and words == ("checkout",)
    named, words = named_in_title("payments in shop slow, userpools flapping", "prod", report)
    assert [g.kb for g in named] == ["crashloop", "node-notready"] and words == ("shop", "userpools")
    # Parts of words, words common to every name, and the cluster's own name name nothing.
    for title in ("check out the api", "aks nodes are down in prod", "worke", "the shopping cart"):
        assert named_in_title(title, "prod", report) == ((), ()), title


def test_a_command_typed_in_an_incidents_channel_is_about_the_incidents_cluster(bed: Bed) -> None:
    """`home` is the default cluster; an incident on `garden` makes its channel garden's: a command that names no
    cluster runs there, and one that does keeps it. Elsewhere the default stays."""
    said = declare(bed, "garden lights flicker", "--cluster garden")
    channel = "inc-20261122-garden-lights-flicker"
    assert f"#{channel} topic: 🚨 SEV3 · garden lights flicker · cluster garden" in said
    assert "node n1 on garden: NotReady" in bed.say(f":in {channel}", "/k8s diagnose node n1")
    assert "node n1 on home: NotReady" in bed.say("/k8s diagnose node n1 --cluster home")
    bed.say("/k8s incident close garden lights fixed")
    assert "node n1 on garden: NotReady" in bed.say("/k8s diagnose node n1")  # a closed incident's channel too
    assert "node n1 on home: NotReady" in bed.say(":in shell", "/k8s diagnose node n1")


def test_closing_an_incident_says_which_of_its_requests_still_wait_for_approval(bed: Bed) -> None:
    """Closing does not stop a request made in the incident: an approver could still run it after everyone has
    left. The summary lists what still waits, with how to cancel or deny it."""
    declare(bed)
    bed.say(f":in {CHANNEL}")
    card = bed.say("/k8s switch off hall")
    request = re.search(r"request (\w{8})", card)
    assert request, card
    closed = bed.say("/k8s incident close hall lights left on")
    assert "1 request(s) made in this incident still wait for approval" in closed
    assert f"• `{request.group(1)}` " in closed and "/k8s cancel ID" in closed


def test_the_same_workload_or_node_in_other_words_is_the_open_incident(live_bed: Bed) -> None:
    """"商城前端报错" then "storefront is slow" name one Deployment (`shop/web`, by two of its given names); two titles
    naming one node are one problem too: the second declaration names the first instead of paging everyone again."""
    declare(live_bed, "商城前端报错")
    again = declare(live_bed, "storefront is slow for customers")
    assert "INC-1 is already open about that on `home`" in again and "INC-2" not in again
    declare(live_bed, "aks-nodepool1-12345678-vmss000002 lost")
    node = declare(live_bed, "node aks-nodepool1-12345678-vmss000002 NotReady since 9am")
    assert "INC-2 is already open about that on `home`" in node
    assert "INC-3 declared" in declare(live_bed, "storefront is slow for customers", "--new")


def test_what_comes_after_the_close_is_not_mixed_into_the_incidents_record(bed: Bed) -> None:
    """The summary posted at the close is the incident's account. A request made in its channel afterwards is an
    ordinary request of that channel, not the incident's; the approval and the run of a request made while it was
    open still are, marked as after the close in the timeline, the card and the export."""
    declare(bed)
    bed.say(f":in {CHANNEL}")
    bed.clock.advance(timedelta(minutes=1))
    assert "Approval request" in bed.say("/k8s switch off hall")
    bed.clock.advance(timedelta(minutes=1))
    closed = bed.say("/k8s incident close lights left on in the hall")
    assert "No approved action ran." in closed and "1 request(s) made in this incident still wait" in closed
    bed.clock.advance(timedelta(minutes=1))
    bed.say(":as bob", ":click Approve", ":as alice")
    assert WORLD.executions == ["hall by alice"]
    bed.clock.advance(timedelta(minutes=1))
    assert "INC-1 is closed; its timeline can be read, not changed" in bed.say("/k8s incident note late note")
    late = bed.say("/k8s switch off porch")
    assert "Approval request" in late  # a request like any other
    bed.say(":as bob", ":click Approve", ":as alice")
    assert WORLD.executions == ["hall by alice", "porch by alice"]

    timeline = bed.say("/k8s incident timeline")
    assert "porch" not in timeline and "late note" not in timeline
    order = [
        "*requested approval* · @alice — `/k8s switch off hall`",
        "*closed* · @alice — lights left on in the hall",
        "*approved* _(after close)_ · @bob — `/k8s switch off hall`",
        "*action ran* _(after close)_ — `/k8s switch off hall` — hall is off",
    ]
    positions = [timeline.find(line) for line in order]
    assert -1 not in positions and positions == sorted(positions), timeline
    assert "*requested approval* _(after close)_" not in timeline  # it was made while the incident was open
    assert "*approved* _(after close)_ · @bob — `/k8s switch off hall`" in bed.say("/k8s incident show")
    markdown = bed.say("/k8s incident export")
    assert "porch" not in markdown
    ran = "- ✅ `/k8s switch off hall` — hall is off _(after close)_ · requested by @alice, approved by @bob"
    assert ran in markdown  # the postmortem's actions taken: it ran, after the summary said none had
    lines = [json.loads(line) for line in bed.say("/k8s incident export --jsonl").splitlines()[2:] if line.strip()]
    assert [(e["kind"], e["after_close"]) for e in lines] == [
        ("declared", False), ("approval_requested", False), ("closed", False), ("approved", True),
        ("action_succeeded", True),
    ]
