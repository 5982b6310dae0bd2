"""`incident start|note|timeline|severity|commander|close|archive|list|show|export`: incident channels.

`incident start` gathers what the channel starts with — the cluster's `health` (or why it could not be read: a
broken cluster is often why there is an incident) and the runbook (`--runbook ID`, else the knowledge base's best
answer to the title) — and hands the rest to `deps.incidents` (`bot.incidents.service.IncidentDesk`), which makes
the channel, keeps the timeline and checks who may change or close an incident. The other commands name their
incident with `--incident ID`, or act on the one whose channel they are typed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks import Actions, Button, Context, Level, Notice, Text, View
from bot.cluster.reads import observe_reads
from bot.deps import Deps
from bot.errors import AksbotError, NotConfigured, UserError
from bot.i18n import FINDING, said
from bot.i18n import INCIDENT as W
from bot.incidents import views
from bot.incidents.model import Severity
from bot.incidents.ports import Asker, Declaration, Incidents, Runbook
from bot.refs import CommandRef
from bot.registry import Call, ClusterCall, Lang, NoArgs, Role, Scope, command
from handlers._naming import called_in, members_of, name_parts, names_in, title_words
from handlers.args import (
    IncidentCloseArgs,
    IncidentCommanderArgs,
    IncidentExportArgs,
    IncidentIdArgs,
    IncidentListArgs,
    IncidentNoteArgs,
    IncidentSeverityArgs,
    IncidentStartArgs,
    IncidentWhichArgs,
    KbShowArgs,
)
from handlers.diagnose import Health, group_line, health
from handlers.kb import KbEntry, answer
from handlers.rules.cluster import ClusterReport, FindingGroup
from knowledge import Entry

log = logging.getLogger(__name__)


def _incidents(deps: Deps) -> Incidents:
    if deps.incidents is None:
        raise NotConfigured(said(W.no_incidents_here))
    return deps.incidents


def _one(args: IncidentIdArgs | IncidentExportArgs) -> int | None:
    """The incident named as an argument or with `--incident` (as `note` and `close` take it), not two."""
    if args.incident is not None and args.named is not None and args.incident != args.named:
        raise UserError(said(W.two_incidents, first=args.incident, second=args.named))
    return args.incident if args.incident is not None else args.named


def _asker(call: Call[Any]) -> Asker:
    return Asker(call.caller, call.channel, call.lang, call.correlation_id)


def _snapshot(call: ClusterCall[IncidentStartArgs], deps: Deps) -> tuple[View, ClusterReport | None]:
    """The cluster's `health` as the channel's first message shows it (and the findings behind it), or why it could
    not be read."""
    asked = ClusterCall(
        command="health",
        args=NoArgs(),
        caller=call.caller,
        correlation_id=call.correlation_id,
        lang=call.lang,
        channel=call.channel,
        cluster=call.cluster,
    )
    try:
        # Its reads date the snapshot, pinned in the channel, not the answer to the declaration.
        with observe_reads() as reads:
            result: Health = health(asked, deps)  # the registry's decorator leaves handlers typed loosely
    except AksbotError as exc:
        text = W.health_unavailable(call.lang, reason=exc.text())
        return View(text, (Notice(text, Level.WARN),)), None
    return reads.told(result.view(), call.lang), result.report


def named_in_title(
    title: str, cluster: str, report: ClusterReport, called: Mapping[tuple[str, str], str] | None = None
) -> tuple[tuple[FindingGroup, ...], tuple[str, ...]]:
    """The groups of findings whose objects a word of the title names — "checkout is down" and the crash-looping
    `shop/checkout-worker-…` pods, "payments API returns 5xx" and the OOMKilled pods of namespace `payments` — most
    severe first, with the words that named them. A word names an object when it is a whole part of its name or its
    namespace (`pay` names nothing). `called` holds the objects the title calls by a name their team gave them
    (`members_of`: "支付接口 5xx" and the pods of `payments/ledger-api`), each with that name."""
    words = title_words(title, cluster)
    called = called or {}
    if not words and not called:
        return (), ()
    named: list[FindingGroup] = []
    used: set[str] = set()
    given: dict[str, None] = {}
    for g in report.groups:  # most severe first
        hit = set().union(*(name_parts(s) & set(words) for s in g.subjects)) if g.subjects else set()
        names = [name for s in g.subjects if (name := called.get((s.namespace, s.name)))]
        if hit or names:
            named.append(g)
            used |= hit
            given.update(dict.fromkeys(names))
    return tuple(named), (*(typed for word, typed in words.items() if word in used), *given)


@dataclass(frozen=True)
class _Called:
    """The workloads an incident's title calls by the names their team gave them (`aksbot.io/names`), each with that
    name, and the same for them and their pods (what findings name)."""

    workloads: Mapping[tuple[str, str], str]
    members: Mapping[tuple[str, str], str]

    def channel_words(self, title: str) -> str | None:
        """The title with each Chinese name in it replaced by its workload's ("支付接口 5xx" → "ledger-api 5xx"), for
        a channel name Slack allows (ASCII); None when the title calls nothing by such a name."""
        words = title
        for (_, name), given in self.workloads.items():
            if not given.isascii():
                words = words.replace(given, f" {name} ")
        return words if words != title else None


def _called(call: ClusterCall[IncidentStartArgs], deps: Deps) -> _Called:
    """What the title calls by given names on the incident's cluster; nothing when the cluster cannot be read (the
    snapshot says so already)."""
    try:
        with observe_reads():  # a look at names, shown nowhere
            reader = deps.clusters.reader(call.cluster)
            called = called_in(call.args.title, reader.deployments(None))
            return _Called(called, members_of(called, reader.pods(None)) if called else {})
    except AksbotError as exc:
        log.info("the workloads' given names on %s could not be read: %s", call.cluster, exc.message)
        return _Called({}, {})


def _subjects(call: ClusterCall[IncidentStartArgs], deps: Deps) -> Callable[[str], frozenset[str]]:
    """What a title is about on the incident's cluster, as it is now: the Deployments it names (by name or by a name
    their team gave them) and the nodes it names, as `deployment/NS/NAME` and `node/NAME`; nothing when the cluster
    cannot be read."""
    try:
        with observe_reads():  # a look at names, shown nowhere
            reader = deps.clusters.reader(call.cluster)
            deployments, nodes = reader.deployments(None), [n.name for n in reader.nodes()]
    except AksbotError as exc:
        log.info("the objects of %s could not be read for incident titles: %s", call.cluster, exc.message)
        return lambda _: frozenset()

    def about(title: str) -> frozenset[str]:
        words = names_in(title)
        named = {f"deployment/{d.namespace}/{d.name}" for d in deployments if d.name in words}
        named |= {f"deployment/{ns}/{name}" for ns, name in called_in(title, deployments)}
        return frozenset(named | {f"node/{n}" for n in nodes if n in words})

    return about


def _pinned(entry: Entry, lang: Lang, deps: Deps, why: str | None = None) -> Runbook:
    template = deps.settings.incidents.runbook_url
    link = template.format(id=entry.id) if template else (entry.sources.docs[0].url if entry.sources.docs else None)
    view = KbEntry(entry, lang).view()
    if why:
        view = View(view.summary, (Context(why), *view.blocks))
    return Runbook(entry.id, entry.title.in_lang(lang), view, link)


@dataclass(frozen=True)
class _Opening:
    """What the channel opens with besides the snapshot: a runbook to pin, or a suggestion to post (with its intro)."""

    runbook: Runbook | None = None
    suggestion: View | None = None
    intro: str | None = None


def _runbook(
    call: ClusterCall[IncidentStartArgs], deps: Deps, report: ClusterReport | None, called: _Called
) -> _Opening:
    """The entry named with `--runbook`, else the knowledge base's answer to the title: the runbook to pin.

    When the knowledge base is only unsure which entry the title is about, the cluster's own findings decide if words
    of the title name their objects ("checkout is down" and `shop/checkout-worker-…` crash-looping): one runbook
    among them is pinned, with the findings that chose it; several are posted, each with its runbook. Otherwise
    nothing is pinned (a guess pinned at the top of an incident channel is followed as if it were known) and the
    knowledge base's closest entries are posted as a suggestion. Neither when it does not know at all."""
    knowledge = deps.knowledge
    asked = call.args.runbook
    lang: Lang = call.lang
    if knowledge is None:
        if asked:
            raise NotConfigured(said(W.no_knowledge_for_runbook))
        return _Opening()
    if asked:
        entry = knowledge.get(asked.strip())
        if entry is None:
            raise UserError(said(W.no_such_runbook, id=asked))
        return _Opening(_pinned(entry, lang, deps))
    found = answer(knowledge, call.args.title)
    if found.entry is not None and found.level == "answer":
        return _Opening(_pinned(found.entry, lang, deps))
    named: tuple[FindingGroup, ...] = ()
    words: tuple[str, ...] = ()
    if report is not None:
        named, words = named_in_title(call.args.title, call.cluster, report, called.members)
    runbooks = {g.kb: e for g in named if g.kb and (e := knowledge.get(g.kb)) is not None}
    cited = [g for g in named if g.kb in runbooks]
    said_words = ", ".join(f"`{w}`" for w in words)
    worst = {g.kb for g in cited if g.kb and g.severity == cited[0].severity}
    if len(worst) == 1:
        # One runbook for the most severe of them: the place to start; the others stay named beside it.
        why = W.runbook_from_findings(lang, words=said_words, findings="; ".join(group_line(g, lang) for g in named))
        return _Opening(_pinned(runbooks[worst.pop()], lang, deps, why))
    if cited:
        lines = Text("\n".join(group_line(g, lang) for g in named))
        seen = dict.fromkeys(g.kb for g in cited if g.kb)
        buttons = tuple(
            Button(FINDING.runbook(lang, id=kb), CommandRef("kb show", KbShowArgs(entry=kb))) for kb in seen
        )
        view = View(W.runbooks_from_findings(lang, words=said_words), (lines, Actions(buttons[:5])))
        return _Opening(None, view, W.runbooks_from_findings(lang, words=said_words))
    if found.entry is None:
        return _Opening()
    return _Opening(None, found.view())


@command(
    "incident start",
    args=IncidentStartArgs,
    scope=Scope.CLUSTER,
    requires=Role.OPERATOR,
    aliases=("incident declare", "故障 开始", "故障 声明"),
    examples=(
        "/k8s incident start payments API returns 5xx --severity sev2",
        "/k8s incident start node NotReady in userpool --cluster prod",
    ),
)
def incident_start(call: ClusterCall[IncidentStartArgs], deps: Deps) -> views.Declared:
    """Declare an incident: a new channel with the responders, its topic, the cluster's health and runbook pinned.

    The channel is `inc-YYYYMMDD-<title>` (a Chinese title's given names become their workloads' names; a title
    with no Latin word is named by its runbook, else its cluster); the requester (its commander) and the cluster's
    on-call people (`oncall` in the configuration) are invited; the
    snapshot (the cluster's `health` and the firing alerts) and the runbook the knowledge base answers the title with
    are pinned. When it is only unsure, a title that names a troubled workload, namespace or node pool ("checkout is
    down"), or calls a Deployment by a name its team gave it in the `aksbot.io/names` annotation ("支付接口 5xx"),
    gets the runbook of that object's most severe findings; otherwise the closest entries are posted as a
    suggestion, not pinned. The runbook and the cluster's Azure portal page are bookmarked. If any step fails, what
    was made is cleaned up and the answer says which step
    and why. When an open incident of the cluster has the same title, comes from the same alert, or names the same
    workload or node (by name or a given name), the answer names it and its channel instead of paging everyone
    again; `--new` declares another one anyway.
    """
    incidents = _incidents(deps)
    title = " ".join(call.args.title.split())
    asked = CommandRef(call.command, call.args, cluster=call.cluster)
    if not call.args.new:  # one already covers it: said before the cluster is read for a snapshot nobody sees
        incidents.refuse_covered(call.caller, title, call.cluster, call.args.alert, asked)
    called = _called(call, deps)  # the workloads the title calls by their names: a look in the watch cache
    if not call.args.new and (words := called.channel_words(title)):
        # "账本服务 5xx" after "支付接口 5xx": two of one workload's names, one incident.
        incidents.refuse_covered(call.caller, title, call.cluster, call.args.alert, asked, words)
    if not call.args.new:
        # "ledger-api pods OOMKilled" after "支付接口一直OOM重启": one workload in other words, one incident.
        incidents.refuse_same_subject(title, call.cluster, asked, _subjects(call, deps))
    snapshot, report = _snapshot(call, deps)
    opening = _runbook(call, deps, report, called)
    declaration = Declaration(
        title=title,
        severity=Severity(call.args.severity),
        cluster=call.cluster,
        caller=call.caller,
        channel=call.channel,
        lang=call.lang,
        snapshot=snapshot,
        runbook=opening.runbook,
        suggestion=opening.suggestion,
        suggestion_intro=opening.intro,
        alert_key=call.args.alert,
        answered_in=call.anchor,
        channel_words=called.channel_words(title),
        new=call.args.new,
        asked=asked,
    )
    return incidents.start(declaration)


@command(
    "incident note",
    aliases=("故障 备注", "故障 记录"),
    args=IncidentNoteArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident note restarted ledger-api, error rate falling",),
)
def incident_note(call: Call[IncidentNoteArgs], deps: Deps) -> views.IncidentNotice:
    """Add a note to the incident's timeline (a 📌 reaction on any message in its channel does the same)."""
    return _incidents(deps).note(_asker(call), call.args.incident, call.args.text)


@command(
    "incident timeline",
    aliases=("故障 时间线",),
    args=IncidentWhichArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident timeline", "/k8s incident timeline --incident 7"),
)
def incident_timeline(call: Call[IncidentWhichArgs], deps: Deps) -> views.IncidentTimeline:
    """The incident's timeline, in order: declaration, alerts, diagnoses, approvals, notes, pins, changes, close.

    Each entry has its time and who; approval requests made in the channel come from the approval audit, with
    who approved or denied them and how the action ended.
    """
    return _incidents(deps).timeline(_asker(call), call.args.incident)


@command(
    "incident severity",
    aliases=("故障 级别",),
    args=IncidentSeverityArgs,
    scope=Scope.NONE,
    requires=None,
    who="the incident's commander or an approver of its cluster",
    examples=("/k8s incident severity sev1",),
)
def incident_severity(call: Call[IncidentSeverityArgs], deps: Deps) -> views.IncidentNotice:
    """Change the incident's severity (its commander, or an operator of its cluster); the topic follows."""
    return _incidents(deps).set_severity(_asker(call), call.args.incident, Severity(call.args.severity))


@command(
    "incident commander",
    aliases=("故障 指挥",),
    args=IncidentCommanderArgs,
    scope=Scope.NONE,
    requires=None,
    who="the incident's commander or an approver of its cluster",
    examples=("/k8s incident commander @bob",),
)
def incident_commander(call: Call[IncidentCommanderArgs], deps: Deps) -> views.IncidentNotice:
    """Hand the incident to a new commander (its commander, or an operator of its cluster); they are invited."""
    return _incidents(deps).set_commander(_asker(call), call.args.incident, call.args.user)


@command(
    "incident close",
    aliases=("故障 关闭", "故障 结束"),
    args=IncidentCloseArgs,
    scope=Scope.NONE,
    requires=None,
    who="the incident's commander or an approver of its cluster",
    examples=("/k8s incident close ledger OOMKilled after the JVM upgrade; limits raised, 20 min of 5xx",),
)
def incident_close(call: Call[IncidentCloseArgs], deps: Deps) -> views.IncidentSummary:
    """Close the incident with a summary (its commander, or an approver of its cluster).

    The summary — duration, impact, timeline, actions taken, runbooks used — is posted in the incident channel
    and in the channel it was declared from, with a button to archive the channel.
    """
    return _incidents(deps).close(_asker(call), call.args.incident, call.args.summary)


@command(
    "incident archive",
    aliases=("故障 归档",),
    args=IncidentIdArgs,
    scope=Scope.NONE,
    requires=None,
    who="the incident's commander or an approver of its cluster",
    examples=("/k8s incident archive 7",),
)
def incident_archive(call: Call[IncidentIdArgs], deps: Deps) -> views.IncidentNotice:
    """Archive a closed incident's channel (its commander, or an approver of its cluster); the record stays."""
    return _incidents(deps).archive(_asker(call), _one(call.args))


@command(
    "incident list",
    args=IncidentListArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    aliases=("incidents", "故障 列表", "故障"),
    examples=("/k8s incident list", "/k8s incident list --all"),
)
def incident_list(call: Call[IncidentListArgs], deps: Deps) -> views.IncidentList:
    """List the open incidents (with `--all`, the closed ones too) of the clusters you have a role on."""
    return _incidents(deps).listing(_asker(call), include_closed=call.args.all)


@command(
    "incident show",
    aliases=("故障 详情",),
    args=IncidentIdArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident show 7",),
)
def incident_show(call: Call[IncidentIdArgs], deps: Deps) -> views.IncidentCard:
    """Show one incident: severity, cluster, commander, channel, state, summary and its latest timeline."""
    return _incidents(deps).show(_asker(call), _one(call.args))


@command(
    "incident export",
    aliases=("故障 导出",),
    args=IncidentExportArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident export 7", "/k8s incident export 7 --jsonl"),
)
def incident_export(call: Call[IncidentExportArgs], deps: Deps) -> views.IncidentExport:
    """Export an incident and its whole timeline as Markdown (a postmortem's start) or JSON lines."""
    return _incidents(deps).export(_asker(call), _one(call.args), jsonl=call.args.jsonl)
