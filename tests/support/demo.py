"""Driving the real `aksbot demo` process line by line, as the README's walkthroughs do."""

from __future__ import annotations

import time
from typing import IO


def read_until(stream: IO[str], marker: str, seen: list[str], timeout: float = 60) -> None:
    """Read the demo's output until a line holds `marker`, keeping every line in `seen` (for the failure message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise AssertionError(f"the demo ended before {marker!r}:\n{''.join(seen)}")
        seen.append(line)
        if marker in line:
            return
    raise AssertionError(f"no {marker!r} within {timeout} s:\n{''.join(seen)}")
