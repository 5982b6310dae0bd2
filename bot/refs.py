"""Typed references that travel between layers instead of text.

- `ObjectRef`: an object the bot talks about (a node, a pod in its namespace, a deployment, the cluster).
- `CommandRef`: a command with its typed arguments, cluster and namespace — what a button, a suggested action or
  a "show more" link runs. Rules and handlers build it once from the values they hold; nobody parses it back out
  of a string.

Text stays where people are: the parser turns what people type into a `CommandRef`, `CommandRef.text()` turns one
into the `/k8s …` line people read, and one codec (`encode` / `decode`) turns it into a button's value and back.
A button refuses (when it is built) a reference whose encoding would not fit in a Slack button value, so a value
is never clipped into another command.

This module knows the registry's argument declarations (to write the text) and nothing of handlers or surfaces.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from bot.registry import REGISTRY, Args, CommandSpec, Registry, Scope, params_of

# Slack's limit on a button's value; the codec refuses to make a longer one.
MAX_VALUE = 2000
MAX_CHOICE_VALUE = 150  # an option of a menu


class Kind(StrEnum):
    """The kinds of object findings and commands name (as people write them after `/k8s`)."""

    NODE = "node"
    POD = "pod"
    DEPLOYMENT = "deployment"
    PDB = "pdb"
    CLUSTER = "cluster"
    NODEPOOL = "nodepool"


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """One object: its kind, its name and, for namespaced kinds, its namespace."""

    kind: Kind
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        """`node/aks-…`, `pod/payments/ledger-…`: how kubectl-minded people name an object."""
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    @property
    def short(self) -> str:
        """The name, with its namespace when it has one (`payments/ledger-…`)."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def node_ref(name: str) -> ObjectRef:
    return ObjectRef(Kind.NODE, name)


def pod_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(Kind.POD, name, namespace)


class RefError(ValueError):
    """A button value that is not a command reference this bot can run (malformed, unknown command, bad args)."""


@dataclass(frozen=True)
class CommandRef:
    """A command to run: the registry name (`cordon`, `diagnose pod`), its argument model, cluster and namespace.

    `cluster` None means "the caller's default" (the channel's cluster, else `default_cluster`); `namespace` None
    with `all_namespaces` False means the cluster's default namespace.
    """

    command: str
    args: Args
    cluster: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False

    def __post_init__(self) -> None:
        if self.namespace is not None and self.all_namespaces:
            raise ValueError(f"{self.command}: a namespace and all namespaces at once")

    @functools.cached_property
    def value(self) -> str:
        """The compact encoding a button carries (the codec's one form)."""
        return _encode(self)

    def fits_a_button(self) -> bool:
        return len(self.value) <= MAX_VALUE

    def fits_a_choice(self) -> bool:
        """Short enough for an option of a menu (Slack: 150 characters)."""
        return len(self.value) <= MAX_CHOICE_VALUE

    def on(self, cluster: str) -> CommandRef:
        """This command pointed at `cluster` (unless it already names one): rules suggest commands without knowing
        the cluster; whoever shows the suggestion knows it."""
        return self if self.cluster is not None else dataclasses.replace(self, cluster=cluster)

    def text(self) -> str:
        """The `/k8s …` line a person would type to run this."""
        words = [f"/k8s {self.command}"]
        params = params_of(type(self.args))
        values = self.args.model_dump()
        for p in params:
            if p.positional and values.get(p.name) is not None:
                shown = str(values[p.name])
                words.append(shown if p.greedy else _quoted(shown))
        for p in params:
            if p.positional:
                continue
            value = values.get(p.name)
            default = type(self.args).model_fields[p.name].default
            if value is None or value == default:
                continue
            words.append(p.flags[0] if p.is_bool else f"{p.flags[0]} {_quoted(str(value))}")
        if self.namespace is not None:
            words.append(f"-n {_quoted(self.namespace)}")
        if self.all_namespaces:
            words.append("-A")
        if self.cluster is not None:
            words.append(f"--cluster {_quoted(self.cluster)}")
        return " ".join(words)


def _quoted(text: str) -> str:
    return f'"{text}"' if (not text or any(c.isspace() for c in text)) else text


def _encode(r: CommandRef) -> str:
    data: dict[str, Any] = {"c": r.command}
    args = r.args.model_dump(mode="json", exclude_defaults=True)
    if args:
        data["a"] = args
    if r.cluster is not None:
        data["k"] = r.cluster
    if r.namespace is not None:
        data["n"] = r.namespace
    if r.all_namespaces:
        data["A"] = 1
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def encode(r: CommandRef) -> str:
    """A button's value for `r`; raises `ValueError` when it would not fit in one (`MAX_VALUE`)."""
    if not r.fits_a_button():
        raise ValueError(
            f"the reference to `{r.command}` encodes to {len(r.value)} characters; a button holds {MAX_VALUE}"
        )
    return r.value


def decode(value: str, registry: Registry = REGISTRY) -> tuple[CommandSpec, CommandRef]:
    """The command a button's value names, with its arguments validated by the command's own model.

    Raises `RefError` for anything that is not such a value: a forged or stale button must never run something
    else, and never crash the listener."""
    try:
        data = json.loads(value)
    except (ValueError, TypeError) as exc:
        raise RefError("not a command reference") from exc
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise RefError("not a command reference")
    spec = registry.get(data["c"])
    if spec is None or spec.name != data["c"]:
        raise RefError(f"no command {data['c']!r}")
    raw_args = data.get("a", {})
    cluster, namespace, everywhere = data.get("k"), data.get("n"), data.get("A") == 1
    if not isinstance(raw_args, dict) or not all(isinstance(v, (str, type(None))) for v in (cluster, namespace)):
        raise RefError("malformed command reference")
    if spec.scope is Scope.NONE and (cluster is not None or namespace is not None or everywhere):
        raise RefError(f"`{spec.name}` takes no cluster or namespace")
    if spec.scope is Scope.CLUSTER and (namespace is not None or everywhere):
        raise RefError(f"`{spec.name}` takes no namespace")
    try:
        args = spec.args.model_validate(raw_args)
        return spec, CommandRef(spec.name, args, cluster, namespace, everywhere)
    except (ValidationError, ValueError) as exc:
        raise RefError(f"bad arguments for `{spec.name}`") from exc
