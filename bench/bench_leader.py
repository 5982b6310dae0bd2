"""How long the bot is without a leader when the leader goes away: two replica processes, one sandbox, one Lease.

Each replica is its own process running `LeaderElector` with the production durations (15 s lease, 10 s renew
deadline, 2 s retry). The leader is then either killed (SIGKILL: no release, the other must wait the lease out)
or stopped (SIGTERM: it stops its work and releases the Lease). Prints the time from the kill or stop to the
other replica's start of leading, per trial (target for a kill: < 20 s).

    PYTHONPATH=. python bench/bench_leader.py [--trials N]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bot.cluster.kube import KubeClusterProvider
from bot.cluster.leader import ElectionConfig, LeaderElector
from bot.settings import load
from sandbox import Sandbox


def replica(config: str, name: str, lease: str, events: Any) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=f"%(asctime)s {name} %(message)s")
    settings = load(config, environ={})
    provider = KubeClusterProvider(settings)
    stopping = threading.Event()

    def work(stop: threading.Event) -> None:
        events.put((name, "leads", time.time()))
        stop.wait()

    elector = LeaderElector(provider.reader("sandbox"), ElectionConfig(namespace="default", name=lease,
                                                                       identity=name),
                            on_started_leading=work)
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    elector.start()
    events.put((name, "stands", time.time()))
    stopping.wait()
    elector.stop()
    events.put((name, "stopped", time.time()))


def trial(config: str, lease: str, how: str) -> float:
    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    processes = {name: context.Process(target=replica, args=(config, name, lease, events), daemon=True)
                 for name in ("replica-a", "replica-b")}
    for process in processes.values():
        process.start()
    # Both replicas stand and the follower has seen the leader renew (one retry period) before the leader goes.
    leader, standing = "", 0
    while not leader or standing < 2:
        name, what, _ = events.get(timeout=120)
        standing += what == "stands"
        leader = leader or (name if what == "leads" else "")
    time.sleep(3)
    gone = time.time()
    pid = processes[leader].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL if how == "kill" else signal.SIGTERM)
    while True:
        name, what, at = events.get(timeout=60)
        print(f"    {name} {what} {at - gone:+.1f} s", file=sys.stderr, flush=True)
        if what == "leads" and name != leader:
            took = float(at) - gone
            break
    for process in processes.values():
        if process.is_alive():
            process.kill()
        process.join(5)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox("healthy", arm=False) as sandbox:
        config = str(sandbox.write_config(Path(tmp)))
        print("leader failover, two replica processes, lease 15 s / renew deadline 10 s / retry 2 s")
        for how, label in (("kill", "leader killed (SIGKILL)"), ("stop", "leader stopped (SIGTERM, releases)")):
            times = [trial(config, f"bench-{how}-{i}", how) for i in range(args.trials)]
            shown = ", ".join(f"{t:.1f} s" for t in times)
            print(f"  {label:<36} {shown}  (median {statistics.median(times):.1f} s)")


if __name__ == "__main__":
    main()
