"""Measure the search on labelled questions: top-1 and top-3 accuracy, and how well it abstains.

The questions live in `knowledge/eval/queries.yaml`: each has the id of the entry that answers it, or
`expect: null` for a near miss the knowledge base does not cover (Ingress TLS, Helm templating …), where the
right answer is "I don't know". Questions marked `late: true` were written after the entries were final (so
no entry can have been tuned to them) and are also reported on their own. Each question belongs to the *dev*
split (used to calibrate the abstention threshold) or the *held-out* split (never used for tuning), decided by
a stable hash of its text so that adding questions never reshuffles the old ones.

`evaluate` returns the figures for both splits and for all questions, and the misses; `calibrate` picks the
abstention threshold that maximises correct decisions on the dev split only.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.search import KnowledgeIndex

Split = Literal["dev", "held-out"]

TARGET_TOP1 = 0.85
TARGET_TOP3 = 0.95
TARGET_ABSTAIN_RECALL = 0.80


class LabelledQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(min_length=1)
    expect: str | None
    # Written after the entries were final, so no entry could have been tuned to it: the most honest figure.
    late: bool = False

    @property
    def split(self) -> Split:
        # One in three goes to the held-out split; crc32 is stable across processes and Python versions.
        return "held-out" if zlib.crc32(self.q.encode("utf-8")) % 3 == 0 else "dev"


class QuerySet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    queries: tuple[LabelledQuery, ...]


def queries_file() -> Traversable:
    return resources.files("knowledge").joinpath("eval", "queries.yaml")


def load_queries(path: Traversable | Path | None = None) -> tuple[LabelledQuery, ...]:
    source = queries_file() if path is None else path
    try:
        return QuerySet.model_validate(yaml.safe_load(source.read_text(encoding="utf-8"))).queries
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{source}: {exc}") from None


@dataclass(frozen=True)
class Outcome:
    """What the search did with one labelled question."""

    query: LabelledQuery
    ranked: tuple[str, ...]  # ids, best first, empty when it abstained
    top_score: float  # the best score, abstained or not
    closest: tuple[str, ...]

    @property
    def abstained(self) -> bool:
        return not self.ranked

    @property
    def top1(self) -> bool:
        return self.query.expect is not None and self.ranked[:1] == (self.query.expect,)

    @property
    def top3(self) -> bool:
        return self.query.expect is not None and self.query.expect in self.ranked[:3]


@dataclass(frozen=True)
class Figures:
    """Figures over one set of outcomes; ratios are None when there is nothing to divide by."""

    in_scope: int
    out_of_scope: int
    top1: float | None
    top3: float | None
    abstain_precision: float | None
    abstain_recall: float | None

    @staticmethod
    def of(outcomes: Sequence[Outcome]) -> Figures:
        inside = [o for o in outcomes if o.query.expect is not None]
        outside = [o for o in outcomes if o.query.expect is None]
        abstained = [o for o in outcomes if o.abstained]

        def ratio(n: int, d: int) -> float | None:
            return n / d if d else None

        return Figures(
            in_scope=len(inside),
            out_of_scope=len(outside),
            top1=ratio(sum(o.top1 for o in inside), len(inside)),
            top3=ratio(sum(o.top3 for o in inside), len(inside)),
            abstain_precision=ratio(sum(o.query.expect is None for o in abstained), len(abstained)),
            abstain_recall=ratio(sum(o.abstained for o in outside), len(outside)),
        )

    def meets_targets(self) -> bool:
        return (
            (self.top1 or 0.0) >= TARGET_TOP1
            and (self.top3 or 0.0) >= TARGET_TOP3
            and (self.abstain_recall or 0.0) >= TARGET_ABSTAIN_RECALL
        )


@dataclass(frozen=True)
class EvalReport:
    threshold: float
    all: Figures
    dev: Figures
    held_out: Figures
    late: Figures
    misses: tuple[Outcome, ...]

    @property
    def passed(self) -> bool:
        return self.all.meets_targets()


def run(index: KnowledgeIndex, queries: Sequence[LabelledQuery]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for query in queries:
        result = index.search(query.q, limit=5)
        top = result.hits[0].score if result.hits else (result.closest[0].score if result.closest else 0.0)
        outcomes.append(
            Outcome(query, tuple(h.entry_id for h in result.hits), top, tuple(h.entry_id for h in result.closest))
        )
    return outcomes


def _is_miss(outcome: Outcome) -> bool:
    if outcome.query.expect is None:
        return not outcome.abstained
    return not outcome.top1


def evaluate(index: KnowledgeIndex, queries: Sequence[LabelledQuery]) -> EvalReport:
    outcomes = run(index, queries)
    return EvalReport(
        threshold=index.abstain_below,
        all=Figures.of(outcomes),
        dev=Figures.of([o for o in outcomes if o.query.split == "dev"]),
        held_out=Figures.of([o for o in outcomes if o.query.split == "held-out"]),
        late=Figures.of([o for o in outcomes if o.query.late]),
        misses=tuple(o for o in outcomes if _is_miss(o)),
    )


def calibrate(index: KnowledgeIndex, queries: Sequence[LabelledQuery]) -> tuple[float, int, int]:
    """The threshold that gets the most dev-split decisions right, with (right, total) at that threshold.

    A decision is right when an in-scope question is answered (not abstained) with its entry first, or an
    out-of-scope one is abstained. Among equally good thresholds the middle one is chosen, to leave margin on
    both sides.
    """
    dev = [q for q in queries if q.split == "dev"]
    evidence: list[tuple[LabelledQuery, float, str | None]] = []
    for query in dev:
        ranked = index.score_all(query.q)
        best = ranked[0] if ranked else None
        evidence.append((query, best.score if best else 0.0, best.entry_id if best else None))
    results: list[tuple[float, int]] = []
    for tenth in range(0, 1001):
        threshold = tenth / 10
        right = 0
        for query, score, best_id in evidence:
            answered = score >= threshold and score > 0
            if query.expect is None:
                right += not answered
            else:
                right += answered and best_id == query.expect
        results.append((threshold, right))
    most = max(right for _, right in results)
    best_thresholds = [t for t, right in results if right == most]
    # The widest run of best thresholds, then its middle.
    runs: list[list[float]] = []
    for t in best_thresholds:
        if runs and abs(t - runs[-1][-1] - 0.1) < 1e-9:
            runs[-1].append(t)
        else:
            runs.append([t])
    widest = max(runs, key=len)
    return widest[len(widest) // 2], most, len(dev)
