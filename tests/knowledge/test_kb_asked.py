"""The model of asked questions: what it learns from (never the unseen sets), how it ranks, that it decides the
confidence only where the model of meaning is silent (Chinese questions), that the figures of what it learned from are
out of fold, and that a new process need not learn again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import knowledge.evaluation
from knowledge import build_index, load_knowledge_base
from knowledge.analysis_cache import AnalysisCache
from knowledge.asked import ALWAYS, FOLDS, AskedModel, Example, fold_of
from knowledge.evaluation import OutOfFold, group_of, learning_examples, load_queries, load_real
from knowledge.search import KnowledgeIndex, Scored
from knowledge.text import DEFAULT_ANALYZER, clean
from tests.knowledge.conftest import rules_of


def _tokens(text: str) -> tuple[str, ...]:
    return DEFAULT_ANALYZER.tokens(clean(text))


def test_a_question_is_closest_to_the_centroid_of_questions_like_it() -> None:
    model = AskedModel([
        Example(_tokens("cluster went down after exactly one year"), "cert-expired", "a"),
        Example(_tokens("kubectl x509 after a year"), "cert-expired", "b"),
        Example(_tokens("pods restart with exit code 137"), "container-oomkilled", "c"),
        Example(_tokens("how do I bake sourdough bread"), None, "d"),
    ])
    similar = model.similarities(_tokens("our cluster stopped working after one year"))
    assert max(similar, key=similar.__getitem__) == "cert-expired"
    # The out-of-scope centroid pulls towards no entry: it is never one of the similarities.
    assert set(model.similarities(_tokens("sourdough bread"))) <= {"cert-expired", "container-oomkilled"}
    assert model.similarities(_tokens("zzzz qqqq")) == {}


def test_the_shipped_model_never_learns_from_the_held_out_split_or_the_frozen_test_part() -> None:
    index = load_knowledge_base()
    for question in load_real("test"):
        assert not index.learned_from(group_of(question)), question.source
    held_out = [q for q in load_queries() if q.split == "held-out"]
    assert held_out and not any(index.learned_from(group_of(q)) for q in held_out)
    # … and does learn from the tuning part and the dev split.
    assert all(index.learned_from(group_of(q)) for q in load_real("tune"))
    assert all(index.learned_from(group_of(q)) for q in load_queries() if q.split == "dev")


def test_a_fold_left_out_is_left_out_whole_and_the_entries_own_text_never() -> None:
    examples = learning_examples(load_knowledge_base().entries())
    groups = {e.group for e in examples if e.group != ALWAYS}
    assert {fold_of(g) for g in groups} == set(range(FOLDS))
    index = load_knowledge_base()
    for fold in range(FOLDS):
        without = index.without_fold(fold)
        assert not any(without.learned_from(g) for g in groups if fold_of(g) == fold)
        assert all(without.learned_from(g) for g in groups if fold_of(g) != fold)
    # The entries' symptoms and titles are the entries, not measured questions: every fold keeps them.
    assert sum(e.group == ALWAYS for e in examples) >= len(index.entries()) * 4


def test_questions_it_learned_from_are_measured_by_an_index_that_left_them_out() -> None:
    index = load_knowledge_base()
    scorer = OutOfFold(index)
    tune = load_real("tune")[0]
    assert index.learned_from(group_of(tune)) and not scorer(tune).learned_from(group_of(tune))
    frozen = load_real("test")[0]
    assert scorer(frozen) is index


def test_it_moves_entries_in_the_ranking_but_an_answer_it_moves_is_a_suggestion() -> None:
    entries = load_knowledge_base().entries()
    words = KnowledgeIndex(entries)
    question = "kubelet stopped posting node status and the node is NotReady"
    first_by_words = words.score_all(question)[0].entry_id
    other = next(s.entry_id for s in words.score_all(question)[1:] if s.entry_id != first_by_words)
    # Taught that this question is about another entry (beside one unrelated question: IDF needs two documents).
    lesson = [Example(_tokens(question), other, "x"), Example(_tokens("pods evicted for disk pressure"), None, "y")]
    taught = KnowledgeIndex(entries, examples=lesson)
    ranked = [s for s in taught.score_all(question) if s.evidence > 0]
    assert ranked[0].entry_id == other and ranked[0].words_rank > 0
    assert {s.entry_id for s in ranked} == {s.entry_id for s in words.score_all(question) if s.evidence > 0}
    assert words.level_of([s for s in words.score_all(question) if s.evidence > 0], question) == "answer"
    assert taught.level_of(ranked, question) == "suggestion"
    # Off (weight 0), the ranking is the words' own.
    off = KnowledgeIndex(entries, examples=lesson, learned_weight=0.0)
    assert [s.entry_id for s in off.score_all(question)] == [s.entry_id for s in words.score_all(question)]


def test_the_level_is_decided_on_the_ranking_without_it() -> None:
    index = KnowledgeIndex(load_knowledge_base().entries())
    strong = Scored("a", 60.0, 0.0, 60.0, 0.9, words_rank=0)
    weak = Scored("b", 5.0, 0.0, 5.0, 0.2, words_rank=1)
    assert index.level_of([strong, weak], "") == "answer"
    assert index.level_of([weak, strong], "") == "suggestion"  # moved first by the model: shown first, but unsure


def test_on_a_chinese_question_it_is_the_second_opinion_that_turns_a_suggestion_into_an_answer() -> None:
    index = KnowledgeIndex(load_knowledge_base().entries())
    bar = index.thresholds.asked_agree
    # Words alone make these two close entries a suggestion (the runner-up has more than the margin of the best).
    best = Scored("pod-pending", 30.0, 0.0, 30.0, 0.6, words_rank=0)
    runner_up = Scored("system-pool-health", 20.0, 0.0, 20.0, 0.4, words_rank=1)
    assert index.level_of([best, runner_up], "") == "suggestion"
    agrees = replace(best, learned=bar, learned_first=True)
    assert index.level_of([agrees, runner_up], "") == "answer"
    # Not similar enough, another entry nearer in its opinion, or evidence that names nothing: still unsure.
    assert index.level_of([replace(agrees, learned=bar - 0.01), runner_up], "") == "suggestion"
    assert index.level_of([replace(agrees, learned_first=False), runner_up], "") == "suggestion"
    assert index.level_of([replace(agrees, grounded=False), runner_up], "") == "suggestion"
    # Where the model of meaning gave its opinion (an English question), that opinion decides, not this one.
    assert index.level_of([replace(agrees, meaning=0.5, meaning_first=True), runner_up], "") == "suggestion"


def test_a_plain_chinese_question_it_never_learned_from_gets_an_answer() -> None:
    index = load_knowledge_base()
    # A hand-written held-out question (never learned from): a suggestion by words alone, an answer with its opinion.
    question = "1.24 以后 serviceaccount 不自动生成 token secret 了"
    assert not index.learned_from(question)
    outcome = index.search(question)
    assert (outcome.level, outcome.hits[0].entry_id) == ("answer", "service-account-token-1-24")
    # By the rules (the fallback without the model of confidence), with the words' thresholds they had until the tenth
    # stop's recalibration (which answers this one by words alone), its opinion is what makes the answer.
    rules = rules_of(index)
    rules.thresholds = replace(index.thresholds, answer=20.0, margin=0.45, dominant=21.0, dominant_margin=0.3)
    assert rules.search(question).level == "answer"
    rules.thresholds = replace(rules.thresholds, asked_agree=1.01)
    assert rules.search(question).level == "suggestion"


def test_a_new_process_takes_the_tokenised_questions_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = load_knowledge_base().entries()
    first = build_index(entries, cache=AnalysisCache(tmp_path), learn=True)
    calls: list[int] = []
    real = knowledge.evaluation.question_examples

    def counting(*args: object, **kwargs: object) -> tuple[Example, ...]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(knowledge.evaluation, "question_examples", counting)
    second = build_index(entries, cache=AnalysisCache(tmp_path), learn=True)
    assert calls == []
    for question in ("why is my node NotReady", "证书过期了怎么办", "pods evicted DiskPressure"):
        assert first.score_all(question) == second.score_all(question)
    # An edited entry brings its own examples with its new analysis; the labelled questions are not tokenised again.
    edited = entries[0].model_copy(update={"symptoms": entries[0].symptoms.model_copy(
        update={"en": (*entries[0].symptoms.en, "zorblax flapping on every node")})})
    taught = build_index((edited, *entries[1:]), cache=AnalysisCache(tmp_path), learn=True)
    assert calls == []
    assert taught.score_all("zorblax flapping")[0].learned_first
    assert taught.score_all("zorblax flapping")[0].entry_id == edited.id
    # Other labelled questions (a changed file) are tokenised again, not taken stale.
    monkeypatch.setattr(knowledge.evaluation, "questions_digest", lambda analyzer: "another set of questions")
    build_index(entries, cache=AnalysisCache(tmp_path), learn=True)
    assert calls == [1]
