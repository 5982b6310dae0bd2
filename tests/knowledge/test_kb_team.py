"""The team's own questions (`knowledge/eval/team.yaml`, reviewed exports of `aksbot kb asked`): the model of asked
questions learns from them, the analysis cache knows when they change, and `kb eval` measures them out of fold."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from knowledge import build_index, evaluation
from knowledge.cli import main as kb_main
from knowledge.loader import load_entries

ASKED = (
    "our gateway pods lose their upstream after the quarterly credential roll",
    "after the quarterly credential roll the gateway pods cannot reach upstream",
    "gateway pods fail upstream calls since the credential roll last week",
    "quarterly credential roll broke gateway upstream again",
)
PROBE = "gateway upstream calls broken after the credential roll"


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "team.yaml"
    queries = [{"q": q, "expect": "sp-expired", "source": f"slack://C0OPS/question/{i}", "reply": "suggestion"}
               for i, q in enumerate(ASKED, 1)]
    path.write_text(yaml.safe_dump({"part": "team", "queries": queries}))
    monkeypatch.setattr(evaluation, "team_file", lambda: path)
    return path


def test_the_search_learns_the_teams_words(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taught = build_index(load_entries(), learn=True)
    assert "sp-expired" in [h.entry_id for h in taught.search(PROBE).shown]
    assert taught.learned_from("slack://C0OPS/question/1")
    monkeypatch.setattr(evaluation, "team_file", lambda: team.with_name("absent.yaml"))
    plain = build_index(load_entries(), learn=True)
    assert "sp-expired" not in [h.entry_id for h in plain.search(PROBE).shown]


def test_the_kept_analyses_know_when_the_team_file_changes(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_team = evaluation.questions_digest()
    team.write_text(team.read_text().replace("last week", "yesterday"))
    edited = evaluation.questions_digest()
    assert edited != with_team
    monkeypatch.setattr(evaluation, "team_file", lambda: team.with_name("absent.yaml"))
    assert evaluation.questions_digest() not in (with_team, edited)


def test_eval_measures_the_team_out_of_fold_and_lists_its_misses(team: Path) -> None:
    out = io.StringIO()
    kb_main(["eval"], out=out)
    text = out.getvalue()
    assert "the team's own questions (knowledge/eval/team.yaml, out of fold):" in text
    team_line = next(line for line in text.splitlines() if line.startswith("  team "))
    assert "in-scope   4  out-of-scope   0" in team_line
    assert "miss [team] expect sp-expired" in text
    evaluation_report = evaluation.evaluate(build_index(load_entries(), learn=True), (), team=evaluation.load_team())
    assert evaluation_report.team is not None and evaluation_report.team.in_scope == 4


def test_a_team_file_naming_no_entry_is_refused(team: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team.write_text(team.read_text().replace("sp-expired", "sp-expird", 1))
    assert kb_main(["eval"]) == 2
    assert "expect names no entry: sp-expird" in capsys.readouterr().err


def test_calibration_counts_the_teams_questions(team: Path) -> None:
    out = io.StringIO()
    assert kb_main(["eval", "--calibrate"], out=out) == 0
    line = next(x for x in out.getvalue().splitlines() if x.startswith("calibrated on"))
    plain = len(evaluation.load_real("tune")) + sum(q.split == "dev" for q in evaluation.load_queries())
    assert f"the real tuning part and the team's own questions ({plain + len(ASKED)} questions)" in line
