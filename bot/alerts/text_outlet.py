"""Alert messages as lines of text, for `aksbot demo` and the shell: the `Poster` the outlet uses there.

    [#alerts-prod] 🔴 KubeNodeNotReady                     a post: the card, its first line tagged with the channel
      …
    [#alerts-prod] (updated #3) ✅ Resolved: KubeNodeNotReady     an update of message #3, shown again in full
    [#alerts-prod]     ↳ #3: Resolved after 14 min          a reply in #3's thread, indented

Channels are shown by name where the settings give one (a route's `name`), else by ID. Messages are numbered by a
`Board`: in the shell, the shell surface itself (`ShellSurface`), so `:click Acknowledge` finds the alert's
buttons like any other message's; elsewhere `PrintedBoard`, which only counts.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, TextIO

from bot.alerts.outlet import Outlet
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore
from bot.blocks import View
from bot.clock import Clock
from bot.render_text import render_text
from bot.surface import MessageRef


class Board(Protocol):
    """Where printed messages are kept, numbered and written."""

    def keep(self, channel: str, view: View) -> MessageRef:
        """Remember a new message (its buttons can be pressed); returns its number as its `ts`."""
        ...

    def revise(self, ref: MessageRef, view: View) -> None:
        """The message now shows `view`."""
        ...

    def say(self, text: str) -> None:
        """Write lines, whole (never interleaved with another thread's)."""
        ...


class PrintedBoard:
    """A board that only numbers messages and writes them out (the benchmark, a demo without a shell)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def keep(self, channel: str, view: View) -> MessageRef:
        with self._lock:
            return MessageRef(channel, str(next(self._numbers)))

    def revise(self, ref: MessageRef, view: View) -> None:
        return None

    def say(self, text: str) -> None:
        with self._lock:
            self.out.write(text.rstrip("\n") + "\n")
            self.out.flush()


def channel_names(settings: AlertSettings) -> dict[str, str]:
    """Channel ID → the name its first named route gives it (`alerts.routes[].name`)."""
    names: dict[str, str] = {}
    for route in settings.routes:
        if route.name:
            names.setdefault(route.channel, route.name)
    return names


class TextPoster:
    """Prints alert messages (`bot.alerts.ports.Poster`). Printing cannot fail, so nothing is ever retried."""

    def __init__(self, board: Board, names: Mapping[str, str] | None = None) -> None:
        self.board = board
        self.names = dict(names or {})
        self._marked: dict[str, list[tuple[str, frozenset[str]]]] = {}  # channel -> (ts, marks) of its posts

    def _tag(self, channel: str) -> str:
        return f"[#{self.names.get(channel, channel)}]"

    def post(self, channel: str, view: View, *, thread_ts: str | None = None, marks: Sequence[str] = ()) -> str:
        ref = self.board.keep(channel, view)
        if marks:
            self._marked.setdefault(channel, []).append((ref.ts, frozenset(marks)))
        lines = render_text(view).splitlines() or [view.summary]
        if thread_ts is not None:
            head = f"{self._tag(channel)}     ↳ #{thread_ts}: "
            self.board.say("\n".join([head + lines[0], *("       " + line for line in lines[1:])]))
        else:
            self.board.say("\n".join([f"{self._tag(channel)} {lines[0]}", *("  " + line for line in lines[1:])]))
        return ref.ts

    def update(self, channel: str, ts: str, view: View) -> None:
        self.board.revise(MessageRef(channel, ts), view)
        lines = render_text(view).splitlines() or [view.summary]
        self.board.say("\n".join([f"{self._tag(channel)} (updated #{ts}) {lines[0]}",
                                  *("  " + line for line in lines[1:])]))

    def delete(self, channel: str, ts: str) -> None:
        self.board.say(f"{self._tag(channel)} (message #{ts} withdrawn: a duplicate)")

    def find(self, channel: str, marks: Sequence[str], since: datetime, *, thread_ts: str | None = None
             ) -> tuple[str, frozenset[str]] | None:
        wanted = set(marks)
        return next(((ts, made) for ts, made in self._marked.get(channel, ()) if made & wanted), None)


def text_outlet(settings: AlertSettings, store: AlertStore, board: Board, *, worker: str = "shell",
                clock: Clock | None = None) -> Outlet:
    """The outlet `aksbot demo` and the shell run: alert messages printed on `board` (the `ShellSurface`)."""
    return Outlet(store, TextPoster(board, channel_names(settings)), settings, clock=clock, worker=worker)
