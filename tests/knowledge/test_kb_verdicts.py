"""The feedback loop through the real registry, dispatcher and question log (SQLite): a question is kept with what
its reply offered; the reply's buttons carry it; opening an entry from them, or "None of these", is the clicker's
verdict; a store that fails costs the buttons' link, never the answer; with questions not kept, nothing is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import handlers
from bot.approvals.store import SqliteApprovalStore
from bot.blocks import Button, View
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.errors import Upstream
from bot.questions.model import Asked, Label, Pick
from bot.questions.store import SqlQuestionLog
from bot.registry import REGISTRY
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind
from knowledge.search import KnowledgeIndex
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import Captured

handlers.load_all()


class Bed:
    def __init__(self, index: KnowledgeIndex, questions: Any, keep: bool = True) -> None:
        settings = from_mapping(
            {"roles": {"viewer": ["*"]}, "knowledge": {"keep_questions": keep, "keep_days": 30}}, source=None,
            environ={},
        )
        self.clock = ManualClock()
        deps = Deps(settings=settings, clock=self.clock, clusters=NoClusters(), azure=NoAzure(), knowledge=index,
                    questions=questions)
        self.dispatcher = Dispatcher(deps, registry=REGISTRY)

    def say(self, text: str, user: str = "U0ALICE") -> tuple[Outcome, View]:
        captured = Captured()
        outcome = self.dispatcher.handle(Incoming(text, user, InputKind.MENTION, "C0OPS"), captured)
        (reply,) = captured.replies
        return outcome, reply.view

    def click(self, button: Button, user: str) -> tuple[Outcome, View]:
        captured = Captured()
        incoming = Incoming("", user, InputKind.CLICK, "C0OPS", ref=button.ref)
        outcome = self.dispatcher.handle(incoming, captured)
        (reply,) = captured.replies
        return outcome, reply.view


def _button(view: View, label: str) -> Button:
    return next(b for b in view.buttons() if b.label == label)


def test_a_question_and_the_verdicts_on_its_reply_are_kept(small_index: KnowledgeIndex, tmp_path: Path) -> None:
    log = SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30)
    bed = Bed(small_index, log)
    outcome, view = bed.say("@aksbot certificate expired and dns timeouts, token=abcdefgh12345")
    assert outcome.status == "ok"
    (kept,) = log.recent(bed.clock.now().replace(year=2000), 10)
    assert kept.asked.text == "certificate expired and dns timeouts, token=***"
    assert (kept.asked.user, kept.asked.channel, kept.asked.level) == ("U0ALICE", "C0OPS", "suggestion")
    opened = _button(view, "Open this entry")
    assert opened.ref.args.model_dump() == {"entry": kept.asked.shown[0], "asked": kept.id}
    assert kept.asked.shown[1:] == tuple(b.ref.args.model_dump()["entry"] for b in view.buttons()[1:-1])

    # A teammate opens the second entry; the asker opens the first: the asker's verdict is the label.
    second = view.buttons()[1]
    outcome, shown = bed.click(second, "U0BOB")
    assert outcome.status == "ok" and outcome.command == "kb show" and "Sources" in render_text(shown)
    bed.click(opened, "U0ALICE")
    (kept,) = log.recent(bed.clock.now().replace(year=2000), 10)
    assert kept.label() == Label(kept.asked.shown[0], "asker")

    # "None of these" replaces the asker's verdict and tells only them, mentioning where it goes.
    outcome, noted = bed.click(_button(view, "None of these"), "U0ALICE")
    assert outcome.status == "ok" and noted.private
    assert "Noted" in render_text(noted) and "aksbot kb asked" in render_text(noted)
    (kept,) = log.recent(bed.clock.now().replace(year=2000), 10)
    assert kept.label() == Label(None, "asker")

    # The reply offers every entry in a menu: the one chosen opens, and is the verdict instead.
    assert "Which entry answers it?" in render_text(noted)
    outcome, chosen = bed.click(_button(noted, "Node NotReady or Unknown"), "U0ALICE")
    assert outcome.command == "kb show" and "Node NotReady or Unknown" in render_text(chosen)
    (kept,) = log.recent(bed.clock.now().replace(year=2000), 10)
    assert kept.label() == Label("node-notready", "asker")


def test_an_answer_alone_offers_not_this_and_i_dont_know_offers_every_entry(small_index: KnowledgeIndex,
                                                                      tmp_path: Path) -> None:
    log = SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30)
    bed = Bed(small_index, log)
    _, view = bed.say("@aksbot why is my node NotReady?")
    labels = [b.label for b in view.buttons()]
    assert labels[-1] in ("None of these", "Not this")
    _, unknown = bed.say("@aksbot how do I template a helm chart")
    assert "I don't know" in render_text(unknown)
    levels = [q.asked.level for q in log.recent(bed.clock.now().replace(year=2000), 10)]
    assert levels == ["unknown", "answer"]
    # "I don't know" offers every entry in a menu; the one chosen opens and is the verdict on that question.
    assert "Which entry answers it?" in render_text(unknown)
    assert {b.ref.args.model_dump()["entry"] for b in unknown.buttons()} == {e.id for e in small_index.entries()}
    bed.click(_button(unknown, "Node NotReady or Unknown"), "U0ALICE")
    newest = log.recent(bed.clock.now().replace(year=2000), 10)[0]
    assert newest.asked.level == "unknown" and newest.label() == Label("node-notready", "asker")


def test_a_verdict_on_a_forgotten_question_says_so(small_index: KnowledgeIndex, tmp_path: Path) -> None:
    log = SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30)
    bed = Bed(small_index, log)
    _, view = bed.say("@aksbot certificate expired and dns timeouts")
    missed = _button(view, "None of these")
    log.db.run(f"DELETE FROM {log.questions}")
    _, noted = bed.click(missed, "U0ALICE")
    assert "no longer kept" in render_text(noted) and "30 days" in render_text(noted)


class _Broken:
    def record(self, asked: Asked) -> int:
        raise Upstream("the approval store q.sqlite3 failed: disk I/O error")

    def pick(self, question: int, pick: Pick) -> bool:
        raise Upstream("the approval store q.sqlite3 failed: disk I/O error")


def test_a_failing_store_costs_the_verdict_never_the_answer(small_index: KnowledgeIndex) -> None:
    bed = Bed(small_index, _Broken())
    outcome, view = bed.say("@aksbot certificate expired and dns timeouts")
    assert outcome.status == "ok" and "Not sure" in render_text(view)
    assert all(b.ref.command == "kb show" and b.ref.args.model_dump()["asked"] is None for b in view.buttons())


def test_with_questions_not_kept_nothing_is_and_old_buttons_say_so(small_index: KnowledgeIndex,
                                                                   tmp_path: Path) -> None:
    bed = Bed(small_index, None, keep=False)
    _, view = bed.say("@aksbot certificate expired and dns timeouts")
    assert all(b.ref.command == "kb show" for b in view.buttons())
    _, unknown = bed.say("@aksbot how do I template a helm chart")
    assert unknown.buttons() == ()  # no kept question, no menu to give a verdict with
    log = SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30)
    old = Bed(small_index, log)
    _, kept_view = old.say("@aksbot certificate expired and dns timeouts")
    _, noted = bed.click(_button(kept_view, "None of these"), "U0ALICE")
    assert "does not keep questions" in render_text(noted)


def test_kb_asked_shows_this_conversation_and_where_the_knowledge_base_fell_short(small_index: KnowledgeIndex,
                                                                                    tmp_path: Path) -> None:
    log = SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30)
    bed = Bed(small_index, log)
    _, view = bed.say("@aksbot certificate expired and dns timeouts")
    bed.click(_button(view, "None of these"), "U0ALICE")
    bed.say("@aksbot why is my node NotReady?", user="U0BOB")
    bed.say("@aksbot how do I template a helm chart", user="U0BOB")
    # A question in another conversation is never shown here.
    captured = Captured()
    bed.dispatcher.handle(Incoming("@aksbot our kafka consumer lags", "U0CAROL", InputKind.MENTION, "C0OTHER"),
                          captured)
    outcome, asked = bed.say("/k8s kb asked --days 7", user="U0BOB")
    text = render_text(asked)
    assert outcome.status == "ok" and asked.private
    assert "Questions asked here in the last 7 day(s)" in text
    assert "3 question(s): 1 answered, 1 suggested, 1 \"I don't know\"" in text
    assert "none of these 1" in text
    assert "none of these (asker)" in text and "template a helm chart" in text
    assert "kafka" not in text and "why is my node NotReady" not in text


def test_kb_asked_without_kept_questions_or_a_channel_says_so(small_index: KnowledgeIndex, tmp_path: Path) -> None:
    outcome, view = Bed(small_index, None, keep=False).say("/k8s kb asked")
    assert outcome.status == "failed" and "does not keep questions" in render_text(view)
    bed = Bed(small_index, SqlQuestionLog(SqliteApprovalStore(tmp_path / "q.sqlite3"), keep_days=30))
    captured = Captured()
    outcome = bed.dispatcher.handle(Incoming("/k8s kb asked", "U0ALICE", InputKind.SLASH, None), captured)
    assert outcome.status == "user_error" and "Run it in a channel" in render_text(captured.replies[-1].view)
