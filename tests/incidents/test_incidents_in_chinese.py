"""An incident declared in Chinese is worked in Chinese: in its channel a command typed in Latin letters answers in
the incident's language (elsewhere each line keeps its own), the refusals and mistakes of the incident commands are
said in the asker's language, and the summary's lines the bot wrote — a diagnosis run in the channel, an alert that
resolved — read in Chinese. In English nothing changed."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.desk import StoredAlertDesk
from bot.alerts.findings import from_finding
from bot.alerts.model import AlertGroup, Status
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import AlertStore
from bot.approvals.store import SqlApprovalStore
from bot.clock import ManualClock
from bot.cluster.kube import KubeClusterProvider
from bot.dispatch import Outcome
from bot.errors import NotAuthorized, NotConfigured, UserError
from bot.i18n import ALERT, DIAGNOSE, ERRORS, INCIDENT
from bot.incidents.ports import Asker
from bot.refs import node_ref
from bot.registry import Caller
from bot.severity import Severity
from bot.shell import ShellSurface, ShellWorkspace
from bot.surface import Incoming, InputKind
from handlers.diagnose import PodDiagnosis
from handlers.rules.finding import Finding
from tests.support.approvals import WORLD
from tests.support.cluster import start
from tests.support.incidents import CONFIG, Bed, FailingWorkspace, make_bed, settings
from tests.support.language import english_left, english_prose
from tests.support.objects import pod

TITLE = "支付接口 5xx 报错"
CHANNEL = "inc-20261122-5xx"
PROSE = english_prose(INCIDENT, ERRORS, DIAGNOSE, ALERT)


def chinese(said: str) -> str:
    """The answer, asserted to have none of the bot's English prose left in it."""
    assert english_left(said, PROSE) == [], said
    return said


def test_in_its_channel_lines_in_latin_letters_are_answered_in_the_incidents_language(bed: Bed) -> None:
    bed.say(f"/k8s incident start {TITLE}", f":in {CHANNEL}")
    assert "INC-1：严重级别 SEV3 → SEV1。" in chinese(bed.say("/k8s incident severity sev1"))
    timeline = chinese(bed.say("/k8s incident timeline"))
    assert "INC-1 时间线" in timeline and "*宣布* · @alice" in timeline and "*严重级别*" in timeline
    assert "已记入 INC-1 的时间线。" in chinese(bed.say("/k8s incident note heap capped at 768m"))
    shown = chinese(bed.say("/k8s incident show"))
    assert "严重级别 : SEV1" in shown and "状态     : 进行中" in shown
    refused = chinese(bed.say(":as carol", "/k8s incident close done"))
    assert "你不能关闭 INC-1：只有故障指挥或在集群 `home` 上有 approver 角色的人可以（你的角色：viewer）。" in refused
    # Anywhere else a line keeps its own language, and so do an English incident's channel's.
    bed.say(":as alice", ":in shell")
    assert "INC-1: severity SEV1 → SEV2." in bed.say("/k8s incident severity sev2 --incident 1")
    bed.say("/k8s incident start checkout down", ":in inc-20261122-checkout-down")
    assert "INC-2: severity SEV3 → SEV1." in bed.say("/k8s incident severity sev1")
    assert "已记入 INC-2 的时间线。" in bed.say("/k8s incident note 已回滚")


def test_refusals_and_mistakes_are_said_in_chinese(bed: Bed) -> None:
    bed.say(f"/k8s incident start {TITLE}")
    hint = chinese(bed.say("/k8s incident note 已重启 ledger-api"))  # typed in #shell, which is no incident's
    assert "这里不是故障频道" in hint and "`/k8s incident show INC-1`、`/k8s incident note --incident INC-1 …`" in hint
    assert "没有故障 INC-9。" in chinese(bed.say("/k8s incident note --incident 9 已回滚"))
    bed.say(f":in {CHANNEL}")
    assert "INC-1 仍在进行中：请先关闭它" in chinese(bed.say("/k8s incident archive"))
    assert "请用 @提及 指定新的指挥" in chinese(bed.say("/k8s incident commander @"))
    unseen = chinese(bed.say(":as erin", "/k8s incident timeline"))  # the dispatcher's refusal, in the channel's too
    assert "你不能运行 `incident timeline`：它需要 viewer 角色（你的角色：无）。" in unseen
    with pytest.raises(NotAuthorized) as unread:  # the desk's own check, on the incident's cluster
        bed.desk.timeline(Asker(Caller("erin"), CHANNEL, "zh"), None)
    assert unread.value.view("zh").summary == (
        "你不能查看 INC-1：这需要集群 `home` 上的 viewer 角色（你的角色：无）。"
    )
    assert unread.value.message == (
        "You may not read INC-1: it needs the viewer role on cluster `home` (you have: none)."
    )
    asker = Asker(Caller("alice"), CHANNEL, "zh")
    with pytest.raises(UserError) as empty:
        bed.desk.note(asker, None, "  ")
    assert empty.value.view("zh").summary == "`incident note` 需要写上要记入时间线的内容。"
    assert empty.value.message == "`incident note` needs the text to add to the timeline."
    bed.say(":as alice", "/k8s incident close 回滚后恢复")
    assert re.search(r"INC-1 已于 11-22 \S+ UTC 关闭；", chinese(bed.say("/k8s incident close again")))
    assert "INC-1 已关闭；它的时间线只能查看，不能更改。" in chinese(bed.say("/k8s incident note too late"))


def test_the_same_incident_declared_again_in_chinese_is_refused_in_chinese(bed: Bed) -> None:
    bed.say(f"/k8s incident start {TITLE}")
    refused = chinese(bed.say("/k8s incident start 支付接口  5XX 报错"))
    assert (
        f"`home` 上同一件事的故障 INC-1 已在进行中：#{CHANNEL}（“{TITLE}”）。请到那里继续；确需另开一个时加上 "
        "`--new`。" in refused
    )
    assert "[时间线]  [仍然另开一个]" in refused and "INC-2" not in refused
    assert "INC-2 已宣布" in bed.say(":click 仍然另开一个")


def test_a_declaration_that_failed_half_way_says_so_in_chinese(sqlite_store: SqlApprovalStore) -> None:
    surface = ShellSurface(io.StringIO())
    missing = NotConfigured("Slack refused it: the aksbot app lacks the `pins:write` scope.")
    bed = make_bed(sqlite_store, surface=surface, workspace=FailingWorkspace(ShellWorkspace(surface), "pin", missing))
    said = bed.say(f"/k8s incident start {TITLE}")
    assert "无法宣布故障：置顶快照失败。" in said and f"已清理：已归档它创建的频道 #{CHANNEL}。" in said


ROUTE = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)


@pytest.fixture
def live_bed(sqlite_store: SqlApprovalStore, tmp_path: Path) -> Iterator[tuple[Bed, AlertStore]]:
    """A bed on the sandbox cluster (a pod of `web` OOMKilled and crash-looping) with the real alert store."""
    WORLD.reset()
    clock = ManualClock()
    alerts = AlertStore(sqlite_store)
    for cluster in start(tmp_path):
        config = copy.deepcopy(CONFIG)
        sandbox = cluster.settings.clusters[0]
        config["clusters"][0].update(kubeconfig=sandbox.kubeconfig, context="admin", default_namespace="shop")
        provider = KubeClusterProvider(settings(config))
        desk = StoredAlertDesk(alerts, clock)
        yield make_bed(sqlite_store, config=config, clusters=provider, clock=clock, alerts=desk), alerts  # type: ignore[arg-type]
        provider.close()


def test_the_summary_of_an_incident_declared_in_chinese_reads_in_chinese(live_bed: tuple[Bed, AlertStore]) -> None:
    """The lines the bot wrote for the timeline: a diagnosis run in the channel ("— see …, (+1 more)") and an alert
    that resolved ("(after 14 min)"), in Chinese; the English summary of the same incident keeps its English."""
    bed, alerts = live_bed
    clock = bed.clock
    finding = Finding("node.notready", Severity.CRITICAL, "Node aks-2 is NotReady", node_ref("aks-2"),
                      ("Ready=Unknown",), "node-notready", ("node.lease:stale",))
    group: AlertGroup = from_finding("home", finding, since=clock.now())
    state = alerts.record(group, [ROUTE], at=clock.now(), flap_window=timedelta(minutes=30)).state
    declared = chinese(bed.say(f"/k8s incident start {TITLE} --alert {state.id}"))
    # The snapshot's firing alerts read in the incident's language: severity and age too.
    assert "🔥 *Node aks-2 is NotReady* （严重，0s前）" in declared, declared
    assert "home 上的告警还没有评估过（watcher 会在一分钟内启动）" in declared  # no watcher has looked in this bed
    channel = next(name for name in bed.surface.channels if name.startswith("inc-"))
    diagnosed = bed.say(f":in {channel}", "/k8s diagnose pod web-7d9f-fghij")
    assert "诊断：Pod shop/web-7d9f-fghij" in diagnosed
    clock.advance(timedelta(minutes=14))
    gone = group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=clock.now()) for a in group.alerts)
    alerts.record(gone, [ROUTE], at=clock.now(), flap_window=timedelta(minutes=30))
    summary = chinese(bed.say("/k8s incident close 重启后恢复"))
    ran = next(line for line in summary.splitlines() if "*运行*" in line)
    assert ran.endswith(
        "`/k8s diagnose pod web-7d9f-fghij` — Pod web-7d9f-fghij 的容器 app 被 OOMKilled（exit 137） — 参见 "
        "container-oomkilled"
    ), ran
    resolved = next(line for line in summary.splitlines() if "*告警恢复*" in line)
    assert resolved.endswith("Node aks-2 is NotReady（持续 14 分钟）"), resolved
    english = bed.say(":in shell", "/k8s incident show 1")
    assert "*alert resolved* — Node aks-2 is NotReady (after 14 min)" in english


def test_a_diagnosis_with_several_findings_reads_in_chinese_on_the_timeline(bed: Bed) -> None:
    """What the timeline keeps of a diagnosis run in the channel is its one-line answer: in Chinese, the worst finding,
    its runbook and how many more there are."""
    bed.say(f"/k8s incident start {TITLE}")
    findings = tuple(
        Finding(rule, Severity.CRITICAL, title, node_ref("aks-2"), (), kb, (f"{rule}:x",))
        for rule, title, kb in (("pod.oom", "OOM", "java-oom-cgroupv2"), ("pod.pdb", "PDB", "pdb-blocking-drain"))
    )
    view = PodDiagnosis("home", pod(), findings, "zh").view()
    typed = Incoming("/k8s diagnose pod ledger-7d9f8b6c5d-x2x7q -n payments", "alice", InputKind.SLASH, CHANNEL)
    bed.desk.observe(typed, Outcome("ok", "diagnose pod", "c0ffee", view))
    line = next(line for line in bed.say(f":in {CHANNEL}", "/k8s incident timeline").splitlines() if "*运行*" in line)
    assert line.endswith("— OOM — 参见 java-oom-cgroupv2（另有 1 项）"), line
