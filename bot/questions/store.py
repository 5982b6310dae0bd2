"""`QuestionLog` in the approval store's database: tables `kb_questions` and `kb_picks` beside the others.

- A question is one row; its reply's entries are kept in order, space-separated (entry ids have no spaces).
- A verdict is one row per question and person: a later click replaces an earlier one, so a retried Slack delivery
  or a second replica adds nothing, and a person who changes their mind is read at their last word.
- Questions older than the keeping time (`knowledge.keep_days`) are deleted when a new one is kept (at most once
  an hour per process), their verdicts with them (the foreign key cascades).
- The tables are created on start, idempotently (on PostgreSQL under the approval store's schema lock).

Database errors are `bot.errors.Upstream`, as the approval store raises them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from bot.approvals.model import parse_utc, utc_text
from bot.approvals.store import SqlApprovalStore
from bot.questions.model import LEVELS, Asked, Level, Logged, Pick

SWEEP_EVERY = timedelta(hours=1)


class SqlQuestionLog:
    """`QuestionLog` over an approval store's connections (SQLite or PostgreSQL)."""

    def __init__(self, db: SqlApprovalStore, *, keep_days: int) -> None:
        self.db = db
        self.keep = timedelta(days=keep_days)
        self._swept: datetime | None = None  # when questions past the keeping time were last deleted
        self.questions = db.qualify("kb_questions")
        self.picks = db.qualify("kb_picks")
        levels = ", ".join(f"'{level}'" for level in LEVELS)
        db.create_tables(
            [
                f"""CREATE TABLE IF NOT EXISTS {self.questions} (
                    id {db.serial_key},
                    asked_at TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    channel TEXT,
                    lang TEXT NOT NULL,
                    level TEXT NOT NULL CHECK (level IN ({levels})),
                    shown TEXT NOT NULL,
                    text TEXT NOT NULL
                )""",
                f"CREATE INDEX IF NOT EXISTS kb_questions_asked_at ON {self.questions} (asked_at)",
                f"CREATE INDEX IF NOT EXISTS kb_questions_channel ON {self.questions} (channel, id)",
                f"""CREATE TABLE IF NOT EXISTS {self.picks} (
                    question_id BIGINT NOT NULL REFERENCES {self.questions} (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    entry TEXT,
                    at TEXT NOT NULL,
                    PRIMARY KEY (question_id, user_id)
                )""",
            ]
        )

    def record(self, asked: Asked) -> int:
        # Forgetting is a write of its own: at most once an hour per process, not once per question.
        if self._swept is None or asked.at - self._swept >= SWEEP_EVERY:
            self.db.run(f"DELETE FROM {self.questions} WHERE asked_at < ?", (utc_text(asked.at - self.keep),))
            self._swept = asked.at
        _, rows = self.db.run(
            f"INSERT INTO {self.questions} (asked_at, user_id, channel, lang, level, shown, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (utc_text(asked.at), asked.user, asked.channel, asked.lang, asked.level, " ".join(asked.shown), asked.text),
        )
        return int(rows[0][0])

    def pick(self, question: int, pick: Pick) -> bool:
        count, _ = self.db.run(
            f"INSERT INTO {self.picks} (question_id, user_id, entry, at) "
            "SELECT CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT) "
            f"WHERE EXISTS (SELECT 1 FROM {self.questions} WHERE id = ?) "
            "ON CONFLICT (question_id, user_id) DO UPDATE SET entry = excluded.entry, at = excluded.at",
            (question, pick.user, pick.entry, utc_text(pick.at), question),
        )
        return count == 1

    def recent(self, since: datetime, limit: int, channel: str | None = None) -> list[Logged]:
        where, params = "asked_at >= ?", [utc_text(since)]
        if channel is not None:
            where, params = f"{where} AND channel = ?", [*params, channel]
        chosen = f"SELECT id FROM {self.questions} WHERE {where} ORDER BY id DESC LIMIT ?"
        _, rows = self.db.run(
            f"SELECT id, asked_at, user_id, channel, lang, level, shown, text FROM {self.questions} "
            f"WHERE id IN ({chosen}) ORDER BY id DESC",
            (*params, limit),
        )
        if not rows:
            return []
        _, pick_rows = self.db.run(
            f"SELECT question_id, user_id, entry, at FROM {self.picks} WHERE question_id IN ({chosen}) ORDER BY at",
            (*params, limit),
        )
        picks: dict[int, list[Pick]] = {}
        for question_id, user, entry, at in pick_rows:
            picks.setdefault(int(question_id), []).append(Pick(user, entry, parse_utc(at)))
        return [_logged(row, tuple(picks.get(int(row[0]), ()))) for row in rows]


def _logged(row: tuple[Any, ...], picks: tuple[Pick, ...]) -> Logged:
    qid, at, user, channel, lang, level, shown, text = row
    # The table's CHECK keeps `level` one of LEVELS.
    asked = Asked(text, lang, user, channel, cast(Level, level), tuple(shown.split()), parse_utc(at))
    return Logged(int(qid), asked, picks)
