"""Every answer on the sandbox fits Slack, and every button it offers runs a command that exists.

- Every button that every command's answer offers runs a command that exists and accepts its arguments.
- Rendered for Slack, no line of a code block (tables, logs, usage) is wider than 100 columns, where Slack's
  message pane would wrap it, and no data — an Event message, a pull error — can close a code block early.

The answers are the real ones on the sandbox's incident scenario (through the real Kubernetes client and the real
Azure SDK against the local ARM server); each button is pressed as a click — its command reference goes to the
dispatcher as it is, no text parsed — by an approver, and must never end in a usage error or an internal error.
A disruptive command's button becomes an approval request (or a clear refusal: "already cordoned"), never a run.
The answers to the first presses are pressed in turn, one level deeper.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import assemble
from bot.blocks import Button, View
from bot.dispatch import Dispatcher, Outcome
from bot.render_slack import render_slack
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind, MessageRef, Reply
from sandbox import Sandbox

COMMANDS = (
    "/k8s health",
    "/k8s diagnose cluster",
    "/k8s nodes",
    "/k8s nodes --problems",
    "/k8s pods -A",
    "/k8s pods -A --problems",
    "/k8s events -A",
    "/k8s events -A --type Warning",
    "/k8s deployments -A",
    "/k8s pdbs -A",
    "/k8s top nodes",
    "/k8s top pods -A",
    "/k8s aks show",
    "/k8s aks pools",
    "/k8s aks upgrades",
    "/k8s aks snat",
    "/k8s kb list",
    "/k8s kb why is my java pod OOMKilled after the upgrade",
    "/k8s kb 节点 NotReady 怎么办",
    "/k8s help",
    "/k8s approvals",
)


@dataclass
class Channel:
    """A responder that numbers what it sends, so a click can anchor on the message it came from."""

    views: list[tuple[MessageRef, View]] = field(default_factory=list)

    def send(self, reply: Reply) -> MessageRef:
        ref = MessageRef("C0PROD", f"{len(self.views) + 1}.0")
        self.views.append((ref, reply.view))
        return ref


@dataclass(frozen=True)
class Bed:
    dispatcher: Dispatcher
    dead_node: str
    answers: list[tuple[str, View]] = field(default_factory=list)  # every view this module's tests saw


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    folder: Path = tmp_path_factory.mktemp("buttons")
    with Sandbox("incident") as sandbox:
        config = yaml.safe_load(sandbox.write_config(folder).read_text())
        config["roles"]["approver"] = ["bob", "dave"]  # a request of bob's can be approved by someone else
        settings = from_mapping(config, source=str(folder / "aksbot.yaml"), environ=sandbox.environment())
        dispatcher = assemble(settings, _Quiet()).dispatcher
        dead = next(
            n["metadata"]["name"]
            for n in sandbox.kube.objects("nodes")  # type: ignore[union-attr]
            if any(c["type"] == "Ready" and c["status"] != "True" for c in n["status"]["conditions"])
        )
        # An Event whose message carries what could break out of a code block or ping a channel.
        sandbox.kube.apply(  # type: ignore[union-attr]
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "hostile.1", "namespace": "shop"},
                "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
                "reason": "BackOff",
                "type": "Warning",
                "message": "```<!channel> <@U0EVE> `rm -rf` ``` and a very long tail " + "x" * 300,
                "count": 3,
            }
        )
        yield Bed(dispatcher, str(dead))


class _Quiet:
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        return None

    def update(self, ref: MessageRef, view: View) -> None:
        return None


def _ask(bed: Bed, text: str) -> tuple[Outcome, Channel]:
    channel = Channel()
    outcome = bed.dispatcher.handle(Incoming(text, "alice", InputKind.SLASH, "C0PROD"), channel)
    bed.answers.extend((text, view) for _, view in channel.views)
    return outcome, channel


def _press(bed: Bed, button: Button, anchor: MessageRef) -> tuple[Outcome, Channel]:
    channel = Channel()
    outcome = bed.dispatcher.handle(Incoming.click(button.ref, "bob", "C0PROD", anchor), channel)
    bed.answers.extend((button.ref.text(), view) for _, view in channel.views)
    return outcome, channel


def _buttons(channel: Channel) -> list[tuple[MessageRef, Button]]:
    return [(ref, b) for ref, view in channel.views for b in view.buttons()]


def _asks_first(button: Button) -> bool:
    """A button whose command leaves out an argument the surface asks for (Deny's reason) opens a dialog first."""
    from bot.registry import REGISTRY

    spec = REGISTRY.get(button.ref.command)
    values: dict[str, Any] = button.ref.args.model_dump()
    return spec is not None and any(p.ask and values.get(p.name) in (None, "") for p in spec.params)


def test_every_button_of_every_answer_runs_a_command_that_works(bed: Bed) -> None:
    commands = (*COMMANDS, f"/k8s node {bed.dead_node}", f"/k8s diagnose node {bed.dead_node}",
                "/k8s diagnose pod ledger-api -n payments", f"/k8s cordon {bed.dead_node}")
    pressed: dict[str, str] = {}
    failures: list[str] = []
    frontier: list[tuple[str, MessageRef, Button]] = []
    for text in commands:
        outcome, channel = _ask(bed, text)
        assert outcome.status in ("ok", "requested"), f"{text}: {outcome.status}"
        frontier += [(text, ref, b) for ref, b in _buttons(channel)]
    assert len(frontier) > 30, "the answers offer buttons"
    for depth in (1, 2):
        following: list[tuple[str, MessageRef, Button]] = []
        for source, anchor, button in frontier:
            if button.ref.value in pressed or _asks_first(button):
                continue
            outcome, channel = _press(bed, button, anchor)
            pressed[button.ref.value] = outcome.status
            if outcome.status in ("user_error", "error"):
                failures.append(f"[{source}] {button.label!r} → {button.ref.text()}: {outcome.view.summary}")
            if depth == 1:
                following += [(button.ref.text(), ref, b) for ref, b in _buttons(channel)]
        frontier = following
    assert not failures, "buttons that do not work:\n" + "\n".join(failures)
    statuses = set(pressed.values())
    assert "ok" in statuses and "requested" in statuses, statuses
    assert len(pressed) > 25


def _code_lines(blocks: list[dict[str, Any]]) -> list[str]:
    """The lines inside ``` fences of every section, as Slack shows them."""
    lines: list[str] = []
    for block in blocks:
        text = (block.get("text") or {}).get("text") or ""
        if block["type"] != "section" or not text.startswith("```"):
            continue
        assert text.endswith("```") and text.count("```") == 2, f"a code block is closed early: {text[:200]!r}"
        lines += html.unescape(text[3:-3]).splitlines()
    return lines


def test_every_answer_fits_slack_without_wrapping_or_breaking_out_of_code(bed: Bed) -> None:
    for text in (*COMMANDS, "/k8s events -n shop", f"/k8s node {bed.dead_node}", "/k8s pod web-1 -n shop"):
        _ask(bed, text)
    assert len(bed.answers) > 20
    wide: list[str] = []
    for source, view in bed.answers:
        blocks = render_slack(view).blocks
        for line in _code_lines(blocks):
            if len(line) > 100:
                wide.append(f"{source}: {len(line)} columns: {line[:80]}…")
        dumped = json.dumps(blocks)
        assert "<!channel>" not in dumped and "<@U0EVE>" not in dumped, source
    assert not wide, "code blocks wider than 100 columns:\n" + "\n".join(wide)
    events = next(view for source, view in bed.answers if source == "/k8s events -n shop")
    shown = "\n".join(_code_lines(render_slack(events).blocks))
    assert "\u02cb\u02cb\u02cb<!channel>" in shown, "the hostile message is shown, harmlessly"
