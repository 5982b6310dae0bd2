"""What the expiry sweeper's moot check costs (`ApprovalWorkflow.settle_moot`, every 30 s on every replica).

For each of `--requests` nodes of a sandbox API server, one cordon request waits for approval (through the real
workflow, the official kubernetes client and the sandbox); the sweeper's check re-reads each request's preview (the
node, live) to see whether what it asks already holds. Printed: the time of one whole check with nothing moot,
p50 / max over `--rounds`, per request, and as a share of the 30 s interval; then the same after a hand
`kubectl cordon` of every node, when each request ends (card redrawn, requester told, audit written).

    .venv/bin/python bench/bench_moot.py [--requests 50] [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import handlers.actions  # noqa: E402
import handlers.approvals  # noqa: E402,F401
from bot.surface import Incoming, InputKind  # noqa: E402
from tests.support.approvals import request_id_of, sandbox_approvals  # noqa: E402
from tests.support.foundation import Conversation  # noqa: E402
from tests.support.kubectl import start_minicluster  # noqa: E402
from tests.support.minicluster import node  # noqa: E402

SWEEP_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    server = start_minicluster()
    names = [f"aks-bench-{i:05d}-vmss000000" for i in range(args.requests)]
    for i, name in enumerate(names):
        server.apply(node(name, 10 + i))
    server.controllers.settle()
    try:
        with tempfile.TemporaryDirectory() as folder, sandbox_approvals(
            Path(folder), server, {"operator": ["alice"], "approver": ["bob"]}
        ) as made:
            workflow = made.dispatcher.deps.approvals
            assert workflow is not None
            channel = Conversation()
            for name in names:
                outcome = made.dispatcher.handle(Incoming(f"/k8s cordon {name}", "alice", InputKind.SLASH, "C0"),
                                                 channel)
                request_id_of(outcome)
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                assert workflow.settle_moot() == 0
                times.append(time.perf_counter() - started)
            p50, worst = statistics.median(times), max(times)
            print(f"{args.requests} waiting cordon requests, nothing moot: one check p50 {p50 * 1000:.0f} ms, "
                  f"max {worst * 1000:.0f} ms ({p50 / args.requests * 1000:.1f} ms a request; "
                  f"{p50 / SWEEP_SECONDS:.2%} of the 30 s interval, per replica)")
            writer = made.clusters.writer("sandbox")
            for name in names:
                writer.cordon(name, True)  # kubectl cordon, by hand
            started = time.perf_counter()
            ended = workflow.settle_moot()
            took = time.perf_counter() - started
            print(f"all {ended} made moot by hand: one check that ends them all {took * 1000:.0f} ms "
                  f"({took / max(ended, 1) * 1000:.1f} ms a request: re-read, compare-and-set, card, notice, audit)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
