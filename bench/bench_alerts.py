"""How fast the alert webhooks answer, on SQLite and on PostgreSQL, over real HTTP (waitress, 16 threads).

The server runs in its own process, as the bot does (the senders are other processes), so the client's threads
do not take the server's interpreter lock.

`--requests` POSTs at concurrency `--concurrency` (default 2,000 at 20, the issue's target: p99 < 100 ms, no
errors) to `/alerts/alertmanager` with the published Alertmanager body: a quarter are new problems (a new group
key, so a state row, a history row, messages and a post are written in one transaction), the rest repeat one of
them (a duplicate delivery: one read, nothing written). Then the same for `/alerts/azure-monitor`, half Fired and
half Resolved notices of distinct alerts. Prints p50 / p99 / max and the error count for each.

    PYTHONPATH=. python bench/bench_alerts.py [--requests N] [--concurrency N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from waitress.server import create_server

from bot.alerts.intake import MAX_BODY, AlertIntake
from bot.alerts.runbooks import RunbookResolver
from bot.alerts.store import AlertStore
from bot.approvals.store import PostgresApprovalStore, SqliteApprovalStore
from bot.settings import from_mapping
from knowledge import load_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "alerts"
TOKEN = "bench-token"


def alertmanager_bodies(count: int) -> list[bytes]:
    base = json.loads((FIXTURES / "alertmanager-longhorn-3-alerts.json").read_bytes())
    distinct = []
    for i in range(max(1, count // 4)):
        body = json.loads(json.dumps(base))
        body["groupKey"] = f'{{}}:{{alertname="LonghornVolumeStatusWarning", volume="v{i}"}}'
        for n, alert in enumerate(body["alerts"]):
            alert["fingerprint"] = f"{i:08x}{n:08x}"
        distinct.append(json.dumps(body).encode())
    return [distinct[i % len(distinct)] for i in range(count)]


def azure_bodies(count: int) -> list[bytes]:
    base = json.loads((FIXTURES / "azure-metric-alert-fired.json").read_bytes())
    out = []
    for i in range(count):
        body = json.loads(json.dumps(base))
        pair = i // 2
        essentials = body["data"]["essentials"]
        essentials["alertId"] = essentials["alertId"].rsplit("/", 1)[0] + f"/{uuid.UUID(int=pair)}"
        body["data"]["alertContext"]["condition"]["allOf"][0]["dimensions"][0]["value"] = f"api-{pair}"
        if i % 2:
            essentials.update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:27:12.851Z")
        out.append(json.dumps(body).encode())
    return out


def _serve(db_kind: str, where: str, port_out: Any, stop: Any) -> None:
    db: SqliteApprovalStore | PostgresApprovalStore = (
        SqliteApprovalStore(Path(where)) if db_kind == "sqlite" else
        PostgresApprovalStore(db_kind, schema=where, pool_size=16))
    settings = from_mapping({}, source=None, environ={"AKSBOT_ALERTS_TOKEN": TOKEN})
    app = AlertIntake(settings, AlertStore(db), runbooks=RunbookResolver(load_knowledge_base()))
    server = create_server(app, host="127.0.0.1", port=0, threads=16, max_request_body_size=MAX_BODY)
    port_out.put(int(server.effective_port))

    def serve() -> None:
        with contextlib.suppress(OSError):  # closed under the loop at the end
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stop.wait()
    server.close()
    db.close()


def run(db_kind: str, where: str, bodies: list[bytes], path: str, concurrency: int) -> tuple[list[float],
                                                                                               Counter[int]]:
    context = multiprocessing.get_context("spawn")
    port_out, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve, args=(db_kind, where, port_out, stop), daemon=True)
    process.start()
    port = int(port_out.get(timeout=60))
    local = threading.local()
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def post(body: bytes) -> float:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {TOKEN}",
                                                         "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        took = time.perf_counter() - started
        with lock:
            statuses[response.status] += 1
        return took

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pool.map(post, bodies[: concurrency * 2])  # warm-up: connections, the knowledge base's first load
            statuses.clear()
            latencies = list(pool.map(post, bodies))
    finally:
        stop.set()
        process.join(timeout=10)
    return latencies, statuses


def report(name: str, latencies: list[float], statuses: Counter[int]) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    errors = sum(n for status, n in statuses.items() if status != 200)
    detail = ", ".join(f"{n}×{status}" for status, n in sorted(statuses.items()) if status != 200)
    print(f"  {name:<38} n={len(ms):>5}  p50 {statistics.median(ms):6.1f} ms  p99 {p99:6.1f} ms  "
          f"max {ms[-1]:6.1f} ms  errors {errors}{f' ({detail})' if detail else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"alert webhooks over HTTP, {args.requests} requests at concurrency {args.concurrency}")
    with tempfile.TemporaryDirectory() as tmp:
        schema = f"bench_alerts_{uuid.uuid4().hex[:8]}"
        for name, kind, where in (("SQLite", "sqlite", str(Path(tmp) / "bench.sqlite3")),
                                  ("PostgreSQL", args.postgres, schema)):
            print(name)
            try:
                latencies, statuses = run(kind, where, alertmanager_bodies(args.requests), "/alerts/alertmanager",
                                          args.concurrency)
                report("alertmanager (1/4 new, 3/4 duplicates)", latencies, statuses)
                latencies, statuses = run(kind, where, azure_bodies(args.requests), "/alerts/azure-monitor",
                                          args.concurrency)
                report("azure-monitor (Fired + Resolved pairs)", latencies, statuses)
            finally:
                if kind != "sqlite":
                    cleanup = PostgresApprovalStore(kind, schema=where)
                    cleanup.drop()
                    cleanup.close()


if __name__ == "__main__":
    main()
