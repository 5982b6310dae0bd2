"""The time one command may take, whatever the far side does: `COMMAND_BOUND_S`, shared by all its calls.

Each outbound call has its own bound (Kubernetes 10 s, logs 15 s, Azure 15 s, Slack 20 s), but a command makes
several: `/k8s node X` reads the node, its Lease, its pods, its events and its usage. Against a cluster that
stops answering half-way, five bounded calls would add up to a minute. The dispatcher opens `within()` for each
read command; the adapters ask `call_bound()` for each call, which is the call's own bound or what is left of the
command's, whichever is shorter — and once nothing is left, the call is not made: the side lookups that remain
are left out (the answer says so) and a main lookup fails with the bound in its message.

Approved actions are not bounded by this: a drain has its own `--timeout`, and runs apart from the request that
approved it. Background work (the watch cache, the alert watcher) runs outside any command and is unaffected.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bot.errors import Upstream
from bot.i18n import ERRORS, said

COMMAND_BOUND_S = 20.0
# A call is not started with less than this left: it could not finish, and would only delay the answer.
MIN_CALL_S = 0.5


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic()
    seconds: float

    def left(self) -> float:
        return self.at - time.monotonic()


_DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("aksbot_deadline", default=None)


@contextlib.contextmanager
def within(seconds: float = COMMAND_BOUND_S) -> Iterator[Deadline]:
    """Bound every call made in this context (one command) to `seconds` in total."""
    deadline = Deadline(time.monotonic() + seconds, seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def call_bound(own: float, what: str) -> float:
    """The time the next call (asking for `what`) may take: its `own` bound, or what is left of the command's.

    Raises `Upstream` without making the call when the command's time is used up."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return own
    left = deadline.left()
    if left < MIN_CALL_S:
        raise Upstream(said(ERRORS.command_time_used, what=what, seconds=f"{deadline.seconds:g}"))
    return min(own, round(left, 1))


@contextlib.contextmanager
def unbounded() -> Iterator[None]:
    """No command deadline in this context: an approved action, run from the request that approved it."""
    token = _DEADLINE.set(None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)
