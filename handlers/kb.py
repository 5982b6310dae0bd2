"""`kb <question…>`, `kb show <id>`, `kb list`: answers from the curated knowledge base, in the asker's language.

`kb <question>` is also where the dispatcher sends mentions and direct messages that are not commands. The reply
has the confidence the search reports:

* an **answer** — the best entry's summary, checks and fixes (with the aksbot command that shows or does each),
  what changed with which version, where the team's notes were wrong, and the sources; the next entries are offered
  as "did you mean";
* a **suggestion** — clearly marked as unsure: the best entry's title and summary only, with a button to open it
  and the other likely entries as buttons;
* **I don't know** — only when nothing in the question points to any entry.

Buttons are built in one place (`_show_button`), so how a button carries its command can change there alone.
The knowledge base is reached only through `deps.knowledge`; nothing here touches a cluster.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Literal

from bot.blocks import Actions, Block, Button, Code, Context, Divider, Heading, Level, Notice, Table, Text, View
from bot.deps import Deps
from bot.errors import NotConfigured
from bot.registry import Args, Call, Scope, arg, command
from knowledge import Entry, Hit, KnowledgeBase, Lang, detect_lang

SHOWN_OTHERS = 2  # entries offered as buttons besides the answer or suggestion (three shown in all)

_RISK = {
    "en": {"none": "no risk", "low": "low risk", "disruptive": "disruptive"},
    "zh": {"none": "无风险", "low": "低风险", "disruptive": "有中断风险"},
}


@dataclass(frozen=True)
class _Words:
    """The fixed words of a reply in one language."""

    summary: str
    checks: str
    fixes: str
    versions: str
    corrections: str
    did_you_mean: str
    unsure: str
    open_entry: str
    others: str
    dont_know: str
    nothing_close: str
    sources: str
    notes: str
    confidence: str
    entries: str
    no_such_entry: str
    no_entry_at_all: str
    shows_live: str
    does_it: str


_EN = _Words(
    summary="Summary",
    checks="Check",
    fixes="Fix",
    versions="What changed with which version",
    corrections="Where the team's notes are outdated",
    did_you_mean="Did you mean",
    unsure=(
        "Not sure: this is probably the entry you need, but the question could also match others. Check before "
        "you act."
    ),
    open_entry="Open this entry",
    others="Or one of these:",
    dont_know="I don't know: nothing in your question points to any entry of the knowledge base.",
    nothing_close=(
        "Try other words or paste the exact error message; `/k8s kb list` shows every entry and `/k8s help` the "
        "commands."
    ),
    sources="Sources",
    notes="team notes",
    confidence="match",
    entries="knowledge-base entries",
    no_such_entry="No entry with id `{id}`; showing the closest match instead.",
    no_entry_at_all="There is no entry with id `{id}`; `/k8s kb list` lists them all.",
    shows_live="shows it live",
    does_it="does it",
)
_ZH = _Words(
    summary="摘要",
    checks="检查",
    fixes="处理",
    versions="版本变化",
    corrections="团队笔记中过时或有误之处",
    did_you_mean="你是不是想问",
    unsure="不确定：这很可能是你要找的条目，但问题也可能对应其他条目。操作前请先核对。",
    open_entry="打开这个条目",
    others="或者是以下之一：",
    dont_know="我不知道：你的问题里没有任何指向知识库条目的线索。",
    nothing_close="换个说法或贴出完整的报错信息；`/k8s kb list` 列出全部条目，`/k8s help` 列出命令。",
    sources="来源",
    notes="团队笔记",
    confidence="匹配度",
    entries="知识库条目",
    no_such_entry="没有 id 为 `{id}` 的条目；下面是最接近的结果。",
    no_entry_at_all="没有 id 为 `{id}` 的条目；`/k8s kb list` 列出全部条目。",
    shows_live="实时查看",
    does_it="执行",
)


def _words(lang: Lang) -> _Words:
    return _ZH if lang == "zh" else _EN


def _knowledge(deps: Deps) -> KnowledgeBase:
    if deps.knowledge is None:
        raise NotConfigured("No knowledge base is loaded, so questions cannot be answered.")
    return deps.knowledge


def _entry_blocks(entry: Entry, lang: Lang, *, full: bool) -> list[Block]:
    w = _words(lang)
    blocks: list[Block] = [Heading(entry.title.in_lang(lang)), Text(entry.summary.in_lang(lang))]
    if full:
        blocks.append(Text(entry.body.in_lang(lang)))
    if entry.checks:
        lines: list[str] = []
        for i, check in enumerate(entry.checks, 1):
            live = f"  → `{check.command}` ({w.shows_live})" if check.command else ""
            lines.append(f"{i}. {check.in_lang(lang)}{live}")
        blocks += [Text(f"*{w.checks}*"), Text("\n".join(lines))]
    if entry.fixes:
        lines = []
        for i, fix in enumerate(entry.fixes, 1):
            action = f"  → `{fix.action}` ({w.does_it})" if fix.action else ""
            lines.append(f"{i}. [{_RISK[lang][fix.risk]}] {fix.in_lang(lang)}{action}")
        blocks += [Text(f"*{w.fixes}*"), Text("\n".join(lines))]
    if entry.versions:
        lines = [f"• {v.version}: {v.in_lang(lang)}" for v in entry.versions]
        blocks.append(Text(f"*{w.versions}*\n" + "\n".join(lines)))
    if entry.corrections:
        listed = "\n".join(f"• {c.in_lang(lang)}" for c in entry.corrections)
        blocks.append(Notice(f"{w.corrections}:\n{listed}", Level.WARN))
    if full and entry.errors:
        blocks.append(Code("\n".join(entry.errors)))
    notes = " · ".join(f"{n.file} § {n.heading}" for n in entry.sources.notes)
    docs = " · ".join(f"<{d.url}|{d.title}>" for d in entry.sources.docs)
    blocks.append(Context(f"{w.sources}: {docs}"))
    blocks.append(Context(f"{w.notes}: {notes} · id `{entry.id}`"))
    return blocks


def _show_button(entry_id: str, label: str) -> Button:
    """The one place that builds a button opening an entry (`kb show <id>`)."""
    return Button(label, f"/k8s kb show {entry_id}")


def _buttons(hits: tuple[Hit, ...]) -> Actions:
    return Actions(tuple(_show_button(h.entry_id, h.title) for h in hits))


AnswerLevel = Literal["answer", "suggestion", "unknown"]


@dataclass(frozen=True)
class KbAnswer:
    """The reply to a question at the confidence the search reported: an answer, a suggestion, or "I don't know"."""

    question: str
    lang: Lang
    entry: Entry | None
    score: float
    level: AnswerLevel = "answer"
    others: tuple[Hit, ...] = ()
    note: str | None = None
    missing_id: str | None = None  # `kb show` asked for an id no entry has

    def view(self) -> View:
        w = _words(self.lang)
        if self.entry is None:
            if self.missing_id is not None:
                text = w.no_entry_at_all.format(id=self.missing_id)
                return View(text, (Notice(text, Level.WARN),))
            return View(w.dont_know, (Notice(w.dont_know, Level.INFO), Text(w.nothing_close)))
        blocks: list[Block] = [Notice(self.note, Level.INFO)] if self.note else []
        title = self.entry.title.in_lang(self.lang)
        if self.level == "suggestion":
            blocks += [
                Notice(w.unsure, Level.WARN),
                Heading(title),
                Text(self.entry.summary.in_lang(self.lang)),
                Actions((_show_button(self.entry.id, w.open_entry),)),
            ]
            if self.others:
                blocks += [Text(w.others), _buttons(self.others)]
            blocks.append(Context(f"{w.confidence} {self.score:.0f}/100 · `/k8s kb show {self.entry.id}`"))
            return View(f"{w.unsure} {title}", tuple(blocks))
        blocks += _entry_blocks(self.entry, self.lang, full=False)
        if self.others:
            blocks += [Divider(), Text(w.did_you_mean + ":"), _buttons(self.others)]
        blocks.append(Context(f"{w.confidence} {self.score:.0f}/100 · `/k8s kb show {self.entry.id}`"))
        return View(title, tuple(blocks))


@dataclass(frozen=True)
class KbEntry:
    """One entry in full (`kb show <id>`)."""

    entry: Entry
    lang: Lang

    def view(self) -> View:
        return View(self.entry.title.in_lang(self.lang), tuple(_entry_blocks(self.entry, self.lang, full=True)))


@dataclass(frozen=True)
class KbList:
    """Every entry's id and title (`kb list`)."""

    entries: tuple[Entry, ...]
    lang: Lang

    def view(self) -> View:
        w = _words(self.lang)
        rows = tuple((e.id, e.title.in_lang(self.lang), ", ".join(e.tags)) for e in self.entries)
        summary = f"{len(self.entries)} {w.entries}"
        return View(summary, (Table(("id", "title", "tags"), rows, title=summary),))


def answer(kb: KnowledgeBase, question: str, note: str | None = None) -> KbAnswer:
    """Search and shape the reply; shared by `kb <question>` and `kb show` with an unknown id."""
    outcome = kb.search(question, limit=1 + SHOWN_OTHERS)
    best = outcome.best
    entry = kb.get(best.entry_id) if best is not None else None
    if best is None or entry is None:  # nothing points anywhere (an id without an entry would be an index bug)
        return KbAnswer(question, outcome.lang, None, 0.0, level="unknown")
    level: AnswerLevel = "answer" if best.confidence == "answer" else "suggestion"
    others = outcome.hits[1 : 1 + SHOWN_OTHERS]
    return KbAnswer(question, outcome.lang, entry, best.score, level=level, others=others, note=note)


class KbArgs(Args):
    question: str | None = arg(None, help="a question, an error message or a log line", greedy=True,
                               metavar="question")


class KbShowArgs(Args):
    entry: str = arg(help="an entry id (see `kb list`)", greedy=True, metavar="id")


class KbListArgs(Args):
    tag: str | None = arg(None, help="only entries with this tag", greedy=True, metavar="tag")


@command(
    "kb",
    args=KbArgs,
    scope=Scope.NONE,
    requires=None,
    aliases=("知识库",),
    examples=("/k8s kb why is my node NotReady", "/k8s kb 节点 NotReady 怎么办", "/k8s kb PLEG is not healthy"),
)
def kb(call: Call[KbArgs], deps: Deps) -> KbAnswer | KbList:
    """Ask the troubleshooting knowledge base (English or 中文); answers in the language you ask in."""
    knowledge = _knowledge(deps)
    if not call.args.question:
        return KbList(knowledge.entries(), call.lang)
    return answer(knowledge, call.args.question)


@command("kb show", args=KbShowArgs, scope=Scope.NONE, requires=None, examples=("/k8s kb show node-notready",))
def kb_show(call: Call[KbShowArgs], deps: Deps) -> KbEntry | KbAnswer:
    """Show one knowledge-base entry in full: explanation, checks, fixes, errors and sources."""
    knowledge = _knowledge(deps)
    wanted = call.args.entry.strip()
    entry = knowledge.get(wanted.lower())
    if entry is not None:
        return KbEntry(entry, call.lang)
    # A misspelt id, or a question that happened to start with "show": answer it rather than refuse.
    looks_like_id = len(wanted.split()) == 1
    if not looks_like_id:
        return answer(knowledge, wanted)
    lang = detect_lang(wanted)
    ids = [e.id for e in knowledge.entries()]
    close = difflib.get_close_matches(wanted.lower(), ids, n=1, cutoff=0.8)
    if close:
        best = knowledge.get(close[0])
        if best is not None:
            return KbAnswer(wanted, lang, best, 100.0, note=_words(lang).no_such_entry.format(id=wanted))
    # Not a typo of an id: its words may still name a problem ("snat-ports"); if not, say so plainly.
    note = _words(lang).no_such_entry.format(id=wanted)
    found = answer(knowledge, wanted.replace("-", " ").replace("_", " "), note=note)
    if found.entry is None:
        return dataclasses.replace(found, missing_id=wanted)
    return found


@command("kb list", args=KbListArgs, scope=Scope.NONE, requires=None, examples=("/k8s kb list", "/k8s kb list node"))
def kb_list(call: Call[KbListArgs], deps: Deps) -> KbList | KbAnswer:
    """List the knowledge-base entries (optionally only those with a tag)."""
    knowledge = _knowledge(deps)
    entries = knowledge.entries()
    if call.args.tag:
        tag = call.args.tag.strip().lower()
        entries = tuple(e for e in entries if tag in (t.lower() for t in e.tags))
        if not entries:
            # Not a tag: a question that happened to start with "list" (free text reaches us as `kb …`).
            return answer(knowledge, f"list {call.args.tag}")
    return KbList(tuple(sorted(entries, key=lambda e: e.id)), call.lang)
