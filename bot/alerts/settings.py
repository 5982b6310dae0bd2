"""Alert routing settings (the `alerts:` key of `bot.settings`).

    alerts:
      default_channel: C0ALERTS        # where an alert goes when no route matches
      lang: en                         # en | zh, for routes that do not say
      group_seconds: 2                 # wait this long before a first post, so a burst becomes one summary
      rate_limit: {max_messages: 10, per_minutes: 10}   # new top-level messages per route; beyond: a summary
      quiet_hours: {start: "22:00", end: "07:00", timezone: Asia/Shanghai, min_severity: critical}
      flap_minutes: 30                 # fires again within this after resolving: the same message reopens
      event_minutes: 60                # a stateless alert (Azure activity log, service/resource health, budget:
                                       # Azure never resolves them) is an event shown this long after it arrives,
                                       # then ends by itself; another event of the same rule and target restarts it
      cluster_label: cluster           # the label external alerts name their cluster in
      routes:                          # first match wins, unless it says `stop: false`
        - {clusters: [prod], severities: [critical], channel: C0PRODPAGE}
        - {clusters: [prod], namespaces: [payments, "shop-*"], channel: C0PAYMENTS, lang: zh, stop: false}
        - {sources: [watcher], channel: C0BOTFINDINGS}
      watcher:                         # the bot's own watcher (bot/alerts/watcher.py), run by the leader
        enabled: true
        debounce_seconds: 0.5          # after a change, wait this long for the burst it belongs to
        rescan_seconds: 5              # scan this often even when nothing changed (a heartbeat going stale
                                       # changes nothing: only time passes)
        azure_poll_seconds: 60         # the AKS resource's provisioning state, where Azure is configured
        stuck_minutes: 60              # in a transitional provisioning state (Updating, Upgrading…) longer: alert

A route matches when every list it sets contains the alert's value (an empty list matches anything; a namespace
may be a glob). The token that authenticates webhooks is a secret: `AKSBOT_ALERTS_TOKEN` in the environment.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

Lang = Literal["en", "zh"]
SeverityName = Literal["critical", "warning", "info"]
SourceName = Literal["alertmanager", "azure-monitor", "watcher"]

DEFAULT_CHANNEL = "C0ALERTS"

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimit(_Model):
    """At most `max_messages` new top-level messages per `per_minutes` on one route; the rest become a summary,
    or wait (up to `per_minutes`) when the limit is spent. A new critical alert is never held by it."""

    max_messages: int = Field(default=10, ge=1, le=1000)
    per_minutes: int = Field(default=10, ge=1, le=24 * 60)


class QuietHours(_Model):
    """Between `start` and `end` (local to `timezone`; may wrap midnight) only alerts of `min_severity` or above
    are posted; the others wait until the quiet hours end, or until their severity reaches `min_severity`. A bot
    started with other quiet hours (or none) decides again when what waits goes out."""

    start: str
    end: str
    timezone: str = "UTC"
    min_severity: SeverityName = "critical"

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"expected a time of day as HH:MM (24 h), got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from None
        return value

    def times(self) -> tuple[time, time, ZoneInfo]:
        start = time(int(self.start[:2]), int(self.start[3:]))
        end = time(int(self.end[:2]), int(self.end[3:]))
        return start, end, ZoneInfo(self.timezone)


class AlertRoute(_Model):
    """Where alerts that match go, and how they are paced there."""

    name: str | None = None
    clusters: list[str] = Field(default_factory=list)
    severities: list[SeverityName] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)
    sources: list[SourceName] = Field(default_factory=list)
    channel: str = Field(min_length=1)
    stop: bool = True
    lang: Lang | None = None
    group_seconds: int | None = Field(default=None, ge=0, le=3600)
    rate_limit: RateLimit | None = None
    quiet_hours: QuietHours | None = None


class WatcherSettings(_Model):
    """How the bot's own watcher paces its scans of the watch cache (see `bot.alerts.watcher`)."""

    enabled: bool = True
    debounce_seconds: float = Field(default=0.5, ge=0, le=60)
    rescan_seconds: float = Field(default=5.0, gt=0, le=3600)
    azure_poll_seconds: float = Field(default=60.0, ge=5, le=3600)
    stuck_minutes: int = Field(default=60, ge=1, le=24 * 60)


class AlertSettings(_Model):
    default_channel: str = Field(default=DEFAULT_CHANNEL, min_length=1)
    lang: Lang = "en"
    group_seconds: int = Field(default=2, ge=0, le=3600)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    quiet_hours: QuietHours | None = None
    flap_minutes: int = Field(default=30, ge=0, le=24 * 60)
    event_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    cluster_label: str = Field(default="cluster", min_length=1)
    routes: list[AlertRoute] = Field(default_factory=list)
    watcher: WatcherSettings = Field(default_factory=WatcherSettings)
