"""Which channel an alert goes to, in which language, at what pace: the `alerts.routes` settings applied.

Routes are tried in order. A matching route takes the alert and ends the search, unless it says `stop: false`:
then the search goes on, so one alert can be posted in several channels (one message in each). When no route
matches, the default channel takes it. Pure functions over settings and an alert group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fnmatch import fnmatchcase

from bot.alerts.model import AlertGroup
from bot.alerts.settings import AlertRoute, AlertSettings, Lang, QuietHours, RateLimit
from bot.severity import Severity


@dataclass(frozen=True)
class Route:
    """A route with the defaults filled in: where to post, in which language, how to pace."""

    name: str
    channel: str
    lang: Lang
    group_seconds: int
    rate_limit: RateLimit
    quiet_hours: QuietHours | None

    def held(self, severity: Severity, at: datetime) -> bool:
        """True when an alert of this severity must wait for the quiet hours to end before it is posted."""
        if self.quiet_hours is None:
            return False
        return severity < Severity[self.quiet_hours.min_severity.upper()] and in_quiet_hours(self.quiet_hours, at)


def in_quiet_hours(quiet: QuietHours, at: datetime) -> bool:
    """Whether `at` falls between the quiet hours' start (inclusive) and end (exclusive), in their time zone."""
    start, end, zone = quiet.times()
    local: time = at.astimezone(zone).time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps midnight (22:00–07:00)


def quiet_end(quiet: QuietHours, at: datetime) -> datetime:
    """When the quiet hours that `at` falls in end (`at` itself when it is outside them)."""
    if not in_quiet_hours(quiet, at):
        return at
    _, end, zone = quiet.times()
    local = at.astimezone(zone)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(at.tzinfo)


def _matches(route: AlertRoute, group: AlertGroup) -> bool:
    if route.sources and group.source.value not in route.sources:
        return False
    if route.severities and group.severity.label not in route.severities:
        return False
    if route.clusters and not any(c in route.clusters for c in group.clusters if c is not None):
        return False  # a group on several clusters goes where any of its clusters' routes take it
    if route.namespaces:
        namespace = group.namespace
        if namespace is None or not any(fnmatchcase(namespace, pattern) for pattern in route.namespaces):
            return False
    return True


def _resolve(settings: AlertSettings, route: AlertRoute | None, index: int) -> Route:
    if route is None:
        return Route("default", settings.default_channel, settings.lang, settings.group_seconds,
                     settings.rate_limit, settings.quiet_hours)
    return Route(
        name=route.name or f"routes[{index}]",
        channel=route.channel,
        lang=route.lang or settings.lang,
        group_seconds=settings.group_seconds if route.group_seconds is None else route.group_seconds,
        rate_limit=route.rate_limit or settings.rate_limit,
        quiet_hours=route.quiet_hours if route.quiet_hours is not None else settings.quiet_hours,
    )


def pick_routes(settings: AlertSettings, group: AlertGroup) -> tuple[Route, ...]:
    """Every route the alert goes to, in order, one per channel; the default route when none matched."""
    picked: list[Route] = []
    for index, route in enumerate(settings.routes):
        if not _matches(route, group):
            continue
        if all(p.channel != route.channel for p in picked):
            picked.append(_resolve(settings, route, index))
        if route.stop:
            break
    return tuple(picked) or (_resolve(settings, None, -1),)


def pick_route(settings: AlertSettings, group: AlertGroup) -> Route:
    """The first route the alert goes to (the one that decides its language and pace)."""
    return pick_routes(settings, group)[0]


def channel_route(settings: AlertSettings, channel: str) -> Route:
    """The route that paces `channel` (its rate limit, grouping window, quiet hours and language): the first route
    that names it, else the default route. Work in the store names its channel, not its route, and a channel's pace
    is one thing however many routes lead to it."""
    for index, route in enumerate(settings.routes):
        if route.channel == channel:
            return _resolve(settings, route, index)
    return _resolve(settings, None, -1)
