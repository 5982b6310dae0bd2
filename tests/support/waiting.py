"""Waiting for what another thread or process does: one poll loop for the tests and the benchmarks.

The timeouts only end a broken test; nothing asserts on how long a wait took (a benchmark prints it).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], timeout: float = 20.0, what: str = "", interval: float = 0.05) -> float:
    """Poll `check` until it holds and return the seconds that took; an AssertionError naming `what` once
    `timeout` has passed without it."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"never happened within {timeout:g} s: {what or 'the check'}")
        time.sleep(interval)
    return time.monotonic() - started


def holds_within(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Whether `check` holds within `timeout`, asked once more at the end (for an assert that reads as a claim)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(interval)
    return check()
