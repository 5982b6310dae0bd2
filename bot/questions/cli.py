"""`aksbot kb asked`: what people asked the knowledge base, what the replies offered and what people opened.

    aksbot kb asked [--config PATH] [--days 30] [--limit 50] [--misses] [--export FILE]

It prints the counts (answers, suggestions, "I don't know"; verdicts that agree with the reply's first entry, that
picked another, that said none) and the questions newest first. `--export FILE` writes the questions that have a
verdict as a labelled file in the format `aksbot kb eval --questions FILE` measures; a person reviews it first
(the file's header says what to look for).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import yaml

from bot.approvals.store import SqlApprovalStore
from bot.errors import Upstream
from bot.questions.model import LISTING, Label, Logged, Tally, fell_short, listing_row
from bot.questions.store import SqlQuestionLog
from bot.render_text import render_table
from bot.settings import Settings, SettingsError
from knowledge.files import write_whole


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aksbot kb asked",
        description="The questions people asked the knowledge base, and the entries they opened from the replies.",
    )
    parser.add_argument("--config", help="configuration file (default: $AKSBOT_CONFIG)")
    parser.add_argument("--days", type=int, default=30, help="questions of the last N days (default 30)")
    parser.add_argument("--limit", type=int, default=50, help="list at most N questions (default 50)")
    parser.add_argument(
        "--misses", action="store_true",
        help="list only where the knowledge base fell short: \"I don't know\", or a verdict other than the first entry",
    )
    parser.add_argument("--export", metavar="FILE", help="write the questions with a verdict as a labelled file")
    return parser


def summary(questions: Sequence[Logged], days: int, keep_days: int) -> list[str]:
    t = Tally.of(questions)
    return [
        f"{t.questions} question(s) in the last {days} day(s) (questions are kept {keep_days} days)",
        f"  replies: {t.answers} answer(s), {t.suggestions} suggestion(s), {t.unknown} \"I don't know\"",
        f"  verdicts: {t.judged}: the first entry offered {t.first}, another entry offered {t.other}, "
        f"none of these {t.none}",
    ]


def table(questions: Sequence[Logged], width: int = 70) -> list[str]:
    return render_table(LISTING, tuple(listing_row(q, width) for q in questions))


def source(logged: Logged) -> str:
    """Where a kept question was asked, as a labelled file names it: its channel and its number."""
    return f"slack://{logged.asked.channel or 'direct'}/question/{logged.id}"


def export(questions: Sequence[Logged], days: int, now: datetime, known: set[str]) -> tuple[str, int]:
    """The questions with a verdict as a labelled file (`kb eval --questions`), but those whose source is in `known`
    (already in the knowledge base's `team.yaml`); the text and how many it holds."""
    items = []
    for q in reversed(questions):  # oldest first, as a collection reads
        label = q.label()
        if not isinstance(label, Label) or source(q) in known:
            continue
        offered = ", ".join(q.asked.shown) or "nothing"
        items.append({
            "q": q.asked.text,
            "expect": label.entry,
            "source": source(q),
            "reply": f"{q.asked.level}: {offered}; verdict of the {'asker' if label.by == 'asker' else 'others'}",
        })
    header = (
        f"# Questions this team asked aksbot in the {days} day(s) before {now:%Y-%m-%d}, with the entry the asker\n"
        "# (or, when they agree, the teammates who clicked) opened from the reply.\n"
        "# Written by `aksbot kb asked --export`.\n"
        "# Review every item before using it: read the text (secrets are masked, but check); an opened entry is not\n"
        "# always the one that answers; `expect: null` means none of the entries offered answered it: set the entry\n"
        "# that does, or keep null when none does. Measure them: aksbot kb eval --questions THIS_FILE; then add\n"
        "# them to knowledge/eval/team.yaml (the search learns from it) and run aksbot kb prebuild. Questions\n"
        "# already there are left out of this file.\n"
    )
    body = yaml.safe_dump({"part": "team", "queries": items}, allow_unicode=True, sort_keys=False, width=10**9)
    return header + body, len(items)


def store_name(cfg: Settings) -> str:
    """The store the report reads, as an operator would look for it (never the database URL: it may hold a
    password)."""
    if cfg.database_url is not None:
        return f"PostgreSQL (AKSBOT_DATABASE_URL), schema {cfg.store.postgres_schema}"
    return str(cfg.resolve_path(cfg.store.sqlite_path))


def main(argv: Sequence[str], out: TextIO | None = None, *, now: datetime | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(list(argv))
    from bot import settings as settings_module
    from bot.approvals.workflow import open_approval_store

    try:
        cfg: Settings = settings_module.load(args.config)
    except SettingsError as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 2
    if args.days < 1 or args.limit < 1:
        print("aksbot: --days and --limit must be at least 1", file=sys.stderr)
        return 2
    if cfg.source is None and cfg.database_url is None:
        # The default SQLite file is relative to the configuration file; without one, a report of "0 questions"
        # would come from an empty store made here, which the bot never writes.
        print("aksbot kb asked: no configuration: give --config PATH (the bot's own, e.g. /etc/aksbot/aksbot.yaml "
              "in its pod) or set AKSBOT_CONFIG; on PostgreSQL, AKSBOT_DATABASE_URL", file=sys.stderr)
        return 2
    where = store_name(cfg)
    if cfg.database_url is None and not cfg.resolve_path(cfg.store.sqlite_path).is_file():
        # A read-only report never creates a store.
        print(f"aksbot kb asked: no store at {where} (store.sqlite_path of {cfg.source}): run it where the bot runs "
              "(its pod), with the bot's configuration", file=sys.stderr)
        return 1
    print(f"store: {where}", file=out)
    keep = cfg.knowledge
    if not keep.keep_questions:
        print("Questions are not kept (knowledge.keep_questions is false in the configuration).", file=out)
    moment = now or datetime.now().astimezone()
    try:
        store = open_approval_store(cfg)
    except Upstream as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 1
    try:
        assert isinstance(store, SqlApprovalStore)  # both stores the settings can name are
        log = SqlQuestionLog(store, keep_days=keep.keep_days)
        questions = log.recent(moment - timedelta(days=args.days), 100_000)
    except Upstream as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    for line in summary(questions, args.days, keep.keep_days):
        print(line, file=out)
    listed = [q for q in questions if fell_short(q)] if args.misses else questions
    if listed:
        shown = listed[: args.limit]
        which = "where the knowledge base fell short, newest first" if args.misses else "newest first"
        print(f"\n{which}{f' (the {len(shown)} newest)' if len(shown) < len(listed) else ''}:", file=out)
        for line in table(shown):
            print(line, file=out)
    if args.export:
        from knowledge.evaluation import load_team

        try:
            known = {q.source for q in load_team()}
        except ValueError as exc:
            print(f"aksbot: {exc}", file=sys.stderr)
            return 1
        text, count = export(questions, args.days, moment, known)
        target = Path(args.export)
        try:
            write_whole(target, text)
        except OSError as exc:
            print(f"aksbot: cannot write {target}: {exc}", file=sys.stderr)
            return 1
        print(f"\nwrote {count} question(s) with a verdict to {target}: review them, then "
              f"`aksbot kb eval --questions {target}`", file=out)
    return 0
