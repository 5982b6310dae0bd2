"""A command whose reader goes away (`aksbot kb search … | head -1`) ends quietly, as Unix tools do."""

from __future__ import annotations

import subprocess
import sys


def test_a_closed_pipe_ends_the_command_without_a_traceback() -> None:
    command = [sys.executable, "-m", "bot.cli", "kb", "search", "--json", "why is my node NotReady"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the answer is printed
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
