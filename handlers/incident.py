"""`incident start|note|timeline|severity|commander|close|archive|list|show|export`: incident channels.

`incident start` gathers what the channel starts with — the cluster's `health` (or why it could not be read: a
broken cluster is often why there is an incident) and the runbook (`--runbook ID`, else the knowledge base's best
answer to the title) — and hands the rest to `deps.incidents` (`bot.incidents.service.IncidentDesk`), which makes
the channel, keeps the timeline and checks who may change or close an incident. The other commands name their
incident with `--incident ID`, or act on the one whose channel they are typed in.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import Level, Notice, View
from bot.deps import Deps
from bot.errors import AksbotError, NotConfigured, UserError
from bot.i18n import INCIDENT as W
from bot.incidents import views
from bot.incidents.model import Severity
from bot.incidents.ports import Asker, Declaration, Incidents, Runbook
from bot.registry import Call, ClusterCall, Lang, NoArgs, Role, Scope, command
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
)
from handlers.diagnose import health
from handlers.kb import KbEntry, answer


def _incidents(deps: Deps) -> Incidents:
    if deps.incidents is None:
        raise NotConfigured("Incidents are not available here: no incident store is wired into this bot.")
    return deps.incidents


def _asker(call: Call[Any]) -> Asker:
    return Asker(call.caller, call.channel, call.lang, call.correlation_id)


def _snapshot(call: ClusterCall[IncidentStartArgs], deps: Deps) -> View:
    """The cluster's `health` as the channel's first message shows it, or why it could not be read."""
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
        view: View = health(asked, deps).view()  # the registry's decorator leaves handlers typed loosely
    except AksbotError as exc:
        text = W.health_unavailable(call.lang, reason=exc.text())
        return View(text, (Notice(text, Level.WARN),))
    return view


def _runbook(call: ClusterCall[IncidentStartArgs], deps: Deps) -> tuple[Runbook | None, View | None]:
    """The entry named with `--runbook`, else the knowledge base's answer to the title: the runbook to pin. When the
    knowledge base is only unsure which entry the title is about, nothing is pinned as the incident's runbook (a
    guess pinned at the top of an incident channel is followed as if it were known): its closest entries come back
    as a suggestion to post. Neither when it does not know at all."""
    knowledge = deps.knowledge
    asked = call.args.runbook
    if knowledge is None:
        if asked:
            raise NotConfigured("No knowledge base is loaded, so `--runbook` cannot be pinned.")
        return None, None
    if asked:
        entry = knowledge.get(asked.strip())
        if entry is None:
            raise UserError(f"There is no knowledge-base entry `{asked}` (`/k8s kb list` shows them).")
    else:
        found = answer(knowledge, call.args.title)
        if found.entry is None:
            return None, None
        if found.level != "answer":
            return None, found.view()
        entry = found.entry
    template = deps.settings.incidents.runbook_url
    link = template.format(id=entry.id) if template else (entry.sources.docs[0].url if entry.sources.docs else None)
    lang: Lang = call.lang
    return Runbook(entry.id, entry.title.in_lang(lang), KbEntry(entry, lang).view(), link), None


@command(
    "incident start",
    args=IncidentStartArgs,
    scope=Scope.CLUSTER,
    requires=Role.OPERATOR,
    aliases=("incident declare",),
    examples=(
        "/k8s incident start payments API returns 5xx --severity sev2",
        "/k8s incident start node NotReady in userpool --cluster prod",
    ),
)
def incident_start(call: ClusterCall[IncidentStartArgs], deps: Deps) -> views.Declared:
    """Declare an incident: a new channel with the responders, its topic, the cluster's health and runbook pinned.

    The channel is `inc-YYYYMMDD-<title>`; the requester (its commander) and the cluster's on-call people
    (`oncall` in the configuration) are invited; the snapshot (the cluster's `health` and the firing alerts) and
    the runbook the knowledge base answers the title with are pinned (when it is only unsure, its closest entries
    are posted as a suggestion, not pinned); the runbook and the cluster's Azure portal page are bookmarked. If any
    step fails, what was made is cleaned up and the answer says which step and why.
    """
    incidents = _incidents(deps)
    title = " ".join(call.args.title.split())
    runbook, suggestion = _runbook(call, deps)
    declaration = Declaration(
        title=title,
        severity=Severity(call.args.severity),
        cluster=call.cluster,
        caller=call.caller,
        channel=call.channel,
        lang=call.lang,
        snapshot=_snapshot(call, deps),
        runbook=runbook,
        suggestion=suggestion,
        alert_key=call.args.alert,
    )
    return incidents.start(declaration)


@command(
    "incident note",
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
    args=IncidentIdArgs,
    scope=Scope.NONE,
    requires=None,
    who="the incident's commander or an approver of its cluster",
    examples=("/k8s incident archive 7",),
)
def incident_archive(call: Call[IncidentIdArgs], deps: Deps) -> views.IncidentNotice:
    """Archive a closed incident's channel (its commander, or an approver of its cluster); the record stays."""
    return _incidents(deps).archive(_asker(call), call.args.incident)


@command(
    "incident list",
    args=IncidentListArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    aliases=("incidents",),
    examples=("/k8s incident list", "/k8s incident list --all"),
)
def incident_list(call: Call[IncidentListArgs], deps: Deps) -> views.IncidentList:
    """List the open incidents (with `--all`, the closed ones too) of the clusters you have a role on."""
    return _incidents(deps).listing(_asker(call), include_closed=call.args.all)


@command(
    "incident show",
    args=IncidentIdArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident show 7",),
)
def incident_show(call: Call[IncidentIdArgs], deps: Deps) -> views.IncidentCard:
    """Show one incident: severity, cluster, commander, channel, state, summary and its latest timeline."""
    return _incidents(deps).show(_asker(call), call.args.incident)


@command(
    "incident export",
    args=IncidentExportArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s incident export 7", "/k8s incident export 7 --jsonl"),
)
def incident_export(call: Call[IncidentExportArgs], deps: Deps) -> views.IncidentExport:
    """Export an incident and its whole timeline as Markdown (a postmortem's start) or JSON lines."""
    return _incidents(deps).export(_asker(call), call.args.incident, jsonl=call.args.jsonl)
