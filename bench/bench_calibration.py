"""What a confident wrong answer should cost in calibration, measured on questions the calibration did not see.

`aksbot kb eval --calibrate --wrong-cost N` chooses the thresholds worth the most on the real tuning part, a wrong
answer weighed as N right ones. Here the whole calibration runs on two or three of the five source folds of the tuning
part (the hand-written dev split with them) and the thresholds it picks are measured on the other folds: all 20 such
splits per cost. A thread never sits on both sides (the folds are the model of asked questions' own, by source URL).
The team's own reviewed questions (`knowledge/eval/team.yaml`, when there is one) are calibration questions here as
they are for `--calibrate`, split into the same folds by their `slack://` source. The frozen test part is never used.

    PYTHONPATH=. python bench/bench_calibration.py [--costs 3 5 8 12 16]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

from knowledge import load_knowledge_base
from knowledge.asked import FOLDS, fold_of
from knowledge.evaluation import (
    OutOfFold,
    _Batch,
    _Prepared,
    _Tally,
    calibrate,
    group_of,
    load_queries,
    load_real,
    load_team,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--costs", type=float, nargs="+", default=[3.0, 5.0, 8.0, 12.0, 16.0])
    args = parser.parse_args()

    index = load_knowledge_base()
    scorer = OutOfFold(index)
    queries, tune = load_queries(), (*load_real("tune"), *load_team())
    prepared = [_Prepared.scored(scorer, q) for q in tune]
    halves = [set(c) for size in (2, 3) for c in itertools.combinations(range(FOLDS), size)]
    print(f"{len(tune)} tuning questions (the team's own included), {len(halves)} splits per cost "
          f"(calibrated on 2 or 3 folds of {FOLDS})")
    print("cost | unseen: right first | confident wrong (worst split) | out-of-scope unsure (worst split)")
    for cost in args.costs:
        started = time.perf_counter()
        tallies = []
        for folds in halves:
            seen = [q for q in tune if fold_of(group_of(q)) in folds]
            unseen = _Batch([p for q, p in zip(tune, prepared, strict=True) if fold_of(group_of(q)) not in folds])
            tallies.append(_Tally.of(unseen, calibrate(index, queries, seen, wrong_cost=cost).thresholds))
        right = statistics.mean(t.right for t in tallies)
        wrong, worst_wrong = statistics.mean(t.wrong for t in tallies), max(t.wrong for t in tallies)
        oos, worst_oos = statistics.mean(t.oos_unsure for t in tallies), min(t.oos_unsure for t in tallies)
        print(f"{cost:4g} | {right:6.1%} | {wrong:6.2%} ({worst_wrong:.2%}) | {oos:6.1%} ({worst_oos:.1%})"
              f"   [{time.perf_counter() - started:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
