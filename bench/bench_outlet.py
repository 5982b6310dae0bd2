"""How fast the alert outlet turns recorded problems into Slack messages, on SQLite and on PostgreSQL, through
slack_sdk's WebClient against the local Slack Web API double (tests/support/slack.py) over real HTTP.

- throughput: `--problems` problems recorded at once over 10 channels (rate limit out of the way), then the
  outlet's loop drains them: posts per second; then every problem changes once: updates per second;
- latency: `--samples` times, one problem is recorded and the outlet woken (as the webhook intake and the
  watcher do); the time from `record` returning to the double having the `chat.postMessage`. The grouping
  window is 0 here: in production the post waits `group_seconds` (default 2 s) more, by design.

    PYTHONPATH=. python bench/bench_outlet.py [--problems N] [--samples N] [--postgres URL]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.alerts.outlet import Outlet  # noqa: E402
from bot.alerts.settings import AlertSettings  # noqa: E402
from bot.alerts.store import AlertStore  # noqa: E402
from bot.approvals.store import PostgresApprovalStore, SqlApprovalStore, SqliteApprovalStore  # noqa: E402
from bot.settings import from_mapping  # noqa: E402
from bot.slack.alerts import SlackAlertPoster, alert_client  # noqa: E402
from tests.support.alerts import crashloop, record  # noqa: E402
from tests.support.approvals import bench_parser  # noqa: E402
from tests.support.slack import BOT_TOKEN, WebApiServer  # noqa: E402
from tests.support.waiting import eventually  # noqa: E402

CHANNELS = [f"C0BENCH{n:02d}" for n in range(10)]


def alert_settings() -> AlertSettings:
    routes = [{"namespaces": [f"ns-{n}"], "channel": channel} for n, channel in enumerate(CHANNELS)]
    return AlertSettings.model_validate({"default_channel": CHANNELS[0], "group_seconds": 0, "routes": routes,
                                         "rate_limit": {"max_messages": 1000, "per_minutes": 1}})


def bench(name: str, db: SqlApprovalStore, api: WebApiServer, problems: int, samples: int) -> None:
    store = AlertStore(db)
    settings = alert_settings()
    slack = from_mapping({"clusters": []}, source="bench.yaml",
                         environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": api.api_url})
    outlet = Outlet(store, SlackAlertPoster(alert_client(slack)), settings, worker="bench", poll_seconds=0.5)
    run = uuid.uuid4().hex[:6]
    now = datetime.now(UTC)
    groups = [crashloop(f"{run}-{i}", now, namespace=f"ns-{i % len(CHANNELS)}") for i in range(problems)]
    for group in groups:
        record(store, settings, group, now)
    api.reset()
    stop = threading.Event()
    loop = threading.Thread(target=outlet.run, args=(stop,), daemon=True)
    started = time.perf_counter()
    loop.start()
    eventually(lambda: store.pending() == 0, 300.0, "the outlet drained", interval=0.005)
    posts = time.perf_counter() - started
    posted = len(api.of("chat.postMessage"))

    changed = datetime.now(UTC)
    for i in range(problems):
        record(store, settings, crashloop(f"{run}-{i}", now, namespace=f"ns-{i % len(CHANNELS)}", restarts=9),
               changed)
    started = time.perf_counter()
    outlet.wake()
    eventually(lambda: store.pending() == 0, 300.0, "the outlet drained", interval=0.005)
    updates = time.perf_counter() - started
    updated = len(api.of("chat.update"))

    latencies = []
    for i in range(samples):
        before = len(api.of("chat.postMessage"))
        at = datetime.now(UTC)
        record(store, settings, crashloop(f"{run}-late-{i}", at, namespace=f"ns-{i % len(CHANNELS)}"), at)
        recorded = time.perf_counter()
        outlet.wake()
        api.wait_for(lambda s, n=before: len([c for c in s.calls if c.method == "chat.postMessage"]) > n, 30)
        latencies.append((time.perf_counter() - recorded) * 1000)
    stop.set()
    loop.join(timeout=10)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{name}: {posted} posts in {posts:.2f} s ({posted / posts:.0f}/s); {updated} updates in {updates:.2f} s "
          f"({updated / updates:.0f}/s); record → Slack post p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms over {samples}")


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    api = WebApiServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = SqliteApprovalStore(Path(folder) / "bench.sqlite3")
            try:
                bench("SQLite", sqlite, api, args.problems, args.samples)
            finally:
                sqlite.close()
        schema = f"bench_outlet_{uuid.uuid4().hex[:8]}"
        postgres = PostgresApprovalStore(args.postgres, schema=schema)
        try:
            bench("PostgreSQL", postgres, api, args.problems, args.samples)
        finally:
            postgres.drop()
            postgres.close()
    finally:
        api.stop()


if __name__ == "__main__":
    main()
