"""The entries' analyses kept between processes: the same index with or without them, and never a reason to fail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import knowledge.search
from knowledge import build_index, load_knowledge_base
from knowledge.analysis_cache import AnalysisCache, cache_dir, code_fingerprint
from knowledge.evaluation import load_queries, load_real
from knowledge.model import Entry


def _shipped() -> tuple[Entry, ...]:
    return load_knowledge_base().entries()


def _count_analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    analysed: list[str] = []
    real = knowledge.search.analyze

    def counting(entry: Entry, analyzer: knowledge.search.Analyzer) -> knowledge.search.Analysis:
        analysed.append(entry.id)
        return real(entry, analyzer)

    monkeypatch.setattr(knowledge.search, "analyze", counting)
    return analysed


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
    changed = entries[0].model_copy(update={"tags": (*entries[0].tags, "brand-new-tag")})
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
