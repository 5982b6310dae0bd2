"""`IncidentDesk`: declare an incident, keep its timeline, close it — through the workspace port and the store.

Declaring is a sequence of steps in the chat workspace (create the channel — another name when Slack says it is
taken —, invite the requester and the cluster's on-call people, set the topic, post and pin the snapshot and
the runbook, bookmark the runbook and the cluster in the Azure portal) bracketed by the store: the record is
reserved first (`opening`, invisible) and opened last. When any step fails, what was made is undone — the channel
archived, the reservation deleted — and the answer says which step failed, why (the missing scope or setting,
as the workspace port words it) and what was cleaned up. A person who could not be invited is not a failure:
the answer names them. Nothing is made for what an open incident of the cluster is already about (a title that
reads the same, or the same alert): the answer names that incident and its channel (`AlreadyOpen`), unless the
declaration insists (`--new`). The store checks it as it reserves the number, so two people clicking one alert's
**Open incident** on two replicas open one incident.

The timeline is written here (declaration, notes, 📌 reactions, severity and commander changes, diagnoses and
runbooks run in the channel through the dispatcher's observer hook, the close) and read together with the
approval trail of the channel and the alerts' events (`bot.incidents.timeline`).

Every change is a compare-and-set in the store, so several replicas may serve the same incident. Who may do
what: declaring needs the operator role on the cluster (the registry checks it); notes and reads a role on the
incident's cluster; severity and commander changes the commander or an operator; closing and archiving the
commander or an approver — checked here against the incident's own cluster.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.approvals.model import State
from bot.azure.settings import AzureSettings
from bot.blocks import Actions, Button, ChannelLink, Context, Level, Notice, Part, Person, Rich, View, plain
from bot.clock import Clock
from bot.errors import AksbotError, Conflict, NotAuthorized, NotConfigured, NotFound, Refused, Upstream, UserError
from bot.groups import GroupDirectory
from bot.i18n import ERRORS, Lang, Msg, Said, joined, said
from bot.i18n import INCIDENT as W
from bot.incidents.alerts import AlertDesk, IncidentLink, IncidentScope, NoAlerts, TimelineSource
from bot.incidents.model import (
    EntryKind,
    Incident,
    IncidentState,
    Severity,
    TimelineEntry,
    channel_name,
)
from bot.incidents.model import (
    channel_words as incident_channel_words,
)
from bot.incidents.ports import (
    NO_SUCH_USER,
    Asker,
    Channel,
    Declaration,
    NameTaken,
    NotInChannel,
    Reaction,
    Workspace,
)
from bot.incidents.store import Draft, Duplicate, IncidentStore
from bot.incidents.timeline import incident_approvals, made_while_open, merged
from bot.incidents.views import (
    Declared,
    FiringState,
    IncidentCard,
    IncidentExport,
    IncidentList,
    IncidentNotice,
    IncidentSnapshot,
    IncidentSummary,
    IncidentTimeline,
    timeline_ref,
)
from bot.parser import ParsedCommand, Parser, normalise
from bot.refs import CommandRef
from bot.registry import REGISTRY, Caller, Registry, Role
from bot.settings import Settings, role_name
from bot.surface import Incoming, MessageRef
from bot.timefmt import day_time, lasted

if TYPE_CHECKING:
    from bot.dispatch import Outcome

log = logging.getLogger("aksbot.incidents")

# How many names (`…-2`, `…-3`, …) to try when Slack says a channel name is taken.
NAME_ATTEMPTS = 20
# A compare-and-set that keeps losing to other changes gives up after this many reads.
CAS_ATTEMPTS = 5
# Mentions that are nobody in particular.
BROADCASTS = frozenset({"here", "channel", "everyone"})
PIN_REACTIONS = frozenset({"pushpin", "round_pushpin"})
# Commands run in an incident channel that go on its timeline.
OBSERVED = frozenset({"diagnose node", "diagnose pod", "diagnose cluster", "health", "kb show"})
MAX_TOPIC_TITLE = 100

_PORTALS = {"AzureCloud": "https://portal.azure.com", "AzureChinaCloud": "https://portal.azure.cn"}


def portal_link(azure: AzureSettings) -> str:
    """The AKS cluster's page in the Azure portal of its cloud (Azure China has its own portal host)."""
    host = _PORTALS[azure.cloud]
    tenant = f"@{azure.tenant_id}/" if azure.tenant_id else ""
    return (
        f"{host}/#{tenant}resource/subscriptions/{azure.subscription_id}/resourceGroups/{azure.resource_group}"
        f"/providers/Microsoft.ContainerService/managedClusters/{azure.cluster_name}/overview"
    )


def _declaration_failed(step: Msg, exc: AksbotError, cleanup: Said) -> AksbotError:
    message = said(W.declaration_failed, step=said(step), reason=exc.text(), cleanup=cleanup)
    if isinstance(exc, NotConfigured):
        return NotConfigured(message)
    if isinstance(exc, UserError | Refused | NotAuthorized):
        return Refused(message)
    return Upstream(message, temporary=False)


class AlreadyOpen(Refused):
    """An open incident of the cluster is about the same (`store.Duplicate`): the answer names it and its channel,
    with its timeline and the same declaration again with `--new`, for when it really is another incident."""

    level = Level.INFO

    def __init__(self, duplicate: Duplicate, again: CommandRef | None) -> None:
        self.incident = duplicate.incident
        self.by_alert = duplicate.by_alert
        self.again = again if again is not None and again.fits_a_button() else None
        super().__init__(plain(self.words("en")))

    def words(self, lang: Lang) -> Rich:
        i = self.incident
        channel = ChannelLink(i.channel) if i.channel else W.channel_being_made(lang)
        if self.by_alert:
            return W.already_open_alert.rich(
                lang, label=i.label, alert=i.alert_key, cluster=i.cluster, channel=channel, title=i.title
            )
        return W.already_open.rich(lang, label=i.label, cluster=i.cluster, channel=channel, title=i.title)

    def view(self, lang: Lang = "en") -> View:
        words = self.words(lang)
        buttons: list[Button] = []
        if self.incident.is_open:
            buttons.append(Button(W.timeline_button(lang), timeline_ref(self.incident)))
        if self.again is not None:
            buttons.append(Button(W.declare_anyway(lang), self.again))
        body = (Notice(words, self.level), Actions(tuple(buttons))) if buttons else (Notice(words, self.level),)
        return View(plain(words), body)


def _already_open(covered: Duplicate, asked: CommandRef | None) -> AlreadyOpen:
    """The refusal naming the open incident, with the same declaration again with `--new` as its button."""
    again = dataclasses.replace(asked, args=asked.args.model_copy(update={"new": True})) if asked else None
    return AlreadyOpen(covered, again)


class IncidentDesk:
    """Implements `bot.incidents.ports.Incidents` (and the reaction and observer hooks the surfaces call)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        store: IncidentStore,
        workspace: Workspace,
        groups: GroupDirectory,
        *,
        alerts: AlertDesk | None = None,
        alert_timeline: TimelineSource | None = None,
        registry: Registry = REGISTRY,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.workspace = workspace
        self.groups = groups
        self.alerts: AlertDesk = alerts or NoAlerts()
        self.alert_timeline: TimelineSource = alert_timeline or NoAlerts()
        self.registry = registry
        # An incident's channel → its cluster and language (`cluster_of`, `lang_of`), which never change.
        self._channels: dict[str, tuple[str, Lang]] = {}

    # -- declare ---------------------------------------------------------------------------------------------
    def refuse_covered(self, caller: Caller, title: str, cluster: str, alert_key: str | None,
                       asked: CommandRef | None, channel_words: str | None = None) -> None:
        """Raise `AlreadyOpen` at once when an open incident of the cluster already covers this declaration (the
        same title, alert or named workload), before the cluster is read for it; `start` checks again, atomically."""
        draft = Draft(title, Severity.SEV3, cluster, caller.id, caller.id, None, "en", alert_key, None,
                      self.clock.now(), _topic(channel_words))
        covered = self.store.covering(draft)
        if covered is not None:
            raise _already_open(covered, asked)

    def refuse_same_subject(self, title: str, cluster: str, asked: CommandRef | None,
                            subjects: Callable[[str], frozenset[str]]) -> None:
        """Raise `AlreadyOpen` when an open incident of the cluster names one of the workloads or nodes this title
        names ("支付接口一直OOM重启" after "ledger-api pods OOMKilled"): the same problem in other words pages nobody
        twice. `subjects` reads a title's objects from the cluster (both titles against the cluster as it is now)."""
        mine = subjects(title)
        if not mine:
            return
        for incident in self.store.listing(include_closed=False, clusters=[cluster], limit=100):
            if incident.state is IncidentState.OPEN and subjects(incident.title) & mine:
                raise _already_open(Duplicate(incident, by_alert=False), asked)

    def start(self, declaration: Declaration) -> Declared:
        d = declaration
        now = self.clock.now()
        reserved = self.store.reserve(
            Draft(
                title=d.title,
                severity=d.severity,
                cluster=d.cluster,
                commander=d.caller.id,
                declared_by=d.caller.id,
                declared_in=d.channel,
                lang=d.lang,
                alert_key=d.alert_key,
                runbook=d.runbook.id if d.runbook else None,
                declared_at=now,
                topic=_topic(d.channel_words),
            ),
            alone=not d.new,
        )
        if isinstance(reserved, Duplicate):
            raise _already_open(reserved, d.asked)
        incident = reserved
        made: Channel | None = None
        step = W.step_create
        try:
            made = self._create_channel(_channel_title(d), now)
            shown = dataclasses.replace(incident, state=IncidentState.OPEN, channel=made.id, channel_name=made.name)
            step = W.step_invite
            invited, warnings = self._invite(made.id, shown, d.caller.id)
            step = W.step_topic
            self.workspace.set_topic(made.id, self._topic(shown))
            step = W.step_post_snapshot
            snapshot = self.workspace.post(made.id, IncidentSnapshot(shown, d.snapshot, self._firing(d.cluster)).view())
            step = W.step_pin_snapshot
            self.workspace.pin(snapshot)
            if d.runbook is not None:
                step = W.step_post_runbook
                intro = W.runbook_intro(d.lang, id=d.runbook.id)
                runbook = self.workspace.post(made.id, _with_intro(d.runbook.view, intro))
                step = W.step_pin_runbook
                self.workspace.pin(runbook)
                if d.runbook.link:
                    step = W.step_bookmark_runbook
                    self.workspace.bookmark(made.id, W.bookmark_runbook(d.lang, id=d.runbook.id), d.runbook.link)
            elif d.suggestion is not None:
                step = W.step_post_suggestion
                intro = d.suggestion_intro or W.runbook_unsure(d.lang)
                self.workspace.post(made.id, _with_intro(d.suggestion, intro))
            cluster = self.settings.cluster(d.cluster)
            if cluster is not None and cluster.azure is not None:
                step = W.step_bookmark_portal
                portal = W.bookmark_portal(d.lang, cluster=d.cluster)
                self.workspace.bookmark(made.id, portal, portal_link(cluster.azure))
            step = W.step_save
            if not self.store.open(incident.id, made.id, made.name):
                raise Conflict(said(W.changed_while_declared, label=incident.label))
            text = f"{d.title} ({d.severity.label}, `{d.cluster}`)"  # no words of one language: it is read in both
            data = json.dumps({"alert": d.alert_key} if d.alert_key else {})
            self.store.append(
                incident.id, TimelineEntry(now, EntryKind.DECLARED, d.caller.id, text, data=data), "declared"
            )
        except AksbotError as exc:
            raise _declaration_failed(step, exc, self._undo(incident, made)) from None
        except Exception:
            log.exception("declaring %s failed while %s", incident.label, step("en"))
            cleanup = self._undo(incident, made)
            raise Upstream(said(W.declaration_broke, step=said(step), cleanup=cleanup), temporary=False) from None
        opened = self._get(incident.id)
        if d.alert_key:
            warnings += self._link_alert(d.alert_key, opened, d.lang, d.answered_in)
        return Declared(opened, invited, tuple(warnings), d.lang)

    def _create_channel(self, title: str, now: datetime) -> Channel:
        for attempt in range(1, NAME_ATTEMPTS + 1):
            try:
                return self.workspace.create_channel(
                    channel_name(title, now, attempt), private=self.settings.incidents.private
                )
            except NameTaken:
                continue
        first, last = channel_name(title, now), channel_name(title, now, NAME_ATTEMPTS)
        raise Conflict(said(W.names_taken, first=first, last=last))

    def _invite(self, channel: str, incident: Incident, requester: str) -> tuple[tuple[str, ...], list[Rich]]:
        """Invite the requester and the cluster's on-call people; who could not be is a warning, not a failure."""
        lang = incident.lang
        wanted = [requester]
        warnings: list[Rich] = []
        cluster = self.settings.cluster(incident.cluster)
        for member in cluster.oncall if cluster is not None else []:
            members = self.groups.people(member)
            if members is None:
                warnings.append((Person(member), f": {W.group_unknown(lang)}"))
                continue
            wanted += sorted(members)
        users = tuple(dict.fromkeys(wanted))
        result = self.workspace.invite(channel, users)
        for user, why in result.refused:
            warnings.append((f"{W.could_not_invite(lang)} ", Person(user), f": {why}"))
        return result.users, warnings

    def _topic(self, incident: Incident) -> Rich:
        title = incident.title if len(incident.title) <= MAX_TOPIC_TITLE else incident.title[:MAX_TOPIC_TITLE] + "…"
        words = W.topic(incident.lang, severity=incident.severity.label, title=title, cluster=incident.cluster)
        return (f"🚨 {words}", Person(incident.commander))

    def _firing(self, cluster: str) -> FiringState:
        try:
            return FiringState(tuple(self.alerts.firing(cluster)), not_evaluated=self.alerts.not_evaluated(cluster))
        except AksbotError as exc:
            return FiringState(error=exc.message)
        except Exception:
            log.warning("the alerts side failed to list firing alerts on %s", cluster, exc_info=True)
            return FiringState(error=said(W.alerts_failed))

    def _link_alert(self, alert_key: str, incident: Incident, lang: str, answered_in: MessageRef | None
                    ) -> list[Rich]:
        try:
            self.alerts.link_incident(alert_key, _link(incident), answered_in=answered_in)
        except AksbotError as exc:
            return [W.not_linked(lang, reason=exc.message)]
        except Exception:
            log.warning("linking alert %s to %s failed", alert_key, incident.label, exc_info=True)
            return [W.not_linked(lang, reason=W.alerts_failed(lang))]
        return []

    def _undo(self, incident: Incident, made: Channel | None) -> Said:
        """Take back what a failed declaration made; says what was cleaned up (or what is left to do by hand)."""
        notes: list[Said] = []
        if made is not None:
            try:
                self.workspace.archive(made.id)
                notes.append(said(W.channel_archived, name=made.name))
            except AksbotError as exc:
                notes.append(said(W.channel_left, name=made.name, reason=exc.message))
        try:
            self.store.discard(incident.id)
        except AksbotError as exc:
            log.warning("could not delete the reservation of %s: %s", incident.label, exc.message)
        if not notes:
            return said(W.nothing_left)
        return said(W.cleaned_up, notes=joined(notes, "; ", "；"))

    # -- the timeline, written ---------------------------------------------------------------------------------
    def note(self, asker: Asker, incident_id: int | None, text: str) -> IncidentNotice:
        incident = self._resolve(asker, incident_id)
        self._require_open(incident)
        self._require_role(asker, incident, Role.VIEWER, W.to_note)
        words = " ".join(text.split())
        if not words:
            raise UserError(said(W.note_needs_text))
        entry = TimelineEntry(self.clock.now(), EntryKind.NOTE, asker.caller.id, words)
        self.store.append(incident.id, entry, f"note:{asker.correlation_id}:{uuid.uuid4().hex}")
        return IncidentNotice(W.noted(asker.lang, label=incident.label))

    def set_severity(self, asker: Asker, incident_id: int | None, severity: Severity) -> IncidentNotice:
        incident = self._resolve(asker, incident_id)
        self._require_open(incident)
        self._require_commander_or(asker, incident, Role.OPERATOR, W.to_set_severity)
        for _ in range(CAS_ATTEMPTS):
            if incident.severity is severity:
                return IncidentNotice(W.already(asker.lang, label=incident.label), Level.INFO)
            if self.store.change(incident, severity=severity):
                break
            incident = self._get(incident.id)
            self._require_open(incident)
        else:
            raise Conflict(said(W.severity_kept_changing, label=incident.label))
        old = incident.severity
        entry = TimelineEntry(self.clock.now(), EntryKind.SEVERITY, asker.caller.id, f"{old.label} → {severity.label}")
        self.store.append(incident.id, entry, f"severity:{incident.version + 1}")
        changed = self._get(incident.id)
        warnings = self._retopic(changed, asker.lang)
        text = W.severity_changed(asker.lang, label=incident.label, old=old.label, new=severity.label)
        return IncidentNotice(text if not warnings else (text, " ", *_flat(warnings)))

    def set_commander(self, asker: Asker, incident_id: int | None, commander: str) -> IncidentNotice:
        mention = commander.strip()
        who = mention.removeprefix("@")
        # A person, mentioned: a bare word is most likely a typo, and @here or @channel is nobody in particular.
        if not mention.startswith("@") or not who or any(c.isspace() for c in who) or who in BROADCASTS:
            raise UserError(said(W.name_the_commander))
        incident = self._resolve(asker, incident_id)
        self._require_open(incident)
        self._require_commander_or(asker, incident, Role.OPERATOR, W.to_set_commander)
        # Invited first, so a person Slack does not know never becomes the commander (nobody could then close it).
        warnings: list[Rich] = []
        if incident.channel:
            try:
                invited = self.workspace.invite(incident.channel, (who,))
            except AksbotError as exc:
                warnings.append((f"{W.could_not_invite(asker.lang)} ", Person(who), f": {exc.message}"))
            else:
                if any(why in NO_SUCH_USER for _, why in invited.refused):
                    raise UserError(said(W.no_such_person, user=who))
                could_not = W.could_not_invite(asker.lang)
                warnings += [(f"{could_not} ", Person(u), f": {why}") for u, why in invited.refused]
        for _ in range(CAS_ATTEMPTS):
            if incident.commander == who:
                return IncidentNotice(W.already(asker.lang, label=incident.label), Level.INFO)
            if self.store.change(incident, commander=who):
                break
            incident = self._get(incident.id)
            self._require_open(incident)
        else:
            raise Conflict(said(W.commander_kept_changing, label=incident.label))
        entry = TimelineEntry(self.clock.now(), EntryKind.COMMANDER, asker.caller.id, "", subject=who)
        self.store.append(incident.id, entry, f"commander:{incident.version + 1}")
        changed = self._get(incident.id)
        warnings = self._retopic(changed, asker.lang) + warnings
        text: Rich = (W.commander_now(asker.lang, label=incident.label) + " ", Person(who), ".")
        if warnings:
            text = (*text, " ", *_flat(warnings))
        return IncidentNotice(text)

    def _retopic(self, incident: Incident, lang: str) -> list[Rich]:
        if not incident.channel:
            return []
        try:
            self.workspace.set_topic(incident.channel, self._topic(incident))
        except AksbotError as exc:
            return [W.topic_failed(lang, reason=exc.message)]
        return []

    # -- close and archive -----------------------------------------------------------------------------------
    def close(self, asker: Asker, incident_id: int | None, summary: str) -> IncidentSummary:
        incident = self._resolve(asker, incident_id)
        words = " ".join(summary.split())
        if not words:
            raise UserError(said(W.close_needs_summary))
        if incident.state is IncidentState.CLOSED:
            raise Refused(self._already_closed(incident))
        self._require_commander_or(asker, incident, Role.APPROVER, W.to_close)
        now = self.clock.now()
        if not self.store.close(incident.id, at=now, by=asker.caller.id, summary=words):
            raise Refused(self._already_closed(self._get(incident.id)))
        self.store.append(incident.id, TimelineEntry(now, EntryKind.CLOSED, asker.caller.id, words), "closed")
        closed = self._get(incident.id)
        entries = tuple(self._entries(closed))
        waiting = self._still_waiting(closed, now)
        warnings: list[Rich] = []
        posted = IncidentSummary(closed, entries, closed.lang, waiting=waiting).view()
        places = [closed.channel, closed.declared_in]
        for channel in dict.fromkeys(c for c in places if c and c != asker.channel):
            warnings += self._post_summary(channel, posted, asker.lang)
        if closed.alert_key:  # its alert's card says it was closed; the channel stops getting the alert's updates
            try:
                self.alerts.incident_closed(closed.alert_key, _link(closed))
            except Exception:  # the close stands; the card only lags
                log.warning("telling alert %s that %s closed failed", closed.alert_key, closed.label, exc_info=True)
        if closed.channel:
            spent = lasted((now - closed.declared_at).total_seconds(), closed.lang)
            topic = W.topic_closed(
                closed.lang, duration=spent, title=closed.title[:MAX_TOPIC_TITLE], cluster=closed.cluster
            )
            try:
                self.workspace.set_topic(closed.channel, f"✅ {topic}")
            except AksbotError as exc:
                warnings.append(W.topic_failed(asker.lang, reason=exc.message))
        return IncidentSummary(closed, entries, asker.lang, tuple(warnings), waiting)

    def _still_waiting(self, incident: Incident, now: datetime) -> tuple[tuple[str, str], ...]:
        """The approval requests made in the incident's channel that still wait for an approver, as (id, action):
        closing the incident does not stop them, so the close says so (a risky action must not run unseen)."""
        if not incident.channel:
            return ()
        try:
            trail = self.store.approval_trail(incident.channel)
        except AksbotError as exc:
            log.warning("the requests of %s could not be read at its close: %s", incident.label, exc.message)
            return ()
        return tuple((r.id, r.preview.action_in(incident.lang)) for r, _ in trail
                     if r.state is State.PENDING and not r.is_due(now) and made_while_open(r, incident.closed_at))

    def _post_summary(self, channel: str, view: View, lang: str) -> list[Rich]:
        where = "#" + channel
        try:
            try:
                self.workspace.post(channel, view)
            except NotInChannel:
                self.workspace.join(channel)  # a public channel it answered in through slash commands only
                self.workspace.post(channel, view)
        except AksbotError as exc:
            return [W.posted_failed(lang, where=where, reason=exc.message)]
        return []

    def _already_closed(self, incident: Incident) -> Said:
        when = f"{day_time(incident.closed_at)} UTC" if incident.closed_at else "?"
        return said(W.already_closed, label=incident.label, when=when, id=incident.id)

    def archive(self, asker: Asker, incident_id: int | None) -> IncidentNotice:
        incident = self._resolve(asker, incident_id)
        if incident.state is not IncidentState.CLOSED:
            raise Refused(said(W.still_open, label=incident.label))
        if incident.archived or not incident.channel:
            return IncidentNotice(W.already(asker.lang, label=incident.label), Level.INFO)
        self._require_commander_or(asker, incident, Role.APPROVER, W.to_archive)
        self.workspace.archive(incident.channel)
        if self.store.mark_archived(incident.id):
            entry = TimelineEntry(self.clock.now(), EntryKind.ARCHIVED, asker.caller.id, f"#{incident.channel_name}")
            self.store.append(incident.id, entry, "archived")
        return IncidentNotice(W.archived(asker.lang, channel=incident.channel_name or "?", label=incident.label))

    # -- reads -------------------------------------------------------------------------------------------------
    def timeline(self, asker: Asker, incident_id: int | None) -> IncidentTimeline:
        incident = self._resolve(asker, incident_id)
        self._require_role(asker, incident, Role.VIEWER, W.to_read)
        return IncidentTimeline(incident, tuple(self._entries(incident)), asker.lang)

    def show(self, asker: Asker, incident_id: int | None) -> IncidentCard:
        incident = self._resolve(asker, incident_id)
        self._require_role(asker, incident, Role.VIEWER, W.to_read)
        return IncidentCard(incident, tuple(self._entries(incident)), asker.lang)

    def export(self, asker: Asker, incident_id: int | None, *, jsonl: bool) -> IncidentExport:
        incident = self._resolve(asker, incident_id)
        self._require_role(asker, incident, Role.VIEWER, W.to_export)
        return IncidentExport(incident, tuple(self._entries(incident)), jsonl, asker.lang)

    def listing(self, asker: Asker, *, include_closed: bool) -> IncidentList:
        names = self.settings.cluster_names()
        caller = asker.caller
        seen = [n for n in names if self.settings.role_of(caller.id, caller.groups, n) is not None]
        visible = None if len(seen) == len(names) else seen
        found = self.store.listing(include_closed=include_closed, clusters=visible, limit=50)
        return IncidentList(tuple(found), include_closed, asker.lang)

    def cluster_of(self, channel: str) -> str | None:
        found = self._channel(channel)
        return found[0] if found else None

    def lang_of(self, channel: str) -> Lang | None:
        found = self._channel(channel)
        return found[1] if found else None

    def _channel(self, channel: str) -> tuple[str, Lang] | None:
        # An incident's channel keeps its cluster and language for good, so once found they are remembered; a channel
        # that is none (yet) is asked again, as its incident may be saved a moment after the channel was made.
        found = self._channels.get(channel)
        if found is None:
            incident = self.store.in_channel(channel)
            if incident is None:
                return None
            lang: Lang = "zh" if incident.lang == "zh" else "en"
            found = self._channels[channel] = (incident.cluster, lang)
        return found

    def open_incidents(self, cluster: str) -> list[IncidentLink]:
        """The open incidents of a cluster with their channels (for the alerts side's routing)."""
        return [_link(i) for i in self.store.listing(include_closed=False, clusters=[cluster], limit=50) if i.channel]

    def _entries(self, incident: Incident) -> list[TimelineEntry]:
        own = self.store.entries(incident.id)
        # A request made in the channel after the close is not the incident's; what became of one made before it is,
        # marked as after the close (see `bot.incidents.timeline`).
        trail = self.store.approval_trail(incident.channel) if incident.channel else []
        approvals = incident_approvals(trail, incident.closed_at)
        scope = IncidentScope(incident.cluster, incident.declared_at, incident.closed_at, incident.alert_key)
        try:
            alerts = list(self.alert_timeline.timeline(scope))
        except Exception:  # the alert store being down must not hide the rest of the timeline
            log.warning("alert events of %s could not be read", incident.label, exc_info=True)
            alerts = []
        return merged(own, approvals, alerts)

    # -- events from the surfaces ------------------------------------------------------------------------------
    def on_reaction(self, reaction: Reaction) -> bool:
        """A 📌 reaction on a message in an open incident's channel puts that message on the timeline (once,
        however many replicas or retries see the event). True when it was added."""
        if reaction.name not in PIN_REACTIONS:
            return False
        message = reaction.message
        incident = self.store.in_channel(message.channel)
        if incident is None or not incident.is_open:
            return False
        groups = self.groups.groups_of(reaction.user)
        if self.settings.role_of(reaction.user, groups, incident.cluster) is None:
            log.info("a pin by %s in %s ignored: no role on %s", reaction.user, incident.label, incident.cluster)
            return False
        try:
            text = self.workspace.message_text(message)
        except AksbotError as exc:
            log.warning("the pinned message %s in %s could not be read: %s", message.ts, incident.label, exc.message)
            text = f"(the message could not be read: {exc.message})"
        # Slack's markup (`<@U…>`, `<#C…|name>`, links, entities) read as people wrote it.
        quoted = f"“{normalise(text or '(an empty message)')}”"
        data = json.dumps({"channel": message.channel, "ts": message.ts})
        entry = TimelineEntry(self.clock.now(), EntryKind.PIN, reaction.user, quoted, data=data)
        return self.store.append(incident.id, entry, f"pin:{message.channel}:{message.ts}:{reaction.user}")

    def observe(self, incoming: Incoming, outcome: Outcome) -> None:
        """The dispatcher's observer: a diagnosis or a runbook read in an open incident's channel goes on its
        timeline, with the command as it ran and its one-line answer."""
        if outcome.status != "ok" or outcome.command not in OBSERVED or not incoming.channel:
            return
        incident = self.store.in_channel(incoming.channel)
        if incident is None or not incident.is_open:
            return
        ref = incoming.ref
        if ref is None:
            parsed = Parser(self.registry).parse(incoming.text, incoming.kind)
            ref = parsed.ref if isinstance(parsed, ParsedCommand) else None
        if ref is None:
            return
        text = f"`{ref.text()}` — {outcome.view.summary}"
        if outcome.command == "kb show":
            kind, data = EntryKind.RUNBOOK, {"runbook": str(getattr(ref.args, "entry", ""))}
        else:
            kind, data = EntryKind.DIAGNOSIS, {}
        entry = TimelineEntry(self.clock.now(), kind, incoming.user, text, data=json.dumps(data))
        self.store.append(incident.id, entry, f"run:{outcome.correlation_id}")

    # -- helpers -----------------------------------------------------------------------------------------------
    def _get(self, incident_id: int) -> Incident:
        incident = self.store.get(incident_id)
        if incident is None or incident.state is IncidentState.OPENING:
            label = f"INC-{incident_id}"
            raise NotFound(said(W.no_such_incident, label=label), kind="incident", name=label)
        return incident

    def _resolve(self, asker: Asker, incident_id: int | None) -> Incident:
        """The incident named, else the one whose channel the command was typed in."""
        if incident_id is not None:
            return self._get(incident_id)
        incident = self.store.in_channel(asker.channel) if asker.channel else None
        if incident is None:
            raise UserError(said(W.not_incident_channel, id=self._example_label(asker)))
        return incident

    def _example_label(self, asker: Asker) -> str:
        """An incident to name in an example: the newest the asker may see (open ones first), else the first one."""
        caller = asker.caller
        names = self.settings.cluster_names()
        seen = [n for n in names if self.settings.role_of(caller.id, caller.groups, n) is not None]
        try:
            newest = self.store.listing(include_closed=True, clusters=seen, limit=1)
        except AksbotError:
            newest = []
        return newest[0].label if newest else "INC-1"

    def _require_open(self, incident: Incident) -> None:
        if incident.state is not IncidentState.OPEN:
            raise Refused(said(W.is_closed, label=incident.label))

    def _role(self, caller: Caller, incident: Incident) -> Role | None:
        return self.settings.role_of(caller.id, caller.groups, incident.cluster)

    def _require_role(self, asker: Asker, incident: Incident, role: Role, what: Msg) -> None:
        have = self._role(asker.caller, incident)
        if have is None or have < role:
            raise NotAuthorized(said(W.may_not_without_role, **_refusal(incident, role, have, what)))

    def _require_commander_or(self, asker: Asker, incident: Incident, role: Role, what: Msg) -> None:
        if asker.caller.id == incident.commander:
            return
        have = self._role(asker.caller, incident)
        if have is None or have < role:
            raise NotAuthorized(said(W.may_not_unless_commander, **_refusal(incident, role, have, what)))


def _refusal(incident: Incident, role: Role, have: Role | None, what: Msg) -> dict[str, object]:
    """The values of a refusal: what was asked (`what`, about this incident), the role it needs, the asker's."""
    return {
        "what": said(what, label=incident.label),
        "role": role_name(role),
        "cluster": incident.cluster,
        "have": role_name(have) if have is not None else said(ERRORS.no_role),
    }


def _link(incident: Incident) -> IncidentLink:
    return IncidentLink(
        incident.id,
        incident.label,
        incident.title,
        incident.cluster,
        incident.channel or "",
        incident.channel_name or "",
    )


def _with_intro(view: View, intro: str) -> View:
    return View(view.summary, (Context(intro), *view.blocks))


def _flat(parts: Sequence[Rich]) -> tuple[Part, ...]:
    out: list[Part] = []
    for i, part in enumerate(parts):
        if i:
            out.append(" ")
        out.extend((part,) if isinstance(part, str) else part)
    return tuple(out)


def _channel_title(d: Declaration) -> str:
    """What the channel's name is made from: the workloads a title calls by their given names, else the title; a title
    with no Latin letters or digits (all Chinese) is named by the runbook it got (`node-notready`), else as an
    incident of its cluster (`prod-incident`), never the same bare `incident` for every one."""
    if d.channel_words:
        return d.channel_words
    if incident_channel_words(d.title) != "incident":
        return d.title
    return d.runbook.id if d.runbook is not None else f"{d.cluster} incident"


def _topic(channel_words: str | None) -> str | None:
    """What a declaration whose title calls a workload by one of its names is about, as its channel would name it
    (the words `channel_topic` reads from an open incident's channel); None when it calls none, or in no ASCII."""
    if not channel_words:
        return None
    words = incident_channel_words(channel_words)
    return words if words != "incident" else None
