"""How fast incidents are declared, noted and read, on SQLite and on PostgreSQL, over the local Slack double.

For each store: the latency of a declaration through the Slack workspace adapter (reserve, create the channel,
invite, topic, post and pin the snapshot and the runbook, bookmark the runbook, open: eight Web API calls over
HTTP and four statements), of a note, and of reading a timeline of `--entries` entries (its own entries merged
with an approval trail of 20 requests); then `--pins` concurrent 📌 reactions on one message through two desks
(two replicas) and how many timeline entries they made (always 1).

    .venv/bin/python bench/bench_incidents.py [--declarations N] [--entries N] [--pins N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from slack_sdk.web import WebClient

from bot.approvals.model import AuditEntry, AuditEvent
from bot.approvals.store import PostgresApprovalStore, SqlApprovalStore, SqliteApprovalStore
from bot.blocks import Notice, View
from bot.clock import SystemClock
from bot.groups import SettingsGroups
from bot.incidents.model import EntryKind, Severity, TimelineEntry
from bot.incidents.ports import Asker, Declaration, Reaction, Runbook
from bot.incidents.service import IncidentDesk
from bot.incidents.store import SqlIncidentStore
from bot.registry import Caller
from bot.settings import from_mapping
from bot.slack.workspace import SlackWorkspace
from bot.surface import MessageRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.approvals import bench_parser, cordon_request
from tests.support.slack import BOT_TOKEN, WebApiServer

SETTINGS = from_mapping(
    {
        "clusters": [{"name": "prod", "kubeconfig": "/dev/null", "oncall": ["S0ONCALL"]}],
        "roles": {"viewer": ["*"], "operator": ["U0ALICE"], "approver": ["U0BOB"]},
        "groups": {"S0ONCALL": ["U0BOB", "U0DAVE"]},
    },
    source=None,
    environ={},
)
SNAPSHOT = View("Cluster healthy", (Notice("Cluster healthy"),))
RUNBOOK = Runbook(
    "node-notready", "Node NotReady", View("Node NotReady", (Notice("runbook"),)), "https://example.com/rb"
)


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def _desk(db: SqlApprovalStore, api: WebApiServer) -> IncidentDesk:
    client = WebClient(token=BOT_TOKEN, base_url=api.api_url)
    return IncidentDesk(SETTINGS, SystemClock(), SqlIncidentStore(db), SlackWorkspace(client), SettingsGroups(SETTINGS))


def run(name: str, db: SqlApprovalStore, again: SqlApprovalStore, api: WebApiServer, args: argparse.Namespace) -> None:
    desk, other = _desk(db, api), _desk(again, api)
    alice = Caller("U0ALICE")
    declared: list[float] = []
    last = None
    for i in range(args.declarations):
        title = f"bench {name} {i} {uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        last = desk.start(Declaration(title, Severity.SEV2, "prod", alice, "C0OPS", "en", SNAPSHOT, RUNBOOK))
        declared.append(time.perf_counter() - started)
    assert last is not None and last.incident.channel is not None
    incident, channel = last.incident, last.incident.channel
    asker = Asker(alice, channel, "en")
    noted: list[float] = []
    for i in range(args.entries):
        started = time.perf_counter()
        desk.note(asker, None, f"note {i}")
        noted.append(time.perf_counter() - started)
    now = SystemClock().now()
    for i in range(20):
        request = cordon_request(channel, at=now, node=f"aks-{i}", request_id=f"b{uuid.uuid4().hex[:7]}",
                                 correlation_id="bench")
        db.create(request)
        for event, actor in ((AuditEvent.REQUESTED, "U0ALICE"), (AuditEvent.APPROVAL, "U0BOB")):
            db.append_audit(AuditEntry(now, request.id, event, actor, "prod", "cordon", event.value))
    read: list[float] = []
    for _ in range(20):
        started = time.perf_counter()
        timeline = desk.timeline(asker, incident.id)
        read.append(time.perf_counter() - started)
    message = MessageRef(channel, api.say(channel, "U0DAVE", "error rate back to normal"))
    barrier = threading.Barrier(args.pins)
    added: list[bool] = []
    lock = threading.Lock()

    def pin(replica: IncidentDesk, user: str) -> None:
        barrier.wait()
        result = replica.on_reaction(Reaction(user, "pushpin", message))
        with lock:
            added.append(result)

    threads = [threading.Thread(target=pin, args=((desk, other)[i % 2], "U0DAVE")) for i in range(args.pins)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pinned = time.perf_counter() - started
    pins = [e for e in desk.store.entries(incident.id) if e.kind is EntryKind.PIN]
    print(f"{name}:")
    print(f"  declare (8 Web API calls over HTTP + store), {args.declarations}x: {_ms(declared)}")
    print(f"  note, {args.entries}x: {_ms(noted)}")
    print(f"  timeline of {len(timeline.entries)} entries (20 approval requests merged): {_ms(read)}")
    print(f"  {args.pins} racing 📌 on one message via 2 replicas: {pinned * 1000:.0f} ms, {len(pins)} entry added")
    assert len(pins) == 1 and isinstance(pins[0], TimelineEntry)


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--declarations", type=int, default=50)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--pins", type=int, default=20)
    args = parser.parse_args()
    api = WebApiServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite3"
            run("SQLite", SqliteApprovalStore(path), SqliteApprovalStore(path), api, args)
        if args.postgres:
            schema = f"bench_incidents_{uuid.uuid4().hex[:8]}"
            one = PostgresApprovalStore(args.postgres, schema=schema)
            two = PostgresApprovalStore(args.postgres, schema=schema)
            try:
                run("PostgreSQL", one, two, api, args)
            finally:
                one.drop()
                one.close()
                two.close()
    finally:
        api.stop()


if __name__ == "__main__":
    main()
