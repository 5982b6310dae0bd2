"""Keep the entries' analyses between processes, so a new process builds the index without tokenising them again.

Tokenising every field of every entry (Chinese segmentation with its dictionary, stemming) is most of the time a
fresh process spends before it can answer its first question. Its result depends only on the entry text, the
analyzer's choices and the code that analyses; `KnowledgeIndex` names each entry's analysis by the first two
(`search.analysis_key`), and this module names the file by the last: the source of `knowledge.text` and
`knowledge.search` and the versions of the segmenter and stemmer. A change to any of them starts a new file, and the
old ones are removed when it is written.

The same file keeps the tokenised questions the model of asked questions learns from (`knowledge.asked`), named by
`knowledge.evaluation.learning_digest`, so a new process neither parses the labelled files nor tokenises them.

The file is JSON (never pickle: nothing read from disk is executed) in `AKSBOT_CACHE_DIR`, else
`$XDG_CACHE_HOME/aksbot`, else `~/.cache/aksbot`. It is only ever an optimisation: a file that is missing, unreadable,
damaged or not what this code wrote is ignored, a directory that cannot be written is skipped, and two processes
writing at once each replace the file whole (`os.replace`), so the index is always the one the entries give.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

from knowledge import asked, search, text
from knowledge.asked import Example
from knowledge.search import Analysis

log = logging.getLogger(__name__)

FORMAT = 3
_PREFIX = "kb-analysis-"


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
    for module in (text, search, asked):
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in ("rjieba", "PyStemmer"):
        try:
            digest.update(f"{package} {metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    return digest.hexdigest()[:16]


class AnalysisCache:
    """One file of analyses, read once and written back when the index needed new ones."""

    def __init__(self, directory: Path, fingerprint: str | None = None) -> None:
        self.directory = directory
        self.path = directory / f"{_PREFIX}{fingerprint or code_fingerprint()}.json"
        self._examples: tuple[str, tuple[Example, ...]] | None = None  # (digest, examples) as `load` found them

    def load(self) -> dict[str, Analysis]:
        """The analyses in the file, or none if it is missing or is not what `save` writes (the examples it keeps
        are then read by `examples`)."""
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.info("ignoring the knowledge-base analysis cache %s: %s", self.path, exc)
            return {}
        try:
            if raw.get("format") != FORMAT:
                return {}
            analyses = {key: _analysis(value) for key, value in raw["analyses"].items()}
            kept = raw.get("examples")
            if kept is not None:
                self._examples = (str(kept["digest"]), tuple(_example(item) for item in kept["items"]))
            return analyses
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            log.info("ignoring the knowledge-base analysis cache %s: not one this version wrote (%s)", self.path, exc)
            self._examples = None
            return {}

    def examples(self, digest: str) -> tuple[Example, ...] | None:
        """The tokenised examples `load` found, if they are the ones `digest` names."""
        return self._examples[1] if self._examples and self._examples[0] == digest else None

    def save(
        self, analyses: Mapping[str, Analysis], examples: tuple[str, Sequence[Example]] | None = None
    ) -> bool:
        """Write `analyses` (and `examples`, else the examples `load` found) as the whole file, atomically, and
        remove files older code wrote; False if the directory cannot be written (the next process analyses the
        entries again, nothing else changes)."""
        kept = examples if examples is not None else self._examples
        body: dict[str, object] = {
            "format": FORMAT,
            "analyses": {
                key: {"tf": a.tf, "length": a.length, "phrases": a.phrases, "named": sorted(a.named)}
                for key, a in sorted(analyses.items())
            },
        }
        if kept is not None:
            body["examples"] = {
                "digest": kept[0],
                "items": [[list(e.tokens), e.label, e.group] for e in kept[1]],
            }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
            try:
                # One `dumps` and one write: `json.dump` streams through the pure-Python encoder, three times slower.
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            for old in self.directory.glob(f"{_PREFIX}*.json"):
                if old != self.path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.info("not keeping the knowledge-base analysis cache in %s: %s", self.directory, exc)
            return False
        return True


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
    tf, length, phrases, named = value["tf"], value["length"], value["phrases"], value["named"]
    if not isinstance(tf, dict) or not isinstance(phrases, dict) or not isinstance(length, int | float):
        raise TypeError("tf and phrases are objects, length a number")
    if not isinstance(named, list):
        raise TypeError("named is a list")
    return Analysis(
        {str(k): float(v) for k, v in tf.items()},
        float(length),
        {str(k): float(v) for k, v in phrases.items()},
        frozenset(str(t) for t in named),
    )
