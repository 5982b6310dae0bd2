from __future__ import annotations

import io

from bot.approvals.commands import approve_ref
from bot.blocks import Actions, Button, Message, Text
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.refs import CommandRef
from bot.registry import Args, Call, Scope, arg
from bot.shell import Shell, ShellSurface
from tests.support.foundation import make_deps, registry


class WhoArgs(Args):
    what: str = arg("", help="anything", greedy=True)


@registry.command("whoami", args=WhoArgs, scope=Scope.NONE, requires=None)
def whoami(call: Call[WhoArgs], deps: Deps) -> Message:
    """Say who is asking, with a button."""
    again = CommandRef("whoami", WhoArgs(what="again"))
    return Message("whoami", (Text(f"you are {call.caller.id}"), Actions((Button("Again", again),))))


def session(lines: str) -> str:
    out = io.StringIO()
    surface = ShellSurface(out)
    shell = Shell(Dispatcher(make_deps(), registry=registry), surface, "alice")
    assert shell.run(io.StringIO(lines)) == 0
    return out.getvalue()


def test_as_switches_user_and_click_presses_the_latest_button_as_that_user() -> None:
    text = session("/k8s whoami\n:as bob\n:click Again\n:click Nope\n")
    assert "you are alice" in text
    assert "[you are now bob]" in text
    assert "[bob clicks 'Again' on message #1]" in text
    assert text.count("you are bob") == 1
    assert "no message has a button labelled 'Nope'" in text


def test_quit_stops_and_unknown_commands_get_suggestions() -> None:
    text = session("/k8s nods\n:quit\n/k8s whoami\n")
    assert "Unknown command `nods`" in text and "`nodes`" in text
    assert "you are" not in text


def test_updates_replace_the_message_buttons() -> None:
    surface = ShellSurface(io.StringIO())
    ref = surface.send(
        __import__("bot.surface", fromlist=["Reply"]).Reply(
            Message("card", (Actions((Button("Approve", approve_ref("1")),)),)).view()
        )
    )
    found = surface.find_button("approve")
    assert ref is not None and found is not None
    assert (found[0].ref, found[1]) == (ref, Button("Approve", approve_ref("1")))
    surface.update(ref, Message("approved").view())
    assert surface.find_button("Approve") is None
