"""`aksbot kb search|lint|eval`: the knowledge base from a terminal and from CI.

    aksbot kb search "TEXT" [--json] [--limit N]   ranked entries, or "I don't know" with the closest titles
    aksbot kb search [--limit N] < questions.txt   one question per line in, one JSON list per line out
    aksbot kb lint                                  every entry against the format's rules; exit 1 on a problem
    aksbot kb eval [--json] [--calibrate [--wrong-cost N]] [--questions FILE]
                                                    figures on the hand-written questions and on both parts of
                                                    the real questions (and on a team's own reviewed questions,
                                                    `aksbot kb asked --export`); exit 1 below the hand-written
                                                    targets

The JSON of a search is a list of {"id", "score", "title", "confidence"}, best first, where confidence is "answer"
(the first hit, when the search is sure) or "suggestion"; it is `[]` when the search does not know.
This module is an edge: it is the one place in `knowledge` that reads the environment (AKSBOT_NOTES_DIR).
Also runnable as `python -m knowledge.cli …`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from pathlib import Path
from typing import TextIO

from knowledge import load_knowledge_base, new_process_index
from knowledge.analysis_cache import SHIPPED, shipped_text
from knowledge.confidence import SHIPPED_MODEL, ConfidenceModel
from knowledge.evaluation import (
    TARGET_OOS_UNSURE,
    TARGET_REAL_ANSWER_TOP1,
    TARGET_REAL_CONFIDENT_WRONG,
    TARGET_REAL_OOS_UNSURE,
    TARGET_REAL_SHOWN,
    TARGET_TOP1,
    TARGET_TOP3,
    WRONG_COST,
    EvalReport,
    Figures,
    TeamQuery,
    calibrate,
    collection_rounds,
    evaluate,
    fit_confidence,
    load_queries,
    load_real,
    load_team,
    run,
)
from knowledge.files import write_whole
from knowledge.lint import default_notes_dir, lint
from knowledge.loader import EntryError, load_entries, read_entries
from knowledge.search import SearchOutcome, Thresholds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aksbot kb", description="Search, lint and evaluate the knowledge base.")
    sub = parser.add_subparsers(dest="action", required=True)
    search = sub.add_parser("search", help="find the entries that answer a question")
    search.add_argument("text", nargs="*", help="the question; without it, one question per line from stdin")
    search.add_argument("--json", action="store_true", help="print a JSON list of {id, score, title, confidence}")
    search.add_argument("--limit", type=int, default=5, help="at most this many entries (default 5)")
    sub.add_parser("lint", help="check every entry against the format's rules")
    ev = sub.add_parser("eval", help="accuracy and confidence on the labelled questions")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument(
        "--calibrate", action="store_true", help="also print the best thresholds on the calibration questions"
    )
    ev.add_argument(
        "--wrong-cost", type=float, default=WRONG_COST, metavar="N",
        help=f"with --calibrate: a confident wrong answer costs N right ones (default {WRONG_COST:g})",
    )
    ev.add_argument(
        "--questions", metavar="FILE",
        help="also measure a labelled file (an `aksbot kb asked --export`, before it joins knowledge/eval/team.yaml)",
    )
    # Run by `aksbot kb asked` (bot.questions.cli: it reads the bot's store, which this package does not know);
    # listed here so that `aksbot kb --help` names it.
    sub.add_parser("asked", help="what people asked the knowledge base, from the bot's store (aksbot kb asked --help)",
                   add_help=False)
    pre = sub.add_parser(
        "prebuild",
        help="write the entries' analyses that ship with the package, so a fresh install starts without making them, "
             "and the model of confidence fitted on the labelled questions",
    )
    pre.add_argument(
        "--check", action="store_true",
        help="write nothing: exit 1 if a shipped file is not what the code, entries and questions give today",
    )
    return parser


def _prebuild(args: argparse.Namespace, out: TextIO) -> int:
    """The shipped analyses first (the model of confidence is fitted on rankings made with them), then the model."""
    entries = load_entries()
    made = shipped_text(entries)
    try:
        current = SHIPPED.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    if made == current:
        print(f"{SHIPPED} is up to date", file=out)
    elif args.check:
        print(f"{SHIPPED} is not what the code, entries and labelled questions give today: run `aksbot kb prebuild`",
              file=out)
        return 1
    elif not _write(SHIPPED, made):
        return 1
    else:
        print(f"wrote {SHIPPED} ({len(made.encode()) / 1e6:.1f} MB)", file=out)
    # Ranked with the analyses just written, by the models a fresh install builds (the old model of confidence plays
    # no part: the features are the ranking's).
    index = new_process_index(entries, shipped=SHIPPED)
    try:
        team = _team(load_team(), {e.id for e in entries}, "knowledge/eval/team.yaml")
        model = fit_confidence(index, load_queries(), load_real("tune"), team)
    except ValueError as exc:
        print(f"aksbot kb prebuild: {exc}", file=sys.stderr)
        return 1
    shipped_model = ConfidenceModel.load(SHIPPED_MODEL)
    if shipped_model is not None and shipped_model.agrees_with(model):
        print(f"{SHIPPED_MODEL} is up to date", file=out)
        return 0
    if args.check:
        print(f"{SHIPPED_MODEL} is not the model today's rankings of the labelled questions give: run "
              "`aksbot kb prebuild`", file=out)
        return 1
    if not _write(SHIPPED_MODEL, model.to_json()):
        return 1
    print(f"wrote {SHIPPED_MODEL} (answers from a chance of {model.threshold:.2f}, learned from "
          f"{model.trained_on} questions)", file=out)
    return 0


def _write(path: Path, text: str) -> bool:
    try:
        # Whole or not at all: a half-written file would be ignored, and every fresh install would analyse again.
        write_whole(path, text)
    except OSError as exc:
        print(f"cannot write {path}: {exc}", file=sys.stderr)
        return False
    return True


def _as_json(outcome: SearchOutcome) -> str:
    return json.dumps(
        [{"id": h.entry_id, "score": h.score, "title": h.title, "confidence": h.confidence} for h in outcome.hits],
        ensure_ascii=False,
    )


def _as_text(outcome: SearchOutcome) -> str:
    zh = outcome.lang == "zh"
    if outcome.unknown:
        if zh:
            return "我不知道：问题中没有任何与知识库条目相关的线索。"
        return "I don't know: nothing in the question points to any entry."
    lines = []
    if outcome.level == "suggestion":
        lines.append("不确定，可能是以下之一：" if zh else "Not sure; probably one of these:")
    lines += [f"{h.score:5.1f}  {h.confidence:<10}  {h.entry_id}  {h.title}" for h in outcome.hits]
    return "\n".join(lines)


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
        f"{name:<12} in-scope {f.in_scope:>3}  out-of-scope {f.out_of_scope:>3} | answer right first "
        f"{_percent(f.answer_top1):>7} (precision {_percent(f.answer_precision):>7})  shown {_percent(f.shown):>7}  "
        f"confident wrong {_percent(f.confident_wrong):>7}  out-of-scope unsure {_percent(f.oos_unsure):>7} | "
        f"top-1 {_percent(f.top1):>7}  top-3 {_percent(f.top3):>7}"
    )


def _figures_json(f: Figures) -> dict[str, object]:
    return {
        "in_scope": f.in_scope,
        "out_of_scope": f.out_of_scope,
        "answer_top1": f.answer_top1,
        "answer_precision": f.answer_precision,
        "shown": f.shown,
        "confident_wrong": f.confident_wrong,
        "oos_unsure": f.oos_unsure,
        "top1": f.top1,
        "top3": f.top3,
        "unknown": f.unknown,
    }


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    index = load_knowledge_base()
    known = {e.id for e in index.entries()}
    try:
        team = _team(load_team(), known, "knowledge/eval/team.yaml")
        extra = _team(load_team(Path(args.questions)), known, args.questions) if args.questions else None
    except ValueError as exc:
        print(f"aksbot kb eval: {exc}", file=sys.stderr)
        return 2
    queries = load_queries()
    tune, test = load_real("tune"), load_real("test")
    report: EvalReport = evaluate(index, queries, tune, test, collection_rounds("test"), team)
    # Out of fold as well: an export may hold questions `team.yaml` already taught the model.
    extra_outcomes = run(index, extra) if extra is not None else None
    real_targets = report.real_test.real_targets()
    if args.json:
        payload: dict[str, object] = {
            "confidence": _confidence_json(index.confidence),
            "thresholds": dataclasses.asdict(report.thresholds),
            "hand_written": {
                "all": _figures_json(report.hand_all),
                "dev": _figures_json(report.hand_dev),
                "held_out": _figures_json(report.hand_held_out),
                "late": _figures_json(report.hand_late),
            },
            "real_tune": _figures_json(report.real_tune),
            "real_test": _figures_json(report.real_test),
            "real_test_rounds": {label: _figures_json(figures) for label, figures in report.real_test_rounds},
            "real_test_targets": real_targets,
            "real_test_intervals": {name: list(span) for name, span in _intervals(report.real_test).items()},
            **({"team": _figures_json(report.team)} if report.team is not None else {}),
            **({"questions": _figures_json(Figures.of(extra_outcomes))} if extra_outcomes is not None else {}),
            "passed": report.passed,
            # Per-question results only where it is fine to look: never for the frozen test part.
            "misses": {
                "hand_written": [
                    {"q": o.q, "expect": o.expect, "got": list(o.ranked), "level": o.level, "split": split}
                    for o, split in report.hand_misses
                ],
                "real_tune": [
                    {"q": o.q, "expect": o.expect, "got": list(o.ranked), "level": o.level} for o in report.tune_misses
                ],
                **({"team": [
                    {"q": o.q, "expect": o.expect, "got": list(o.ranked), "level": o.level} for o in report.team_misses
                ]} if report.team is not None else {}),
            },
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    else:
        print(f"confidence: {_describe_model(index.confidence, report.thresholds)}", file=out)
        print(f"thresholds{' (the rules, without the model)' if index.confidence else ''}: "
              f"{_describe(report.thresholds)}", file=out)
        print("the dev split and the tuning part, which the models of asked questions and of confidence learn from, "
              "are measured out of fold (five folds; the held-out split and the frozen test part they never see)",
              file=out)
        print("hand-written questions (same authors as the entries):", file=out)
        print(_figures_line("  all", report.hand_all), file=out)
        print(_figures_line("  dev", report.hand_dev), file=out)
        print(_figures_line("  held-out", report.hand_held_out), file=out)
        print(_figures_line("  late", report.hand_late), file=out)
        print("real questions (public posts):", file=out)
        print(_figures_line("  tuning", report.real_tune), file=out)
        print(_figures_line("  frozen test", report.real_test), file=out)
        for label, figures in report.real_test_rounds:
            print(_figures_line(f"    {label}", figures), file=out)
        if report.team is not None:
            print("the team's own questions (knowledge/eval/team.yaml, out of fold):", file=out)
            print(_figures_line("  team", report.team), file=out)
        if extra_outcomes is not None:
            print(f"questions of {args.questions}:", file=out)
            print(_figures_line("  questions", Figures.of(extra_outcomes)), file=out)
        print(
            f"hand-written targets: top-1 >= {TARGET_TOP1:.0%}, top-3 >= {TARGET_TOP3:.0%}, out-of-scope unsure >= "
            f"{TARGET_OOS_UNSURE:.0%} -> {'PASS' if report.passed else 'FAIL'}",
            file=out,
        )
        verdicts = ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in real_targets.items())
        print(
            f"real test targets: answer right first >= {TARGET_REAL_ANSWER_TOP1:.0%}, "
            f"shown >= {TARGET_REAL_SHOWN:.0%}, "
            f"confident wrong <= {TARGET_REAL_CONFIDENT_WRONG:.0%}, out-of-scope unsure >= {TARGET_REAL_OOS_UNSURE:.0%}"
            f" -> {verdicts}",
            file=out,
        )
        spans = ", ".join(
            f"{name} {low:.1%}–{high:.1%}" for name, (low, high) in _intervals(report.real_test).items()
        )
        print(f"frozen test, 95 % intervals (Wilson; how far the sample's figures may sit from the truth): {spans}",
              file=out)
        for o, split in report.hand_misses:
            got = ", ".join(o.ranked) if o.ranked else "nothing"
            print(f"miss [hand {split}] expect {o.expect}: got {got} ({o.level}): {o.q}", file=out)
        for o in report.tune_misses:
            got = ", ".join(o.ranked) if o.ranked else "nothing"
            print(f"miss [real tuning] expect {o.expect}: got {got} ({o.level}): {o.q}", file=out)
        for o in report.team_misses:
            got = ", ".join(o.ranked) if o.ranked else "nothing"
            print(f"miss [team] expect {o.expect}: got {got} ({o.level}): {o.q}", file=out)
        for o in (o for o in extra_outcomes or () if o.miss):
            got = ", ".join(o.ranked) if o.ranked else "nothing"
            print(f"miss [{args.questions}] expect {o.expect}: got {got} ({o.level}): {o.q}", file=out)
    if args.calibrate:
        try:
            # The team's own questions, when there are any, are calibration questions like the tuning part's.
            found = calibrate(index, queries, (*tune, *team), args.wrong_cost)
        except ValueError as exc:
            print(f"calibration: {exc}", file=out)
            return 1
        where = "the real tuning part and the team's own questions" if team else "the real tuning part"
        print(
            f"calibrated on the hand-written dev split and {where} ({found.questions} questions): "
            f"{_describe(found.thresholds)} -> on {where}: answer right first "
            f"{_percent(found.answer_top1)}, confident wrong {_percent(found.confident_wrong)}, out-of-scope unsure "
            f"{_percent(found.oos_unsure)} (a wrong answer weighed as {found.wrong_cost:g} right ones)",
            file=out,
        )
        try:
            model = fit_confidence(index, queries, tune, team, args.wrong_cost)
        except ValueError as exc:
            print(f"calibration of the model of confidence: {exc}", file=out)
            return 1
        on_tune = Figures.of(run(index.with_confidence(model), tune))
        print(
            f"the model of confidence refitted with a wrong answer weighed as {model.wrong_cost:g} right ones: "
            f"{_describe_model(model, report.thresholds)} -> on the real tuning part (out of fold): answer right "
            f"first {_percent(on_tune.answer_top1)}, confident wrong {_percent(on_tune.confident_wrong)}, "
            f"out-of-scope unsure {_percent(on_tune.oos_unsure)}",
            file=out,
        )
    return 0 if report.passed else 1


def _describe_model(model: ConfidenceModel | None, t: Thresholds) -> str:
    if model is None:
        return f"no model of confidence ({SHIPPED_MODEL.name} is missing or for other code): the rules decide"
    return (
        f"an answer when the model puts the chance that the first entry is right at {model.threshold:.2f} or more "
        f"({len(model.mean)} features of the ranking, learned from {model.trained_on} questions, a wrong answer "
        f"weighed as {model.wrong_cost:g} right ones); I don't know below {t.suggest} evidence"
    )


def _confidence_json(model: ConfidenceModel | None) -> dict[str, object] | None:
    if model is None:
        return None
    return {"threshold": model.threshold, "trained_on": model.trained_on, "wrong_cost": model.wrong_cost,
            "features": len(model.mean)}


def wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a share seen in `n` questions (95 % at z = 1.96): where the share over all such
    questions may lie. (0, 1) when there is nothing to go on."""
    if n <= 0:
        return 0.0, 1.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _intervals(f: Figures) -> dict[str, tuple[float, float]]:
    """The issue's four figures on a set, each as an interval over the questions it is a share of."""
    return {
        "answer right first": wilson(f.answer_top1 or 0.0, f.in_scope),
        "shown": wilson(f.shown or 0.0, f.in_scope),
        "confident wrong": wilson(f.confident_wrong or 0.0, f.in_scope + f.out_of_scope),
        "out-of-scope unsure": wilson(f.oos_unsure or 0.0, f.out_of_scope),
    }


def _team(questions: tuple[TeamQuery, ...], known: set[str], name: str) -> tuple[TeamQuery, ...]:
    """`questions`, when every `expect` is an entry's id (an entry renamed since the export, or a typo in the review,
    is a ValueError naming them)."""
    unknown = sorted({q.expect for q in questions if q.expect is not None and q.expect not in known})
    if unknown:
        raise ValueError(f"{name}: expect names no entry: {', '.join(unknown)}")
    return questions


def _describe(t: Thresholds) -> str:
    promote = (
        f"a suggestion is an answer when the model of meaning puts the same entry first at least {t.agree} similar"
        if t.agree <= 1.0 else "the model of meaning never turns a suggestion into an answer"
    )
    doubt = (
        f"an answer a suggestion when it finds the entry less than {t.unrelated} similar"
        if t.unrelated >= -1.0 else "its doubt never turns an answer into a suggestion"
    )
    asked = (
        f"a suggestion is an answer when the model of asked questions puts the same entry first at least "
        f"{t.asked_agree} similar" if t.asked_agree <= 1.0 else "the model of asked questions decides no level"
    )
    return (
        f"suggestion from {t.suggest}; answer from {t.answer} (or from {t.covered_answer} when the entry explains "
        f"{t.coverage:.0%} of the question) with the runner-up at most {t.margin} of it, or from {t.dominant} with "
        f"the runner-up at most {t.dominant_margin} of it; never below {t.min_coverage:.0%} of the question explained "
        f"unless an error string matched; English questions: {promote}, {doubt}; Chinese questions: {asked}"
    )


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
        if args.action == "prebuild":
            return _prebuild(args, out)
        if args.action == "asked":
            print("run it as `aksbot kb asked` (it reads the bot's store)", file=sys.stderr)
            return 2
        return _eval(args, out)
    except EntryError as exc:
        print(f"the knowledge base does not load:\n{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
