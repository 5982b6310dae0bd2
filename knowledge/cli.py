"""`aksbot kb search|lint|eval`: the knowledge base from a terminal and from CI.

    aksbot kb search "TEXT" [--json] [--limit N]   ranked entries, or "I don't know" with the closest titles
    aksbot kb search [--limit N] < questions.txt   one question per line in, one JSON list per line out
    aksbot kb lint                                  every entry against the format's rules; exit 1 on a problem
    aksbot kb eval [--json] [--calibrate]           accuracy and abstention on the labelled questions;
                                                    exit 1 below the targets

The JSON of a search is a list of {"id", "score", "title"}, best first, and `[]` when the search abstains.
This module is an edge: it is the one place in `knowledge` that reads the environment (AKSBOT_NOTES_DIR).
Also runnable as `python -m knowledge.cli …`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

from knowledge import load_knowledge_base
from knowledge.evaluation import (
    TARGET_ABSTAIN_RECALL,
    TARGET_TOP1,
    TARGET_TOP3,
    EvalReport,
    Figures,
    calibrate,
    evaluate,
    load_queries,
)
from knowledge.lint import default_notes_dir, lint
from knowledge.loader import EntryError, read_entries
from knowledge.search import SearchOutcome


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aksbot kb", description="Search, lint and evaluate the knowledge base.")
    sub = parser.add_subparsers(dest="action", required=True)
    search = sub.add_parser("search", help="find the entries that answer a question")
    search.add_argument("text", nargs="*", help="the question; without it, one question per line from stdin")
    search.add_argument("--json", action="store_true", help="print a JSON list of {id, score, title}")
    search.add_argument("--limit", type=int, default=5, help="at most this many entries (default 5)")
    sub.add_parser("lint", help="check every entry against the format's rules")
    ev = sub.add_parser("eval", help="accuracy and abstention on the labelled questions")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--calibrate", action="store_true", help="also print the best threshold on the dev split")
    return parser


def _as_json(outcome: SearchOutcome) -> str:
    return json.dumps(
        [{"id": h.entry_id, "score": h.score, "title": h.title} for h in outcome.hits], ensure_ascii=False
    )


def _as_text(outcome: SearchOutcome) -> str:
    if outcome.abstained:
        head = (
            "我不确定：没有足够匹配的条目。" if outcome.lang == "zh" else "I don't know: no entry matches well enough."
        )
        if not outcome.closest:
            return head
        label = "最接近的：" if outcome.lang == "zh" else "Closest:"
        return "\n".join([head, label, *(f"  {h.score:5.1f}  {h.entry_id}  {h.title}" for h in outcome.closest)])
    return "\n".join(f"{h.score:5.1f}  {h.entry_id}  {h.title}" for h in outcome.hits)


def _search(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if args.limit < 1:
        print("--limit must be at least 1", file=sys.stderr)
        return 2
    index = load_knowledge_base()
    if args.text:
        outcome = index.search(" ".join(args.text), limit=args.limit)
        print(_as_json(outcome) if args.json else _as_text(outcome), file=out)
        return 0
    for line in stdin:
        question = line.strip()
        print(_as_json(index.search(question, limit=args.limit)) if question else "[]", file=out, flush=True)
    return 0


def _lint(out: TextIO) -> int:
    notes = default_notes_dir(os.environ.get("AKSBOT_NOTES_DIR"))
    problems = lint(None, notes)
    for problem in problems:
        print(problem, file=out)
    if problems:
        print(f"{len(problems)} problem(s)", file=out)
        return 1
    count = len(read_entries().entries)
    checked = f"notes checked in {notes}" if notes else "notes folder absent: note headings not checked"
    print(f"OK: {count} entries ({checked})", file=out)
    return 0


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _figures_line(name: str, f: Figures) -> str:
    return (
        f"{name:<9} in-scope {f.in_scope:>3}  top-1 {_percent(f.top1):>7}  top-3 {_percent(f.top3):>7}  "
        f"out-of-scope {f.out_of_scope:>3}  abstention precision {_percent(f.abstain_precision):>7}  "
        f"recall {_percent(f.abstain_recall):>7}"
    )


def _figures_json(f: Figures) -> dict[str, object]:
    return {
        "in_scope": f.in_scope,
        "out_of_scope": f.out_of_scope,
        "top1": f.top1,
        "top3": f.top3,
        "abstain_precision": f.abstain_precision,
        "abstain_recall": f.abstain_recall,
    }


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    index = load_knowledge_base()
    queries = load_queries()
    report: EvalReport = evaluate(index, queries)
    misses: list[dict[str, object]] = [
        {
            "q": m.query.q,
            "expect": m.query.expect,
            "got": list(m.ranked[:3]),
            "closest": list(m.closest),
            "score": m.top_score,
            "split": m.query.split,
        }
        for m in report.misses
    ]
    if args.json:
        payload: dict[str, object] = {
            "threshold": report.threshold,
            "all": _figures_json(report.all),
            "dev": _figures_json(report.dev),
            "held_out": _figures_json(report.held_out),
            "late": _figures_json(report.late),
            "passed": report.passed,
            "misses": misses,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    else:
        print(f"abstention threshold {report.threshold}", file=out)
        print(_figures_line("all", report.all), file=out)
        print(_figures_line("dev", report.dev), file=out)
        print(_figures_line("held-out", report.held_out), file=out)
        if report.late.in_scope or report.late.out_of_scope:
            print(_figures_line("late", report.late), file=out)
        print(
            f"targets: top-1 >= {TARGET_TOP1:.0%}, top-3 >= {TARGET_TOP3:.0%}, "
            f"out-of-scope abstained >= {TARGET_ABSTAIN_RECALL:.0%} -> {'PASS' if report.passed else 'FAIL'}",
            file=out,
        )
        for m in report.misses:
            got = ", ".join(m.ranked[:3]) if m.ranked else "abstained"
            print(f"miss [{m.query.split}] expect {m.query.expect}: got {got} ({m.top_score}): {m.query.q}", file=out)
    if args.calibrate:
        threshold, right, total = calibrate(index, queries)
        print(f"calibrated on dev: threshold {threshold} gets {right}/{total} decisions right", file=out)
    return 0 if report.passed else 1


def main(argv: list[str], stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run `aksbot kb …` with `argv` (the words after `kb`); returns the exit status."""
    args = _parser().parse_args(argv)
    stdin = sys.stdin if stdin is None else stdin
    out = sys.stdout if out is None else out
    try:
        if args.action == "search":
            return _search(args, stdin, out)
        if args.action == "lint":
            return _lint(out)
        return _eval(args, out)
    except EntryError as exc:
        print(f"the knowledge base does not load:\n{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
