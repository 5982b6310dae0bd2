"""A second opinion on what an English question is about: a small static embedding model.

The search ranks entries by the words a question shares with them (`knowledge.search`); what it cannot see is a
question that means an entry in other words ("outgoing connections dropped after scaling out" for SNAT
exhaustion), or one that shares an entry's words while meaning something else. So the search asks a model of
meaning for a second opinion, mostly about its confidence: a suggestion becomes an answer when the model's first
choice is the same entry, and an answer stands only when the model finds the question near enough to the entry
(calibration weighs both uses and may turn either off). Two rankers built on different evidence agreeing is
better evidence than either's score. In the ranking the model only settles near ties of the words' evidence
(`search.MEANING_WEIGHT`): alone it ranks far worse than the words (`bench/bench_kb.py` measures every use; the
figures are in the README).

The model is WordLlama's `l2_supercat` (256 dimensions, MIT licence): a table of token embeddings distilled from
an LLM's input layer, read out for a text's tokens and averaged, so one question costs microseconds and no
network. Its weights (16 MB) and tokenizer ship inside the `wordllama` wheel and install offline with the bot;
they are read here directly, the tokenizer with `tokenizers` and the weights mapped from their safetensors file
(the package's own loader would try to download the tokenizer from Hugging Face, and reads the whole table into
each process). Its vocabulary is the Llama-2 one, which splits Chinese into bytes and single
characters: measured on the real Chinese questions the model's opinion was worse than none, so the search asks it
about English questions only.

When the package is missing, `StaticEmbedder.load()` says so in the log and returns None, and the search decides
on words alone (the thresholds then behave exactly as before the second opinion existed).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from knowledge.model import Entry

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

_PACKAGE = "wordllama"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TENSOR = "embedding.weight"
MAX_CHARS = 4000  # a whole pasted log file is read for its first screens only: its meaning is there or nowhere


class Embedder(Protocol):
    """Texts to unit vectors: the dot product of two is their similarity (-1 … 1)."""

    def embed(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class StaticEmbedder:
    """Token embeddings averaged over a text's tokens, then scaled to unit length."""

    tokenizer: Tokenizer
    table: npt.NDArray[np.float16]

    @staticmethod
    def load(package: str = _PACKAGE) -> StaticEmbedder | None:
        """The model shipped in `package`, or None (logged) when it is not installed or not as expected."""
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or ()) if spec else []
        if not locations:
            log.warning("knowledge base: %s is not installed; the search decides on words alone", package)
            return None
        root = Path(locations[0])
        try:
            tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
            table = _mapped_tensor(root / _WEIGHTS, _TENSOR)
        except Exception as exc:
            # Whatever a changed package layout raises, the bot keeps answering from the words.
            log.warning("knowledge base: the embedding model in %s could not be read (%s); the search decides on "
                        "words alone", package, type(exc).__name__)
            return None
        return StaticEmbedder(tokenizer, table)

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        if not texts:
            return out
        for row, text in enumerate(texts):
            # One text at a time: encode_batch would start the tokenizer's thread pool, which a later fork (a test
            # or a sandbox starting a process) would have to disable with a warning, for no gain on one question.
            encoding = self.tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False)
            ids = [i for i in encoding.ids if 0 <= i < self.table.shape[0]]
            if ids:
                out[row] = self.table[ids].astype(np.float32).mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def entry_text(entry: Entry) -> str:
    """What an entry is about, in the words its readers use: title, summary, symptoms and error strings."""
    return " ".join((entry.title.en, entry.summary.en, *entry.symptoms.en, *entry.errors))


def _mapped_tensor(path: Path, name: str) -> npt.NDArray[np.float16]:
    """One float16 tensor of a safetensors file, mapped rather than read: only the rows of tokens a question uses
    are paged in, and the bot's two processes share them through the page cache (16 MB read twice otherwise).

    The format (github.com/huggingface/safetensors): 8 bytes little-endian header length, a JSON header naming
    each tensor's dtype, shape and byte offsets after the header, then the data."""
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    meta = header[name]
    if meta["dtype"] != "F16" or len(meta["shape"]) != 2:
        raise ValueError(f"{name}: expected a float16 matrix, found {meta['dtype']} {meta['shape']}")
    start, end = meta["data_offsets"]
    rows, columns = meta["shape"]
    if end - start != rows * columns * 2:
        raise ValueError(f"{name}: {end - start} bytes for a {rows}x{columns} float16 matrix")
    return np.memmap(path, dtype=np.float16, mode="r", offset=8 + length + start, shape=(rows, columns))


class EntryMeanings:
    """Every entry's vector, computed once; `similarities` compares a question with all of them at once."""

    def __init__(self, embedder: Embedder, entries: Sequence[Entry]) -> None:
        self._embedder = embedder
        self._vectors = embedder.embed([entry_text(e) for e in entries])

    def similarities(self, question: str) -> list[float]:
        """The question's similarity to each entry, in the entries' order."""
        vector = self._embedder.embed([question])[0]
        return [float(x) for x in self._vectors @ vector]
