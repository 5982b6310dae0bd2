"""`help` and `help <command>`, generated from the registry and filtered by what the caller may run."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Block, Code, Context, Fields, Heading, Text, View
from bot.deps import Deps
from bot.errors import UnknownCommand
from bot.registry import REGISTRY, Call, CommandSpec, Risk, Role, Scope, command
from bot.settings import role_name
from handlers.args import HelpArgs


@dataclass(frozen=True)
class CommandList:
    """The commands a caller may run, read ones first."""

    read: tuple[CommandSpec, ...]
    disruptive: tuple[CommandSpec, ...]
    role: str

    def view(self) -> View:
        # The short form: each command's name and what it does, in prose that wraps (never a table that cuts it);
        # `help <command>` gives the whole usage.
        blocks: list[Block] = [Heading("aksbot commands")]
        for title, specs in (
            ("*Ask and look*", self.read),
            ("*Change the cluster* (runs only after an approver clicks Approve)", self.disruptive),
        ):
            if specs:
                blocks.append(Text("\n".join([title, *(f"• `/k8s {s.name}` — {s.help}" for s in specs)])))
        blocks.append(
            Text("Ask anything in words too: `@aksbot why is my node NotReady` or `/k8s kb 节点 NotReady 怎么办`.")
        )
        blocks.append(Context(f"Your role: {self.role}. `/k8s help <command>` shows a command's usage and examples."))
        return View(f"{len(self.read) + len(self.disruptive)} commands", tuple(blocks), private=True)


@dataclass(frozen=True)
class CommandHelp:
    spec: CommandSpec

    def view(self) -> View:
        s = self.spec
        blocks: list[Block] = [Heading(f"/k8s {s.name}"), Text(s.doc)]
        blocks.append(Code(s.usage(), "Usage"))
        params = [(", ".join(p.flags) if not p.positional else f"<{p.metavar.lower()}>", p.help) for p in s.params]
        if s.scope is not Scope.NONE:
            params.append(("--cluster NAME", "the cluster (default: the channel's, else the configured default)"))
        if s.scope is Scope.NAMESPACED:
            params.append(("-n NAMESPACE / -A", "one namespace, or all of them"))
        if params:
            blocks.append(Fields(tuple(params)))
        if s.examples:
            blocks.append(Code("\n".join(s.examples), "Examples"))
        notes = [f"risk: {s.risk.value}"]
        if s.risk is Risk.DISRUPTIVE:
            notes.append("runs only after an approver (not you) clicks Approve")
        if s.aliases:
            notes.append("aliases: " + ", ".join(s.aliases))
        blocks.append(Context("; ".join(notes)))
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
    if call.args.topic:
        words = call.args.topic.lower().split()
        spec, _ = REGISTRY.longest_prefix(words)
        if spec is None:
            from rapidfuzz import fuzz, process

            close = process.extract(call.args.topic, REGISTRY.names(), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
            raise UnknownCommand(call.args.topic, tuple(n for n, _, _ in close))
        return CommandHelp(spec)
    role = _best_role(call, deps)
    visible = [
        s for s in REGISTRY if not s.hidden and (s.requires is None or (role is not None and role >= s.requires))
    ]
    return CommandList(
        read=tuple(s for s in visible if s.risk is Risk.READ),
        disruptive=tuple(s for s in visible if s.risk is Risk.DISRUPTIVE),
        role=role_name(role),
    )
