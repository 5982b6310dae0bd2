"""What people asked, as a third opinion on the ranking: a nearest-centroid model of labelled questions.

The fielded BM25 knows the entries' words; real questions use other words for the same problems ("cluster went
down after a year" for expired certificates, "metrics-server not installing" for an HPA without metrics). The
knowledge base ships questions labelled with the entry that answers them, and this model learns from those it is
fine to learn from: each entry's own symptoms and titles, the hand-written dev split, the real tuning part and the
team's own reviewed questions (`knowledge/eval/team.yaml`, when there is one) — never the hand-written held-out split
nor the frozen test part, which stay unseen. Each question becomes a TF-IDF
vector of the search's own tokens; an entry's centroid is the normalised sum of its questions' vectors, and the
questions labelled out of scope make a centroid of their own (a question like them is pulled towards no entry). A new
question's cosine similarity to each entry's centroid moves entries in the ranking (`KnowledgeIndex`), and an answer
whose first entry it moves becomes a suggestion. It decides the confidence only where the model of meaning gives no
opinion (Chinese questions): a suggestion whose entry it puts first, similar enough, is an answer
(`search.Thresholds.asked_agree`).

Measured by five-fold cross-validation on the real tuning part, folds grouped by source so that no thread is on
both sides (`bench/bench_kb.py`, and `aksbot kb eval`, which scores every question the model learned from with a
model that did not): top-1 86.1 → 92.5 %, top-3 97.5 → 98.8 % (ten rounds); as the second opinion on Chinese
questions, right first 46.7 → 47.1 % with no more wrong answers (eleven rounds).

Pure computation: no I/O (the shipped questions are read by `knowledge.evaluation`, kept by
`knowledge.analysis_cache`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FOLDS = 5
ALWAYS = ""  # the group of examples that are the entries' own text: learned from in every fold
_OUT_OF_SCOPE = ""  # the label of the out-of-scope centroid (no entry id is empty)


@dataclass(frozen=True)
class Example:
    """One tokenised question and the entry that answers it (None: out of scope). Examples of one `group` (a
    source URL: one thread; a hand-written question: itself) are learned from, or left out, together."""

    tokens: tuple[str, ...]
    label: str | None
    group: str = ALWAYS


def fold_of(group: str) -> int:
    """The cross-validation fold a group of examples is left out in (stable across processes)."""
    return int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % FOLDS


class AskedModel:
    """Per entry, the centroid of the questions known to be about it; `similarities` compares a new one."""

    def __init__(self, examples: Iterable[Example]) -> None:
        kept = list(examples)
        df: dict[str, int] = {}
        for example in kept:
            for token in set(example.tokens):
                df[token] = df.get(token, 0) + 1
        n = len(kept)
        self._idf = {token: math.log((n + 1) / (count + 1)) for token, count in df.items()}
        sums: dict[str, dict[str, float]] = {}
        for example in kept:
            centroid = sums.setdefault(example.label or _OUT_OF_SCOPE, {})
            for token, weight in self._vector(example.tokens).items():
                centroid[token] = centroid.get(token, 0.0) + weight
        # Per token, the centroids that hold it and its weight there (a question visits only its own tokens' lists).
        self._postings: dict[str, list[tuple[str, float]]] = {}
        for label, centroid in sums.items():
            norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
            for token, weight in centroid.items():
                self._postings.setdefault(token, []).append((label, weight / norm))

    def _vector(self, tokens: Sequence[str]) -> dict[str, float]:
        counts: dict[str, int] = {}
        for token in tokens:
            if token in self._idf:
                counts[token] = counts.get(token, 0) + 1
        vector = {token: (1.0 + math.log(count)) * self._idf[token] for token, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {token: w / norm for token, w in vector.items()}

    def similarities(self, tokens: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of the question to each entry's centroid (entries it shares no word with are absent)."""
        found: dict[str, float] = {}
        for token, weight in self._vector(tokens).items():
            for label, centroid_weight in self._postings.get(token, ()):
                found[label] = found.get(label, 0.0) + weight * centroid_weight
        found.pop(_OUT_OF_SCOPE, None)
        return found
