"""Times as evidence lines show them: `6m12s`, `09:12:05Z`, `6m12s ago`. Pure formatting."""

from __future__ import annotations

from datetime import UTC, datetime


def duration(seconds: float) -> str:
    """`372` → `6m12s`; `90061` → `1d1h1m`; negative values read as zero."""
    s = max(0, int(seconds))
    days, s = divmod(s, 86_400)
    hours, s = divmod(s, 3_600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d{hours}h{minutes}m"
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{s:02d}s"
    return f"{s}s"


def clock(at: datetime) -> str:
    """UTC time of day (`09:12:05Z`): findings are about the last hours, and a date would crowd the line."""
    utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return utc.strftime("%H:%M:%SZ")


def ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "at an unknown time"
    delta = (now - at).total_seconds()
    if delta < 0:
        return f"in {duration(-delta)}"
    return f"{duration(delta)} ago"
