"""A private registry with a few commands, and plain fakes of the ports, for tests of the foundation."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.blocks import Fields, Heading, Message, Table, View
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.errors import NotFound, Upstream
from bot.preview import Preview
from bot.registry import Args, Call, ClusterCall, Registry, Risk, Scope, arg, opt
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.shell import Shell
from bot.surface import Incoming, InputKind, MessageRef, Reply
from tests.support.fakes import NoAzure, NoClusters

registry = Registry()
command = registry.command
calls: list[str] = []


class NodeArgs(Args):
    node: str = arg(help="node name")


class ScaleArgs(Args):
    name: str = arg(help="deployment name")
    replicas: int = opt(help="how many pods", ge=0, le=1000)


class PodsArgs(Args):
    selector: str | None = opt(None, help="label selector", flags=("-l", "--selector"))
    watch: bool = opt(False, help="keep watching", flags=("-w",))
    kind: Literal["nodes", "pods"] = opt("pods", help="what", flags=("--kind",))


class AskArgs(Args):
    question: str = arg(help="what to ask", greedy=True)


@dataclass(frozen=True)
class Rows:
    rows: tuple[tuple[str, ...], ...]

    def view(self) -> View:
        return View(f"{len(self.rows)} rows", (Table(("name", "status"), self.rows),))


@command("nodes", args=PodsArgs, scope=Scope.CLUSTER)
def nodes(call: ClusterCall[PodsArgs], deps: Deps) -> Rows:
    """List the nodes."""
    calls.append(f"nodes {call.cluster}")
    return Rows((("aks-nodepool1-0", "Ready"), ("aks-nodepool1-1", "NotReady")))


@command("node", args=NodeArgs)
def node(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
    """Show one node."""
    if call.args.node == "ghost":
        raise NotFound("node ghost not found", kind="Node", name="ghost")
    if call.args.node == "down":
        raise Upstream("cluster 'prod' did not answer within 10 s")
    if call.args.node == "boom":
        raise RuntimeError("token=xoxb-secret-should-not-leak")
    return Message(call.args.node, (Heading(call.args.node), Fields((("cluster", str(call.cluster)),))))


@command("pods", args=PodsArgs, scope=Scope.NAMESPACED)
def pods(call: ClusterCall[PodsArgs], deps: Deps) -> Message:
    """List pods."""
    ns = "all namespaces" if call.all_namespaces else call.namespace
    return Message(f"pods in {ns} selector={call.args.selector}")


def preview_scale(call: ClusterCall[ScaleArgs], deps: Deps) -> Preview:
    return Preview(f"Scale {call.args.name} to {call.args.replicas}", expect=(("replicas", "3"),))


@command("scale deployment", args=ScaleArgs, risk=Risk.DISRUPTIVE, preview=preview_scale, scope=Scope.NAMESPACED)
def scale(call: ClusterCall[ScaleArgs], deps: Deps) -> Message:
    """Scale a deployment."""
    calls.append(f"scale {call.args.name}")
    return Message("scaled")


@command("kb", args=AskArgs, scope=Scope.NONE, requires=None)
def kb(call: Call[AskArgs], deps: Deps) -> Message:
    """Ask the knowledge base."""
    return Message(f"kb:{call.lang}:{call.args.question}")


CONFIG: dict[str, Any] = {
    "default_cluster": "test",
    "clusters": [
        {"name": "test", "kubeconfig": "/dev/null"},
        {"name": "prod", "kubeconfig": "/dev/null", "roles": {"operator": ["S0SRE"]}},
    ],
    "channels": {"C0PROD": "prod"},
    "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
    "groups": {"S0SRE": ["dave"]},
}


def make_deps(config: dict[str, Any] | None = None, knowledge: Any = None) -> Deps:
    settings = from_mapping(CONFIG if config is None else config, source=None, environ={})
    return Deps(settings=settings, clock=ManualClock(), clusters=NoClusters(), azure=NoAzure(), knowledge=knowledge)


@dataclass
class Captured:
    """A responder that keeps what was sent."""

    replies: list[Any] = field(default_factory=list)

    def send(self, reply: Any) -> None:
        self.replies.append(reply)


@dataclass
class Conversation:
    """A responder standing for the channel (or thread) commands are typed in: keeps every reply and gives each
    the next ts (`ts` formats the reply's number)."""

    channel: str = "C0OPS"
    ts: str = "m{n}"
    replies: list[Reply] = field(default_factory=list)

    def send(self, reply: Reply) -> MessageRef | None:
        self.replies.append(reply)
        return MessageRef(self.channel, self.ts.format(n=len(self.replies)))


def run_slash(dispatcher: Dispatcher, text: str, user: str = "carol") -> tuple[Outcome, str]:
    """One slash command through `dispatcher`: its outcome, and its one reply as the shell would show it."""
    captured = Captured()
    outcome = dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0TEST"), captured)
    (reply,) = captured.replies
    return outcome, render_text(reply.view)


class ShellTranscript:
    """A bot in the shell, typed at and read back, for a dataclass that has its `shell`, the `out` it prints to,
    and `said`: how much of it the previous `say` returned."""

    shell: Shell
    out: io.StringIO
    said: int

    def say(self, *lines: str) -> str:
        """Run the lines; what was printed since the previous `say`."""
        for line in lines:
            self.shell.run_line(line)
        text = self.out.getvalue()
        new, self.said = text[self.said :], len(text)
        return new


def ok_text(dispatcher: Dispatcher, text: str, user: str = "carol") -> str:
    """The reply to a command that must succeed, as text (the assertion shows the reply when it did not)."""
    outcome, reply = run_slash(dispatcher, text, user)
    assert outcome.status == "ok", reply
    return reply
