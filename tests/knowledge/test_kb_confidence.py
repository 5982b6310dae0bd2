"""The model of confidence: what it learns, what it ships as, and how the search uses it."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge import load_knowledge_base
from knowledge.asked import fold_of
from knowledge.confidence import (
    FEATURES,
    SHIPPED_MODEL,
    ConfidenceModel,
    Sample,
    features,
    fit,
    fit_weights,
    threshold_for,
)
from knowledge.evaluation import (
    DEV_MAX_WRONG,
    DEV_MIN_OOS_UNSURE,
    OutOfFold,
    evaluate,
    group_of,
    load_queries,
    load_real,
)
from knowledge.search import KnowledgeIndex, Scored, detect_lang, moved_by_learning, words_first
from tests.knowledge.conftest import rules_of


def _sample(values: list[float] | None, right: bool, fold: int) -> Sample:
    return Sample(values, right, fold)


def test_newton_steps_find_the_weights_of_a_known_logistic_law() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4000, 2))
    truth = np.array([0.5, 2.0, -1.0])  # intercept, then one weight per feature
    y = (rng.random(4000) < 1 / (1 + np.exp(-(truth[0] + x @ truth[1:])))).astype(float)
    w = fit_weights(x, y, l2=0.0)
    assert np.allclose(w, truth, atol=0.2), w
    # The penalty shrinks the weights, never the intercept's freedom to match the base rate.
    shrunk = fit_weights(x, y, l2=1e6)
    assert abs(shrunk[1]) < 0.01 and abs(shrunk[2]) < 0.01
    assert 1 / (1 + math.exp(-shrunk[0])) == pytest.approx(y.mean(), abs=0.01)


def test_it_answers_from_the_chance_at_which_an_answer_is_worth_its_cost() -> None:
    # p right answers against (1 - p) * N: worth it from p = N / (N + 1) on.
    assert threshold_for(8) == pytest.approx(8 / 9)
    assert threshold_for(3) == pytest.approx(0.75)
    # One feature that separates right from wrong: the model is sure of the one and not of the other.
    samples = [_sample([float(i % 2)], bool(i % 2), i % 5) for i in range(200)]
    samples.append(_sample(None, False, 0))  # no evidence: never answered, never learned from
    model = fit(samples, wrong_cost=8)
    assert (model.trained_on, model.threshold, set(model.folds)) == (200, threshold_for(8), {0, 1, 2, 3, 4})
    assert model.chance([1.0]) > model.threshold > model.chance([0.0])
    with pytest.raises(ValueError, match="no labelled question"):
        fit([_sample(None, False, 0)], wrong_cost=8)


def test_its_chances_are_what_happens_on_questions_it_did_not_learn_from() -> None:
    """Answering from N / (N + 1) is right only if a chance of p is right p of the time. Out of fold on the questions
    it learns from, the answers it gives are right at least as often as its threshold says (within the sampling
    error of some 300 answers), and questions it finds unlikely are seldom right."""
    index = load_knowledge_base()
    model = index.confidence
    assert model is not None
    scorer = OutOfFold(index)
    chances: list[tuple[float, bool]] = []
    for question in load_real("tune"):
        ranker = scorer(question)
        ranked = [s for s in ranker.score_all(question.q) if s.evidence > 0]
        if ranker.level_of(ranked, question.q) == "unknown":
            continue
        values = features(ranked, words_first(ranked), moved_by_learning(ranked), len(question.q),
                          detect_lang(question.q) == "zh")
        chances.append((model.chance(values, ranker.fold_left_out), ranked[0].entry_id == question.expect))
    answered = [right for p, right in chances if p >= model.threshold]
    assert len(answered) > 150 and sum(answered) / len(answered) >= model.threshold - 0.03
    unlikely = [right for p, right in chances if p < 0.3]
    assert len(unlikely) > 100 and sum(unlikely) / len(unlikely) < 0.3


def test_the_hand_written_dev_split_keeps_its_limits() -> None:
    report = evaluate(load_knowledge_base(), load_queries())
    assert (report.hand_dev.confident_wrong or 0) <= DEV_MAX_WRONG
    assert (report.hand_dev.oos_unsure or 0) >= DEV_MIN_OOS_UNSURE


def test_the_shipped_file_round_trips_and_a_model_for_other_features_is_refused(tmp_path: Path) -> None:
    shipped = ConfidenceModel.load()
    assert shipped is not None, f"{SHIPPED_MODEL} is missing: run `aksbot kb prebuild`"
    again = ConfidenceModel.from_json(shipped.to_json())
    assert again.agrees_with(shipped, tolerance=1e-8)
    body = json.loads(shipped.to_json())
    body["features"] = [*FEATURES[:-1], "something else"]
    other = tmp_path / "confidence.json"
    other.write_text(json.dumps(body), encoding="utf-8")
    assert ConfidenceModel.load(other) is None
    other.write_text(shipped.to_json()[:300], encoding="utf-8")
    assert ConfidenceModel.load(other) is None
    assert ConfidenceModel.load(tmp_path / "missing.json") is None
    moved = replace(shipped, weights=(shipped.weights[0] + 1e-3, *shipped.weights[1:]))
    assert not moved.agrees_with(shipped)


def test_the_shipped_index_decides_with_the_model_and_an_index_over_other_entries_with_the_rules() -> None:
    shipped = load_knowledge_base()
    assert shipped.confidence is not None
    assert KnowledgeIndex(shipped.entries()).confidence is None
    # A question that touches two entries: the rules keep it a suggestion (the runner-up, the OOMKilled runbook, is
    # within their margin); the model weighs that against everything else it knows, and answers.
    question = "my java pods get OOMKilled since we upgraded to 1.25"
    outcome = shipped.search(question)
    assert (outcome.level, [h.entry_id for h in outcome.hits[:2]]) == (
        "answer", ["java-oom-cgroupv2", "container-oomkilled"]
    )
    assert rules_of(shipped).search(question).level == "suggestion"
    # "I don't know" stays the rules' to say, whatever the model thinks.
    assert shipped.search("how do I bake a sourdough bread").level != "answer"
    assert shipped.search("zzzz qqqq").level == "unknown"


def test_a_question_the_model_learned_from_is_judged_by_the_fold_that_left_it_out() -> None:
    index = load_knowledge_base()
    question = load_real("tune")[0]
    fold = fold_of(group_of(question))
    left_out = OutOfFold(index)(question)
    ranked = [s for s in left_out.score_all(question.q) if s.evidence > 0]
    values = features(ranked, words_first(ranked), moved_by_learning(ranked), len(question.q),
                      detect_lang(question.q) == "zh")
    model = index.confidence
    assert model is not None
    assert model.chance(values, fold) != model.chance(values)
    expected = "answer" if model.chance(values, fold) >= model.threshold else "suggestion"
    assert left_out.level_of(ranked, question.q) == expected


def test_the_features_read_the_ranking_as_documented() -> None:
    first = Scored("a", 30.0, 1.0, 22.0, 0.8, 0.7, True, True, 0.6, True, 0)
    runner_up = Scored("b", 12.0, 0.0, 12.0, 0.3, 0.4, False, True, 0.2, False, 1)
    far = Scored("c", 4.0, 0.0, 4.0, 0.1, 0.1, False, False, 0.1, False, 2)
    ranked = [first, runner_up, far]
    named = dict(zip(FEATURES, features(ranked, ranked, False, 120, False), strict=True))
    assert named["log_evidence"] == pytest.approx(math.log1p(30.0))
    assert named["runner_up_share"] == pytest.approx(0.4)
    assert named["learned_lead"] == pytest.approx(0.4)
    assert named["crowd"] == 1.0  # only the first has half the best evidence
    assert (named["names_an_error"], named["asked_meaning"], named["meaning_first"], named["chinese"]) == (1, 1, 1, 0)
    assert named["log_length"] == pytest.approx(math.log(120))
    assert named["words_agree"] == 1.0
    # Moved by the model of asked questions: the words' first is not the shown first.
    moved = dict(zip(FEATURES, features([runner_up, first, far], ranked, True, 120, True), strict=True))
    assert (moved["moved"], moved["words_agree"], moved["chinese"]) == (1.0, 0.0, 1.0)


def test_the_rules_and_the_model_agree_on_what_is_unknown() -> None:
    index = load_knowledge_base()
    weak = [Scored("a", index.thresholds.suggest / 2, 0.0, 1.0, 0.9, None, False, True, 0.9, True, 0)]
    assert rules_of(index).level_of(weak, "x") == "unknown"
    assert index.level_of(weak, "x") == "unknown"


def test_a_near_tie_is_a_suggestion_and_a_pasted_log_line_with_an_error_string_an_answer() -> None:
    index = load_knowledge_base()
    # Two problems named, two entries nearly equal: people see both.
    both = index.search("node NotReady and pods pending")
    assert both.level == "suggestion" and {"node-notready", "pod-pending"} <= {h.entry_id for h in both.hits[:2]}
    # One line of a pod's log (what /k8s diagnose pod searches with) naming the DNS entry's error string.
    line = index.search("Error: getaddrinfo EAI_AGAIN redis.shop.svc.cluster.local")
    assert (line.level, line.hits[0].entry_id) == ("answer", "dns-timeout")
