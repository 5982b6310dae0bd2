"""What is kept of a question and of the clicks on its reply, and the label those clicks give it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.logs import redact

Level = Literal["answer", "suggestion", "unknown"]
LEVELS: tuple[Level, ...] = ("answer", "suggestion", "unknown")
MAX_TEXT = 4000  # characters of a question kept; a longer paste is cut (its start carries the question)

def masked(text: str) -> str:
    """A question as it may be kept: secrets masked (`bot.logs.redact`), at most `MAX_TEXT` characters."""
    return redact(text)[:MAX_TEXT]


@dataclass(frozen=True)
class Asked:
    """One question and the reply it got."""

    text: str  # masked (`masked`)
    lang: str
    user: str
    channel: str | None
    level: Level
    shown: tuple[str, ...]  # the entries the reply offered, best first (empty: "I don't know")
    at: datetime


@dataclass(frozen=True)
class Pick:
    """One person's verdict on a reply: the entry they opened from it, or None for "None of these"."""

    user: str
    entry: str | None
    at: datetime


@dataclass(frozen=True)
class Unlabelled:
    """No verdict to learn from: nobody clicked, or the people who did disagree."""

    why: str


@dataclass(frozen=True)
class Label:
    """The entry that answers a question (None: none of those offered did), and whose verdict says so."""

    entry: str | None
    by: Literal["asker", "others"]


@dataclass(frozen=True)
class Logged:
    """A kept question with every verdict on it (one per person, the latest)."""

    id: int
    asked: Asked
    picks: tuple[Pick, ...]

    def label(self) -> Label | Unlabelled:
        """The asker's own verdict when there is one; else the verdict of everyone else who clicked, when they agree."""
        own = [p for p in self.picks if p.user == self.asked.user]
        if own:
            return Label(own[-1].entry, "asker")
        if not self.picks:
            return Unlabelled("nobody opened an entry from the reply")
        votes = Counter(p.entry for p in self.picks)
        if len(votes) > 1:
            return Unlabelled("the people who clicked disagree")
        (entry,) = votes
        return Label(entry, "others")

    @property
    def best(self) -> str | None:
        return self.asked.shown[0] if self.asked.shown else None


def verdict(logged: Logged) -> str:
    """How the people who clicked judged the reply, in a few words."""
    label = logged.label()
    if not isinstance(label, Label):
        return f"- ({label.why})"
    who = "asker" if label.by == "asker" else "others"
    if label.entry is None:
        return f"none of these ({who})"
    if label.entry == logged.best:
        return f"first entry ({who})"
    return f"{label.entry} ({who})"


def fell_short(logged: Logged) -> bool:
    """The reply said "I don't know", or the verdict on it is another entry than its first, or none of them."""
    label = logged.label()
    return logged.asked.level == "unknown" or (isinstance(label, Label) and label.entry != logged.best)


LISTING = ("asked (UTC)", "#", "reply", "first offered", "verdict", "question")
_REPLY = {"answer": "answer", "suggestion": "suggestion", "unknown": "don't know"}


def listing_row(logged: Logged, width: int) -> tuple[str, ...]:
    """One kept question as a row under `LISTING`: when, its number, the reply, the reply's first entry, the
    verdict, and the question on one line of at most `width` characters."""
    text = " ".join(logged.asked.text.split())
    return (
        logged.asked.at.strftime("%Y-%m-%d %H:%M"),
        str(logged.id),
        _REPLY[logged.asked.level],
        logged.best or "-",
        verdict(logged),
        text if len(text) <= width else text[: width - 1] + "…",
    )


@dataclass(frozen=True)
class Tally:
    """What a list of kept questions adds up to: the replies they got, and the verdicts on them."""

    questions: int
    answers: int
    suggestions: int
    unknown: int
    judged: int
    first: int  # verdicts for the reply's first entry
    other: int  # verdicts for another entry
    none: int  # "none of these"

    @staticmethod
    def of(questions: Sequence[Logged]) -> Tally:
        replies = Counter(q.asked.level for q in questions)
        labels = [(q, q.label()) for q in questions]
        judged = [(q, label) for q, label in labels if isinstance(label, Label)]
        first = sum(1 for q, label in judged if label.entry is not None and label.entry == q.best)
        none = sum(1 for _, label in judged if label.entry is None)
        return Tally(
            len(questions), replies["answer"], replies["suggestion"], replies["unknown"], len(judged), first,
            len(judged) - first - none, none,
        )


class QuestionLog(Protocol):
    """Where questions and verdicts are kept. Safe to call from many threads and processes."""

    def record(self, asked: Asked) -> int:
        """Keep a question; its id (buttons on its reply carry it). Questions past the keeping time are forgotten."""
        ...

    def pick(self, question: int, pick: Pick) -> bool:
        """Keep one person's verdict on a question, replacing their earlier one (a retried click changes nothing);
        False when the question is not kept (forgotten, or never was)."""
        ...

    def recent(self, since: datetime, limit: int, channel: str | None = None) -> list[Logged]:
        """Questions asked since `since` (only in `channel`, when given), newest first, at most `limit`, each with
        its verdicts."""
        ...
