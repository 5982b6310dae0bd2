"""Find the entries that answer a question, and say how sure the search is.

`KnowledgeIndex` is built once from the entries (every field tokenised and weighted ahead of time by
`knowledge.analysis`) and ranks them for one question by three kinds of evidence:

* **error strings** — an entry's exact error text found inside the (cleaned) question, or nearly so
  (`rapidfuzz.fuzz.partial_ratio`), is the strongest evidence there is: a pasted "PLEG is not healthy" line
  belongs to node NotReady whatever else the line says;
* **words** — BM25 over the entry's fields, each field weighted by how much a word found there says about the
  entry (errors > symptoms and title > tags > summary > versions > checks and fixes > body). A misspelt word is
  matched to the closest indexed word (`rapidfuzz.process.extractOne`), a word typed as the start of a longer one
  ("journal" for "journalctl") to that word;
* **phrases** — two words side by side in the question that stand side by side in an entry ("certificate
  expired", "证书 过期", "pods pending") count again as one term, with its own BM25 weight: a phrase is how a
  problem is named, and its words scattered over another entry are weaker evidence than the phrase itself.

An entry is scored by its *strongest* evidence: the sum of its few best-matching words, not a share of every word
in the question, so a long story or a pasted log is not penalised for the words it spends on other things.

The outcome has one of three confidence levels:

* **answer** — one entry has strong evidence and clearly more than the next, and explains a fair share of the
  question (or an error string of it is in the question): the bot shows its runbook;
* **suggestion** — there is evidence, but not enough, or two entries are too close: the bot says it is unsure,
  shows the best entry's summary and offers the others as buttons;
* **don't know** — nothing in the question is evidence for any entry.

For English questions a model of meaning (`knowledge.meaning`) gives a second opinion on the level — a suggestion
whose entry the model also puts first, and finds similar enough, is an answer — and a smaller one on the ranking:
an entry whose evidence is close to another's moves past it when the model finds it clearly nearer the question
(`MEANING_WEIGHT`); strong evidence stays first whatever the model thinks.

A model of asked questions (`knowledge.asked`), in every language, moves entries the same way when the index is
built with labelled examples (the shipped one is): its centroids of real and hand-written questions know the words
people use that the entries do not (`LEARNED_WEIGHT`). An answer it moves from first place is a suggestion. Where the
model of meaning gives no opinion (Chinese questions) it is the second opinion on the level instead: a suggestion
whose entry it also puts first, and finds similar enough, is an answer (`Thresholds.asked_agree`).

Between an answer and a suggestion, the shipped index decides by a model of confidence (`knowledge.confidence`): a
logistic regression over what all of the above say about the first entry — its evidence, the runner-up's share of
it, how much of the question it explains, whether and how strongly the models agree — learned from the labelled
questions, which answers when the chance that the first entry is right reaches its threshold. "I don't know" stays the
rules'. An index built without that model (over other entries) decides by the rules above, whose thresholds were
calibrated with `aksbot kb eval --calibrate` on the dev split of the hand-written questions and the tuning part of the
real questions (`knowledge/eval/`); the held-out and frozen test parts are reported, never tuned on. This module is
pure computation over `Entry` models: no I/O, no clock, no network.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import math
import re
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz, process

from knowledge import analysis
from knowledge.analysis import FIELD_WEIGHTS, Analysis, phrases_of
from knowledge.asked import ALWAYS, AskedModel, Example, fold_of
from knowledge.confidence import ConfidenceModel, features
from knowledge.model import Entry, Lang
from knowledge.text import CJK_CHAR, DEFAULT_ANALYZER, Analyzer, clean, version_match

if TYPE_CHECKING:
    from knowledge.meaning import Embedder, EntryMeanings

Confidence = Literal["answer", "suggestion"]
Level = Literal["answer", "suggestion", "unknown"]


@dataclass(frozen=True)
class Thresholds:
    """Where evidence turns into a suggestion and into an answer (calibrated; see the module docstring). The shipped
    index uses `suggest` (and what "I don't know" takes) and, for a short pasted line with an entry's error string,
    the answer they give (`PASTED_LINE`): the model of confidence decides the rest. The others decide for an index
    without that model. Recalibrated at the tenth stop (answer 20 → 32, margin 0.45 → 0.55, dominant 21 / 0.3 → 18 /
    0.45) and again at the eleventh, where the tenth's were worth −28 right answers at a cost of 8 on sixteen rounds
    of real questions: answer 14, margin 0.45, dominant 18 / 0.3 and the asked questions' agreement 0.45 there, and
    with the seventeenth round answer 28 (35.2 % right first at 2.8 % wrong on the tuning part, where the model gives
    35.9 % at 1.7 %). With the twenty-second round the optimum on the tuning part alone is stricter (answer 40, the
    covered-answer and dominant paths off: 32.6 % right first at 2.6 % wrong, worth 22 right answers against these
    thresholds' 7), but these thresholds also decide a pasted log line (`PASTED_LINE`), which that optimum no
    longer answers ("Error: getaddrinfo EAI_AGAIN redis…" for the DNS entry): they stay. The optimum moves with every
    round: the reason the model decides."""

    suggest: float = 2.0  # best evidence below this is no evidence: "I don't know"
    answer: float = 28.0  # best evidence from here on can be an answer …
    coverage: float = 0.7  # … or from `covered_answer` on, when the entry explains this share of the question …
    covered_answer: float = 3.0
    margin: float = 0.45  # … and in either case only when the runner-up has at most this share of it;
    dominant: float = 18.0  # evidence from here on is an answer too when the runner-up is far behind …
    dominant_margin: float = 0.3  # … at most this share of it (a short, specific question about one thing)
    # A word no entry contains ("Longhorn", "velero", "aws-auth") weighs this share of the rarest indexed word's
    # IDF in the question's total: the question may be about something the knowledge base does not cover.
    foreign: float = 0.5
    # An answer explains at least this share of the question, unless an error string of the entry is in it: strong
    # evidence from a corner of a long story ("Istio sidecar gives 503" for the ingress 5xx entry) is a suggestion.
    min_coverage: float = 0.35
    # The model of meaning's second opinion (`knowledge.meaning`; English questions, when the model is installed):
    # a suggestion is an answer when the model puts the same entry first and finds it at least this similar …
    # (0.7 until the thirteenth round of real questions; recalibrated on thirteen rounds, with the words' thresholds
    # unchanged, the tuning part is worth more at 0.75: 38.9 % right first at 2.7 % wrong, against 45.1 % at 3.3 %)
    agree: float = 0.75
    # … and an answer is a suggestion when the model finds the question less similar than this to the entry (unless
    # an error string of the entry is in the question). Calibrated on nine rounds of real questions and 51 entries,
    # and the same again with the tenth and the thirteenth: with the answer threshold down at 20 the model's doubt
    # earns its place (it turns the answers that words alone would give to borrowed words, "argo cd app stuck
    # OutOfSync" read as a Helm release left pending, back into suggestions).
    unrelated: float = 0.45
    # Where the model of meaning gives no opinion (Chinese questions: see `knowledge.meaning`), the model of asked
    # questions is the second opinion on the level: a suggestion is an answer when it puts the same entry first and
    # finds the question at least this similar to the questions known to be about it. Calibrated on eleven rounds
    # (the same on thirteen): from 0.4 down, each step turns more Chinese suggestions into right answers, and below
    # 0.4 wrong ones too; 0.45 on sixteen rounds, with the lower answer threshold.
    asked_agree: float = 0.45


THRESHOLDS = Thresholds()
# When the weaker of the two entries the words rank first has more than this share of the stronger's evidence, it is a
# near tie: a suggestion, so that people see both, whatever the model of confidence thinks. The model learned little
# about near ties (few questions have one) and answered them too readily: out of fold on the tuning part and the dev
# split, 5 of its 7 answers above 0.9 were right (71 %, where it answers from 89 %), and 11 of 11 between 0.8 and 0.9.
NEAR_TIE = 0.9
# A question this short that holds one of the first entry's error strings, and that the rules answer, is an answer
# whatever the model of confidence thinks: it is a pasted log or event line (what `/k8s diagnose pod` searches with),
# which the model, learned from questions people wrote, has seen few of. Out of fold on the tuning part and the dev
# split, and on the held-out split, these were right 4 times of 4; up to 240 characters, 6 of 8.
PASTED_LINE = 160
HALF_SCORE = 16.0  # evidence that shows as 50/100
SHOWN = 3  # entries a person sees for one question: the answer or suggestion and two more as buttons

MAX_TYPED_TOKENS = 16
MIN_PREFIX, MAX_PREFIX, MAX_EXPANSIONS = 5, 12, 6
PREFIX_CREDIT = 0.85
STRONGEST_TERMS = 20  # an entry's evidence is the sum of its best-matching words, at most this many
MAX_FUZZY_CHARS = 4000
ERROR_EVIDENCE = 8.0  # what an exact, specific error string is worth, in word-evidence units
BM25_K1, BM25_B = 2.0, 0.2
PHRASE_CREDIT = 1.0  # a phrase's BM25 weight counts this much on top of its words'
# How far the model of meaning's similarity moves an entry in the ranking (English questions): one unit of similarity
# is worth the best entry's whole evidence. Measured on the real tuning part and the hand-written dev split
# (bench/bench_kb.py): 0 → 1 took top-1 90.7 → 91.3 % and 96.3 → 97.8 %, answers right first 60.1 → 62.1 % at the same
# 3.6 % wrong (a runner-up the model finds unrelated no longer holds a clear answer back); 2 starts to lose top-1.
MEANING_WEIGHT = 1.0
# How far the model of asked questions (`knowledge.asked`) moves an entry: one unit of similarity to the entry's
# centroid is worth three times the best entry's evidence. Out of fold on the real tuning part (ten rounds,
# bench/bench_kb.py): 0 → 1 → 3 → 5 gave top-1 86.1, 88.2, 92.5 and 91.9 % (a first trial of 10 gave less again).
LEARNED_WEIGHT = 3.0


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float
    title: str
    confidence: Confidence = "suggestion"


@dataclass(frozen=True)
class SearchOutcome:
    """The ranked hits with the confidence of each, the question's language and the overall level.

    `hits` is empty exactly when the search does not know (nothing in the question is evidence for any entry).
    What a person is shown is `shown`: the best entry and the two next ones."""

    query: str
    lang: Lang
    hits: tuple[Hit, ...]
    level: Level

    @property
    def shown(self) -> tuple[Hit, ...]:
        return self.hits[:SHOWN]

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def abstained(self) -> bool:
        """Not a confident answer (a suggestion or "I don't know")."""
        return self.level != "answer"

    @property
    def unknown(self) -> bool:
        return self.level == "unknown"


@dataclass(frozen=True)
class Scored:
    """One entry's evidence for one question (kept apart so evaluation and tests can see why it ranked)."""

    entry_id: str
    evidence: float
    errors: float
    words: float
    coverage: float = 0.0  # share of the question's indexed words (by IDF) this entry contains
    meaning: float | None = None  # the model of meaning's similarity of question and entry (None: not asked)
    meaning_first: bool = False  # no entry is more similar to the question in the model's opinion
    # The question names the entry's problem: a word of its errors, symptoms, title or tags, a phrase of it or an error
    # string; False when the question only shares words the entry mentions in passing ("Helm" in a fix).
    grounded: bool = True
    learned: float = 0.0  # the model of asked questions' similarity of the question to the entry's centroid
    learned_first: bool = False  # no entry is more similar to the question in that model's opinion
    # The entry's place in the ranking without that model (0 first): the confidence is decided on that ranking
    # (`level_of`), by the words and a second opinion.
    words_rank: int = 0

    @property
    def score(self) -> float:
        return display_score(self.evidence)

    @property
    def names_an_error(self) -> bool:
        """An error string of the entry is in the question (or nearly): evidence no other rule overrides."""
        return self.errors >= 0.5


def display_score(evidence: float) -> float:
    """Evidence shown as 0–100: 50 at `HALF_SCORE`, approaching 100 for overwhelming evidence."""
    return round(100.0 * evidence / (evidence + HALF_SCORE), 1) if evidence > 0 else 0.0


def detect_lang(text: str) -> Lang:
    """Chinese if the question has any CJK character: people who mix in Chinese read Chinese."""
    import unicodedata

    return "zh" if CJK_CHAR.search(unicodedata.normalize("NFKC", text)) else "en"


def _has_letter(word: str) -> bool:
    return any(c.isalpha() for c in word)


def _is_identifier_like(token: str) -> bool:
    """Mixed letters and digits, or a bare number: names and counts of one occurrence, not a kind of problem."""
    has_digit = any(c.isdigit() for c in token)
    return has_digit and (not _has_letter(token) or len(token) >= 5) and not version_match(token)


@dataclass
class _Doc:
    entry: Entry
    tf: dict[str, float]  # token -> field-weighted frequency
    length: float
    phrases: dict[str, float]  # "word word" of adjacent tokens -> weighted frequency
    named: frozenset[str] = frozenset()
    errors: list[tuple[str, float, frozenset[str]]] = field(default_factory=list)  # cleaned text, specificity, words


class KnowledgeIndex:
    """Entries, tokenised once; `search` ranks them for one question in about a millisecond."""

    def __init__(
        self,
        entries: Iterable[Entry],
        thresholds: Thresholds = THRESHOLDS,
        analyzer: Analyzer = DEFAULT_ANALYZER,
        phrase_credit: float = PHRASE_CREDIT,
        embedder: Embedder | None = None,
        analyses: MutableMapping[str, Analysis] | None = None,
        meaning_weight: float = MEANING_WEIGHT,
        examples: Sequence[Example] = (),
        learned_weight: float = LEARNED_WEIGHT,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        """`analyses`, when given, supplies entries already analysed (by `analysis_key`) and receives the ones
        analysed now: the caller may keep it for the next process (`knowledge.analysis_cache`). `confidence`, when
        given, decides between an answer and a suggestion (`knowledge.confidence`); without it the rules do."""
        self._entries: tuple[Entry, ...] = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        if len(self._by_id) != len(self._entries):
            raise ValueError("entry ids must be unique")
        self.thresholds = thresholds
        self.analyzer = analyzer
        self.meaning_weight = meaning_weight
        self.learned_weight = learned_weight
        self.confidence = confidence
        self.fold_left_out: int | None = None  # the cross-validation fold this index's models left out (`without_fold`)
        self.learn(examples)
        # The keys of `analyses` this index's entries are under (what a cache of them needs to keep).
        self.analysis_keys: list[str] = []
        self._docs = [self._doc(e, analyses) for e in self._entries]
        self._meanings: EntryMeanings | None = None
        if embedder is not None:
            from knowledge.meaning import EntryMeanings  # numpy comes with the model, and only with it

            self._meanings = EntryMeanings(embedder, self._entries)
        n = len(self._docs)
        df: dict[str, int] = {}
        for doc in self._docs:
            for token in doc.tf:
                df[token] = df.get(token, 0) + 1
        self._idf = {t: _idf(n, d) for t, d in df.items()}
        self._avg_length = sum(d.length for d in self._docs) / n if n else 1.0
        # Per token, the entries that contain it, the BM25 weight there and whether it is one of the words that name
        # the entry's problem (the query loop only visits these).
        self._postings: dict[str, list[tuple[int, float, bool]]] = {}
        norms = [BM25_K1 * (1 - BM25_B + BM25_B * doc.length / self._avg_length) for doc in self._docs]
        for i, doc in enumerate(self._docs):
            for token, tf in doc.tf.items():
                weight = _bm25(self._idf[token], tf, norms[i])
                self._postings.setdefault(token, []).append((i, weight, token in doc.named))
        # Two words side by side in an entry ("certificate expired", "证书 过期") and in the question are evidence on
        # their own, over and above each word: a phrase is what a problem is called, its words alone are not.
        phrase_df: dict[str, int] = {}
        for doc in self._docs:
            for phrase in doc.phrases:
                phrase_df[phrase] = phrase_df.get(phrase, 0) + 1
        self._phrase_postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(self._docs):
            for phrase, tf in doc.phrases.items():
                weight = phrase_credit * _bm25(_idf(n, phrase_df[phrase]), tf, norms[i])
                self._phrase_postings.setdefault(phrase, []).append((i, weight))
        self._known = frozenset(df)
        self._rarest = max(self._idf.values(), default=1.0)
        # Words typed as the start of a longer indexed word ("journal" for "journalctl", "evict" for "eviction").
        by_prefix: dict[str, list[str]] = {}
        for token in sorted(df, key=lambda t: -df[t]):
            if token.isalpha():
                for length in range(MIN_PREFIX, min(len(token), MAX_PREFIX + 1)):
                    by_prefix.setdefault(token[:length], []).append(token)
        self._by_prefix = {p: tuple(ts[:MAX_EXPANSIONS]) for p, ts in by_prefix.items()}
        # Misspelt words are matched only against words people would type (titles, symptoms, errors, tags).
        strong = {t for doc in self._docs for t, w in doc.tf.items() if w >= FIELD_WEIGHTS["tags"]}
        self._spellable = sorted(t for t in strong if t.isascii() and t.isalpha() and len(t) >= 4)
        # An error string shared by several entries says less about each.
        shared: dict[str, int] = {}
        for doc in self._docs:
            for text, _, _ in doc.errors:
                shared[text] = shared.get(text, 0) + 1
        for doc in self._docs:
            doc.errors = [(text, spec / shared[text], words) for text, spec, words in doc.errors]

    def _doc(self, entry: Entry, analyses: MutableMapping[str, Analysis] | None) -> _Doc:
        if analyses is None:
            made = analysis.analyze(entry, self.analyzer)
        else:
            key = analysis.analysis_key(entry, self.analyzer)
            found = analyses.get(key)
            made = found if found is not None else analysis.analyze(entry, self.analyzer)
            analyses[key] = made
            self.analysis_keys.append(key)
        doc = _Doc(entry, made.tf, made.length, made.phrases, made.named)
        for error in entry.errors:
            cleaned = clean(error)
            if cleaned:
                # Long, many-word strings are more specific than a one-word reason such as "OOMKilled"; so is an
                # Azure error code, one word of several parts ("InsufficientSubnetSize", "SubnetIsFull").
                words = frozenset(cleaned.split())
                specific = 1.0 if _ERROR_CODE.fullmatch(error.strip()) else min(1.0, 0.6 + 0.1 * len(words))
                doc.errors.append((cleaned, specific, words))
        return doc

    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    def learned_from(self, group: str) -> bool:
        """Whether the model of asked questions learned from questions of this group (a source URL, or a
        hand-written question's text): such a question is measured with `without_fold(fold_of(group))`."""
        return group in self._groups

    def without_fold(self, fold: int) -> KnowledgeIndex:
        """This index with a model of asked questions that left out one cross-validation fold (`knowledge.asked`):
        what it says about a question of that fold is what it would say about a question it never saw."""
        other = copy.copy(self)
        other.learn(e for e in self._examples if e.group == ALWAYS or fold_of(e.group) != fold)
        other.fold_left_out = fold
        return other

    def with_confidence(self, confidence: ConfidenceModel | None) -> KnowledgeIndex:
        """This index deciding between an answer and a suggestion by `confidence` (None: by the rules)."""
        other = copy.copy(self)
        other.confidence = confidence
        return other

    def learn(self, examples: Iterable[Example]) -> None:
        """Rank with a model of asked questions learned from `examples` (none: without one), from now on."""
        examples = tuple(examples)
        self._examples = examples
        self._groups = frozenset(e.group for e in examples if e.group != ALWAYS)
        self._asked = AskedModel(examples) if examples else None

    def knows(self, name: str) -> bool:
        """Whether every word of `name` is one the entries use, as the index reads them (`coredns`, `ama-logs`: the
        system's components, a subject; a team's `checkout-worker`, only a name)."""
        tokens = self.analyzer.tokens(clean(name))
        return bool(tokens) and all(t in self._known for t in tokens)

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def _query_terms(
        self, cleaned: str, tokens: Sequence[str]
    ) -> tuple[dict[str, list[tuple[str, float]]], int]:
        """Each informative query token (`tokens`: the analyzer's tokens of `cleaned`) with the indexed tokens it
        stands for and the credit of each; and the number of foreign words (plain words no entry contains, nor
        anything spelt like them)."""
        raw = list(tokens)
        # "not ready" typed for "NotReady": the joined word counts when a part alone would not.
        lettered = [(word, _has_letter(word)) for word in cleaned.split()]  # each word checked once
        for (a, a_letters), (b, b_letters) in itertools.pairwise(lettered):
            if not (a_letters and b_letters):
                continue  # "0/1 Pending" is a count, not the "01" of "HTTP-01"
            joined = self.analyzer.stem(a + b)
            if joined in self._known and joined not in raw and not (
                self.analyzer.stem(a) in self._known and self.analyzer.stem(b) in self._known
            ):
                raw.append(joined)
        raw.extend(_version_jump(raw, self.analyzer))
        typed = len(set(raw)) <= MAX_TYPED_TOKENS
        terms: dict[str, list[tuple[str, float]]] = {}
        foreign: set[str] = set()
        for token in raw:
            if token in terms or token in foreign:
                continue
            if token in self._known:
                matches = [(token, 1.0)]
            elif _is_identifier_like(token) or version_match(token) or CJK_CHAR.match(token):
                continue
            else:
                matches = [(longer, PREFIX_CREDIT) for longer in self._by_prefix.get(token, ())]
                # Spelling is for typed questions; a pasted log line is copied, not typed, and would only cost time.
                if typed and len(token) >= 5 and token.isalpha():
                    cutoff = 84.0 if len(token) < 7 else 80.0
                    spelled = process.extractOne(token, self._spellable, scorer=fuzz.ratio, score_cutoff=cutoff)
                    if spelled is not None:
                        matches.append((str(spelled[0]), float(spelled[1]) / 100.0))
            if matches:
                terms[token] = matches
            elif len(token) >= 4 and token.isascii() and token.isalpha():
                foreign.add(token)
        return terms, len(foreign)

    def score_all(self, query: str, lang: Lang | None = None) -> list[Scored]:
        """The evidence of every entry the question points to at all, best first (ties broken by id); `lang`, when
        the caller already knows it, spares detecting it again."""
        cleaned = clean(query)
        if not cleaned:
            return []
        padded = f" {cleaned} "
        query_words = frozenset(cleaned.split())
        n = len(self._docs)
        # Per entry, the contribution of each query term (the best of the indexed tokens it stands for).
        contributions: list[list[float]] = [[] for _ in range(n)]
        covered = [0.0] * n
        named_hit = [False] * n  # a word of the question names the entry's problem (not only mentioned in passing)
        # Tokenised once: the words' evidence and the model of asked questions both start from these.
        tokens = self.analyzer.tokens(cleaned)
        terms, foreign = self._query_terms(cleaned, tokens)
        total_idf = foreign * self.thresholds.foreign * self._rarest
        for matches in terms.values():
            best: dict[int, float] = {}
            idf = max(credit * self._idf[token] for token, credit in matches)
            total_idf += idf
            for token, credit in matches:
                for i, weight, names in self._postings.get(token, ()):
                    value = credit * weight
                    if value > best.get(i, 0.0):
                        best[i] = value
                    if names:
                        named_hit[i] = True
            for i, value in best.items():
                contributions[i].append(value)
                covered[i] += idf
        for phrase in set(phrases_of(self.analyzer.words(cleaned))) if self._phrase_postings else ():
            for i, weight in self._phrase_postings.get(phrase, ()):
                contributions[i].append(weight)
                named_hit[i] = True  # two words side by side as the entry has them name something of it
        # The second opinion, for English questions (the model's vocabulary serves Chinese badly; see its module).
        english = (lang or detect_lang(query)) == "en"
        meaning = self._meanings.similarities(query) if self._meanings and english else None
        most_similar = max(meaning) if meaning else 0.0
        long_query = len(cleaned) > 60
        # Near matches cost time in proportion to the text; a whole pasted log file gets exact matches only.
        fuzzy = len(cleaned) <= MAX_FUZZY_CHARS
        # Per entry with any evidence: id, evidence, error evidence, words, coverage, similarity, grounded. Kept as
        # tuples until the order is known, so that each `Scored` is made once, its place in the words' order included.
        found: list[tuple[str, float, float, float, float, float | None, bool]] = []
        for i, doc in enumerate(self._docs):
            error_evidence = 0.0
            for text, specificity, error_words in doc.errors:
                # Only strings whose words mostly occur in the question can be in it, exactly or nearly.
                present = len(error_words & query_words)
                if present == len(error_words) and f" {text} " in padded:
                    error_evidence = max(error_evidence, specificity)
                elif long_query and fuzzy and len(text) >= 12 and 2 * present >= len(error_words):
                    ratio = fuzz.partial_ratio(text, cleaned, score_cutoff=88)
                    if ratio:
                        error_evidence = max(error_evidence, specificity * ratio / 100.0)
            if not contributions[i] and not error_evidence:
                continue
            words = sum(sorted(contributions[i], reverse=True)[:STRONGEST_TERMS])
            evidence = words + ERROR_EVIDENCE * error_evidence
            coverage = covered[i] / total_idf if total_idf else 0.0
            similar = meaning[i] if meaning else None
            grounded = named_hit[i] or error_evidence > 0
            found.append((doc.entry.id, evidence, error_evidence, words, coverage, similar, grounded))
        if not found:
            return []
        # The third opinion, in every language: how near the question is to the questions known to be about each entry.
        learned = self._asked.similarities(tokens) if self._asked is not None and self.learned_weight else {}
        closest = max(learned.values(), default=0.0)
        # The model's opinion moves an entry past another whose evidence is close: evidence as a share of the best,
        # plus the weighted similarity as a distance below the most similar entry's.
        strongest = max(f[1] for f in found)
        weight = self.meaning_weight if meaning else 0.0

        def words_and_meaning(evidence: float, similar: float | None) -> float:
            return evidence / strongest + weight * ((similar or 0.0) - most_similar)

        found.sort(key=lambda f: (-words_and_meaning(f[1], f[5]), f[0]))
        scored = [
            Scored(entry_id, evidence, errors, words, coverage, similar,
                   similar is not None and similar >= most_similar, grounded,
                   (near := learned.get(entry_id, 0.0)), near >= closest > 0.0, rank)
            for rank, (entry_id, evidence, errors, words, coverage, similar, grounded) in enumerate(found)
        ]
        if not learned:
            return scored
        # The model of asked questions moves entries the same way; the ranking without it is kept for the level
        # (`words_rank`).
        scored.sort(key=lambda s: (
            -(words_and_meaning(s.evidence, s.meaning) + self.learned_weight * (s.learned - closest)), s.entry_id
        ))
        return scored

    def level_of(self, ranked: Sequence[Scored], query: str, lang: Lang | None = None) -> Level:
        """The confidence level for `ranked` (`score_all`'s entries with evidence) of `query`: "unknown" when no
        entry has evidence enough; else an answer when the model of confidence puts the chance that the first entry
        is right at its threshold or above (`knowledge.confidence`). Without that model, the rules: the level that
        the evidence of the best two entries supports, with a second opinion of the best entry — the model of
        meaning's where it was asked, else the model of asked questions'."""
        by_words, moved = words_first(ranked), moved_by_learning(ranked)
        level = level_in_words_order(by_words, moved, self.thresholds)
        if level == "unknown" or self.confidence is None:
            return level
        if level == "answer" and len(query) <= PASTED_LINE and by_words[0].names_an_error:
            return "answer"  # a pasted log line with an entry's error string, which the rules answer: it stands
        if len(by_words) > 1 and _near_tie(by_words[0].evidence, by_words[1].evidence):
            return "suggestion"  # two entries nearly equal: people see both, whatever the model thinks
        chinese = (lang or detect_lang(query)) == "zh"
        chance = self.confidence.chance(features(ranked, by_words, moved, len(query), chinese), self.fold_left_out)
        return "answer" if chance >= self.confidence.threshold else "suggestion"

    def search(self, query: str, limit: int = 5) -> SearchOutcome:
        """Ranked entries for `query` (at most `limit`), each with the confidence the evidence supports."""
        lang = detect_lang(query)
        ranked = [s for s in self.score_all(query, lang) if s.evidence > 0]
        level = self.level_of(ranked, query, lang)
        floor = self.thresholds.suggest
        hits = tuple(
            Hit(
                s.entry_id,
                s.score,
                self._by_id[s.entry_id].title.in_lang(lang),
                "answer" if level == "answer" and rank == 0 else "suggestion",
            )
            for rank, s in enumerate(ranked)
            if s.evidence >= floor
        )
        if level == "unknown":
            return SearchOutcome(query, lang, (), "unknown")
        return SearchOutcome(query, lang, hits[: max(limit, 1)], level)


# An error code of three or more capitalised parts, 12 characters or more: "InsufficientSubnetSize", "SubnetIsFull",
# "OverconstrainedAllocationRequest" (not "OOMKilled", a reason many problems end in).
_ERROR_CODE = re.compile(r"(?=.{12,}$)(?:[A-Z][a-z0-9]+){3,}[A-Za-z0-9]*")


def _near_tie(first: float, second: float) -> bool:
    """The weaker of the two has more than `NEAR_TIE` of the stronger's evidence (the model of meaning may have put the
    weaker first)."""
    return min(first, second) > NEAR_TIE * max(first, second)


def level_in_words_order(by_words: Sequence[Scored], moved: bool, thresholds: Thresholds) -> Level:
    """`KnowledgeIndex.level_of` on a ranking already in the words' order (`words_first`), `moved` when the model of
    asked questions put another entry first. The level depends only on these and the thresholds: calibration
    prepares both once per question, then tries thousands of thresholds on them."""
    level = _level_with_second_opinion(by_words, thresholds)
    # The model of asked questions only ranks: an answer it would put second is not an answer.
    return "suggestion" if level == "answer" and moved else level


def _level_with_second_opinion(ranked: Sequence[Scored], t: Thresholds) -> Level:
    level = _level_by_words(ranked, t)
    top = ranked[0] if ranked else None
    if top is None or level == "unknown":
        return level
    if top.meaning is None:
        # No opinion of meaning (a Chinese question): the model of asked questions is the second opinion.
        agrees = top.learned_first and top.learned >= t.asked_agree
        return "answer" if level == "suggestion" and agrees and top.grounded else level
    # An error string of the entry found in the question outweighs the model's doubt: a pasted log line is not the
    # prose the model knows ("getaddrinfo EAI_AGAIN redis…" reads as unrelated to the DNS entry it belongs to).
    if level == "answer" and top.meaning < t.unrelated and not top.names_an_error:
        return "suggestion"
    if level == "suggestion" and top.meaning_first and top.meaning >= t.agree:
        return "answer"
    return level


def _level_by_words(ranked: Sequence[Scored], t: Thresholds) -> Level:
    best = ranked[0].evidence if ranked else 0.0
    if best < t.suggest:
        return "unknown"
    if not any(s.grounded for s in ranked if s.evidence >= t.suggest):
        return "unknown"  # only words that entries mention in passing: nothing is evidence of a problem
    if not ranked[0].grounded:
        return "suggestion"
    second = ranked[1].evidence if len(ranked) > 1 else 0.0
    top = ranked[0]
    if top.coverage < t.min_coverage and not top.names_an_error:
        return "suggestion"
    strong = best >= t.answer or (top.coverage >= t.coverage and best >= t.covered_answer)
    if strong and second <= t.margin * best:
        return "answer"
    return "answer" if best >= t.dominant and second <= t.dominant_margin * best else "suggestion"


def words_first(ranked: Sequence[Scored]) -> Sequence[Scored]:
    """`ranked` with the two entries the words (and the model of meaning) rank first in front, in that order: what
    the level is decided on (the rest counts as a whole)."""
    if len(ranked) < 2 or (ranked[0].words_rank == 0 and ranked[1].words_rank == 1):
        return ranked
    first, second = heapq.nsmallest(2, ranked, key=lambda s: s.words_rank)
    return [first, second, *(s for s in ranked if s is not first and s is not second)]


def moved_by_learning(ranked: Sequence[Scored]) -> bool:
    """The model of asked questions put first an entry that the words (and the model of meaning) did not."""
    return bool(ranked) and ranked[0].words_rank != min(s.words_rank for s in ranked)


def _idf(entries: int, containing: int) -> float:
    return math.log(1 + (entries - containing + 0.5) / (containing + 0.5))


def _bm25(idf: float, tf: float, norm: float) -> float:
    """A term's BM25 weight in one entry (`norm`: k1 scaled by the entry's length against the average)."""
    return idf * tf * (BM25_K1 + 1) / (tf + norm)


_UPGRADE_WORDS = frozenset({"upgrad", "updat", "skip", "jump", "straight", "升级", "升", "跨", "跳"})


def _version_jump(found: list[str], analyzer: Analyzer) -> list[str]:
    """"upgrade 1.26 straight to 1.29", "1.27 升级 1.29": two minor versions more than one apart, in a question
    about upgrading, name a skipped minor, which is what the question is about whatever words surround it. Returns
    the words that say so. Without an upgrade in the question two versions are context ("Kubernetes v1.24.1,
    CoreDNS 1.8.6"), not a jump."""
    if not any(t in _UPGRADE_WORDS for t in found):
        return []
    minors = {int(m.group(1).split(".")[1]) for t in found if (m := version_match(t))}
    if len(minors) >= 2 and max(minors) - min(minors) >= 2:
        return list(analyzer.analyze("skip minor version upgrade"))
    return []
