"""Turn what people type into a command call, or into a question for the knowledge base.

Accepts `/k8s <command> [args] [--cluster NAME] [-n NAMESPACE | -A]`, `@aksbot <command or free text>`, and
direct messages, after normalising Slack's quirks: smart quotes, dashes that autocorrect turned `--` into,
`<@U123>` mentions, `<#C123|name>` channel links, `<http://…|…>` links and HTML entities.

It never raises anything but `UserError` (with the command's usage) and never returns None: every input gets
an answer: a `CommandRef` (the same typed reference a button carries) or free text for the knowledge base. It
must not run commands, check roles or know which surface the text came from beyond its `InputKind`.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import annotated_types
from pydantic import ValidationError
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.errors import IncompleteCommand, UnknownCommand, UserError
from bot.i18n import ERRORS, Said, param_help, said
from bot.refs import CommandRef
from bot.registry import REGISTRY, Args, CommandSpec, Lang, ParamSpec, Registry, Scope
from bot.surface import InputKind


@dataclass(frozen=True)
class ParsedCommand:
    """A command as typed (or clicked): its spec, the typed reference, the text people read, their language."""

    spec: CommandSpec
    ref: CommandRef
    text: str
    lang: Lang
    aside: str | None = None

    @property
    def args(self) -> Args:
        return self.ref.args


@dataclass(frozen=True)
class FreeText:
    """Not a command: a question for the knowledge base. `aside`: the command it could also have been, and how that
    command is typed, when the question starts with a command's name."""

    text: str
    lang: Lang
    aside: str | None = None


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u00a0": " ",
        "\u3000": " ",
        "\u2009": " ",
        "\u200b": "",
    }
)
_DASH_FLAG = re.compile(r"(?<!\S)[\u2014\u2013\u2012\u2212\u2015]{1,2}(?=[A-Za-z])")
# A Chinese input method types letters, digits and `－＝／．＿` full width (`－－cluster`, `３`): their ASCII forms.
# Its punctuation (，。？：) stays: it is prose, and a value is stripped of it where it is read (`_bare`).
_FULL_WIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c).isalnum() or chr(c) in "－＝／．＿"}
)
# Punctuation that may cling to a name or a value as typed (`aks-…003？`, `「web」`, `abc12345。`).
_CLINGING = "，。？！：；、「」『』（）【】《》?!,;"
# A command word with Chinese punctuation and more text right after it, unspaced: `note：先别重启`.
_GLUED = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[：，。；、](\S+)$")
_MENTION_PREFIX = re.compile(r"^\s*(?:@aksbot\b|@U[A-Z0-9]+\b)[:,]?\s*", re.IGNORECASE)
_SLASH_PREFIX = re.compile(r"^\s*/k8s\b\s*", re.IGNORECASE)
_FLAG_LIKE = re.compile(r"^--?[A-Za-z]")
_POLITE = frozenset({"please", "pls", "plz", "thanks", "thx", "ty", "谢谢", "多谢", "谢啦", "麻烦了", "辛苦了"})
# Flags people bring from kubectl that a chat answer cannot honour, with why (not "unknown").
_KUBECTL_ONLY_FLAGS = {
    "-o": said(ERRORS.flag_output), "--output": said(ERRORS.flag_output),
    "-w": said(ERRORS.flag_follow), "--watch": said(ERRORS.flag_follow),
    "-f": said(ERRORS.flag_follow), "--follow": said(ERRORS.flag_follow),
}
# kubectl's names for the kinds an argument may name (`kubectl api-resources`: short names, singular, plural).
_KUBECTL_KINDS = {
    word: kind
    for kind, words in {
        "pod": ("po", "pod", "pods"),
        "deployment": ("deploy", "deployment", "deployments"),
        "statefulset": ("sts", "statefulset", "statefulsets"),
        "daemonset": ("ds", "daemonset", "daemonsets"),
        "job": ("job", "jobs"),
        "node": ("no", "node", "nodes"),
    }.items()
    for word in words
}


def detect_lang(text: str) -> Lang:
    return "zh" if _CJK.search(text) else "en"


def read_lang(text: str) -> Lang:
    """The language of a message as people read it: the one most of its words are in, not as a typed question is
    (any Chinese at all). An English runbook cites the team's Chinese notes by their headings, and a Chinese card
    names commands and resources in English. A Chinese character counts as a word (a typical Chinese word is one
    or two); names are no language: mentions and links, `code`, and identifiers (`aks-nodepool1-…-vmss000001`)."""
    if detect_lang(text) == "en":
        return "en"
    chinese = sum(1 for c in text if _HAN.match(c))
    prose = _IDENTIFIER.sub(" ", _CODE.sub(" ", _ANGLED.sub(" ", text)))
    return "zh" if chinese >= len(_LATIN_WORD.findall(prose)) else "en"


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ANGLED = re.compile(r"<[^>\s]*>")
_CODE = re.compile(r"`[^`]*`")
# A name with separators inside (`aks-nodepool1-…`, `10.0.0.4`, `kube-system/coredns`) or a digit (`vmss000001`); a
# word before a full stop or a colon is still a word.
_IDENTIFIER = re.compile(r"[A-Za-z0-9]+(?:[._/:-][A-Za-z0-9]+)+|[A-Za-z]*[0-9][A-Za-z0-9]*")


def normalise(text: str) -> str:
    """Undo Slack's markup and autocorrect so the text reads as the user meant it."""
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _USER.sub(lambda m: "@" + m.group(1), text)
    text = _GROUP.sub(lambda m: "@" + m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = html.unescape(text).translate(_QUOTES).translate(_FULL_WIDTH)
    # macOS and Slack turn "--cluster" into "—cluster", a Chinese input method into "——cluster"; a lone "–n" was
    # meant as "-n".
    text = _DASH_FLAG.sub("--", text)
    text = re.sub(r"(?<!\S)--(?=[A-Za-z](?:\s|$))", "-", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # offset in the normalised line, so free text can be taken as typed


def split_words(text: str) -> list[Word]:
    """Words separated by spaces; a quote opening a word groups up to its matching closing quote.

    Unlike shlex, an apostrophe inside a word ("don't") is just a character, and unbalanced quotes never fail.
    """
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] in "\"'":
            close = text.find(text[i], i + 1)
            if close != -1 and (close + 1 == n or text[close + 1].isspace()):
                words.append(Word(text[i + 1 : close], i))
                i = close + 1
                continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        glued = _GLUED.match(text[i:j])
        if glued:
            words += [Word(glued.group(1), i), Word(glued.group(2), i + glued.end(1) + 1)]
        else:
            words.append(Word(text[i:j], i))
        i = j
    return words


def _bare(value: str) -> str:
    """A value as it was meant, without the punctuation typed around it (`aks-…003？` is the node `aks-…003`)."""
    return value.strip(_CLINGING) or value


class Parser:
    def __init__(self, registry: Registry = REGISTRY, clusters: Sequence[str] = ()) -> None:
        self.registry = registry
        self.clusters = frozenset(clusters)  # a cluster's name typed bare is told `--cluster NAME`

    def parse(self, raw: str, kind: InputKind = InputKind.SLASH) -> ParsedCommand | FreeText:
        text = normalise(raw)
        explicit_command = False
        if _SLASH_PREFIX.match(text):
            text = _SLASH_PREFIX.sub("", text, count=1)
            explicit_command = True
        elif _MENTION_PREFIX.match(text):
            text = _MENTION_PREFIX.sub("", text, count=1)
        if kind is InputKind.SLASH:
            explicit_command = True
        lang = detect_lang(text)
        spans = split_words(text)
        if not spans:
            help_spec = self.registry.get("help")
            if help_spec is None:
                raise UserError(said(ERRORS.type_a_command))
            return self._bind(help_spec, [], text, lang)
        spans = self._kind_slash_name(self._unspaced(spans))
        spec, used = self.registry.longest_prefix([w.text.lower() for w in spans])
        if spec is None:
            spec = self._sole_command(spans, text, lang)
            if spec is None:
                return self._not_a_command([w.text for w in spans], text, lang, explicit_command)
            used = 1
        if not any(p.greedy for p in spec.params):  # `drain aks-… please`: the politeness is no argument
            while len(spans) > used and _bare(spans[-1].text).lower().rstrip("!.~") in _POLITE:
                spans = spans[:-1]
        try:
            parsed = self._bind(spec, spans[used + self._kind_word(spec, spans[used:]) :], text, lang)
            # `drain 卡住了`: a node's or a pod's name is Latin (DNS-1123); Chinese there is words about it.
            named = [str(v) for p in spec.params if p.positional and (v := getattr(parsed.args, p.name, None))]
            if spec.args.kinds and spec.args.kinds <= {"node", "pod"} and any(_HAN.search(v) for v in named):
                raise UserError(said(ERRORS.not_a_name, value=named[0], command=spec.name), spec.usage())
            return parsed
        except UserError as exc:
            # "pod 一直 Terminating 删不掉怎么办", "node NotReady 了怎么处理", "pods stuck pending, why?": people start
            # questions with the object they ask about. Words a command cannot take, in Chinese or ending in a
            # question mark, are a question for the knowledge base, not a mistyped command.
            # A flag says a command was meant, whatever language its words are in (`节点 -o wide`).
            # A command that takes free text (a reason, a note, a title) was meant as that command whatever its
            # words; nor is a bare value (`健康 test`) or a missing one (`诊断 pod`) a question.
            rest = [w.text for w in spans[used:]]
            takes_text = any(p.greedy for p in spec.params)
            if not takes_text and _question_in(rest, text) and not any(_FLAG_LIKE.match(w) for w in rest):
                return FreeText(text, lang)
            # "@aksbot pods evicted because of disk pressure": a sentence after the command's name, with no flag in
            # it, is a question too; the answer says how the command is typed, in case it was meant.
            if _prose([w.text for w in spans[used:]]):
                aside = f"Read as a question. To run `{spec.name}` instead: `{exc.usage or spec.usage()}`"
                return FreeText(text, lang, aside=aside)
            raise

    def _unspaced(self, spans: list[Word]) -> list[Word]:
        """`诊断节点 aks-…`, `诊断pod web`: a command's Chinese words typed without the space between them, as
        Chinese is written, are its words."""
        first = spans[0].text.lower()
        if not _HAN.match(first) or self.registry.get(first) is not None:
            return spans
        parts = max(
            (name.split() for name in self.registry.names() if " " in name and first.startswith(name.replace(" ", ""))),
            key=lambda words: len("".join(words)),
            default=None,
        )
        if parts is None:
            return spans
        out, at = [], spans[0].start
        for part in parts:
            out.append(Word(part, at))
            at += len(part)
        rest = spans[0].text[at - spans[0].start :]
        return [*out, *((Word(rest, at),) if rest else ()), *spans[1:]]

    def _kind_slash_name(self, spans: list[Word]) -> list[Word]:
        """kubectl's `KIND/NAME` right after a command's words: `scale deploy/web`, `rollout restart
        deployment/web` (KIND is the command's last word, NAME its first argument), and `logs deploy/web`, `cordon
        node/aks-…` (KIND is a kind the command's argument names: NAME is the argument)."""
        for i, word in enumerate(spans[:4]):
            head, slash, tail = word.text.partition("/")
            if not (slash and head and tail):
                continue
            before = [w.text.lower() for w in spans[:i]]
            named = [*before, head.lower()]
            spec, used = self.registry.longest_prefix(named)
            if spec is not None and used == len(named):
                return [*spans[:i], Word(head, word.start), Word(tail, word.start + len(head) + 1), *spans[i + 1 :]]
            spec, used = self.registry.longest_prefix(before)
            if spec is not None and used == i and _KUBECTL_KINDS.get(head.lower()) in spec.args.kinds:
                return [*spans[:i], Word(tail, word.start + len(head) + 1), *spans[i + 1 :]]
            return spans
        return spans

    def _cluster(self, name: str) -> str:
        """A configured cluster's name as configured, however its letters were cased (`Prod`, `PROD`)."""
        return next((c for c in self.clusters if c.casefold() == name.casefold()), name)

    def _kind_word(self, spec: CommandSpec, rest: list[Word]) -> int:
        """1 when the command's arguments start with the kind of object it takes, as kubectl has it (`cordon node
        aks-…`, `重启 deployment web`): a word to skip. A kind it does not take is told (`restart pod web`)."""
        kind = _KUBECTL_KINDS.get(rest[0].text.lower()) if len(rest) > 1 else None
        if kind is None or not spec.args.kinds or _FLAG_LIKE.match(rest[1].text):
            return 0
        if kind in spec.args.kinds:
            return 1
        name = _bare(rest[1].text)
        if kind == "pod" and "deployment" in spec.args.kinds:  # kubectl has no `restart pod` either
            delete = self.registry.get("delete pod")
            raise UserError(said(ERRORS.restart_pod, name=name), delete.usage() if delete is not None else None)
        raise UserError(said(ERRORS.wrong_kind, command=spec.name, kind=kind, kinds=", ".join(sorted(spec.args.kinds))),
                        spec.usage())

    def _sole_command(self, spans: list[Word], text: str, lang: Lang) -> CommandSpec | None:
        """`restart web`, `scale web --replicas 3`, `delete web-…-x2x4z`: a group with one command, and a name where
        that command's second word would be, is that command (not when the name is a kind another command would
        take, `restart pod web`, nor a slip in the command's word, nor a question)."""
        words = [w.text.lower() for w in spans]
        members = [s for s in self.registry.group(words[0]) if not s.hidden]
        if len(members) != 1 or len(words) < 2 or _FLAG_LIKE.match(words[1]) or _asks(text, lang):
            return None
        names = [n for n in self.registry.names() if not self._hidden(n)]
        if _prose(words[1:]) or self._group_typo([w.text for w in spans], names, text, lang) is not None:
            return None
        if words[1] in _KUBECTL_KINDS:  # `restart pod web` is told how a pod is restarted
            return members[0] if len(words) > 2 else None
        own = {w for name in names if self.registry.get(name) is members[0] for w in name.split()}
        return None if words[1] in own else members[0]

    def _not_a_command(self, words: list[str], text: str, lang: Lang, explicit: bool) -> FreeText:
        first = words[0].lower()
        names = [n for n in self.registry.names() if not self._hidden(n)]
        group = self._group_typo(words, names, text, lang)
        if group is not None:
            raise group
        # `/k8s aks`, `/k8s aks status`: a group's name with no command of it is answered with all of them.
        members = tuple(s.name for s in self.registry.group(first) if not s.hidden)
        if members and (len(words) == 1 or not (_asks(text, lang) or _prose(words))):
            raise IncompleteCommand(" ".join(words[:2]), members[0].split()[0], members)
        scored = process.extract(first, names, scorer=fuzz.WRatio, limit=3, score_cutoff=45)
        close = _typo_of(first, names) or tuple(name for name, score, _ in scored if score >= 80)
        # `dignose pod x`, `incdent list`: a slip in a group's first word before one of its commands' second word.
        second = words[1].lower() if len(words) > 1 else ""
        meant = tuple(n for n in _typo_of(first, names, None) if n.split()[1:2] == [second])
        if meant and not _asks(text, lang):
            raise UnknownCommand(words[0], meant)
        # `/k8s 接点`, `/k8s 建康 --cluster test`: a slip in a Chinese command's name (one character), typed as a
        # command, with no more Chinese after it.
        if explicit and _HAN.search(first) and not any(_HAN.search(w) for w in words[1:]):
            slips = _typo_of(first, names, cjk=True)
            if slips:
                raise UnknownCommand(words[0], slips)
        looks_like_question = _asks(text, lang) or _prose(words)
        if close and not looks_like_question:
            raise UnknownCommand(words[0], close)
        if not explicit or looks_like_question:
            return FreeText(text, lang)
        raise UnknownCommand(words[0], tuple(name for name, _, _ in scored))

    @staticmethod
    def _group_typo(words: list[str], names: list[str], text: str, lang: Lang) -> UnknownCommand | None:
        """`aks scale userpool 20` for `aks scale-pool …`: a command group's first word, a second word close to one
        of its commands and a few arguments (flags aside) is a mistyped command, not a question for the knowledge
        base (a long line, a question mark or Chinese still reads as a question)."""
        positional = list(itertools.takewhile(lambda w: not w.startswith("-"), words))
        if len(positional) < 2 or len(positional) > 4 or _asks(text, lang):
            return None
        first, second = words[0].lower(), words[1].lower()
        members = [n for n in names if " " in n and n.split()[0] == first]
        if not members:
            return None
        seconds = {n.split()[1]: n for n in members}
        scored = process.extract(second, list(seconds), scorer=fuzz.WRatio, limit=3, score_cutoff=80)
        close = _typo_of(second, list(seconds)) or tuple(w for w, _, _ in scored)
        if not close:
            return None
        return UnknownCommand(f"{words[0]} {words[1]}", tuple(seconds[w] for w in close))

    def _hidden(self, name: str) -> bool:
        spec = self.registry.get(name)
        return spec is None or spec.hidden

    def _bind(self, spec: CommandSpec, spans: list[Word], text: str, lang: Lang) -> ParsedCommand:
        words = [w.text for w in spans]
        usage = spec.usage()
        params = spec.params
        positional = [p for p in params if p.positional]
        by_flag: dict[str, ParamSpec] = {f: p for p in params if not p.positional for f in p.flags}
        values: dict[str, object] = {}
        cluster: str | None = None
        namespace: str | None = None
        all_namespaces = False
        free: list[str] = []
        free_starts: list[int] = []
        saw_flag_after_free = False
        i = 0
        only_positional = False

        def take_value(flag: str) -> str:
            nonlocal i
            if i + 1 >= len(words):
                raise UserError(said(ERRORS.needs_value, flag=flag), usage)
            i += 1
            return words[i]

        given: dict[str, str] = {}

        def once(key: str, flag: str, value: str) -> str:
            """A value given twice must be the same: `--cluster test --cluster prod` is not "the last one wins" when
            the command may change prod."""
            value = _bare(value)
            first = given.setdefault(key, value)
            if first != value:
                raise UserError(said(ERRORS.flag_twice, flag=flag, first=first, second=value), usage)
            return value

        has_greedy = any(p.greedy for p in positional)
        scope_flags = {"--cluster"} if spec.scope is not Scope.NONE else set()
        if spec.scope is Scope.NAMESPACED:
            scope_flags |= {"-n", "--namespace", "-A", "--all-namespaces"}
        while i < len(words):
            word = words[i]
            head = word.partition("=")[0]
            known = head in by_flag or head in scope_flags
            if only_positional or not _FLAG_LIKE.match(word) or (has_greedy and not known):
                if word == "--" and not only_positional and not has_greedy:
                    only_positional = True
                else:
                    free.append(word)
                    free_starts.append(spans[i].start)
                i += 1
                continue
            if free:
                saw_flag_after_free = True
            flag, eq, inline = word.partition("=")
            value: str | None = inline if eq else None
            if flag == "--cluster" and spec.scope is not Scope.NONE:
                cluster = self._cluster(once("--cluster", flag, value if value is not None else take_value(flag)))
            elif flag in ("-n", "--namespace") and spec.scope is Scope.NAMESPACED:
                namespace = once("--namespace", flag, value if value is not None else take_value(flag))
            elif flag in ("-A", "--all-namespaces") and spec.scope is Scope.NAMESPACED:
                all_namespaces = True
            elif flag in by_flag:
                p = by_flag[flag]
                if p.is_bool:
                    values[p.name] = True if value is None else value
                else:
                    values[p.name] = once(p.name, flag, value if value is not None else take_value(flag))
                    if p.name == "cluster":  # a filter by cluster (`alerts --cluster Prod`)
                        values[p.name] = self._cluster(str(values[p.name]))
            elif flag.startswith("-n") and len(flag) > 2 and spec.scope is Scope.NAMESPACED:
                namespace = once("--namespace", "-n", flag[2:])
            elif (why := _KUBECTL_ONLY_FLAGS.get(flag)) is not None:
                raise UserError(said(ERRORS.kubectl_only_flag, flag=flag, command=spec.name, why=why), usage)
            else:
                raise UserError(said(ERRORS.unknown_flag, flag=flag, command=spec.name), usage)
            i += 1

        if namespace is not None and all_namespaces:
            raise UserError(said(ERRORS.namespace_or_all), usage)
        for n, p in enumerate(positional):
            if p.greedy:
                rest = free[n:]
                if rest:
                    # Free text as typed (quotes, apostrophes and spacing intact) unless flags were mixed in.
                    values[p.name] = " ".join(rest) if saw_flag_after_free else text[free_starts[n] :].strip()
                free = free[:n]
                break
            if n < len(free):
                values[p.name] = _bare(free[n])
        extra = free[len(positional) :] if not any(p.greedy for p in positional) else []
        if extra:
            # "aks scale-pool userpool 5": a bare number where the command wants its count or replicas as a flag.
            wanted = [p for p in params if not p.positional and p.required and p.whole_number and p.name not in values]
            if len(wanted) == 1 and extra[0].isdigit():
                hint = f"{wanted[0].flags[0]} {extra[0]}"
                raise UserError(said(ERRORS.unexpected_meant, arg=extra[0], command=spec.name, hint=hint), usage)
            # "health test": a cluster's name where the command takes none.
            if extra[0] in self.clusters and cluster is None and spec.scope is not Scope.NONE:
                hint = f"--cluster {extra[0]}"
                raise UserError(said(ERRORS.unexpected_meant, arg=extra[0], command=spec.name, hint=hint), usage)
            raise UserError(said(ERRORS.unexpected_argument, arg=extra[0], command=spec.name), usage)
        for p in params:
            if p.required and p.name not in values:
                label = f"<{p.metavar.lower()}>" if p.positional else p.flags[0]
                help_en, help_zh = param_help(p.help, "en"), param_help(p.help, "zh")
                missing = Said(ERRORS.needs_argument("en", command=spec.name, label=label, help=help_en),
                               ERRORS.needs_argument("zh", command=spec.name, label=label, help=help_zh))
                raise UserError(missing, usage)
        try:
            args = spec.args.model_validate(values)
        except ValidationError as exc:
            raise UserError(_explain(exc, params, spec.args), usage) from None
        return ParsedCommand(spec, CommandRef(spec.name, args, cluster, namespace, all_namespaces), text, lang)

    def question(self, text: FreeText) -> ParsedCommand | None:
        """Free text as a question for the `kb` command, when there is one (no text parsing on the way)."""
        spec = self.registry.get("kb")
        greedy = next((p for p in spec.params if p.greedy), None) if spec is not None else None
        if spec is None or greedy is None:
            return None
        try:
            args = spec.args.model_validate({greedy.name: text.text})
        except ValidationError:
            return None
        return ParsedCommand(spec, CommandRef(spec.name, args), text.text, text.lang, text.aside)


def _typo_of(word: str, names: Sequence[str], limit: int | None = 3, cjk: bool = False) -> tuple[str, ...]:
    """The names (first words of a command, or a group's second words) `word` is one slip of the keyboard away
    from — a letter missing, extra, wrong or two swapped (`lsit`, `nodse`, `dignose`) — closest first, a name of
    the same length before others (a swap is the commonest slip); at most `limit`. Words of two letters are too
    short to tell a slip from another word, except Chinese ones (`cjk`: `接点` for `节点`, one character wrong and
    the same length)."""
    if len(word) < (2 if cjk else 3):
        return ()
    most = 1 if len(word) < 7 else 2
    near = []
    for name in names:
        first = name.split()[0]
        if cjk and len(first) != len(word):
            continue
        if (d := OSA.distance(word, first)) <= most:
            near.append((d, abs(len(first) - len(word)), -fuzz.WRatio(word, first), name))
    return tuple(name for *_, name in sorted(near))[:limit]


def _question_in(rest: list[str], text: str) -> bool:
    """Whether the words after a command's name (`rest`) read as a question about it: Chinese among them, or a
    question mark at the end of the line."""
    return bool(rest) and (any(_HAN.search(w) for w in rest) or text.rstrip().endswith(("?", "？")))


def _asks(text: str, lang: Lang) -> bool:
    """Chinese, or a question mark at the end: a line that reads as a question whatever words it starts with."""
    return lang == "zh" or text.rstrip().endswith(("?", "？"))


def _prose(words: list[str]) -> bool:
    """Three or more words, none of them a flag: a sentence, not arguments typed wrong."""
    return len(words) >= 3 and not any(_FLAG_LIKE.match(w) for w in words)


def _explain(exc: ValidationError, params: tuple[ParamSpec, ...], model: type[Args]) -> str:
    """What was wrong with a value, in the asker's words: a number's range, a choice's options (the validator's own
    wording only for what neither covers)."""
    err = exc.errors()[0]
    name = str(err["loc"][0]) if err["loc"] else ""
    p = next((q for q in params if q.name == name), None)
    label = (f"<{p.metavar.lower()}>" if p.positional else p.flags[0]) if p else name
    got = err.get("input")
    if p is not None and p.whole_number:
        low, high = _bounds(model, p.name)
        if low is not None and high is not None:
            return said(ERRORS.whole_number_between, label=label, low=low, high=high, got=got)
        if low is not None:
            return said(ERRORS.whole_number_from, label=label, low=low, got=got)
        if high is not None:
            return said(ERRORS.whole_number_to, label=label, high=high, got=got)
        return said(ERRORS.whole_number, label=label, got=got)
    if p is not None and p.choices:
        return said(ERRORS.one_of, label=label, got=got, choices=", ".join(p.choices))
    return said(ERRORS.bad_value, got=got, label=label, why=err["msg"])


def _bounds(model: type[Args], name: str) -> tuple[int | None, int | None]:
    """The smallest and the largest whole number the argument model allows for `name` (None: no bound)."""
    low: int | None = None
    high: int | None = None
    for bound in model.model_fields[name].metadata:
        if isinstance(bound, annotated_types.Ge) and isinstance(bound.ge, int):
            low = bound.ge
        elif isinstance(bound, annotated_types.Gt) and isinstance(bound.gt, int):
            low = bound.gt + 1
        elif isinstance(bound, annotated_types.Le) and isinstance(bound.le, int):
            high = bound.le
        elif isinstance(bound, annotated_types.Lt) and isinstance(bound.lt, int):
            high = bound.lt - 1
    return low, high
