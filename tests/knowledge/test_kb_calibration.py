"""Calibration decides on columns of numbers (`evaluation._Batch`); the search decides with its rules
(`search.level_in_words_order`). Both must give every question the same level for any thresholds calibration tries."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from knowledge import load_knowledge_base
from knowledge.evaluation import (
    AGREE_OFF,
    UNRELATED_OFF,
    OutOfFold,
    _asked_candidates,
    _Batch,
    _meaning_candidates,
    _Prepared,
    _word_candidates,
    load_queries,
    load_real,
)
from knowledge.search import THRESHOLDS, Scored, Thresholds, level_in_words_order


def _calibration_questions() -> list[_Prepared]:
    scorer = OutOfFold(load_knowledge_base())
    questions = [q for q in load_queries() if q.split == "dev"] + list(load_real("tune"))
    return [_Prepared.scored(scorer, q) for q in questions]


def _candidates(count: int) -> list[Thresholds]:
    pick = random.Random(20261206)
    words = list(_word_candidates(THRESHOLDS))
    meaning = list(_meaning_candidates(THRESHOLDS))
    asked = list(_asked_candidates(THRESHOLDS))
    chosen = [THRESHOLDS, replace(THRESHOLDS, agree=AGREE_OFF, unrelated=UNRELATED_OFF, asked_agree=AGREE_OFF)]
    for _ in range(count):
        w, m, a = pick.choice(words), pick.choice(meaning), pick.choice(asked)
        chosen.append(replace(w, agree=m.agree, unrelated=m.unrelated, asked_agree=a.asked_agree,
                              suggest=pick.choice((THRESHOLDS.suggest, 0.5, 8.0))))
    return chosen


def test_calibration_gives_every_question_the_level_the_search_gives() -> None:
    prepared = _calibration_questions()
    batch = _Batch(prepared)
    assert batch.size > 900 and batch.asked_meaning.any() and not batch.asked_meaning.all()
    answered_somewhere = 0
    for thresholds in _candidates(200):
        columns = batch.answered(thresholds)
        rules = [level_in_words_order(p.by_words, p.moved, thresholds) == "answer" for p in prepared]
        mismatched = [i for i, (a, b) in enumerate(zip(columns.tolist(), rules, strict=True)) if a != b]
        assert not mismatched, (thresholds, [prepared[i].by_words[:2] for i in mismatched[:3]])
        answered_somewhere += sum(rules)
    assert answered_somewhere > 0  # the comparison is not one of empty sets


def test_a_question_nothing_points_to_is_never_answered() -> None:
    batch = _Batch([_Prepared.of(None, []), _Prepared.of("node-notready", [])])
    assert not batch.answered(replace(THRESHOLDS, suggest=0.0, answer=0.0, dominant=0.0)).any()


def test_every_rule_of_the_level_on_rankings_made_for_it() -> None:
    """Corners the real questions may not reach: nothing named, an entry named only by its errors, second opinions
    on a top entry no word of the question names, near ties, a ranking the model of asked questions moved."""
    prepared = []
    for evidence, second, coverage, errors, grounded, other_grounded, meaning, learned in itertools.product(
        (1.0, 10.0, 25.0, 60.0), (0.0, 9.0, 30.0), (0.1, 0.5, 0.9), (0.0, 1.0), (True, False), (True, False),
        (None, 0.2, 0.8), (0.0, 0.6),
    ):
        top = Scored("a", evidence, errors, evidence, coverage, meaning, meaning is not None, grounded, learned,
                     learned > 0, 0)
        runner_up = Scored("b", second, 0.0, second, 0.2, None if meaning is None else 0.1, False, other_grounded,
                           0.0, False, 1)
        ranked = [top, runner_up] if second else [top]
        prepared.append(_Prepared.of("a", ranked))
        if second:
            moved = [replace(runner_up, learned=0.9, learned_first=True), replace(top, learned_first=False)]
            prepared.append(_Prepared.of("b", moved))
    batch = _Batch(prepared)
    for thresholds in _candidates(60):
        columns = batch.answered(thresholds).tolist()
        assert columns == [level_in_words_order(p.by_words, p.moved, thresholds) == "answer" for p in prepared]
