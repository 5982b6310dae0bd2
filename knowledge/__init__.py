"""The troubleshooting knowledge base: curated bilingual entries and the search that finds them.

`load_knowledge_base()` reads the shipped entries once per process and returns the index the bot keeps in
`deps.knowledge`; handlers see it only through the `KnowledgeBase` protocol. This package stands alone: it
never imports the bot's surfaces, adapters or any Slack, Kubernetes or Azure package.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol

from knowledge.analysis_cache import SHIPPED, AnalysisCache, cache_dir
from knowledge.asked import ALWAYS, Example
from knowledge.loader import EntryError, Problem, load_entries
from knowledge.model import Entry, Lang
from knowledge.search import Hit, KnowledgeIndex, SearchOutcome, detect_lang

if TYPE_CHECKING:
    from pathlib import Path

    from knowledge.confidence import ConfidenceModel
    from knowledge.meaning import Embedder

__all__ = [
    "Entry",
    "EntryError",
    "Hit",
    "KnowledgeBase",
    "KnowledgeIndex",
    "Lang",
    "LazyKnowledgeBase",
    "Problem",
    "SearchOutcome",
    "build_index",
    "detect_lang",
    "load_knowledge_base",
    "new_process_index",
]


class KnowledgeBase(Protocol):
    """What handlers need from the knowledge base."""

    def search(self, query: str, limit: int = 5) -> SearchOutcome: ...

    def get(self, entry_id: str) -> Entry | None: ...

    def entries(self) -> tuple[Entry, ...]: ...

    def knows(self, name: str) -> bool: ...


class LazyKnowledgeBase:
    """The shipped knowledge base, built on first use: for a process that may never search it (the Slack front,
    which resolves an alert's runbook by the alert's name and searches only when the name says nothing)."""

    def search(self, query: str, limit: int = 5) -> SearchOutcome:
        return load_knowledge_base().search(query, limit)

    def get(self, entry_id: str) -> Entry | None:
        return load_knowledge_base().get(entry_id)

    def entries(self) -> tuple[Entry, ...]:
        return load_knowledge_base().entries()

    def knows(self, name: str) -> bool:
        return load_knowledge_base().knows(name)


@cache
def load_knowledge_base() -> KnowledgeIndex:
    """The index over the shipped entries, built on first use and shared by the whole process.

    Raises `EntryError` (naming each bad file and key) if an entry does not parse.
    """
    from knowledge.confidence import ConfidenceModel

    return new_process_index(load_entries(), confidence=ConfidenceModel.load())


def new_process_index(
    entries: tuple[Entry, ...], shipped: Path = SHIPPED, confidence: ConfidenceModel | None = None
) -> KnowledgeIndex:
    """The index over `entries` that a new process builds: with the model of meaning and the model of asked
    questions, analyses from the cache directory or else `shipped`, and `confidence` deciding answers."""
    # Imported here, not above: the model brings numpy and tokenizers, which a process that only names the
    # knowledge base's types (the Slack front, which never answers a question) should not pay for.
    from knowledge.meaning import StaticEmbedder

    return build_index(
        entries, embedder=StaticEmbedder.load(), cache=AnalysisCache(cache_dir(), shipped=shipped), learn=True,
        confidence=confidence,
    )


def build_index(
    entries: tuple[Entry, ...],
    embedder: Embedder | None = None,
    cache: AnalysisCache | None = None,
    learn: bool = False,
    confidence: ConfidenceModel | None = None,
) -> KnowledgeIndex:
    """The index over `entries`, taking the entries' analyses from `cache` where it has them and writing it back
    when some had to be made (or it holds analyses of entries that are gone). With `learn`, the index ranks with the
    model of asked questions too (`knowledge.asked`), its tokenised examples also kept in `cache`."""
    analyses = cache.load() if cache is not None else {}
    kept = set(analyses)
    index = KnowledgeIndex(entries, embedder=embedder, analyses=analyses, confidence=confidence)
    used = set(index.analysis_keys)
    fresh: tuple[str, tuple[Example, ...]] | None = None
    if learn:
        # Imported here: the labelled questions are read only by a process that learns from them.
        from knowledge.evaluation import question_examples, questions_digest

        digest = questions_digest(index.analyzer)
        questions = cache.examples(digest) if cache is not None else None
        if questions is None:
            questions = question_examples(index.analyzer)
            fresh = (digest, questions)
        # Each entry's own examples come with its analysis: an edited entry's are made again with it, no others.
        own = [
            Example(tokens, entry.id, ALWAYS)
            for entry, key in zip(entries, index.analysis_keys, strict=True)
            for tokens in analyses[key].asked
        ]
        index.learn((*own, *questions))
    if cache is not None and (used != kept or fresh is not None):
        cache.save({key: analyses[key] for key in used}, fresh)
    return index
