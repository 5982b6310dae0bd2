"""What an entry's text becomes before any question is asked: its fields tokenised, weighted and paired into phrases.

This is the costly part of building the index (Chinese segmentation and stemming of every field), and it depends only
on the entry, the analyzer's choices, this module and `knowledge.text`. So it is kept apart from the ranking
(`knowledge.search`): an analysis made once can be kept between processes and shipped with the package
(`knowledge.analysis_cache`), and a change to how questions are ranked does not make it stale.

Pure computation over `Entry` models: no I/O.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.model import Entry
from knowledge.text import Analyzer, clean, version_match

# The fields that name the problem an entry is about; a word found only in its other fields (a tool named in a fix,
# a command in a check) is mentioned in passing, and alone it is no evidence that the question is about the entry.
NAMING_FIELDS = frozenset({"errors", "symptoms", "title", "tags"})

# How much a word found in each field says about the entry.
FIELD_WEIGHTS: dict[str, float] = {
    "errors": 4.5,
    "symptoms": 5.0,
    "title": 3.0,
    "tags": 1.5,
    "summary": 0.6,
    "versions": 1.6,
    "checks": 0.3,
    "signals": 1.2,
    "body": 0.2,
}


@dataclass(frozen=True)
class Analysis:
    """What tokenising one entry's fields yields: the costly part of building the index (Chinese segmentation and
    stemming of every field), the same for the same entry text and analyzer, so it can be kept between runs
    (`knowledge.analysis_cache`)."""

    tf: dict[str, float]  # token -> field-weighted frequency
    length: float
    phrases: dict[str, float]  # "word word" of adjacent tokens -> weighted frequency
    named: frozenset[str] = frozenset()  # tokens of the fields that name the problem (errors, symptoms, title, tags)
    # Each of `example_texts` tokenised: what the model of asked questions learns from the entry itself.
    asked: tuple[tuple[str, ...], ...] = ()


def analysis_key(entry: Entry, analyzer: Analyzer) -> str:
    """Names an entry's analysis: its whole content and the analyzer's choices (a changed entry is analysed
    again; a change to the analysing code itself is the cache's concern, see `knowledge.analysis_cache`)."""
    digest = hashlib.sha256(entry.model_dump_json().encode("utf-8")).hexdigest()
    return f"{analyzer.zh}.{analyzer.en}.{digest}"


def example_texts(entry: Entry) -> tuple[str, ...]:
    """The entry's own words for its problem, which the model of asked questions (`knowledge.asked`) learns from as
    questions about it: its symptoms and titles."""
    return (*entry.symptoms.en, *entry.symptoms.zh, entry.title.en, entry.title.zh)


def analyze(entry: Entry, analyzer: Analyzer) -> Analysis:
    """Every field of the entry as weighted tokens and phrases."""
    tf: dict[str, float] = {}
    phrases: dict[str, float] = {}
    named: set[str] = set()
    length = 0.0
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
            cleaned = clean(text)
            for token in analyzer.tokens(cleaned):
                tf[token] = tf.get(token, 0.0) + weight
                length += weight
                if name in NAMING_FIELDS:
                    named.add(token)
            for phrase in phrases_of(analyzer.words(cleaned)):
                phrases[phrase] = phrases.get(phrase, 0.0) + weight
    asked = tuple(analyzer.tokens(clean(text)) for text in example_texts(entry))
    return Analysis(tf, length, phrases, frozenset(named), asked)


def phrases_of(tokens: Sequence[str]) -> list[str]:
    """Each two adjacent words ("certificate expired", "证书 过期"), in the question and in the entries alike."""
    # A version beside a word ("Kubernetes v1.24.1") says which cluster it is, not what is wrong with it; versions
    # count as words (and through the entries' version notes), never as phrases.
    words = [(t, version_match(t) is None) for t in tokens]  # each token checked once, not once per neighbour
    return [f"{a} {b}" for (a, a_word), (b, b_word) in itertools.pairwise(words) if a_word and b_word and a != b]
