"""`help` and `help <command>`, generated from the registry and filtered by what the caller may run."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Block, Code, Context, Fields, Heading, Text, View
from bot.deps import Deps
from bot.errors import UnknownCommand
from bot.i18n import COMMANDS_ZH, Lang, param_help
from bot.i18n import HELP as W
from bot.registry import REGISTRY, Call, CommandSpec, Risk, Role, Scope, command
from bot.settings import role_name
from handlers.args import HelpArgs


def summary(spec: CommandSpec, lang: Lang) -> str:
    """What the command does, in `lang` (its docstring's first line is the English)."""
    return COMMANDS_ZH.get(spec.name, spec.help) if lang == "zh" else spec.help


@dataclass(frozen=True)
class CommandList:
    """The commands a caller may run, read ones first."""

    read: tuple[CommandSpec, ...]
    disruptive: tuple[CommandSpec, ...]
    role: str
    lang: Lang = "en"
    group: str | None = None  # `help aks`: only the commands of one group

    def view(self) -> View:
        # The short form: each command's name and what it does, in prose that wraps (never a table that cuts it);
        # `help <command>` gives the whole usage.
        lang = self.lang
        heading = W.group_heading(lang, group=self.group) if self.group else W.heading(lang)
        blocks: list[Block] = [Heading(heading)]
        for title, specs in ((W.read(lang), self.read), (W.disruptive(lang), self.disruptive)):
            if specs:
                blocks.append(Text("\n".join([title, *(f"• `/k8s {s.name}` — {summary(s, lang)}" for s in specs)])))
        blocks.append(Text(W.ask_in_words(lang)))
        blocks.append(Context(W.your_role(lang, role=self.role)))
        return View(W.count(lang, count=len(self.read) + len(self.disruptive)), tuple(blocks), private=True)


@dataclass(frozen=True)
class CommandHelp:
    spec: CommandSpec
    lang: Lang = "en"

    def view(self) -> View:
        s, lang = self.spec, self.lang
        doc = s.doc if lang == "en" else summary(s, lang)
        blocks: list[Block] = [Heading(f"/k8s {s.name}"), Text(doc)]
        blocks.append(Code(s.usage(), W.usage(lang)))
        params = [
            (", ".join(p.flags) if not p.positional else f"<{p.metavar.lower()}>", param_help(p.help, lang))
            for p in s.params
        ]
        if s.scope is not Scope.NONE:
            params.append(("--cluster NAME", W.cluster_flag(lang)))
        if s.scope is Scope.NAMESPACED:
            params.append(("-n NAMESPACE / -A", W.namespace_flag(lang)))
        if params:
            blocks.append(Fields(tuple(params)))
        if s.examples:
            blocks.append(Code("\n".join(s.examples), W.examples(lang)))
        notes = [W.risk(lang, risk=(W.risk_disruptive if s.risk is Risk.DISRUPTIVE else W.risk_read)(lang))]
        if s.risk is Risk.DISRUPTIVE:
            notes.append(W.after_approval(lang))
        # The Chinese names are told to those reading Chinese (`重启` beside `restart deployment`).
        aliases = [a for a in s.aliases if lang == "zh" or a.isascii()]
        if aliases:
            notes.append(W.aliases(lang, names=", ".join(aliases)))
        blocks.append(Context(("；" if lang == "zh" else "; ").join(notes)))
        return View(s.usage(), tuple(blocks), private=True)


def _best_role(call: Call[HelpArgs], deps: Deps) -> Role | None:
    settings = deps.settings
    clusters: list[str | None] = list(settings.cluster_names()) or [None]
    roles = [settings.role_of(call.caller.id, call.caller.groups, c) for c in clusters]
    held = [r for r in roles if r is not None]
    return max(held) if held else None


@command(
    "help",
    args=HelpArgs,
    scope=Scope.NONE,
    requires=None,
    aliases=("?", "帮助"),
    examples=("/k8s help", "/k8s help drain"),
)
def help_(call: Call[HelpArgs], deps: Deps) -> CommandList | CommandHelp:
    """List the commands you may run, or explain one: `help <command>`."""
    group: str | None = None
    if call.args.topic:
        words = call.args.topic.lower().split()
        spec, _ = REGISTRY.longest_prefix(words)
        if spec is not None:
            return CommandHelp(spec, call.lang)
        if len(words) == 1 and (members := REGISTRY.group(words[0])):
            group = members[0].name.split()[0]  # `help aks`, `help 诊断`: the group's commands
        else:
            from rapidfuzz import fuzz, process

            close = process.extract(call.args.topic, REGISTRY.names(), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
            raise UnknownCommand(call.args.topic, tuple(n for n, _, _ in close))
    role = _best_role(call, deps)
    visible = [
        s for s in REGISTRY
        if not s.hidden and (s.requires is None or (role is not None and role >= s.requires))
        and (group is None or s.name.split()[0] == group)
    ]
    return CommandList(
        read=tuple(s for s in visible if s.risk is Risk.READ),
        disruptive=tuple(s for s in visible if s.risk is Risk.DISRUPTIVE),
        role=role_name(role),
        lang=call.lang,
        group=group,
    )
