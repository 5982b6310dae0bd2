"""The one command registry, fed by the `@command` decorator.

A command is a plain typed function `def name(call: Call[SomeArgs], deps: Deps) -> SomeResult`. The decorator
records its name, aliases, argument model, risk and help (the docstring's first line), checks its signature at
import time, and returns the function unchanged so tests call it directly.

Argument models are frozen pydantic models; a field declared with `arg(...)` is positional, one declared with
`opt(...)` is a `--flag`. The parser (`bot.parser`) reads these declarations; `usage()` is derived from them, so
the help text can never disagree with what the parser accepts.

This module must not import handlers, surfaces or adapters: everything else imports it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import UnionType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from bot.surface import MessageRef

Lang = Literal["en", "zh"]


class Risk(StrEnum):
    """`read` commands run at once; `disruptive` ones only after approval."""

    READ = "read"
    DISRUPTIVE = "disruptive"


class Role(IntEnum):
    """Roles are cumulative: an approver may also request, an operator may also read."""

    VIEWER = 1
    OPERATOR = 2
    APPROVER = 3


class Scope(StrEnum):
    """Which global flags a command takes."""

    NONE = "none"  # no cluster at all (help, kb)
    CLUSTER = "cluster"  # --cluster
    NAMESPACED = "namespaced"  # --cluster, -n NAMESPACE, -A


class Args(BaseModel):
    """Base of every argument model.

    `kinds`: the Kubernetes kinds the first positional argument names an object of, so that kubectl's
    `KIND/NAME` (`logs deploy/web`, `cordon node/aks-…`) is read as NAME where KIND is one of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kinds: ClassVar[frozenset[str]] = frozenset()


class NoArgs(Args):
    pass


def arg(
    default: Any = ..., *, help: str, greedy: bool = False, metavar: str | None = None, ask: bool = False
) -> Any:
    """A positional argument. `greedy` takes the rest of the line (free text, a question).

    `ask` (with a default of None): people must type it, but a button may leave it out — the surface then asks for
    it (a dialog in Slack) before running the command, e.g. the reason of a Deny click.
    """
    extra: dict[str, Any] = {"positional": True, "greedy": greedy, "ask": ask}
    if metavar:
        extra["metavar"] = metavar
    return Field(default, description=help, json_schema_extra=extra)


def opt(
    default: Any = ...,
    *,
    help: str,
    flags: tuple[str, ...] = (),
    metavar: str | None = None,
    ge: int | None = None,
    le: int | None = None,
) -> Any:
    """A `--flag VALUE` option (or a bare `--flag` for a bool). Flags default to `--field-name`.

    Without a default the option is required (`--replicas N`); give one (`opt(None, …)`) to make it optional.
    """
    extra: dict[str, Any] = {"positional": False, "flags": list(flags)}
    if metavar:
        extra["metavar"] = metavar
    return Field(default, description=help, json_schema_extra=extra, ge=ge, le=le)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a command as the parser and the help see it."""

    name: str
    help: str
    positional: bool
    required: bool
    greedy: bool
    flags: tuple[str, ...]
    is_bool: bool
    metavar: str
    choices: tuple[str, ...] = ()
    ask: bool = False  # a click may leave it out; the surface asks for it
    whole_number: bool = False  # an int ("--replicas N"): a bare number typed for it can be recognised


def _unwrap_optional(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (typing.Union, UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def params_of(model: type[Args]) -> tuple[ParamSpec, ...]:
    """The parameters of an argument model, positional ones first in declaration order."""
    out: list[ParamSpec] = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        positional = bool(extra.get("positional", False))
        annotation = _unwrap_optional(info.annotation)
        is_bool = annotation is bool
        choices: tuple[str, ...] = ()
        if get_origin(annotation) is Literal:
            choices = tuple(str(a) for a in get_args(annotation))
        raw_flags = extra.get("flags") or []
        flags = tuple(str(f) for f in raw_flags) if isinstance(raw_flags, list) else ()
        if not positional and not flags:
            flags = ("--" + name.replace("_", "-"),)
        metavar = str(extra.get("metavar") or name.upper())
        if choices and not extra.get("metavar"):
            metavar = "|".join(choices)
        out.append(
            ParamSpec(
                name=name,
                help=info.description or "",
                positional=positional,
                required=info.is_required() or bool(extra.get("ask", False)),
                greedy=bool(extra.get("greedy", False)),
                flags=flags,
                is_bool=is_bool,
                metavar=metavar,
                choices=choices,
                ask=bool(extra.get("ask", False)),
                whole_number=annotation is int,
            )
        )
    return tuple(out)


A = TypeVar("A", bound=Args)


@dataclass(frozen=True)
class Caller:
    """Who is asking: a Slack user ID (or a shell name) and the user groups they belong to."""

    id: str
    groups: frozenset[str] = frozenset()


def _no_progress(_: str) -> None:
    return None


@dataclass(frozen=True, kw_only=True)
class Call(Generic[A]):
    """One invocation of a command that reads no cluster (scope NONE: help, the knowledge base, approvals).

    `text` is what was typed (empty for a click); `progress` posts a line in the request's thread (long actions
    use it); it must not be used to return results. `request` is the approval request the call runs for, once
    approved (None for everything that runs straight away). `anchor` is the message the answer goes under (the
    clicked card, a mention's thread; None for a slash command): a command that would also write there can leave
    it to the answer.
    """

    command: str
    args: A
    caller: Caller
    correlation_id: str = "-"
    text: str = ""
    lang: Lang = "en"
    channel: str | None = None
    progress: Callable[[str], None] = field(default=_no_progress, compare=False, repr=False)
    request: str | None = None
    anchor: MessageRef | None = None


@dataclass(frozen=True, kw_only=True)
class ClusterCall(Call[A]):
    """One invocation of a command that works on a cluster: `cluster` is always the resolved cluster's name.

    `namespace` is the namespace to use (explicit `-n`, else the cluster's default); `all_namespaces` is `-A`
    (namespaced commands only).
    """

    cluster: str
    namespace: str = "default"
    all_namespaces: bool = False


@dataclass(frozen=True)
class CommandSpec:
    """A registered command."""

    name: str
    aliases: tuple[str, ...]
    args: type[Args]
    risk: Risk
    scope: Scope
    requires: Role | None
    handler: Callable[..., Any]
    help: str
    doc: str
    preview: Callable[..., Any] | None
    examples: tuple[str, ...]
    hidden: bool = False
    who: str | None = None  # who may run it, in words, when the command checks that itself (requires=None)

    @property
    def params(self) -> tuple[ParamSpec, ...]:
        return params_of(self.args)

    def usage(self) -> str:
        parts = [f"/k8s {self.name}"]
        for p in self.params:
            if p.positional:
                shown = f"<{p.metavar.lower()}>" if p.metavar.isupper() else f"<{p.metavar}>"
                if p.greedy:
                    shown = shown[:-1] + "…>"
                parts.append(shown if p.required else f"[{shown}]")
        for p in self.params:
            if not p.positional:
                flag = p.flags[0]
                shown = flag if p.is_bool else f"{flag} {p.metavar}"
                parts.append(shown if p.required else f"[{shown}]")
        if self.scope is not Scope.NONE:
            parts.append("[--cluster NAME]")
        if self.scope is Scope.NAMESPACED:
            parts.append("[-n NAMESPACE | -A]")
        return " ".join(parts)


class RegistryError(TypeError):
    """A command was declared wrongly; raised at import time."""


class Registry:
    """Commands by name and alias. Multi-word names ("aks snat", "diagnose node") are first-class."""

    def __init__(self) -> None:
        self._by_name: dict[str, CommandSpec] = {}
        self._lookup: dict[str, CommandSpec] = {}

    def command(
        self,
        name: str,
        *,
        args: type[Args] = NoArgs,
        risk: Risk = Risk.READ,
        aliases: tuple[str, ...] = (),
        scope: Scope = Scope.CLUSTER,
        requires: Role | Literal["default"] | None = "default",
        preview: Callable[..., Any] | None = None,
        examples: tuple[str, ...] = (),
        hidden: bool = False,
        who: str | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a handler. See the module docstring for the contract it checks."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            _check_signature(fn, name, args, scope)
            if risk is Risk.DISRUPTIVE and preview is None:
                raise RegistryError(f"command {name!r}: a disruptive command needs a preview function")
            if risk is Risk.DISRUPTIVE and scope is Scope.NONE:
                raise RegistryError(f"command {name!r}: a disruptive command works on a cluster (scope none given)")
            doc = inspect.getdoc(fn) or ""
            if not doc:
                raise RegistryError(f"command {name!r}: the handler needs a docstring (its first line is the help)")
            default_role = Role.OPERATOR if risk is Risk.DISRUPTIVE else Role.VIEWER
            role: Role | None = default_role if requires == "default" else requires
            spec = CommandSpec(
                name=name,
                aliases=aliases,
                args=args,
                risk=risk,
                scope=scope,
                requires=role,
                handler=fn,
                help=doc.splitlines()[0].strip(),
                doc=doc,
                preview=preview,
                examples=examples,
                hidden=hidden,
                who=who,
            )
            self.add(spec)
            return fn

        return decorate

    def add(self, spec: CommandSpec) -> None:
        for key in (spec.name, *spec.aliases):
            key = " ".join(key.split())
            if key in self._lookup:
                raise RegistryError(f"command name {key!r} is registered twice")
        self._by_name[spec.name] = spec
        for key in (spec.name, *spec.aliases):
            self._lookup[" ".join(key.split())] = spec

    def get(self, name: str) -> CommandSpec | None:
        return self._lookup.get(" ".join(name.lower().split()))

    def names(self) -> list[str]:
        """Every name and alias (for suggestions)."""
        return sorted(self._lookup)

    def group(self, word: str) -> tuple[CommandSpec, ...]:
        """The commands of a group, by the group's first word in any of their names (`aks`, `诊断`), in name order;
        none when `word` starts no command of two or more words."""
        found = {spec.name: spec for name, spec in self._lookup.items() if " " in name and name.split()[0] == word}
        return tuple(found[n] for n in sorted(found))

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self._by_name.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def longest_prefix(self, words: list[str]) -> tuple[CommandSpec | None, int]:
        """The command named by the longest prefix of `words` (up to three words), and how many it used."""
        for n in (3, 2, 1):
            if len(words) >= n:
                spec = self.get(" ".join(words[:n]))
                if spec is not None:
                    return spec, n
        return None, 0


def _check_signature(fn: Callable[..., Any], name: str, args: type[Args], scope: Scope) -> None:
    if not (isinstance(args, type) and issubclass(args, Args)):
        raise RegistryError(f"command {name!r}: args must be a subclass of bot.registry.Args")
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if len(params) != 2 or any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise RegistryError(f"command {name!r}: the handler must take exactly (call, deps)")
    try:
        hints = typing.get_type_hints(fn)
    except NameError as exc:  # an annotation that does not resolve at import time
        raise RegistryError(f"command {name!r}: cannot resolve the handler's annotations: {exc}") from exc
    call_hint = hints.get(params[0].name)
    wanted = Call if scope is Scope.NONE else ClusterCall
    if get_origin(call_hint) is not wanted or get_args(call_hint) != (args,):
        raise RegistryError(
            f"command {name!r} (scope {scope.value}): the first parameter must be annotated "
            f"{wanted.__name__}[{args.__name__}], got {call_hint!r}"
        )
    if "return" not in hints or hints["return"] is type(None):
        raise RegistryError(f"command {name!r}: the handler must declare the result type it returns")
    positional = [p for p in params_of(args) if p.positional]
    greedy = [p for p in positional if p.greedy]
    if greedy and positional[-1] is not greedy[0]:
        raise RegistryError(f"command {name!r}: only the last positional argument may be greedy")


REGISTRY = Registry()
command = REGISTRY.command
