"""The alert walkthrough of the README, run as a user would: the real `aksbot demo` process fed line by line. A
node of the demo's sandbox is broken with `:sandbox`, its alert arrives as an `[#alerts-prod]` message naming its
runbook, `:click Acknowledge` acknowledges it, and mending the node resolves that same message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.demo import read_until

ROOT = Path(__file__).resolve().parents[2]
NODE = "aks-userpool-11974196-vmss000000"



def test_an_alert_arrives_is_acknowledged_and_resolves_in_the_demo() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))", "demo"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdin is not None and process.stdout is not None
    seen: list[str] = []

    def say(*lines: str) -> None:
        assert process.stdin is not None
        process.stdin.write("".join(f"{line}\n" for line in lines))
        process.stdin.flush()

    try:
        # The scenario's problems at start-up: one message per problem (the pods of one workload are one), within
        # the channel's rate limit.
        read_until(process, "[#alerts-prod] 🔴", seen, timeout=120)
        say(f":sandbox stop-heartbeat {NODE}")
        # Its lease goes stale first (a warning, still Ready), then the node controller marks it Unknown: the
        # same message, edited (or posted as Unknown, if one scan saw both).
        read_until(process, f"🔴 Node {NODE} is Unknown", seen, timeout=120)
        read_until(process, "[Acknowledge]", seen, timeout=120)
        card = "".join(seen[len(seen) - 20:])
        assert "node-notready" in card
        say(":click Acknowledge")
        read_until(process, "@alice acknowledged", seen, timeout=120)
        say(f":sandbox resume-heartbeat {NODE}")
        read_until(process, f"✅ Resolved: Node {NODE} is Unknown", seen, timeout=120)
        read_until(process, "✅ Resolved after", seen, timeout=120)
        say(":quit")
        out, _ = process.communicate(timeout=60)
        transcript = "".join(seen) + out
        posted = [line for line in transcript.splitlines()
                  if line.startswith("[#alerts-prod] ") and f"Node {NODE} is" in line and "(updated" not in line]
        assert len(posted) == 1, posted  # one message, updated in place from the stale lease to resolved
        # The answer to the click is tagged with the channel's name, as its alert is, not the channel's ID.
        assert " in #alerts-prod]" in transcript and " in C0ALERTS" not in transcript
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
