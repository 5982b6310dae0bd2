"""Every way the bot writes a time for people, in one place. Pure formatting.

- `age(since, now)`: kubectl's short age in lists (`45s`, `12m`, `5h`, `3d`, `2y`);
- `duration(seconds)`, `ago(at, now)`: evidence lines (`6m12s`, `6m12s ago`, `in 4m`); `ago_said`, the same in both
  languages, for a finding's words;
- `lasted(seconds, lang)`: how long a problem lasted, in words on an alert message (`14 min`, `2 h 5 min`,
  `14 分钟`); `lasted_said` in both languages;
- `clock(at, now)`: a time of day in evidence (`09:12:05Z`; with its date when not `now`'s day);
  `short_time(at)`: on cards (`09:14 UTC`);
- `day_time(at)`: in the audit trail (`11-22 09:14:05`);
- `table_time(at, now)`: in a table that says its times are UTC (`09:14`, `11-21 09:14`).

On a Slack card a time is a `bot.blocks.Moment` (each reader sees it in their own time zone); its text, the words
the shell shows, comes from here.

Stored times are not formatted here: the store keeps ISO 8601 UTC (`bot.approvals.model.utc_text`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.i18n import FINDING, Said, said


def duration(seconds: float) -> str:
    """`372` → `6m12s`; `90061` → `1d1h`; `25920000` → `300d` (minutes are noise beside days, and hours beside
    weeks); negative values read as zero."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86_400)
    hours, s = divmod(s, 3_600)
    minutes, s = divmod(s, 60)
    if days >= 7 or (days and not hours):
        return f"{days}d"
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{s:02d}s"
    return f"{s}s"


_UNITS = {"en": ("s", "min", "h", "d"), "zh": ("秒", "分钟", "小时", "天")}


def lasted(seconds: float, lang: str = "en") -> str:
    """`45` → `45 s`; `840` → `14 min`; `7500` → `2 h 5 min`; `183600` → `2 d 3 h`: "resolved after 14 min".
    In Chinese the units are words: `14 分钟`, `2 小时 5 分钟`."""
    sec, mins, hrs, days = _UNITS["zh" if lang == "zh" else "en"]
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} {sec}"
    minutes = s // 60
    if minutes < 120:
        return f"{minutes} {mins}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} {hrs} {minutes % 60} {mins}" if minutes % 60 else f"{hours} {hrs}"
    return f"{hours // 24} {days} {hours % 24} {hrs}" if hours % 24 else f"{hours // 24} {days}"


_LASTED_PART = re.compile(r"(\d+) (s|min|h|d)\b")


def lasted_in(text: str, lang: str) -> str:
    """A `lasted` duration kept as English text (`2 h 5 min`) in `lang`'s units (`2 小时 5 分钟`)."""
    units = dict(zip(_UNITS["en"], _UNITS["zh" if lang == "zh" else "en"], strict=True))
    return _LASTED_PART.sub(lambda m: f"{m.group(1)} {units[m.group(2)]}", text)


def lasted_said(delta: timedelta) -> Said:
    """`lasted` in both languages, for a finding's words."""
    seconds = delta.total_seconds()
    return Said(lasted(seconds), lasted(seconds, "zh"))


def clock(at: datetime, now: datetime | None = None) -> str:
    """UTC time of day (`09:12:05Z`): findings are mostly about the last hours, and a date would crowd the line —
    but a time on another day than `now` carries its date (`2026-02-10 07:55:48Z`), or "07:55:48Z (300d ago)"
    reads as this morning."""
    utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    if now is not None and utc.date() != (now.astimezone(UTC) if now.tzinfo else now).date():
        return utc.strftime("%Y-%m-%d %H:%M:%SZ")
    return utc.strftime("%H:%M:%SZ")


def ago_said(at: datetime | None, now: datetime) -> Said:
    """How long before `now` `at` was (or how soon it comes), in both languages: "6m12s ago" / "6m12s前"."""
    if at is None:
        return said(FINDING.unknown_time)
    delta = (now - at).total_seconds()
    if delta < 0:
        return said(FINDING.in_time, duration=duration(-delta))
    return said(FINDING.ago, duration=duration(delta))


def ago(at: datetime | None, now: datetime) -> str:
    """`ago_said` in English: "6m12s ago", "in 40s", "at an unknown time"."""
    return str(ago_said(at, now))


def short_time(at: datetime) -> str:
    """`09:14 UTC`: when a request expires or was decided, on its card."""
    return at.astimezone(UTC).strftime("%H:%M UTC")


def day_time(at: datetime) -> str:
    """`11-22 09:14:05`: a line of the audit trail (UTC)."""
    return at.astimezone(UTC).strftime("%m-%d %H:%M:%S")


def table_time(at: datetime, now: datetime) -> str:
    """`09:14` (UTC), with its day when not within 20 hours of `now` (`11-21 09:14`): a table's column says UTC."""
    near = abs((now - at).total_seconds()) < 20 * 3600
    return at.astimezone(UTC).strftime("%H:%M" if near else "%m-%d %H:%M")


def age(since: datetime | None, now: datetime) -> str:
    """kubectl's short age: 45s, 12m, 5h, 3d, 2y."""
    if since is None:
        return "-"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    if seconds < 2 * 365 * 86400:
        return f"{seconds // 86400}d"
    return f"{seconds // (365 * 86400)}y"
