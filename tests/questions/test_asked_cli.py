"""The feedback loop end to end, as a team runs it: questions asked through the assembled bot (its configured
SQLite store, the shipped knowledge base), verdicts clicked, `aksbot kb asked` listing and exporting them, and
`aksbot kb eval --questions` measuring the reviewed export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from bot import app, settings
from bot.approvals.workflow import open_approval_store
from bot.blocks import View
from bot.cli import main as aksbot
from bot.shell import ShellSurface
from bot.surface import Incoming, InputKind
from knowledge.cli import main as kb_main
from tests.support.foundation import Captured


def _bot(config: Path) -> app.Dispatcher:
    return app.build_dispatcher(settings.load(str(config)), ShellSurface(io.StringIO()))


def _say(dispatcher: app.Dispatcher, text: str, user: str) -> View:
    captured = Captured()
    dispatcher.handle(Incoming(text, user, InputKind.MENTION, "C0OPS"), captured)
    return captured.replies[-1].view


def _click(dispatcher: app.Dispatcher, view: View, label: str, user: str) -> View:
    button = next(b for b in view.buttons() if b.label == label)
    captured = Captured()
    dispatcher.handle(Incoming("", user, InputKind.CLICK, "C0OPS", ref=button.ref), captured)
    return captured.replies[-1].view


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "aksbot.yaml"
    path.write_text(yaml.safe_dump({"roles": {"viewer": ["*"]}, "store": {"sqlite_path": "store.sqlite3"},
                                    "knowledge": {"keep_days": 90}}))
    return path


def test_asked_lists_and_exports_what_people_asked_and_opened(config: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bot = _bot(config)
    first = _say(bot, "@aksbot our nodes keep going NotReady and pods get evicted, password=hunter2hunter2", "U0ALICE")
    _click(bot, first, first.buttons()[0].label, "U0ALICE")
    second = _say(bot, "@aksbot the cluster certificate expired and dns lookups time out", "U0BOB")
    _click(bot, second, "None of these", "U0BOB")
    _say(bot, "@aksbot how do I write a helm chart for kafka", "U0CAROL")

    exported = tmp_path / "team.yaml"
    assert aksbot(["kb", "asked", "--config", str(config), "--export", str(exported)]) == 0
    out = capsys.readouterr().out
    assert "3 question(s) in the last 30 day(s) (questions are kept 90 days)" in out
    assert "verdicts: 2: the first entry offered 1, another entry offered 0, none of these 1" in out
    assert "none of these (asker)" in out and "first entry (asker)" in out and "nobody opened" in out
    assert "hunter2" not in out
    assert "wrote 2 question(s) with a verdict" in out

    assert aksbot(["kb", "asked", "--config", str(config), "--misses"]) == 0
    misses = capsys.readouterr().out
    assert "where the knowledge base fell short" in misses
    assert "none of these (asker)" in misses and "first entry (asker)" not in misses

    text = exported.read_text()
    assert text.startswith("# Questions this team asked aksbot") and "hunter2" not in text
    team = yaml.safe_load(text)
    assert team["part"] == "team"
    assert [q["expect"] for q in team["queries"]][1] is None
    assert all(q["source"].startswith("slack://C0OPS/question/") for q in team["queries"])

    # The reviewed file is measured beside the other sets.
    out_eval = io.StringIO()
    kb_main(["eval", "--questions", str(exported)], out=out_eval)
    assert f"questions of {exported}:" in out_eval.getvalue() and "  questions " in out_eval.getvalue()


def test_a_team_file_naming_no_entry_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "team.yaml"
    bad.write_text(yaml.safe_dump({"part": "team", "queries": [
        {"q": "node down", "expect": "no-such-entry", "source": "slack://C0OPS/question/1"}]}))
    assert kb_main(["eval", "--questions", str(bad)]) == 2
    assert "expect names no entry: no-such-entry" in capsys.readouterr().err
    assert kb_main(["eval", "--questions", str(tmp_path / "missing.yaml")]) == 2


def test_asked_without_questions_kept_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "aksbot.yaml"
    path.write_text(yaml.safe_dump({"store": {"sqlite_path": "store.sqlite3"}, "knowledge": {"keep_questions": False}}))
    open_approval_store(settings.load(str(path))).close()  # the bot has run with it
    assert aksbot(["kb", "asked", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"store: {tmp_path / 'store.sqlite3'}\n")
    assert "Questions are not kept" in out and "0 question(s)" in out


def test_asked_never_makes_a_store_and_says_which_it_would_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AKSBOT_CONFIG", raising=False)
    monkeypatch.delenv("AKSBOT_DATABASE_URL", raising=False)
    assert aksbot(["kb", "asked", "--misses"]) == 2
    assert capsys.readouterr().err == (
        "aksbot kb asked: no configuration: give --config PATH (the bot's own, e.g. /etc/aksbot/aksbot.yaml in its "
        "pod) or set AKSBOT_CONFIG; on PostgreSQL, AKSBOT_DATABASE_URL\n")
    path = tmp_path / "aksbot.yaml"
    path.write_text(yaml.safe_dump({"store": {"sqlite_path": "store.sqlite3"}}))
    monkeypatch.setenv("AKSBOT_CONFIG", str(path))  # as the other commands read it
    assert aksbot(["kb", "asked"]) == 1
    assert capsys.readouterr().err == (
        f"aksbot kb asked: no store at {tmp_path / 'store.sqlite3'} (store.sqlite_path of {path}): run it where the "
        "bot runs (its pod), with the bot's configuration\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aksbot.yaml"]


def test_a_questions_file_of_the_wrong_shape_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "team.yaml"
    bad.write_text(yaml.safe_dump({"part": "team", "queries": [{"q": "node down"}]}))
    assert kb_main(["eval", "--questions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == (f"aksbot kb eval: {bad}: not a file of labelled questions (expected `part: team` and `queries:`, "
                   "a list of {q, expect: an entry id or null, source: slack://…}): queries.0.expect: Field required "
                   "(and 1 more)\n")
    bad.write_text("queries: [\n")
    assert kb_main(["eval", "--questions", str(bad)]) == 2
    assert capsys.readouterr().err == f"aksbot kb eval: {bad}: not valid YAML at line 2, column 1\n"


def test_kb_help_lists_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        aksbot(["kb", "--help"])
    assert "{search,lint,eval,asked,prebuild}" in capsys.readouterr().out
