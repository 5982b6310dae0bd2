"""The local chat surface: talk to the bot in a terminal exactly as in Slack.

Lines are what a user would type in Slack (`/k8s nodes`, `@aksbot why is my node NotReady`, or a bare command
as in a DM). Control lines: `:as USER` switches who is typing, `:click LABEL` presses the button with that label
on the latest message that has one (as the current user, exactly as the button in Slack), `:quit` leaves.
Interactive with line editing on a terminal; reads stdin when piped and exits 0 at its end.

The shell is a surface: it implements `Responder` and `Notifier` over printed text and a message history.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.app import assemble
from bot.blocks import Button, View
from bot.dispatch import Dispatcher
from bot.render_text import render_text
from bot.settings import Settings
from bot.surface import Incoming, InputKind, MessageRef, Reply, Visibility

SHELL_CHANNEL = "shell"


@dataclass
class ShellMessage:
    ref: MessageRef
    view: View


class ShellSurface:
    """Prints what the bot says and remembers messages so buttons can be pressed and cards updated."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.messages: list[ShellMessage] = []
        self._lock = threading.Lock()
        self._seq = 0

    def _print(self, text: str) -> None:
        with self._lock:
            self.out.write(text.rstrip("\n") + "\n")
            self.out.flush()

    def _new_ref(self, channel: str) -> MessageRef:
        with self._lock:
            self._seq += 1
            return MessageRef(channel, str(self._seq))

    # Responder
    def send(self, reply: Reply) -> MessageRef | None:
        return self._show(SHELL_CHANNEL, reply.view, private=reply.visibility is Visibility.EPHEMERAL)

    # Notifier
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        where = f" in thread of #{thread.ts}" if thread else ("" if channel == SHELL_CHANNEL else f" in {channel}")
        return self._show(channel, view, label=where)

    def update(self, ref: MessageRef, view: View) -> None:
        with self._lock:
            for message in self.messages:
                if message.ref == ref:
                    message.view = view
        self._print(f"[message #{ref.ts} updated]\n{render_text(view)}\n")

    def tell(self, user: str, view: View) -> None:
        self._show(f"@{user}", view, label=f" to {user} directly")

    def _show(self, channel: str, view: View, *, private: bool = False, label: str = "") -> MessageRef:
        ref = self._new_ref(channel)
        with self._lock:
            self.messages.append(ShellMessage(ref, view))
        head = f"[#{ref.ts}{label}{' · only you' if private else ''}]"
        self._print(f"{head}\n{render_text(view)}\n")
        return ref

    def find_button(self, label: str) -> tuple[MessageRef, Button] | None:
        """The button labelled `label` on the latest message that has one, and that message."""
        wanted = label.strip().lower()
        with self._lock:
            for message in reversed(self.messages):
                for button in message.view.buttons():
                    if button.label.lower() == wanted:
                        return message.ref, button
        return None


class Shell:
    def __init__(self, dispatcher: Dispatcher, surface: ShellSurface, user: str) -> None:
        self.dispatcher = dispatcher
        self.surface = surface
        self.user = user

    def run_line(self, line: str) -> bool:
        """Handle one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return self._control(line)
        self.dispatcher.handle(Incoming(line, self.user, InputKind.MESSAGE, SHELL_CHANNEL), self.surface)
        return True

    def _control(self, line: str) -> bool:
        verb, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "as":
            if not rest:
                self.surface._print(f"[you are {self.user}] usage: :as USER")
            else:
                self.user = rest
                self.surface._print(f"[you are now {self.user}]")
            return True
        if verb == "click":
            found = self.surface.find_button(rest)
            if found is None:
                self.surface._print(f"[no message has a button labelled {rest!r}]")
                return True
            message, button = found
            self.surface._print(f"[{self.user} clicks {rest!r} on message #{message.ts}]")
            self.dispatcher.handle(Incoming.click(button.ref, self.user, SHELL_CHANNEL, message), self.surface)
            return True
        self.surface._print("[control lines: :as USER, :click LABEL, :quit]")
        return True

    def run(self, lines: Iterable[str]) -> int:
        for line in lines:
            if not self.run_line(line):
                break
        return 0


def interactive_lines(prompt: Callable[[], str]) -> Iterable[str]:
    """Lines typed at a terminal with line editing (readline), until EOF or Ctrl-C."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (enables line editing and history for input())
    while True:
        try:
            yield input(prompt())
        except (EOFError, KeyboardInterrupt):
            print()
            return


def run_shell_with(settings: Settings, user: str, *, banner: str = "") -> int:
    """The shell on the configured clusters, approved actions run inline: a click's answer is the outcome, in the
    order people read it."""
    surface = ShellSurface()
    assembly = assemble(settings, surface).start()
    try:
        return run_shell(assembly.dispatcher, surface, user, banner=banner)
    finally:
        assembly.stop()


def run_shell(
    dispatcher: Dispatcher, surface: ShellSurface, user: str, *, banner: str = "", stdin: TextIO | None = None
) -> int:
    shell = Shell(dispatcher, surface, user)
    source = stdin or sys.stdin
    if source.isatty():
        if banner:
            surface._print(banner)
        return shell.run(interactive_lines(lambda: f"{shell.user}> "))
    if banner:
        # Piped: the transcript on stdout stays exactly what the bot said; where things are goes to stderr.
        print(banner, file=sys.stderr, flush=True)
    return shell.run(source)
