"""How fast the approval workflow decides, on SQLite and on PostgreSQL.

For each store: the latency of a request (preview + insert + audit) and of an approval that runs a no-op action
(approval row, compare-and-set to approved and running, re-check, action, outcome, audit), p50 / p99 over
`--requests` requests; then `--clicks` concurrent approvals of one request through two workflow instances
(two replicas) and the time until every click was answered, with the number of executions (always 1).

    PYTHONPATH=. python bench/bench_approvals.py [--requests N] [--clicks N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bot.approvals.store import ApprovalStore, PostgresApprovalStore, SqliteApprovalStore
from bot.approvals.workflow import ApprovalWorkflow
from bot.blocks import Message, View
from bot.clock import SystemClock
from bot.deps import Deps
from bot.errors import NotConfigured
from bot.groups import SettingsGroups
from bot.preview import Preview
from bot.registry import Args, Caller, ClusterCall, Registry, Risk, arg
from bot.settings import from_mapping
from bot.surface import MessageRef

registry = Registry()
executions: list[str] = []
lock = threading.Lock()


class TargetArgs(Args):
    target: str = arg(help="what to touch")


def preview_touch(call: ClusterCall[TargetArgs], deps: Deps) -> Preview:
    return Preview(f"Touch {call.args.target}", expect=(("target", call.args.target),))


@registry.command("touch", args=TargetArgs, risk=Risk.DISRUPTIVE, preview=preview_touch)
def touch(call: ClusterCall[TargetArgs], deps: Deps) -> Message:
    """Touch something (a no-op action)."""
    with lock:
        executions.append(call.args.target)
    return Message(f"touched {call.args.target}")


class Nothing:
    def reader(self, cluster: str) -> Any:
        raise NotConfigured("no cluster")

    def writer(self, cluster: str) -> Any:
        raise NotConfigured("no cluster")

    def client(self, cluster: str) -> Any:
        raise NotConfigured("no azure")


class Silent:
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        return None

    def update(self, ref: MessageRef, view: View) -> None:
        return None


SETTINGS = from_mapping(
    {"clusters": [{"name": "bench", "kubeconfig": "/dev/null"}], "roles": {"operator": ["alice"], "approver": ["bob"]}},
    source=None,
    environ={},
)


def workflow(store: ApprovalStore) -> ApprovalWorkflow:
    deps = Deps(settings=SETTINGS, clock=SystemClock(), clusters=Nothing(), azure=Nothing())
    return ApprovalWorkflow(deps, store, Silent(), SettingsGroups(SETTINGS), registry=registry)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def call(target: str) -> ClusterCall[TargetArgs]:
    return ClusterCall(
        command="touch", args=TargetArgs(target=target), caller=Caller("alice"), cluster="bench",
        text=f"/k8s touch {target}",
    )


def run(name: str, stores: tuple[ApprovalStore, ApprovalStore], requests: int, clicks: int) -> None:
    spec = registry.get("touch")
    assert spec is not None
    a, b = workflow(stores[0]), workflow(stores[1])
    asked: list[float] = []
    approved: list[float] = []
    for i in range(requests):
        t0 = time.perf_counter()
        card = a.request(call(f"t{i}"), spec)
        t1 = time.perf_counter()
        a.approve(card.request_id, Caller("bob"))
        t2 = time.perf_counter()
        asked.append((t1 - t0) * 1000)
        approved.append((t2 - t1) * 1000)
    executions.clear()
    card = a.request(call("race"), spec)
    barrier = threading.Barrier(clicks)

    def click(i: int) -> None:
        barrier.wait()
        (a if i % 2 else b).approve(card.request_id, Caller("bob"))

    threads = [threading.Thread(target=click, args=(i,)) for i in range(clicks)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    race = (time.perf_counter() - t0) * 1000
    print(
        f"{name:10s} request p50 {statistics.median(asked):6.2f} ms  p99 {percentile(asked, 99):6.2f} ms | "
        f"approve+run p50 {statistics.median(approved):6.2f} ms  p99 {percentile(approved, 99):6.2f} ms | "
        f"{clicks} racing clicks answered in {race:7.1f} ms, executions: {executions.count('race')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clicks", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        sqlite = (SqliteApprovalStore(path), SqliteApprovalStore(path))
        run("sqlite", sqlite, args.requests, args.clicks)
        for s in sqlite:
            s.close()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    pg = (PostgresApprovalStore(args.postgres, schema=schema), PostgresApprovalStore(args.postgres, schema=schema))
    try:
        run("postgres", pg, args.requests, args.clicks)
    finally:
        pg[0].drop()
        for p in pg:
            p.close()


if __name__ == "__main__":
    main()
