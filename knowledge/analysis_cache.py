"""Keep the entries' analyses between processes, so a new process builds the index without tokenising them again.

Tokenising every field of every entry (Chinese segmentation with its dictionary, stemming) is most of the time a
fresh process spends before it can answer its first question. Its result depends only on the entry text, the
analyzer's choices and the code that analyses; `KnowledgeIndex` names each entry's analysis by the first two
(`analysis.analysis_key`), and this module names the file by the last (`code_fingerprint`): the source of
`knowledge.text`, `knowledge.analysis`, `knowledge.asked` and `knowledge.evaluation` (which chooses and reads the
labelled questions) and the versions of the segmenter and stemmer. How questions are ranked (`knowledge.search`) is
not part of it. A change to any of them starts a new file, and the old ones are removed when it is written.

The same file keeps the tokenised questions the model of asked questions learns from (`knowledge.asked`): each
entry's own (its symptoms and titles) in its analysis, and the labelled questions' named by
`knowledge.evaluation.questions_digest`, so a new process neither parses the labelled files nor tokenises them, and
after an entry is edited only that entry is tokenised again.

The file is JSON (never pickle: nothing read from disk is executed) in `AKSBOT_CACHE_DIR`, else
`$XDG_CACHE_HOME/aksbot`, else `~/.cache/aksbot`. It is only ever an optimisation: a file that is missing, unreadable,
damaged or not what this code wrote is ignored, a directory that cannot be written is skipped, and two processes
writing at once each replace the file whole (`os.replace`), so the index is always the one the entries give.

**Shipped analyses.** The package carries the same file for its own entries and labelled questions (`SHIPPED`,
written by `aksbot kb prebuild`; a test fails when it is not what the code and entries give today). A process whose
cache directory has no file yet reads that one, if the code fingerprint it records is this code's: the first start
after an install analyses nothing and writes nothing. Entries a team changes are analysed and kept in the cache
directory as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

from knowledge.analysis import Analysis, analysis_key, analyze
from knowledge.asked import Example
from knowledge.files import write_whole
from knowledge.model import Entry
from knowledge.text import DEFAULT_ANALYZER

log = logging.getLogger(__name__)

FORMAT = 4
_PREFIX = "kb-analysis-"
SHIPPED = Path(__file__).with_name("prebuilt-analysis.json")
# The modules whose source decides what the file holds (read as files: the fingerprint imports none of them).
_ANALYSING = ("text.py", "analysis.py", "asked.py", "evaluation.py")
_LIBRARIES = ("rjieba", "PyStemmer")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("AKSBOT_CACHE_DIR"):
        return Path(env["AKSBOT_CACHE_DIR"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "aksbot"
    return Path.home() / ".cache" / "aksbot"


def code_fingerprint() -> str:
    """What the analyses were computed by: the analysing modules' source and the libraries they call."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for name in _ANALYSING:
        digest.update(Path(__file__).with_name(name).read_bytes())
    for package, version in _library_versions().items():
        digest.update(f"{package} {version}\n".encode())
    return digest.hexdigest()[:16]


def _library_versions() -> dict[str, str]:
    versions = {}
    for package in _LIBRARIES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    return versions


class AnalysisCache:
    """One file of analyses, read once and written back when the index needed new ones; with `shipped`, the
    package's own file (`SHIPPED`) is read when the directory has none."""

    def __init__(self, directory: Path, fingerprint: str | None = None, shipped: Path | None = None) -> None:
        self.directory = directory
        self.fingerprint = fingerprint or code_fingerprint()
        self.path = directory / f"{_PREFIX}{self.fingerprint}.json"
        self.shipped = shipped
        self._examples: tuple[str, tuple[Example, ...]] | None = None  # (digest, examples) as `load` found them

    def load(self) -> dict[str, Analysis]:
        """The analyses in the file (else in the shipped one), or none if it is missing or is not what `save`
        writes (the examples it keeps are then read by `examples`)."""
        found = _read(self.path)
        if found is None and self.shipped is not None:
            found = _read(self.shipped, self.fingerprint)
        if found is None:
            return {}
        analyses, self._examples = found
        return analyses

    def examples(self, digest: str) -> tuple[Example, ...] | None:
        """The tokenised examples `load` found, if they are the ones `digest` names."""
        return self._examples[1] if self._examples and self._examples[0] == digest else None

    def save(
        self, analyses: Mapping[str, Analysis], examples: tuple[str, Sequence[Example]] | None = None
    ) -> bool:
        """Write `analyses` (and `examples`, else the examples `load` found) as the whole file, atomically, and
        remove files older code wrote; False if the directory cannot be written (the next process analyses the
        entries again, nothing else changes)."""
        body = _serialise(analyses, examples if examples is not None else self._examples)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_whole(self.path, body)
            for old in self.directory.glob(f"{_PREFIX}*.json"):
                if old != self.path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.info("not keeping the knowledge-base analysis cache in %s: %s", self.directory, exc)
            return False
        return True


def _read(
    path: Path, fingerprint: str | None = None
) -> tuple[dict[str, Analysis], tuple[str, tuple[Example, ...]] | None] | None:
    """A file's analyses and examples; None if it is missing or not what this code writes (or, with
    `fingerprint`, what other code wrote)."""
    try:
        raw = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.info("ignoring the knowledge-base analysis cache %s: %s", path, exc)
        return None
    try:
        if raw.get("format") != FORMAT or (fingerprint is not None and raw.get("fingerprint") != fingerprint):
            return None
        analyses = {key: _analysis(value) for key, value in raw["analyses"].items()}
        kept = raw.get("examples")
        examples = None
        if kept is not None:
            examples = (str(kept["digest"]), tuple(_example(item) for item in kept["items"]))
        return analyses, examples
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        log.info("ignoring the knowledge-base analysis cache %s: not one this version wrote (%s)", path, exc)
        return None


def _serialise(
    analyses: Mapping[str, Analysis],
    examples: tuple[str, Sequence[Example]] | None,
    header: Mapping[str, object] | None = None,
) -> str:
    """The file's text. Each analysis keeps its words in the order they were found: the index's tie-breaks follow
    that order, so an index from the file is the same as a fresh one."""
    body: dict[str, object] = {"format": FORMAT, **(header or {})}
    body["analyses"] = {
        key: {"tf": a.tf, "length": a.length, "phrases": a.phrases, "named": sorted(a.named),
              "asked": [list(tokens) for tokens in a.asked]}
        for key, a in sorted(analyses.items())
    }
    if examples is not None:
        body["examples"] = {
            "digest": examples[0],
            "items": [[list(e.tokens), e.label, e.group] for e in examples[1]],
        }
    # One `dumps`: `json.dump` streams through the pure-Python encoder, three times slower.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def shipped_text(entries: Sequence[Entry]) -> str:
    """What `SHIPPED` should hold for `entries` (the package's own) and its labelled questions, made by this code
    with the installed libraries."""
    from knowledge.evaluation import question_examples, questions_digest  # reads the labelled files

    analyzer = DEFAULT_ANALYZER
    analyses = {analysis_key(entry, analyzer): analyze(entry, analyzer) for entry in entries}
    examples = (questions_digest(analyzer), question_examples(analyzer))
    header = {"fingerprint": code_fingerprint(), "made_with": _library_versions()}
    return _serialise(analyses, examples, header) + "\n"


def _example(value: object) -> Example:
    if not isinstance(value, list) or len(value) != 3:
        raise TypeError("an example is [tokens, label, group]")
    tokens, label, group = value
    if not isinstance(tokens, list) or not (label is None or isinstance(label, str)) or not isinstance(group, str):
        raise TypeError("an example's tokens are a list, its label a string or null, its group a string")
    return Example(tuple(str(t) for t in tokens), label, group)


def _analysis(value: object) -> Analysis:
    if not isinstance(value, dict):
        raise TypeError("an analysis is an object")
    tf, length, phrases, named, asked = value["tf"], value["length"], value["phrases"], value["named"], value["asked"]
    if not isinstance(tf, dict) or not isinstance(phrases, dict) or not isinstance(length, int | float):
        raise TypeError("tf and phrases are objects, length a number")
    if not isinstance(named, list) or not isinstance(asked, list) or not all(isinstance(t, list) for t in asked):
        raise TypeError("named is a list, asked a list of lists")
    return Analysis(
        {str(k): float(v) for k, v in tf.items()},
        float(length),
        {str(k): float(v) for k, v in phrases.items()},
        frozenset(str(t) for t in named),
        tuple(tuple(str(t) for t in tokens) for tokens in asked),
    )
