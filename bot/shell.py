"""The local chat surface: talk to the bot in a terminal exactly as in Slack.

Lines are what a user would type in Slack (`/k8s nodes`, `@aksbot why is my node NotReady`, or a bare command
as in a DM). Control lines: `:as USER` switches who is typing, `:click LABEL` presses the button with that label
on the latest message that has one (as the current user, exactly as the button in Slack), `:in CHANNEL` switches
the channel you type in (the start of its name will do; `:in` alone lists them), `:react EMOJI [#N]` reacts to
message N (default: the latest in this channel; `:react 📌` puts it on an incident's timeline), `:quit` leaves.
A surface may add control lines of its own (the demo's `:sandbox stop-heartbeat NODE`).
In the demo, alert messages (the bot's own watcher's findings) are printed as they are posted or updated, tagged
with their channel (`[#alerts-prod] …`); their buttons work like any other message's.
Interactive with line editing on a terminal; reads stdin when piped and exits 0 at its end.

The shell is a surface: it implements `Responder` and `Notifier` over printed text and a message history, and the
incidents' `Workspace` (`ShellWorkspace`): a channel the bot creates appears as a new named channel
(`[channel #inc-20261122-payments created …]`), messages posted there are marked with it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from bot.alerts.runtime import AlertRuntime
from bot.app import Assembly, assemble
from bot.blocks import Button, Rich, View, plain
from bot.cluster.cache import CachedClusterProvider
from bot.dispatch import Dispatcher
from bot.errors import NotFound, Refused
from bot.incidents.ports import Channel, Invited, NameTaken, NotInChannel, Reaction
from bot.parser import read_lang
from bot.render_text import render_text
from bot.settings import Settings
from bot.surface import Incoming, InputKind, MessageRef, Reply, Visibility

SHELL_CHANNEL = "shell"
# `:react 📌` as Slack names the emoji.
_EMOJI_NAMES = {"📌": "pushpin", "📍": "round_pushpin", "👍": "+1", "👀": "eyes"}


@dataclass
class ShellMessage:
    ref: MessageRef
    view: View


@dataclass
class ShellChannel:
    """A channel the bot made in the shell: who is in it, its topic, whether it is archived."""

    name: str
    members: list[str] = field(default_factory=list)
    topic: str = ""
    archived: bool = False


class ShellSurface:
    """Prints what the bot says and remembers messages so buttons can be pressed and cards updated."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.messages: list[ShellMessage] = []
        self.channels: dict[str, ShellChannel] = {}
        self.names: dict[str, str] = {}  # channel ID → the name people know it by (the demo's alert channels)
        self.current = SHELL_CHANNEL  # where the person types, and where answers go
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

    def _where(self, channel: str) -> str:
        if channel == self.current:
            return ""
        if channel in self.names:
            return f" in #{self.names[channel]}"
        return f" in #{channel}" if channel in self.channels or channel == SHELL_CHANNEL else f" in {channel}"

    # Responder
    def send(self, reply: Reply) -> MessageRef | None:
        return self.answer_in(self.current).send(reply)

    def answer_in(self, channel: str) -> _Answers:
        """A responder answering in `channel` (a click answers where its message is, as in Slack)."""
        return _Answers(self, channel)

    # Notifier
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        made = self.channels.get(channel)
        if made is not None and made.archived:
            raise Refused(f"#{channel} is archived")
        where = f" in thread of #{thread.ts}" if thread else self._where(channel)
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

    def find_button(self, label: str) -> tuple[ShellMessage, Button] | None:
        """The button labelled `label` on the latest message that has one (in this channel first), and that
        message."""
        wanted = label.strip().lower()
        with self._lock:
            here = [m for m in self.messages if m.ref.channel == self.current]
            for message in [*reversed(here), *reversed(self.messages)]:
                for button in message.view.buttons():
                    if button.label.lower() == wanted:
                        return message, button
        return None

    def find_message(self, number: str | None) -> ShellMessage | None:
        """Message `#N` (any channel), or the latest one in this channel."""
        with self._lock:
            if number:
                return next((m for m in self.messages if m.ref.ts == number.lstrip("#")), None)
            return next((m for m in reversed(self.messages) if m.ref.channel == self.current), None)

    # Board (`bot.alerts.text_outlet`): alert messages printed in the outlet's own format, clickable like any other.
    def keep(self, channel: str, view: View) -> MessageRef:
        ref = self._new_ref(channel)
        with self._lock:
            self.messages.append(ShellMessage(ref, view))
        return ref

    def revise(self, ref: MessageRef, view: View) -> None:
        with self._lock:
            for message in self.messages:
                if message.ref == ref:
                    message.view = view

    def say(self, text: str) -> None:
        self._print(text)

    def note(self, text: str) -> None:
        """A line about what happened in the workspace (a channel made, people invited), not a message."""
        self._print(f"[{text}]")


@dataclass(frozen=True)
class _Answers:
    surface: ShellSurface
    channel: str

    def send(self, reply: Reply) -> MessageRef | None:
        private = reply.visibility is Visibility.EPHEMERAL
        made = self.surface.channels.get(self.channel)
        # An archived channel takes no answer: as Slack's response_url does, it reaches the person where they are.
        channel = self.surface.current if made is not None and made.archived else self.channel
        return self.surface._show(channel, reply.view, private=private, label=self.surface._where(channel))


class ShellWorkspace:
    """Incident channels in the shell (`bot.incidents.ports.Workspace`): channels are named by their name, and
    every change is printed as a bracketed line."""

    def __init__(self, surface: ShellSurface) -> None:
        self.surface = surface

    def _channel(self, channel: str) -> ShellChannel:
        made = self.surface.channels.get(channel)
        if made is None:
            raise NotFound(f"there is no channel #{channel} in this shell", kind="channel", name=channel)
        return made

    def create_channel(self, name: str, *, private: bool) -> Channel:
        if name in self.surface.channels or name == SHELL_CHANNEL:
            raise NameTaken(f"#{name} exists")
        self.surface.channels[name] = ShellChannel(name, ["aksbot"])
        kind = "private channel" if private else "channel"
        self.surface.note(f"{kind} #{name} created; type `:in {name}` to talk there")
        return Channel(name, name)

    def invite(self, channel: str, users: Sequence[str]) -> Invited:
        made = self._channel(channel)
        added = [u for u in users if u not in made.members]
        made.members += added
        self.surface.note(f"#{channel}: {', '.join(users) or 'nobody'} invited")
        return Invited(tuple(users))

    def set_topic(self, channel: str, topic: Rich) -> None:
        made = self._channel(channel)
        made.topic = plain(topic)
        self.surface.note(f"#{channel} topic: {made.topic}")

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef:
        ref = self.surface.post(channel, view, thread)
        assert ref is not None
        return ref

    def pin(self, message: MessageRef) -> None:
        self.surface.note(f"message #{message.ts} pinned in #{message.channel}")

    def bookmark(self, channel: str, title: str, link: str) -> None:
        self._channel(channel)
        self.surface.note(f"#{channel} bookmark: {title} → {link}")

    def archive(self, channel: str) -> None:
        made = self._channel(channel)
        if not made.archived:
            made.archived = True
            self.surface.note(f"#{channel} archived")
            if self.surface.current == channel:
                self.surface.current = SHELL_CHANNEL
                self.surface.note(f"you are back in #{SHELL_CHANNEL}")

    def join(self, channel: str) -> None:
        if channel in self.surface.channels and channel != SHELL_CHANNEL:
            raise NotInChannel(f"#{channel} is not a channel the bot can join")

    def message_text(self, message: MessageRef) -> str | None:
        """A message's text as Slack keeps it: the one-line summary a posted view carries as its `text`."""
        found = self.surface.find_message(message.ts)
        return found.view.summary if found is not None else None


class Shell:
    def __init__(
        self,
        dispatcher: Dispatcher,
        surface: ShellSurface,
        user: str,
        *,
        on_reaction: Callable[[Reaction], object] | None = None,
        controls: Mapping[str, Callable[[str], str]] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.surface = surface
        self.user = user
        self.on_reaction = on_reaction
        self.controls = dict(controls or {})

    def run_line(self, line: str) -> bool:
        """Handle one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return self._control(line)
        # `/k8s …` is a slash command, as in Slack: what only its asker should see (a decision, a refusal) is shown
        # "only you"; anything else is a message in the channel.
        kind = InputKind.SLASH if line.lower().startswith("/k8s") else InputKind.MESSAGE
        self.dispatcher.handle(Incoming(line, self.user, kind, self.surface.current), self.surface)
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
            self.surface._print(f"[{self.user} clicks {rest!r} on message #{message.ref.ts}]")
            # The answer speaks the language of the message clicked on, as in Slack.
            lang = read_lang(render_text(message.view))
            click = Incoming.click(button.ref, self.user, message.ref.channel, message.ref, lang)
            self.dispatcher.handle(click, self.surface.answer_in(message.ref.channel))
            return True
        if verb == "in":
            return self._switch(rest.lstrip("#"))
        if verb == "react":
            return self._react(rest)
        if verb in self.controls:
            self.surface._print(f"[{self.controls[verb](rest).rstrip()}]")
            return True
        extra = "".join(f", :{name} …" for name in self.controls)
        self.surface._print(f"[control lines: :as USER, :click LABEL, :in CHANNEL, :react EMOJI [#N]{extra}, :quit]")
        return True

    def _switch(self, asked: str) -> bool:
        """`:in NAME` (or the start of one name: `:in inc-`) switches channel; `:in` alone lists them."""
        known = [SHELL_CHANNEL, *self.surface.channels]
        listed = ", ".join(f"#{c}" + (" (archived)" if self._archived(c) else "") for c in known)
        matches = [asked] if asked in known else [c for c in known if asked and c.startswith(asked)]
        if len(matches) > 1:  # the start of a name means the one that can still be entered (`:in inc-`)
            matches = [c for c in matches if not self._archived(c)] or matches
        if not asked:
            self.surface._print(f"[you are in #{self.surface.current}; channels: {listed}]")
        elif len(matches) != 1:
            why = "several channels start with that" if matches else "no such channel"
            self.surface._print(f"[#{asked}: {why}; channels: {listed}]")
        elif self._archived(matches[0]):
            self.surface._print(f"[#{matches[0]} is archived]")
        else:
            self.surface.current = matches[0]
            self.surface._print(f"[you are now in #{matches[0]}]")
        return True

    def _archived(self, channel: str) -> bool:
        made = self.surface.channels.get(channel)
        return made is not None and made.archived

    def _react(self, rest: str) -> bool:
        emoji, _, number = rest.partition(" ")
        name = _EMOJI_NAMES.get(emoji, emoji.strip(":"))
        message = self.surface.find_message(number.strip() or None)
        if not name or message is None:
            self.surface._print("[usage: :react EMOJI [#N] — a message in this channel to react to]")
            return True
        self.surface._print(f"[{self.user} reacts :{name}: to message #{message.ref.ts}]")
        if self.on_reaction is not None:
            self.on_reaction(Reaction(self.user, name, message.ref))
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


def start_alerts(settings: Settings, assembly: Assembly, surface: ShellSurface) -> AlertRuntime:
    """The shell is its own leader: the watcher over its watch caches, and the outlet printing alert messages as
    lines (`[#alerts-prod] …`, `bot.alerts.text_outlet`) kept on the surface, so `:click Acknowledge` works."""
    from bot.alerts.outlet import Outlet
    from bot.alerts.runtime import LeaderWork, watcher_factory
    from bot.alerts.text_outlet import TextPoster, channel_names

    store = assembly.alerts
    names = channel_names(settings.alerts)
    surface.names.update(names)  # a click's answer in an alert channel names it as its messages do
    poster = TextPoster(surface, names)
    work = LeaderWork(lambda: Outlet(store, poster, settings.alerts, worker="shell"),
                      watcher=watcher_factory(settings, assembly.deps, store), watch=assembly.watch)
    return AlertRuntime(work).start()


DEMO_SYNC_SECONDS = 20.0


def run_shell_with(settings: Settings, user: str, *, banner: str = "", alerts: bool = False,
                   controls: Mapping[str, Callable[[str], str]] | None = None) -> int:
    """The shell on the configured clusters, approved actions run inline: a click's answer is the outcome, in the
    order people read it. With `alerts` (the demo) the shell is the alert leader: its watcher's alerts are printed
    as they are posted and updated. Never for a shell on a store a running `aksbot serve` uses: its outlet would
    take the alert work the bot should post to Slack. `controls`: more control lines (`:sandbox …` in the demo),
    verb → what it prints."""
    surface = ShellSurface()
    assembly = assemble(settings, surface, workspace=ShellWorkspace(surface)).start()
    work = start_alerts(settings, assembly, surface) if alerts else None
    clusters = assembly.deps.clusters
    if alerts and isinstance(clusters, CachedClusterProvider):
        # The demo's clusters are local: its first question reads a filled cache (a question names live objects
        # only from the cache, never waiting for a cluster), however busy the machine is.
        clusters.wait_synced(DEMO_SYNC_SECONDS)
    try:
        return run_shell(assembly.dispatcher, surface, user, banner=banner, on_reaction=assembly.incidents.on_reaction,
                         controls=controls)
    finally:
        if work is not None:
            work.stop()
        assembly.stop()


def run_shell(
    dispatcher: Dispatcher,
    surface: ShellSurface,
    user: str,
    *,
    banner: str = "",
    stdin: TextIO | None = None,
    on_reaction: Callable[[Reaction], object] | None = None,
    controls: Mapping[str, Callable[[str], str]] | None = None,
) -> int:
    shell = Shell(dispatcher, surface, user, on_reaction=on_reaction, controls=controls)
    source = stdin or sys.stdin
    if source.isatty():
        if banner:
            surface._print(banner)

        def prompt() -> str:
            where = "" if surface.current == SHELL_CHANNEL else f" #{surface.current}"
            return f"{shell.user}{where}> "

        return shell.run(interactive_lines(prompt))
    if banner:
        # Piped: the transcript on stdout stays exactly what the bot said; where things are goes to stderr.
        print(banner, file=sys.stderr, flush=True)
    return shell.run(source)
