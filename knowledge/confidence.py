"""How sure the search is: the chance that the entry shown first is the one that answers the question.

The words, the model of meaning and the model of asked questions each say something about whether the first entry
is right — how strong its evidence is, how close the runner-up, how much of the question it explains, whether the
models put the same entry first and how similar they find it. Hand-written rules with calibrated thresholds
(`search.Thresholds`) combined these one at a time; a runner-up above 0.45 of the best kept most real questions,
which touch several subjects, from an answer even when every other sign agreed.

`ConfidenceModel` weighs all of them at once: a logistic regression over the features `features` reads from the
ranking, learned from the questions it is fine to learn from (the hand-written dev split, the real tuning part, the
team's own questions — never the held-out split nor the frozen test part). The search answers when the chance is at
least `threshold` = N / (N + 1), where N is what one confident wrong answer costs in right ones (`wrong_cost`, the
cost calibration has weighed them by: 8, so 0.89). A chance is worth answering on exactly when its expected right
answers outweigh its expected cost: p > N (1 - p). No threshold is searched: a search over the tuning part found a
flat optimum (0.87 to 0.92 within a few questions' worth) that jumped with every change to the entries, and the
model's chances are calibrated (`tests/knowledge/test_kb_confidence.py` checks the share of right answers among
those it gives). "I don't know" stays the rules' (no entry has evidence); the model decides between an answer and a
suggestion, except for a near tie and a pasted log line (`search.NEAR_TIE`, `search.PASTED_LINE`).

Every question the model learned from is measured with a model that did not (`without_fold`, five folds grouped by
source, as `knowledge.asked`). On the real tuning part (fourteen rounds, 924 questions, 55 entries, out of fold),
against the rules recalibrated on the same questions (45.0 % right first at 3.57 % confident wrong): 48.0 % at the
same wrong share (N = 5), and 38.2 % at 1.62 % at the shipped N = 8, worth 127 right answers less eight for each
wrong one against the rules' 27. `aksbot kb eval` prints the current figures.

The weights ship in `knowledge/confidence.json`, written by `aksbot kb prebuild` (which fits them in about 3 s);
`aksbot kb prebuild --check`, which `tests/knowledge/test_kb_cache.py` runs, fails when they are not what today's
entries and questions give. Inference is pure Python (17 features and a dot product); fitting uses numpy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from knowledge.search import Scored

SHIPPED_MODEL = Path(__file__).with_name("confidence.json")

# What each feature is, in order (the file names them, so that a model for other features is refused, not misread).
FEATURES: tuple[str, ...] = (
    "log_evidence",  # log(1 + the best entry's evidence), in the words' order
    "runner_up_share",  # the runner-up's evidence as a share of the best's
    "coverage",  # the share of the question (by IDF) the best entry explains
    "grounded",  # a word of the question names the best entry's problem
    "names_an_error",  # an error string of the best entry is in the question
    "moved",  # the model of asked questions put another entry first than the words did
    "learned",  # the model of asked questions' similarity of the question to the first entry
    "learned_lead",  # … less its similarity to the most similar other entry
    "learned_first",  # … which finds no entry more similar
    "asked_meaning",  # the model of meaning gave an opinion (an English question)
    "meaning",  # its similarity of the question to the first entry (0 without an opinion)
    "meaning_first",  # … which finds no entry more similar
    "chinese",  # the question is Chinese
    "log_length",  # log of the question's length in characters
    "share_of_strongest",  # the first entry's evidence as a share of the strongest evidence of any entry
    "crowd",  # how many entries have at least half the best evidence
    "words_agree",  # the words (and the model of meaning) put the first entry first too
)

L2 = 1.0  # the penalty on the standardised weights (not the intercept); 0.3–10 gave the same figures within a point
NEWTON_STEPS = 40


def features(
    ranked: Sequence[Scored], by_words: Sequence[Scored], moved: bool, chars: int, chinese: bool
) -> list[float]:
    """The features of one ranking (`ranked`, best first, not empty; `by_words`, the same with the words' two best in
    front, `search.words_first`), in `FEATURES` order."""
    first, top = ranked[0], by_words[0]
    best = top.evidence
    runner_up = by_words[1].evidence if len(by_words) > 1 else 0.0
    others = max((s.learned for s in ranked[1:]), default=0.0)
    strongest = max(s.evidence for s in ranked)
    english = first.meaning is not None
    return [
        math.log1p(best),
        runner_up / best if best > 0 else 0.0,
        top.coverage,
        float(top.grounded),
        float(top.names_an_error),
        float(moved),
        first.learned,
        first.learned - others,
        float(first.learned_first),
        float(english),
        first.meaning or 0.0,
        float(english and first.meaning_first),
        float(chinese),
        math.log(max(chars, 1)),
        first.evidence / strongest if strongest > 0 else 0.0,
        float(sum(s.evidence >= 0.5 * best for s in ranked)),
        float(first.entry_id == top.entry_id),
    ]


@dataclass(frozen=True)
class ConfidenceModel:
    """Weights over standardised features (`mean`, `scale`), intercept first; one set per left-out fold as well."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    threshold: float
    wrong_cost: float
    folds: Mapping[int, tuple[float, ...]]
    trained_on: int  # questions

    def chance(self, values: Sequence[float], fold: int | None = None) -> float:
        """The chance the first entry is right, by the model that left out `fold` (None: the whole model)."""
        w = self.weights if fold is None else self.folds[fold]
        z = w[0] + sum(wi * (v - m) / s for wi, v, m, s in zip(w[1:], values, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def agrees_with(self, other: ConfidenceModel, tolerance: float = 1e-6) -> bool:
        """The same model, up to the last bits of floating point (another machine's BLAS may sum in another order)."""

        def close(a: Sequence[float], b: Sequence[float]) -> bool:
            return len(a) == len(b) and all(
                abs(x - y) <= tolerance * max(1.0, abs(x)) for x, y in zip(a, b, strict=True)
            )

        return (
            (self.threshold, self.wrong_cost, self.trained_on) == (other.threshold, other.wrong_cost, other.trained_on)
            and close(self.mean, other.mean)
            and close(self.scale, other.scale)
            and close(self.weights, other.weights)
            and self.folds.keys() == other.folds.keys()
            and all(close(w, other.folds[k]) for k, w in self.folds.items())
        )

    def to_json(self) -> str:
        payload = {
            "about": "knowledge/confidence.py: written by `aksbot kb prebuild`; do not edit",
            "features": list(FEATURES),
            "mean": [round(v, 9) for v in self.mean],
            "scale": [round(v, 9) for v in self.scale],
            "weights": [round(v, 9) for v in self.weights],
            "folds": {str(k): [round(v, 9) for v in w] for k, w in sorted(self.folds.items())},
            "threshold": self.threshold,
            "wrong_cost": self.wrong_cost,
            "trained_on": self.trained_on,
        }
        return json.dumps(payload, indent=1) + "\n"

    @staticmethod
    def from_json(text: str) -> ConfidenceModel:
        """Raises `ValueError` when the text is not a model for today's `FEATURES`."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("features") != list(FEATURES):
            raise ValueError("not a confidence model for this code's features")
        width = len(FEATURES)
        vectors = [data["mean"], data["scale"]]
        weights = [data["weights"], *data["folds"].values()]
        if any(len(v) != width for v in vectors) or any(len(w) != width + 1 for w in weights):
            raise ValueError("a confidence model's vectors have the wrong length")
        return ConfidenceModel(
            tuple(map(float, data["mean"])), tuple(map(float, data["scale"])), tuple(map(float, data["weights"])),
            float(data["threshold"]), float(data["wrong_cost"]),
            {int(k): tuple(map(float, w)) for k, w in data["folds"].items()}, int(data["trained_on"]),
        )

    @staticmethod
    def load(path: Path = SHIPPED_MODEL) -> ConfidenceModel | None:
        """The shipped model; None when there is none or it is not for this code (the rules decide then)."""
        try:
            return ConfidenceModel.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def fit_weights(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Logistic regression by Newton's method on standardised features `x` (no intercept column; it is added),
    the intercept not penalised. Deterministic: a fixed number of steps."""
    import numpy as np

    design = np.hstack([np.ones((x.shape[0], 1)), x])
    penalty = l2 * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    w = np.zeros(design.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -500, 500)))
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        gradient = design.T @ (p - y) + penalty @ w
        w = w - np.linalg.solve(hessian, gradient)
    weights: np.ndarray = w
    return weights


@dataclass(frozen=True)
class Sample:
    """One labelled question as the model sees it."""

    values: list[float] | None  # None: the rules say "I don't know" (no entry has evidence enough): not learned from
    right: bool  # the entry shown first is the one that answers it (never, for a question out of scope)
    fold: int


def threshold_for(wrong_cost: float) -> float:
    """The least chance worth answering on when a confident wrong answer costs `wrong_cost` right ones."""
    return wrong_cost / (1.0 + wrong_cost)


def fit(samples: Sequence[Sample], wrong_cost: float) -> ConfidenceModel:
    """The model over `samples` (those the rules know something about), and one per left-out fold.

    Raises `ValueError` when there is nothing to learn from."""
    import numpy as np

    known = [s for s in samples if s.values is not None]
    if not known:
        raise ValueError("no labelled question with evidence to learn the model of confidence from")
    x = np.array([s.values for s in known], dtype=np.float64)
    y = np.array([s.right for s in known], dtype=np.float64)
    folds = np.array([s.fold for s in known])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    by_fold = {int(fold): tuple(float(v) for v in fit_weights(z[folds != fold], y[folds != fold]))
               for fold in sorted(set(folds.tolist()))}
    weights = fit_weights(z, y)
    return ConfidenceModel(
        tuple(float(v) for v in mean), tuple(float(v) for v in scale), tuple(float(v) for v in weights),
        threshold_for(wrong_cost), wrong_cost, by_fold, len(known),
    )
