"""The entries' analyses kept between processes: the same index with or without them, and never a reason to fail."""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

import pytest

import knowledge.analysis
import knowledge.evaluation
from knowledge import build_index, load_knowledge_base
from knowledge.analysis_cache import SHIPPED, AnalysisCache, cache_dir, code_fingerprint, shipped_text
from knowledge.cli import main as kb_main
from knowledge.confidence import SHIPPED_MODEL, ConfidenceModel
from knowledge.evaluation import load_queries, load_real
from knowledge.loader import load_entries
from knowledge.model import Entry
from knowledge.text import Analyzer


def _shipped() -> tuple[Entry, ...]:
    return load_knowledge_base().entries()


def _count_analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    analysed: list[str] = []
    real = knowledge.analysis.analyze

    def counting(entry: Entry, analyzer: Analyzer) -> knowledge.analysis.Analysis:
        analysed.append(entry.id)
        return real(entry, analyzer)

    monkeypatch.setattr(knowledge.analysis, "analyze", counting)
    return analysed


def _with_new_tag(entry: Entry) -> Entry:
    """The entry as a team might edit it: one tag more."""
    return entry.model_copy(update={"tags": (*entry.tags, "brand-new-tag")})


def test_an_index_from_kept_analyses_scores_every_question_exactly_as_a_fresh_one(tmp_path: Path) -> None:
    entries = _shipped()
    build_index(entries, cache=AnalysisCache(tmp_path))  # writes the file
    from_file = build_index(entries, cache=AnalysisCache(tmp_path))
    fresh = build_index(entries)
    questions = [q.q for q in load_queries()] + [q.q for q in load_real("tune")]
    for question in questions:
        assert from_file.score_all(question) == fresh.score_all(question), question


def test_the_second_process_analyses_nothing_and_a_changed_entry_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _shipped()
    analysed = _count_analyses(monkeypatch)
    build_index(entries, cache=AnalysisCache(tmp_path))
    assert len(analysed) == len(entries)
    analysed.clear()
    build_index(entries, cache=AnalysisCache(tmp_path))
    assert analysed == []
    changed = _with_new_tag(entries[0])
    index = build_index((changed, *entries[1:]), cache=AnalysisCache(tmp_path))
    assert analysed == [changed.id]
    assert index.score_all("brand-new-tag")[0].entry_id == changed.id
    # The file keeps only what the entries of today need: the old analysis of the changed entry is gone.
    kept = json.loads(AnalysisCache(tmp_path).path.read_text(encoding="utf-8"))["analyses"]
    assert len(kept) == len(entries)


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"format": 1}', b'{"format": 1, "analyses": {"k": {"tf": 3}}}', b"\xff\xfe"],
    ids=["empty", "not-json", "a-list", "no-analyses", "wrong-shape", "not-utf8"],
)
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, content: bytes) -> None:
    entries = _shipped()[:3]
    cache = AnalysisCache(tmp_path)
    cache.path.write_bytes(content)
    index = build_index(entries, cache=cache)
    assert index.score_all(entries[0].title.en)[0].entry_id == entries[0].id
    assert len(AnalysisCache(tmp_path).load()) == 3


def test_a_directory_that_cannot_be_written_costs_only_time(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    cache = AnalysisCache(blocker / "aksbot")
    entries = _shipped()[:3]
    index = build_index(entries, cache=cache)
    assert index.score_all(entries[1].title.en)[0].entry_id == entries[1].id
    assert cache.save({}) is False
    assert not list(tmp_path.glob(".tmp-*"))


def test_files_written_by_older_code_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "kb-analysis-0000000000000000.json"
    stale.write_text('{"format": 1, "analyses": {}}', encoding="utf-8")
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("mine", encoding="utf-8")
    build_index(_shipped()[:2], cache=AnalysisCache(tmp_path))
    assert not stale.exists()
    assert unrelated.exists()
    assert AnalysisCache(tmp_path).path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([unrelated.name, AnalysisCache(tmp_path).path.name])


def test_the_file_is_named_by_the_analysing_code() -> None:
    assert AnalysisCache(Path("/x")).path.name == f"kb-analysis-{code_fingerprint()}.json"
    assert AnalysisCache(Path("/x"), "abc").path.name == "kb-analysis-abc.json"


def test_where_the_cache_lives() -> None:
    assert cache_dir({"AKSBOT_CACHE_DIR": "/srv/cache", "XDG_CACHE_HOME": "/x"}) == Path("/srv/cache")
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}) == Path("/var/cache/me/aksbot")
    assert cache_dir({}) == Path.home() / ".cache" / "aksbot"


def test_the_test_session_never_writes_to_the_users_home() -> None:
    assert os.environ.get("AKSBOT_CACHE_DIR"), "tests/conftest.py points the cache at a temporary directory"
    assert not Path(os.environ["AKSBOT_CACHE_DIR"]).resolve().is_relative_to(Path.home() / ".cache")


def test_the_shipped_analyses_are_what_the_code_entries_and_questions_give_today() -> None:
    # When this fails after a change to the entries, the labelled questions or the analysing code, run
    # `aksbot kb prebuild` and commit knowledge/prebuilt-analysis.json: it is what a fresh install starts from.
    made_with = json.loads(SHIPPED.read_text(encoding="utf-8"))["made_with"]
    installed = {package: version(package) for package in made_with}
    assert made_with == installed, (
        f"the shipped analyses were made with {made_with}, this environment has {installed}: a fresh install with "
        "these versions analyses everything again; run `aksbot kb prebuild` with the versions a fresh install gets"
    )
    assert SHIPPED.read_text(encoding="utf-8") == shipped_text(load_entries()), "run `aksbot kb prebuild`"
    assert kb_main(["prebuild", "--check"]) == 0


def test_a_fresh_install_analyses_and_tokenises_nothing_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = load_entries()
    analysed = _count_analyses(monkeypatch)
    tokenised: list[int] = []
    monkeypatch.setattr(knowledge.evaluation, "question_examples", lambda *a, **k: tokenised.append(1) or ())
    shipped = build_index(entries, cache=AnalysisCache(tmp_path / "cache", shipped=SHIPPED), learn=True)
    assert analysed == [] and tokenised == []
    assert not (tmp_path / "cache").exists()
    monkeypatch.undo()
    fresh = build_index(entries, learn=True)
    questions = [q.q for q in load_queries()][:60]
    for question in [*questions, "为什么节点 NotReady", "SNAT port exhaustion on egress"]:
        assert shipped.score_all(question) == fresh.score_all(question), question


def test_a_changed_entry_is_analysed_and_kept_in_the_cache_directory_not_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = load_entries()
    analysed = _count_analyses(monkeypatch)
    changed = _with_new_tag(entries[0])
    before = SHIPPED.read_bytes()
    build_index((changed, *entries[1:]), cache=AnalysisCache(tmp_path, shipped=SHIPPED), learn=True)
    assert analysed == [changed.id]
    assert SHIPPED.read_bytes() == before
    analysed.clear()
    # The next process reads the cache directory's file, which now has everything.
    build_index((changed, *entries[1:]), cache=AnalysisCache(tmp_path, shipped=SHIPPED), learn=True)
    assert analysed == []


@pytest.mark.parametrize("damage", ["other-code", "damaged", "missing"])
def test_a_shipped_file_from_other_code_or_damaged_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    shipped = tmp_path / "prebuilt-analysis.json"
    if damage == "other-code":
        body = json.loads(SHIPPED.read_text(encoding="utf-8"))
        body["fingerprint"] = "0000000000000000"
        shipped.write_text(json.dumps(body), encoding="utf-8")
    elif damage == "damaged":
        shipped.write_bytes(SHIPPED.read_bytes()[:5000])
    entries = load_entries()[:4]
    analysed = _count_analyses(monkeypatch)
    index = build_index(entries, cache=AnalysisCache(tmp_path / "cache", shipped=shipped))
    assert sorted(analysed) == sorted(e.id for e in entries)
    assert index.score_all(entries[2].title.en)[0].entry_id == entries[2].id


def test_prebuild_check_fails_on_a_stale_file_and_prebuild_mends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import knowledge.cli

    stale = tmp_path / "prebuilt-analysis.json"
    stale.write_text('{"format": 3, "fingerprint": "old", "analyses": {}}', encoding="utf-8")
    model = tmp_path / "confidence.json"  # missing: the model is written after the analyses
    monkeypatch.setattr(knowledge.cli, "SHIPPED", stale)
    monkeypatch.setattr(knowledge.cli, "SHIPPED_MODEL", model)
    out = io.StringIO()
    assert kb_main(["prebuild", "--check"], out=out) == 1
    assert "run `aksbot kb prebuild`" in out.getvalue()
    assert kb_main(["prebuild"], out=io.StringIO()) == 0
    assert stale.read_bytes() == SHIPPED.read_bytes()
    written = ConfidenceModel.load(model)
    shipped = ConfidenceModel.load(SHIPPED_MODEL)
    assert written is not None and shipped is not None and written.agrees_with(shipped)
    out = io.StringIO()
    assert kb_main(["prebuild", "--check"], out=out) == 0
    assert "confidence.json is up to date" in out.getvalue()
