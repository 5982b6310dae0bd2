"""Two `aksbot serve --http` replicas on one PostgreSQL behind a round-robin balancer, one killed mid-load.

Each run sends `--requests` signed Slack requests, `--concurrency` at a time, through the balancer: 70 % `/k8s
nodes` slash commands and 30 % `@aksbot pods -n shop` mentions, each mention sent a second time to the other
replica with `X-Slack-Retry-Num: 1` (as Slack retries). Halfway through, one replica is SIGKILLed (its front and
worker process together). Reported: ack latency before and after the kill, requests the balancer could not
deliver, and — once nothing more arrives — how many requests were answered exactly once, twice, or never, and
how long the slowest took (the ones the dead replica had kept are answered by the other when their lease ends).
A run without a kill is the baseline.

Targets: every acked request answered exactly once; no ack over 3 s (Slack's limit); the last orphan answered
within the delivery lease plus the recovery poll (5 s).

    .venv/bin/python bench/bench_replicas.py [--requests 400] [--concurrency 50] [--lease 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.approvals.store import PostgresApprovalStore  # noqa: E402
from tests.support.approvals import POSTGRES_URL, unique_schema  # noqa: E402
from tests.support.kubectl import start_minicluster, write_kubeconfig  # noqa: E402
from tests.support.replicas import RoundRobin, ServeProcess  # noqa: E402
from tests.support.slack import (  # noqa: E402
    FORM,
    WebApiServer,
    mention_event,
    signed_post,
    slack_env,
    slash_body,
)

USER = "U0ALICE"


def run(requests: int, concurrency: int, lease: float, kill: bool) -> None:
    api = WebApiServer().start()
    kube = start_minicluster()
    folder = Path(tempfile.mkdtemp(prefix="aksbot-bench-replicas-"))
    schema = unique_schema()
    config = folder / "aksbot.yaml"
    config.write_text(yaml.safe_dump({
        "clusters": [{"name": "sandbox", "kubeconfig": str(write_kubeconfig(folder, kube)), "context": "sandbox"}],
        "roles": {"viewer": ["*"]},
        "store": {"postgres_schema": schema, "delivery_lease_seconds": lease},
    }))
    env = {**slack_env(api.api_url), "AKSBOT_DATABASE_URL": POSTGRES_URL}
    replicas = [ServeProcess(config, env, folder / f"replica-{i}.log", workers=16) for i in range(2)]
    for replica in replicas:
        replica.wait_healthy()
    balancer = RoundRobin([r.address for r in replicas]).start()
    url = f"{balancer.url}/slack/events"
    sent: dict[str, float] = {}  # channel → when its request was first sent
    acks: list[tuple[float, float]] = []  # (sent at, seconds)
    undelivered = 0
    killed_at: float | None = None

    acked: set[str] = set()

    def send(body: str, content_type: str, headers: dict[str, str], channel: str) -> int:
        nonlocal undelivered
        started = time.monotonic()
        try:
            status = signed_post(url, body, content_type, headers=headers)
        except OSError:
            status = 0
        if status == 200:
            acks.append((started, time.monotonic() - started))
            acked.add(channel)
        else:
            undelivered += 1
        return status

    def one(i: int) -> None:
        channel = f"C{i:09d}"
        sent[channel] = time.monotonic()
        if i % 10 < 7:
            send(slash_body("nodes", user=USER, channel=channel, response_url=api.response_url()), FORM, {}, channel)
            return
        body = json.dumps(mention_event("pods -n shop", user=USER, channel=channel, ts=f"{time.time():.6f}"))
        send(body, "application/json", {}, channel)
        # Slack's retry (it retries after a success it did not see, and keeps retrying while it gets no ack).
        for retry in range(1, 4):
            if send(body, "application/json", {"X-Slack-Retry-Num": str(retry)}, channel) == 200:
                break

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(one, i) for i in range(requests // 2)]
        if kill:
            time.sleep(0.2)
            replicas[0].kill()
            killed_at = time.monotonic()
        futures += [pool.submit(one, i) for i in range(requests // 2, requests)]
        for f in futures:
            f.result()
    # Wait until every request has an answer, or nothing new arrived for lease + 15 s.
    quiet_for = lease + 15
    last, since = -1, time.monotonic()
    while True:
        answered = {c.params.get("channel") for c in api.of("chat.postMessage")}
        if len(answered) != last:
            last, since = len(answered), time.monotonic()
        if len(answered) >= requests or time.monotonic() - since > quiet_for:
            break
        time.sleep(0.2)
    done_at = time.monotonic() if last >= requests else since
    per_channel: dict[str, int] = {}
    for call in api.of("chat.postMessage"):
        channel = str(call.params.get("channel"))
        per_channel[channel] = per_channel.get(channel, 0) + 1
    once = sum(1 for c in sent if per_channel.get(c) == 1)
    twice = sum(1 for c in sent if per_channel.get(c, 0) > 1)
    never = sum(1 for c in acked if not per_channel.get(c))
    unacked = [c for c in sent if c not in acked]
    unacked_answered = sum(1 for c in unacked if per_channel.get(c))
    before = sorted(s for t, s in acks if killed_at is None or t < killed_at)
    after = sorted(s for t, s in acks if killed_at is not None and t >= killed_at)

    def pct(values: list[float], q: float) -> str:
        if not values:
            return "-"
        return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:.0f} ms"

    survivor = replicas[1].log.read_text()
    orphans = sum(int(line.split("answering ")[1].split(" ")[0]) for line in survivor.splitlines()
                  if "another process accepted and did not answer" in line)
    label = "one replica killed" if kill else "no kill (baseline)"
    print(f"{label}: {requests} requests at concurrency {concurrency}, delivery lease {lease:g} s")
    print(f"  acks: before the kill p50 {pct(before, 0.5)} p99 {pct(before, 0.99)} (n={len(before)}); "
          f"after p50 {pct(after, 0.5)} p99 {pct(after, 0.99)} (n={len(after)}); max "
          f"{max((s for _, s in acks), default=0) * 1000:.0f} ms; balancer could not deliver {undelivered}, "
          f"rerouted {balancer.rerouted} away from the dead replica")
    print(f"  answered exactly once {once}, more than once {twice}, acked and never answered {never}; "
          f"never acked {len(unacked)} (slash commands cut off by the kill; answered anyway: {unacked_answered}); "
          f"orphans answered by the survivor {orphans}; the last answer {done_at - began:.1f} s after the start"
          + (f", {done_at - killed_at:.1f} s after the kill" if killed_at is not None else ""))
    balancer.stop()
    for replica in replicas:
        replica.stop()
    store = PostgresApprovalStore(POSTGRES_URL, schema=schema)
    store.drop()
    store.close()
    kube.stop()
    api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--lease", type=float, default=10.0)
    args = parser.parse_args()
    run(args.requests, args.concurrency, args.lease, kill=False)
    run(args.requests, args.concurrency, args.lease, kill=True)


if __name__ == "__main__":
    main()
