"""Driving the real `aksbot demo` process line by line, as the README's walkthroughs do."""

from __future__ import annotations

import subprocess
import threading


def read_until(process: subprocess.Popen[str], marker: str, seen: list[str], timeout: float = 60) -> None:
    """Read the demo's output until a line holds `marker`, keeping every line in `seen` (for the failure message).

    A demo that goes quiet would leave `readline` waiting for ever, so past `timeout` the process is killed: its
    output ends and the test fails saying what it waited for, instead of hanging the suite."""
    assert process.stdout is not None
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        while line := process.stdout.readline():
            seen.append(line)
            if marker in line:
                return
    finally:
        watchdog.cancel()
    raise AssertionError(f"no {marker!r} within {timeout} s (or the demo ended):\n{''.join(seen)}")
