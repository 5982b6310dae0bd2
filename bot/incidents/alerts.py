"""The seams between alerts and incidents: what the alerts side calls, and what it implements.

The alerts work (the alert messages, their store and leader) is built apart from incidents; these are the only
places the two meet, so each side can be built and tested on its own.

What the alerts side **calls**:

- `open_incident_ref(title=…, cluster=…, severity=…, alert_key=…, runbook=…)` → the `CommandRef` of the
  **Open incident** button on an alert message: `incident start <title> --severity … --alert KEY [--runbook ID]`
  on the alert's cluster. A click runs it as the clicking user (an operator), exactly like typing it: the
  incident record keeps `alert_key`, so the incident links back to its alert. Keep the key short (a fingerprint
  or a hash, not a whole Alertmanager group key): the reference must fit in a button (`ValueError` otherwise).
- `incident_severity(alert_severity)` maps an alert's severity (`critical`, `warning`, `info`, Azure's
  `Sev0`–`Sev4`) to the incident's (`sev1`–`sev4`).
- `IncidentDesk.open_incidents(cluster)` (in `bot.incidents.service`) lists the open incidents of a cluster
  with their channels (`IncidentLink`), for routing the cluster's alerts into them while they are open.

What the alerts side **implements** (and hands to `bot.app.assemble(…, alerts=…)`):

- `AlertDesk.firing(cluster)`: the alerts firing now on a cluster, for the snapshot posted in a new incident
  channel;
- `AlertDesk.not_evaluated(cluster)`: whether that list can be trusted to be complete. The alerts the side finds
  itself by scanning the cluster (the bot's own watcher) are only as current as its last scan: moments after a
  start, a deploy or a leader change none has finished yet, and an empty list then means "not looked", not "all
  is well". `NotEvaluated` says so, with the last scan if there was one; None when the cluster's alerts are
  evaluated (or nothing scans it: pushed alerts are current as they arrive);
- `AlertDesk.link_incident(alert_key, incident)`: post a link to the new incident channel in the originating
  alert's thread (and show it on the alert message if it wants);
- `TimelineSource.timeline(scope)`: the alert events (`ALERT_FIRING`, `ALERT_ESCALATED`, `ALERT_RESOLVED`,
  `ALERT_ACKNOWLEDGED` entries, with the person who acknowledged as `actor`, and `data` a JSON object that may
  name the `alert` key and its `runbook`, which the summary lists) of the incident's cluster between its
  declaration and its close, and every event of the alert it was opened from (its firing came first) — read from
  the alert store each time, never copied into the incident's own timeline.

Until then `NoAlerts` stands in: no alert is firing, nothing is left to evaluate and no alert event is on any
timeline. Tests use a fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.incidents.model import Severity, TimelineEntry
from bot.refs import CommandRef
from bot.surface import MessageRef
from handlers.args import IncidentStartArgs

# A title longer than this is clipped on the button (the channel name is shorter still).
MAX_TITLE = 150

_SEVERITIES = {
    "critical": Severity.SEV2,
    "error": Severity.SEV2,
    "high": Severity.SEV2,
    "warning": Severity.SEV3,
    "warn": Severity.SEV3,
    "info": Severity.SEV4,
    "none": Severity.SEV4,
    "sev0": Severity.SEV1,
    "sev1": Severity.SEV2,
    "sev2": Severity.SEV3,
    "sev3": Severity.SEV4,
    "sev4": Severity.SEV4,
}


def incident_severity(alert_severity: str | None) -> Severity:
    """An alert's severity as an incident's: Azure's Sev0 is the worst (sev1); `critical` is sev2 (people raise
    it to sev1 when customers see it); anything unknown is sev3."""
    return _SEVERITIES.get((alert_severity or "").strip().lower(), Severity.SEV3)


def open_incident_ref(
    *, title: str, cluster: str, severity: Severity | str, alert_key: str, runbook: str | None = None
) -> CommandRef:
    """The command an alert's **Open incident** button runs (see the module docstring)."""
    words = " ".join(title.split())
    if len(words) > MAX_TITLE:
        words = words[: MAX_TITLE - 1].rstrip() + "…"
    level = severity if isinstance(severity, Severity) else incident_severity(severity)
    args = IncidentStartArgs(title=words or "alert", severity=level.value, alert=alert_key, runbook=runbook)
    ref = CommandRef("incident start", args, cluster=cluster)
    if not ref.fits_a_button():
        raise ValueError(f"the Open incident reference for alert {alert_key[:40]!r}… does not fit in a button")
    return ref


@dataclass(frozen=True)
class FiringAlert:
    """One alert firing now, as the snapshot shows it."""

    key: str
    title: str
    severity: str
    since: datetime
    summary: str = ""
    runbook: str | None = None


@dataclass(frozen=True)
class NotEvaluated:
    """The alerts of a cluster are not evaluated lately: its scans have not finished one yet (`last_scan` None) or
    not since `last_scan`. Alerts pushed to the bot (Alertmanager, Azure Monitor) are listed all the same."""

    last_scan: datetime | None = None


@dataclass(frozen=True)
class IncidentLink:
    """An incident as the alerts side needs it: where its channel is."""

    incident_id: int
    label: str  # INC-7
    title: str
    cluster: str
    channel: str
    channel_name: str
    closed: bool = False  # the incident was closed (the problem may fire on): the card says so and offers a new one


@dataclass(frozen=True)
class IncidentScope:
    """Which alert events belong on an incident's timeline: its cluster, its time span, the alert it is about."""

    cluster: str
    since: datetime
    until: datetime | None
    alert_key: str | None


class AlertDesk(Protocol):
    def firing(self, cluster: str) -> Sequence[FiringAlert]: ...

    def not_evaluated(self, cluster: str) -> NotEvaluated | None: ...

    def link_incident(self, alert_key: str, incident: IncidentLink, *, answered_in: MessageRef | None = None
                      ) -> None:
        """The incident was opened for the alert: its messages show it, and their threads get a link to its channel
        — but for the message the declaration's answer went under (`answered_in`), which says it already."""
        ...

    def incident_closed(self, alert_key: str, incident: IncidentLink) -> None:
        """The incident opened for the alert was closed: its card says so (and offers to open another while the
        problem fires), and the incident channel stops getting the alert's updates."""
        ...


class TimelineSource(Protocol):
    def timeline(self, scope: IncidentScope) -> Sequence[TimelineEntry]: ...


class NoAlerts:
    """No alert source wired: nothing fires, nothing to link, nothing on the timeline."""

    def firing(self, cluster: str) -> Sequence[FiringAlert]:
        return ()

    def not_evaluated(self, cluster: str) -> NotEvaluated | None:
        return None

    def link_incident(self, alert_key: str, incident: IncidentLink, *, answered_in: MessageRef | None = None
                      ) -> None:
        return None

    def incident_closed(self, alert_key: str, incident: IncidentLink) -> None:
        return None

    def timeline(self, scope: IncidentScope) -> Sequence[TimelineEntry]:
        return ()
