"""Ack latency of `aksbot serve --http` while an approved drain runs, beside the same load with nothing running.

A drain is requested (`/k8s drain NODE --timeout 90 --force`, signed, as an operator) and approved (a signed
Approve click, as an approver) on a node whose pods a PodDisruptionBudget protects, so the drain keeps retrying
evictions — and updating its card with progress — for the whole measurement. Meanwhile 200 signed `/k8s nodes`
slash commands arrive, 20 at a time, from a client process of its own (bench_slack.py's), and their acks are
timed; then the same load runs with nothing else going on. The issue's target: a running drain does not slow the
acks (approved actions run on their own executor in the worker process; acks are the front process's).

    .venv/bin/python bench/bench_drain_acks.py [--requests 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_slack import remote_load, report  # noqa: E402

from tests.support import minicluster  # noqa: E402
from tests.support.kubectl import start_minicluster, write_kubeconfig  # noqa: E402
from tests.support.replicas import ServeProcess  # noqa: E402
from tests.support.slack import (  # noqa: E402
    WebApiServer,
    block_actions,
    interaction_body,
    signed_post,
    slack_env,
    slash_body,
)

ALICE, BOB = "U0ALICE", "U0BOB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    api = WebApiServer().start()
    kube = start_minicluster()
    folder = Path(tempfile.mkdtemp(prefix="aksbot-bench-drain-"))
    config = folder / "aksbot.yaml"
    config.write_text(yaml.safe_dump({
        "clusters": [{"name": "sandbox", "kubeconfig": str(write_kubeconfig(folder, kube)), "context": "sandbox"}],
        "roles": {"viewer": ["*"], "operator": [ALICE], "approver": [BOB]},
        "store": {"sqlite_path": "bench.sqlite3"},
    }))
    serve = ServeProcess(config, slack_env(api.api_url), folder / "serve.log", workers=16)
    serve.wait_healthy()
    url = f"http://127.0.0.1:{serve.port}/slack/events"
    print(f"{args.requests} signed /k8s nodes at concurrency {args.concurrency}, aksbot serve --http")
    remote_load(url, api, "C0WARMUP", 40, args.concurrency)  # imports, first cluster reads

    quiet = remote_load(url, api, "C0QUIET", args.requests, args.concurrency)
    report("nothing else running", *quiet)

    channel = "C0DRAINBENCH"
    body = slash_body(f"drain {minicluster.GUARDED} --timeout 90 --force", user=ALICE, channel=channel,
                      response_url=api.response_url())
    assert signed_post(url, body) == 200
    api.wait_for(lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")), timeout=30)
    card = next(c for c in api.of("chat.postMessage") if c.params.get("channel") == channel)
    buttons = {e["text"]["text"]: e for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]}
    message = {"type": "message", "user": "U0AKSBOT", "ts": card.result["ts"], "text": "",
               "blocks": card.params["blocks"]}
    click = interaction_body(block_actions(user=BOB, channel=channel, message=message, action=buttons["Approve"],
                                           response_url=api.response_url()))
    assert signed_post(url, click) == 200

    def progress(s: WebApiServer) -> bool:
        return any("Evicting" in json.dumps(c.params) for c in s.of("chat.postMessage") + s.of("chat.update"))

    api.wait_for(progress, timeout=30)
    started = time.monotonic()
    during = remote_load(url, api, "C0DURING", args.requests, args.concurrency)
    report("while the drain runs", *during)
    finished = any("finished at" in json.dumps(c.params) for c in api.of("chat.update")
                   if c.params.get("ts") == card.result["ts"])
    print(f"the drain was {'finished' if finished else 'still running'} when the load ended "
          f"({time.monotonic() - started:.1f} s after it started evicting)")
    serve.stop()
    kube.stop()
    api.stop()


if __name__ == "__main__":
    main()
