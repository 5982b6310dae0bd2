"""Turn the text of questions and entries into the tokens the search compares.

Questions arrive as people type them in Slack: English, Chinese or both in one line, with typos, as fragments,
or as a pasted log line full of timestamps and ids. `clean` folds width, case and quotes and drops the parts of a
log line that identify one occurrence (times, ids, IPs, hashes, URLs); an `Analyzer` turns cleaned text into
informative tokens: English words reduced by the Snowball stemmer (PyStemmer), names without their numbers,
compounds and their parts, minor versions, and Chinese words cut by jieba's segmenter (the maintained Rust port,
rjieba). Filler in either language is dropped.

The analyzer's two choices (Chinese segmentation, English stemming) are parameters so that `bench/bench_kb.py`
can measure the libraries against the hand-written alternatives they replaced (character bigrams, a suffix-strip
stemmer) on the same questions; the search uses `DEFAULT_ANALYZER`, the combination those measurements chose.

Pure computation: no I/O, no clock, no network.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import Stemmer

ZhSegmenter = Literal["rjieba", "jieba", "bigram"]
EnStemmer = Literal["snowball", "light"]

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
    use using used able unable work works working worked thing things new old way ways also well really still
    anyone s t e g eg ie etc vs via per
"""
_STOP_ZH_TEXT = """
    的 了 在 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 一个 有 和 与 及 或 也 都 就 还 又 被 把
    让 给 对 从 到 很 吗 呢 吧 啊 呀 嘛 啦 着 过 等 个 上 下 中 里 会 能 要 想 说 做 用 去 来 看 为 以 之 而 其 并 但
    怎么 怎么办 怎样 如何 什么 为什么 为何 请问 一下 是不是 是否 可以 可能 不能 能不能 没有 有没有 大家 一直 现在
    今天 昨天 刚才 突然 出现 发现 问题 情况 帮忙 帮我 看看 求助 知道 好像 感觉 应该 需要 之后 以后 之前 以前 时候
    然后 但是 因为 所以 而且 或者 还是 就是 哪里 哪个 不 没 已经 一样 这样 那样 这种 那种 所有 全部 其他 自己
    还有 比如 例如 其中 以及 通过 进行 使用 导致 原因 解决 处理 排查 方法 办法 谢谢 各位 老师 大佬 急 求 显示 看到
"""

_STOP_EN = frozenset(_STOP_EN_TEXT.split())
_STOP_ZH = frozenset(_STOP_ZH_TEXT.split())

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " ", "\u200b": ""})
CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Noise in pasted log lines: it identifies one occurrence, never the kind of problem. Matched in lower-cased text;
# each pattern comes with a string it cannot match without (None: no cheap test), so prose skips most of them.
_NOISE: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(pattern), needs)
    for pattern, needs in (
        (r"https?://\S+", "http"),
        (r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?", ":"),
        (r"\b[iwef]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.-]+:\d+\]", "]"),
        (r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}", ":"),
        (r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", ":"),
        (r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b", "m"),
        (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "-"),
        (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+|/\d{1,2})?\b", "."),
        (r"\b[0-9a-f:]*:[0-9a-f]{1,4}:[0-9a-f:]+\b", ":"),  # IPv6
        (r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", None),  # container ids, hashes
        (r"\b\d{6,}\b", None),
    )
)
# The noise patterns that can match text without a digit (the others are skipped when there is none).
_NOISE_WITHOUT_DIGITS = (_NOISE[0], _NOISE[6], _NOISE[8])
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
VERSION = re.compile(r"^v?(\d+\.\d+)(?:\.\d+)*$")


def version_match(token: str) -> re.Match[str] | None:
    """`token` read as a version ("v1.25.6", group 1 its minor "1.25"); the first character rules most words out
    before the pattern runs (tokenising the entries is most of a first start)."""
    return VERSION.match(token) if token[:1] == "v" or token[:1].isdigit() else None

_NAME_NUMBER = re.compile(r"^([a-z]{3,}?)v?\d+$")
_PART_SEPARATOR = re.compile(r"[._-]")
_LIGHT_SUFFIXES = ("ions", "ion", "ing", "ed", "es", "s", "e")


def clean(text: str) -> str:
    """Fold width, case and quotes, drop log noise, keep words, numbers and CJK: one space between tokens."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_QUOTES)
    text = text.lower()
    for pattern, needs in _NOISE if _DIGIT.search(text) else _NOISE_WITHOUT_DIGITS:
        if needs is None or needs in text:
            text = pattern.sub(" ", text)
    return " ".join(_WORD.findall(text))  # the pattern's groups are all non-capturing: whole matches


def light_stem(word: str) -> str:
    """The suffix-strip stemmer the search used before Snowball (kept for the side-by-side measurement)."""
    if not word.isalpha():
        return word
    for suffix in _LIGHT_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


_SNOWBALL = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def snowball_stem(word: str) -> str:
    """Snowball (Porter 2) English stemming; words with digits are names and stay as they are."""
    return word if not word.isalpha() else str(_SNOWBALL.stemWord(word))


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def _rjieba_words(run: str) -> list[str]:
    # Imported on first use: its dictionary costs 33 MB of memory, which a process that never cuts Chinese (the
    # Slack front) should not pay just for naming the knowledge base's types.
    import rjieba

    return [w for w in rjieba.cut(run) if w.strip()]


def _jieba_words(run: str) -> list[str]:
    import jieba  # only for the side-by-side measurement in bench/bench_kb.py; not a dependency

    return [w for w in jieba.lcut(run) if w.strip()]


_SEGMENTERS: dict[str, Callable[[str], list[str]]] = {
    "rjieba": _rjieba_words,
    "jieba": _jieba_words,
    "bigram": _bigrams,
}
_STEMMERS: dict[str, Callable[[str], str]] = {"snowball": snowball_stem, "light": light_stem}


@dataclass(frozen=True)
class Analyzer:
    """Cleaned text to informative tokens, with a choice of Chinese segmenter and English stemmer."""

    zh: ZhSegmenter = "rjieba"
    en: EnStemmer = "snowball"
    _cache: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict, compare=False, repr=False)
    _by_word: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def stem(self, word: str) -> str:
        return _STEMMERS[self.en](word)

    def chinese(self, run: str) -> list[str]:
        """The informative words of a run of Chinese characters."""
        words = _SEGMENTERS[self.zh](run)
        return [w for w in words if w not in _STOP_ZH]

    def tokens(self, cleaned: str) -> tuple[str, ...]:
        """Informative tokens of cleaned text: stemmed words, compounds and their parts, Chinese words."""
        return tuple(token for _, group in self._words(cleaned) for token in group)

    def words(self, cleaned: str) -> tuple[str, ...]:
        """One token per informative word, in order: what phrases are made of, so that "kube-proxy" is one word
        beside its neighbours ("kubeproxy"), not a phrase of its own parts."""
        return tuple(head for head, _ in self._words(cleaned))

    def _words(self, cleaned: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Per informative word: the token that names it, and all the tokens it is indexed and searched by."""
        cached = self._cache.get(cleaned)
        if cached is not None:
            return cached
        out: list[tuple[str, tuple[str, ...]]] = []
        known = self._by_word
        for raw in cleaned.split():
            groups = known.get(raw)
            if groups is None:
                groups = self._word(raw)
                if len(known) < 65536:
                    known[raw] = groups
            out.extend(groups)
        result = tuple(out)
        if len(self._cache) < 4096:
            self._cache[cleaned] = result
        return result

    def _word(self, raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """What one word of cleaned text gives: the same for every occurrence, so `_words` keeps it (the entries
        repeat the same few thousand words, and tokenising them is most of a first start)."""
        # Cleaned text is runs of CJK characters and ASCII words (`clean`), so the first character tells which.
        if not raw[0].isascii():
            return tuple((word, (word,)) for word in self.chinese(raw))
        if version := version_match(raw):
            # "v1.25.6" is asked about as "1.25": keep the minor version, which is what entries name.
            return ((version.group(1), (version.group(1),)),)
        if raw in _STOP_EN:
            return ()
        pieces = _PART_SEPARATOR.split(raw) if not raw.isalnum() else (raw,)
        parts = [p for p in pieces if p and p not in _STOP_EN]
        group = [self.stem(p) for p in parts if len(p) > 1]
        head = group[0] if len(parts) == 1 and group else "".join(parts)
        if len(parts) > 1:
            group.append(head)
        # "jdk8", "java17", "cgroupv2": the name without its number is how the other half of people write it.
        group.extend(m.group(1) for p in parts if p[-1].isdigit() and (m := _NAME_NUMBER.match(p)))
        return ((head, tuple(group)),) if group else ()

    def analyze(self, text: str) -> tuple[str, ...]:
        return self.tokens(clean(text))


DEFAULT_ANALYZER = Analyzer()


def is_stop_word(word: str) -> bool:
    return word in _STOP_EN or word in _STOP_ZH


def words_of(texts: Iterable[str], analyzer: Analyzer = DEFAULT_ANALYZER) -> list[str]:
    return [t for text in texts for t in analyzer.analyze(text)]
