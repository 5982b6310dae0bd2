"""Find the entry that answers a question, or say honestly that none does.

Questions arrive as people type them in Slack: English, Chinese or both in one line, with typos, as fragments,
or as a pasted log line full of timestamps and ids. `KnowledgeIndex` is built once from the entries, with every
field normalised and tokenised ahead of time, and ranks entries by three kinds of evidence:

* **error strings** — an entry's exact error text found inside the (cleaned) question, or nearly so
  (`rapidfuzz.fuzz.partial_ratio`), is the strongest evidence there is: a pasted "PLEG is not healthy" line
  belongs to node NotReady whatever else the line says;
* **coverage** — how much of the question's information the entry explains. The question becomes tokens
  (English words lightly stemmed, names without their numbers, Chinese character bigrams; filler, clock times,
  ids, IPs and hashes dropped), each weighted by an IDF whose document frequency is itself weighted by field,
  so the entry that is *about* a word outweighs the many that mention it in passing. Each token counts in the
  entry's strongest field (errors > symptoms and title > tags > summary > versions > checks and fixes > body).
  A misspelt word is matched to the closest indexed word (`rapidfuzz.process.extractOne`), a word typed as
  the start of a longer one ("journal" for "journalctl") to that word, and unknown words count against every
  entry, which is what makes the search abstain on topics it does not cover;
* **phrasing** — how close the question reads to one of the entry's symptom phrases or titles
  (`rapidfuzz.fuzz.token_set_ratio` over the precomputed phrases).

The combined score is 0–100. Below `ABSTAIN_BELOW` the search abstains: it reports no hits, only the closest
titles, so the bot says it does not know instead of guessing. The threshold was calibrated on the dev split of
`knowledge/eval/queries.yaml` (`aksbot kb eval --calibrate`), and is checked on the held-out split.

This module is pure computation over `Entry` models: no I/O, no clock, no network.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from knowledge.model import Entry, Lang

ABSTAIN_BELOW = 45.9  # `aksbot kb eval --calibrate` on the dev split (160 of 164 decisions right)
MAX_TYPED_TOKENS = 16
MIN_PREFIX, MAX_PREFIX, MAX_EXPANSIONS = 5, 12, 6
PREFIX_CREDIT = 0.85
PHRASE_CANDIDATES = 8
MAX_FUZZY_CHARS = 4000

# How much a token found in each field says about the entry (the strongest field wins).
FIELD_WEIGHTS: dict[str, float] = {
    "errors": 1.0,
    "symptoms": 0.95,
    "title": 0.95,
    "tags": 0.85,
    "summary": 0.7,
    "versions": 0.6,
    "checks": 0.5,
    "signals": 0.5,
    "body": 0.4,
}

# Words that carry no information about which problem is meant (chat filler included).
_STOP_EN_TEXT = """
    a an the and or but if then so of to in on at by for with from into onto about as is are was were be been being
    am do does did doing done have has had having i me my mine we us our you your he she it its they them their this
    that these those there here what which who whom whose why how when where can could should would will shall may
    might must not no nor too very just also only still even again any some all each every other same such own more
    most much many few lot lots get got getting gets keep keeps kept go going goes went gone seem seems hi hey hello
    team guys folks anyone someone somebody please pls plz thanks thank help urgent asap question issue problem know
    tell idea anybody wrong happen happened happening happens way fix fixed fixing solve resolve see seeing saw look
    looking like want need needs try tried trying after before since now today yesterday again ok okay yes yeah hmm
    uh um eh lol btw fyi does doesnt dont didnt cant wont isnt arent wasnt im ive its whats thats theres
    something anything everything nothing somewhere half whole around later earlier ago morning night tonight
    min mins minute minutes hour hours day days week weeks month months one two first last next
"""
_STOP_ZH_TEXT = """
    怎么 么办 怎样 为什 什么 如何 一直 请问 有没 没有 大家 这个 那个 一下 是不 不是
    我们 你们 他们 可以 能不 不能 是否 哪里 哪个 还是 然后 就是 但是 因为 所以 而且
    或者 现在 今天 昨天 刚才 突然 出现 发现 问题 情况 帮忙 帮我 看看 求助 谁知 知道
    一个 有个 有人 老是 总是 经常 好像 感觉 应该 需要 要不 一样 之后 以后 之前 以前
    的时 时候 吗 呢 吧 啊 了 的 是 在 我 你 他 她 它 和
    与 及 或 也 都 就 还 又 被 把 让 给 对 从 到 很
    太 这 那 有 个 下 上 中
"""


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_EN = _word_set(_STOP_EN_TEXT)
_STOP_ZH = _word_set(_STOP_ZH_TEXT)

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " ", "\u200b": ""})
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Noise in pasted log lines: it identifies one occurrence, never the kind of problem.
_NOISE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"https?://\S+",
        r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?",
        r"\b[iwef]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.-]+:\d+\]",
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}",
        r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b",
        r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b",
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+|/\d{1,2})?\b",
        r"\b[0-9a-f:]*:[0-9a-f]{1,4}:[0-9a-f:]+\b",  # IPv6
        r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b",  # container ids, hashes
        r"\b\d{6,}\b",
    )
)
_WORD = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_VERSION = re.compile(r"^v?(\d+\.\d+)(?:\.\d+)*$")
_NAME_NUMBER = re.compile(r"^([a-z]{3,}?)v?\d+$")
_SUFFIXES = ("ions", "ion", "ing", "ed", "es", "s", "e")


def clean(text: str) -> str:
    """Fold width, case and quotes, drop log noise, keep words, numbers and CJK: one space between tokens."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    for pattern in _NOISE:
        text = pattern.sub(" ", text)
    text = text.lower()
    return " ".join(m.group(0) for m in _WORD.finditer(text))


def stem(word: str) -> str:
    """A deliberately light English stemmer: enough to meet "evicted"/"evictions", never clever."""
    if not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def tokens(cleaned: str) -> list[str]:
    """Informative tokens of cleaned text: stemmed words, compounds and their parts, Chinese character bigrams."""
    out: list[str] = []
    for raw in cleaned.split():
        if _CJK_CHAR.match(raw):
            grams = [raw] if len(raw) == 1 else [raw[i : i + 2] for i in range(len(raw) - 1)]
            out.extend(g for g in grams if g not in _STOP_ZH)
        elif version := _VERSION.match(raw):
            # "v1.25.6" is asked about as "1.25": keep the minor version, which is what entries name.
            out.append(version.group(1))
        elif raw not in _STOP_EN:
            parts = [p for p in re.split(r"[._-]", raw) if p and p not in _STOP_EN]
            out.extend(stem(p) for p in parts if len(p) > 1)
            if len(parts) > 1:
                out.append("".join(parts))
            # "jdk8", "java17", "cgroupv2": the name without its number is how the other half of people write it.
            out.extend(m.group(1) for p in parts if (m := _NAME_NUMBER.match(p)))
    return out


def _version_jump(found: list[str]) -> list[str]:
    """"1.26 straight to 1.29", "1.27 升 1.29": two minor versions more than one apart name a skipped minor, which
    is what the question is about whatever words surround it. Returns the words that say so."""
    minors = {int(m.group(1).split(".")[1]) for t in found if (m := _VERSION.match(t))}
    if len(minors) >= 2 and max(minors) - min(minors) >= 2:
        return list(_SKIPPED_MINOR)
    return []


_SKIPPED_MINOR = tuple(tokens("skip minor version upgrade"))


def _is_identifier_like(token: str) -> bool:
    """Mixed letters and digits, or a bare number: names and counts of one occurrence, not a kind of problem."""
    has_digit = any(c.isdigit() for c in token)
    return has_digit and (not any(c.isalpha() for c in token) or len(token) >= 5) and not _VERSION.match(token)


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float
    title: str


@dataclass(frozen=True)
class SearchOutcome:
    """The ranked hits (empty when abstaining), the closest titles when abstaining, the question's language."""

    query: str
    lang: Lang
    hits: tuple[Hit, ...]
    abstained: bool
    closest: tuple[Hit, ...] = ()

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class Scored:
    """One entry's evidence for one question (kept apart so evaluation and tests can see why it ranked)."""

    entry_id: str
    score: float
    errors: float
    coverage: float
    phrasing: float


def detect_lang(text: str) -> Lang:
    """Chinese if the question has any CJK character: people who mix in Chinese read Chinese."""
    return "zh" if _CJK_CHAR.search(unicodedata.normalize("NFKC", text)) else "en"


@dataclass
class _Doc:
    entry: Entry
    weights: dict[str, float] = field(default_factory=dict)  # token -> strongest field weight
    errors: list[tuple[str, float]] = field(default_factory=list)  # cleaned error string, specificity
    phrases: list[str] = field(default_factory=list)  # symptoms and titles as rapidfuzz compares them


class KnowledgeIndex:
    """Entries, normalised and tokenised once; `search` ranks them for one question in about a millisecond."""

    def __init__(self, entries: Iterable[Entry], abstain_below: float = ABSTAIN_BELOW) -> None:
        self._entries: tuple[Entry, ...] = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        if len(self._by_id) != len(self._entries):
            raise ValueError("entry ids must be unique")
        self.abstain_below = abstain_below
        self._docs = [self._doc(e) for e in self._entries]
        # Document frequency weighted by field: a word every entry mentions in passing still identifies the one
        # entry that is *about* it (has it in its title, symptoms or errors).
        df: dict[str, float] = {}
        for doc in self._docs:
            for token, weight in doc.weights.items():
                df[token] = df.get(token, 0.0) + weight
        n = len(self._docs)
        self._idf_rare = math.log((n + 1) / 1.5)
        self._idf = {t: min(self._idf_rare, math.log((n + 1) / (d + 0.5))) for t, d in df.items()}
        # Words typed as the start of a longer indexed word ("journal" for "journalctl", "evict" for "eviction").
        by_prefix: dict[str, list[str]] = {}
        for token in sorted(df, key=lambda t: -df[t]):
            if token.isalpha():
                for length in range(MIN_PREFIX, min(len(token), MAX_PREFIX + 1)):
                    by_prefix.setdefault(token[:length], []).append(token)
        self._by_prefix = {p: tuple(ts[:MAX_EXPANSIONS]) for p, ts in by_prefix.items()}
        # Misspelt words are matched only against words people would type (not every word of every body).
        strong = {t for doc in self._docs for t, w in doc.weights.items() if w >= FIELD_WEIGHTS["summary"]}
        self._spellable = sorted(t for t in strong if t.isalpha() and len(t) >= 4)
        self._known = frozenset(df)
        # Chinese bigrams seen only in long-form text are mostly two characters straddling a word boundary.
        self._strong_cjk = frozenset(t for t in strong if _CJK_CHAR.match(t))
        # An error string shared by several entries says less about each.
        shared: dict[str, int] = {}
        for doc in self._docs:
            for text, _ in doc.errors:
                shared[text] = shared.get(text, 0) + 1
        for doc in self._docs:
            doc.errors = [(text, spec / shared[text]) for text, spec in doc.errors]

    @staticmethod
    def _doc(entry: Entry) -> _Doc:
        doc = _Doc(entry)
        fields: list[tuple[str, Sequence[str]]] = [
            ("errors", entry.errors),
            ("symptoms", (*entry.symptoms.en, *entry.symptoms.zh)),
            ("title", (entry.title.en, entry.title.zh, entry.id.replace("-", " "))),
            ("tags", entry.tags),
            ("summary", (entry.summary.en, entry.summary.zh)),
            ("versions", [t for v in entry.versions for t in (v.version, v.en, v.zh)]),
            ("checks", [t for c in (*entry.checks, *entry.fixes) for t in (c.en, c.zh)]),
            ("signals", [s.replace(":", " ").replace("=", " ") for s in entry.signals]),
            ("body", (entry.body.en, entry.body.zh)),
        ]
        for name, texts in fields:
            weight = FIELD_WEIGHTS[name]
            for text in texts:
                for token in tokens(clean(text)):
                    if doc.weights.get(token, 0.0) < weight:
                        doc.weights[token] = weight
        for phrase in (*entry.symptoms.en, *entry.symptoms.zh, entry.title.en, entry.title.zh):
            form = _phrase_form(phrase)
            if form:
                doc.phrases.append(form)
        for error in entry.errors:
            cleaned = clean(error)
            if cleaned:
                # Long, many-word strings are more specific than a one-word reason such as "OOMKilled".
                doc.errors.append((cleaned, min(1.0, 0.6 + 0.1 * len(cleaned.split()))))
        return doc

    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def _query_tokens(self, cleaned: str) -> dict[str, float]:
        """Informative query tokens with their IDF weight; misspellings mapped to indexed words."""
        raw = tokens(cleaned)
        # "not ready" typed for "NotReady": the joined word counts when a part alone would not.
        words = cleaned.split()
        for a, b in itertools.pairwise(words):
            joined = stem(a + b)
            if joined in self._known and joined not in raw and not (stem(a) in self._known and stem(b) in self._known):
                raw.append(joined)
        raw.extend(_version_jump(raw))
        known_cjk = [t for t in raw if t in self._strong_cjk]
        ends = {t[-1] for t in known_cjk}
        starts = {t[0] for t in known_cjk}
        weights: dict[str, float] = {}
        for token in raw:
            if token in weights:
                continue
            if token in self._known and (token in self._strong_cjk or not _CJK_CHAR.match(token)):
                weights[token] = self._idf[token]
            elif _CJK_CHAR.match(token):
                # An unknown bigram beside a known word is two characters straddling a word boundary; others may
                # be words the entries lack, which should count against them, but weakly.
                if len(token) == 2 and (token[0] in ends or token[1] in starts):
                    continue
                weights[token] = 0.3 * self._idf_rare
            elif _is_identifier_like(token) or _VERSION.match(token):
                continue
            elif expansions := self._by_prefix.get(token):
                weights[token] = max(self._idf[x] for x in expansions)
            else:
                weights[token] = self._idf_rare
        return weights

    def _spelling(self, token: str) -> tuple[str, float] | None:
        if len(token) < 5 or not token.isalpha() or token in self._known:
            return None
        cutoff = 84.0 if len(token) < 7 else 80.0
        match = process.extractOne(token, self._spellable, scorer=fuzz.ratio, score_cutoff=cutoff)
        if match is None:
            return None
        return str(match[0]), float(match[1]) / 100.0

    def score_all(self, query: str) -> list[Scored]:
        """Every entry's evidence for `query`, best first (ties broken by id for a stable order)."""
        cleaned = clean(query)
        if not cleaned:
            return []
        padded = f" {cleaned} "
        weights = self._query_tokens(cleaned)
        # Spelling is for typed questions; a pasted log line is copied, not typed, and would only cost time.
        typed = len(weights) <= MAX_TYPED_TOKENS
        spelled = {t: self._spelling(t) if typed else None for t in weights}
        expansions = {t: self._by_prefix.get(t, ()) if len(t) >= MIN_PREFIX else () for t in weights}
        total = sum(weights.values())
        long_query = len(cleaned) > 60
        # Near matches cost time in proportion to the text; a whole pasted log file gets exact matches only.
        fuzzy = len(cleaned) <= MAX_FUZZY_CHARS
        evidence: list[tuple[float, float]] = []
        for doc in self._docs:
            error_evidence = 0.0
            for text, specificity in doc.errors:
                if f" {text} " in padded:
                    error_evidence = max(error_evidence, specificity)
                elif long_query and fuzzy and len(text) >= 12:
                    ratio = fuzz.partial_ratio(text, cleaned, score_cutoff=88)
                    if ratio:
                        error_evidence = max(error_evidence, specificity * ratio / 100.0)
            matched = 0.0
            for token, weight in weights.items():
                best = doc.weights.get(token, 0.0)
                for longer in expansions[token]:
                    best = max(best, PREFIX_CREDIT * doc.weights.get(longer, 0.0))
                alternative = spelled[token]
                if alternative is not None:
                    best = max(best, alternative[1] * doc.weights.get(alternative[0], 0.0))
                matched += weight * best
            evidence.append((error_evidence, matched / total if total else 0.0))
        # Phrasing only refines the order of entries that already explain part of the question; comparing
        # against every phrase of every entry would cost most of the time budget for nothing.
        phrase = _phrase_form(query) if fuzzy else ""
        phrasing = [0.0] * len(self._docs)
        candidates = sorted((i for i, (_, c) in enumerate(evidence) if c > 0), key=lambda i: -evidence[i][1])
        for i in candidates[:PHRASE_CANDIDATES] if phrase else ():
            match = process.extractOne(phrase, self._docs[i].phrases, scorer=fuzz.token_set_ratio, score_cutoff=50)
            if match is not None:
                phrasing[i] = float(match[1]) / 100.0
        scored: list[tuple[float, Scored]] = []
        for doc, (error_evidence, coverage), phrased in zip(self._docs, evidence, phrasing, strict=True):
            lexical = 0.7 * coverage + 0.3 * phrased * min(1.0, coverage * 2.5)
            raw = max(lexical, 0.55 + 0.45 * error_evidence + 0.1 * coverage if error_evidence else 0.0)
            shown = round(min(100.0 * raw, 100.0), 1)
            scored.append((raw, Scored(doc.entry.id, shown, error_evidence, coverage, phrased)))
        # Several error strings can saturate the shown score at 100; the unclamped evidence still orders them.
        scored.sort(key=lambda pair: (-pair[0], pair[1].entry_id))
        return [entry for _, entry in scored]

    def search(self, query: str, limit: int = 5) -> SearchOutcome:
        """Ranked entries for `query` (at most `limit`), or an abstention with the closest titles."""
        lang = detect_lang(query)
        ranked = [s for s in self.score_all(query) if s.score > 0]
        hits = tuple(Hit(s.entry_id, s.score, self._by_id[s.entry_id].title.in_lang(lang)) for s in ranked)
        if not hits or hits[0].score < self.abstain_below:
            return SearchOutcome(query, lang, (), True, hits[:3])
        return SearchOutcome(query, lang, hits[: max(limit, 1)], False)


def _phrase_form(text: str) -> str:
    """A phrase as rapidfuzz compares it: cleaned, stemmed, filler removed, Chinese as spaced bigrams."""
    return " ".join(tokens(clean(text)))
