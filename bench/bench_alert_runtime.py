"""The alert runtime inside real `aksbot serve --http` processes, with the Slack Web API double and a sandbox:

- `latency`: a sandbox node stops heartbeating; the time from the node controller marking it Unknown (the grace
  period after its last lease renewal: that is when the rule can fire) to its alert's Slack post. The bot runs
  with its default pacing (`alerts.group_seconds` 2, watcher debounce 0.5 s, rescan 5 s, outlet poll 1 s).
  Target: < 5 s beyond the grace period.
- `failover`: two replicas on one PostgreSQL with the production Lease durations (15 s / 10 s / 2 s); the leader
  is SIGKILLed and an Alertmanager notification sent to the survivor at once; the time from the kill to the new
  leader holding the Lease and to that notification's Slack post. Target: < 20 s.
- `memory`: one replica watching the sandbox's `large` scenario (5,000 nodes, 50,020 pods; the sandbox in a
  process of its own); the resident memory of the bot's processes (front + worker) once the watch caches are
  synced and the watcher has scanned and posted, and the watcher's scan time. Target: < 500 MB for the whole bot.

    PYTHONPATH=. python bench/bench_alert_runtime.py [--part latency|failover|memory|all] [--trials N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.approvals.store import PostgresApprovalStore  # noqa: E402
from bot.cluster.kube import KubeClusterProvider  # noqa: E402
from bot.settings import load  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from tests.support.approvals import POSTGRES_URL, unique_schema  # noqa: E402
from tests.support.kubectl import sandbox_server  # noqa: E402
from tests.support.replicas import ServeProcess  # noqa: E402
from tests.support.slack import ApiCall, WebApiServer, slack_env  # noqa: E402

ALERTS = "C0ALERTS"
AM = "C0AMALERTS"
TOKEN = "bench-alerts-token"
FIXTURE = ROOT / "tests" / "fixtures" / "alerts" / "alertmanager-cputhrottlinghigh.json"


def env(api: WebApiServer, **extra: str) -> dict[str, str]:
    return {**slack_env(api.api_url), "AKSBOT_ALERTS_TOKEN": TOKEN, **extra}


def configure(path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(path.read_text())
    data.setdefault("alerts", {})["routes"] = [{"sources": ["alertmanager"], "channel": AM}]
    data.update(changes)
    path.write_text(yaml.safe_dump(data))
    return path


def posts(api: WebApiServer, channel: str, containing: str = "") -> list[ApiCall]:
    return [c for c in api.of("chat.postMessage") if c.params.get("channel") == channel
            and not c.params.get("thread_ts") and containing in json.dumps(c.params.get("blocks") or [])]


def updates(api: WebApiServer, channel: str) -> list[ApiCall]:
    return [c for c in api.of("chat.update") if c.params.get("channel") == channel]


def wait(check: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.05)
    return time.monotonic()


def node_names(config: Path) -> list[str]:
    provider = KubeClusterProvider(load(str(config), environ={}))
    try:
        return [n.name for n in provider.reader(provider.settings.cluster_names()[0]).nodes() if n.ready == "True"]
    finally:
        provider.close()


# -- latency ------------------------------------------------------------------------------------------------------


def latency(trials: int, grace: float) -> dict[str, Any]:
    api = WebApiServer().start()
    with tempfile.TemporaryDirectory() as tmp, Sandbox("healthy", arm=False,
                                                       node_monitor_grace_seconds=grace) as sandbox:
        config = configure(sandbox.write_config(tmp), store={"sqlite_path": f"{tmp}/bot.sqlite3"})
        serve = ServeProcess(config, env(api), Path(tmp) / "serve.log")
        try:
            serve.wait_healthy()
            time.sleep(8)  # the caches synced, the first scan done
            assert sandbox.kube is not None
            beyond: list[float] = []
            provider = KubeClusterProvider(load(str(config), environ={}))
            reader = provider.reader(provider.settings.cluster_names()[0])
            for node in node_names(config)[:trials]:
                stopped = time.monotonic()
                sandbox.kube.stop_heartbeat(node)
                # The rule fires when the node controller marks the node (the grace period after its last
                # renewal, which may be up to a renewal interval before the stop): watch for that moment.
                turned = wait(lambda n=node: reader.node(n).ready != "True", grace + 60)
                # Its stale lease may be posted first (a warning while still Ready); the Unknown node is then the
                # same message, edited: either call counts.
                posted = wait(lambda n=node: any(f"Node {n} is Unknown" in str(c.params.get("text")) or
                                                 f"Node {n} is NotReady" in str(c.params.get("text"))
                                                 for c in posts(api, ALERTS) + updates(api, ALERTS)), grace + 60)
                if posted is None or turned is None:
                    raise RuntimeError(f"no alert for {node}: {serve.log.read_text()[-2000:]}")
                beyond.append(posted - turned)
                print(f"  {node}: NotReady {turned - stopped:.2f} s after the heartbeat stopped, its alert posted "
                      f"{posted - turned:.2f} s after that", flush=True)
                sandbox.kube.resume_heartbeat(node)
            provider.close()
            return {"grace_s": grace, "notready_to_post_s": beyond, "median_s": statistics.median(beyond),
                    "max_s": max(beyond)}
        finally:
            serve.stop()
            api.stop()


# -- failover -----------------------------------------------------------------------------------------------------


def holder(config: Path, name: str) -> str:
    provider = KubeClusterProvider(load(str(config), environ={}))
    try:
        lease = provider.reader(provider.settings.cluster_names()[0]).lease_object("default", name)
    finally:
        provider.close()
    return str(((lease or {}).get("spec") or {}).get("holderIdentity") or "")


def failover_trial(trial: int) -> dict[str, float]:
    api = WebApiServer().start()
    schema = unique_schema()
    lease = f"aksbot-bench-{trial}-{schema.replace('_', '-')}"
    with tempfile.TemporaryDirectory() as tmp, Sandbox("healthy", arm=False) as sandbox:
        config = configure(sandbox.write_config(tmp), store={"postgres_schema": schema},
                           leader={"namespace": "default", "name": lease})
        replicas = [ServeProcess(config, env(api, AKSBOT_DATABASE_URL=POSTGRES_URL),
                                 Path(tmp) / f"replica-{i}.log") for i in range(2)]
        try:
            for replica in replicas:
                replica.wait_healthy()
            wait(lambda: bool(holder(config, lease)), 60)
            time.sleep(3)  # the follower has seen the leader renew
            first = holder(config, lease)
            leading = next(i for i, r in enumerate(replicas) if first in r.log.read_text())
            survivor = replicas[1 - leading]
            replicas[leading].kill()
            killed = time.monotonic()
            request = urllib.request.Request(
                f"http://127.0.0.1:{survivor.port}/alerts/alertmanager", data=FIXTURE.read_bytes(),
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 200
            led = wait(lambda: holder(config, lease) not in ("", first), 60)
            posted = wait(lambda: bool(posts(api, AM)), 60)
            if led is None or posted is None:
                raise RuntimeError(f"no takeover: {survivor.log.read_text()[-2000:]}")
            print(f"  trial {trial + 1}: the survivor leads {led - killed:.1f} s after the kill, posts the "
                  f"webhook's alert {posted - killed:.1f} s after", flush=True)
            return {"lease_s": led - killed, "post_s": posted - killed}
        finally:
            for replica in replicas:
                replica.stop()
            api.stop()
            cleanup = PostgresApprovalStore(POSTGRES_URL, schema=schema)
            cleanup.drop()
            cleanup.close()


def failover(trials: int) -> dict[str, Any]:
    results = [failover_trial(trial) for trial in range(trials)]
    return {"trials": results, "max_lease_s": max(r["lease_s"] for r in results),
            "max_post_s": max(r["post_s"] for r in results)}


# -- memory -------------------------------------------------------------------------------------------------------



def session_memory_mb(session: int) -> tuple[float, float, float]:
    """Resident, peak (VmHWM) and proportional (PSS) memory of every process in the session, in MB.

    Resident memory counts a page two processes share (the interpreter, numpy's and the tokenizer's libraries, the
    mapped model) once in each; PSS splits it between them, which is closer to what the pod's cgroup is charged."""
    rss = hwm = pss = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            status = (entry / "status").read_text()
            rollup = (entry / "smaps_rollup").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm += int(line.split()[1])
        pss += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return rss / 1024, hwm / 1024, pss / 1024


def oom_kill(kubeconfig: Path, config: Path, count: int) -> int:
    """OOM-kill the first container of `count` pods (the sandbox's control endpoint, as `aksbot sandbox oom-kill`)."""
    from sandbox.control import path_for, send

    provider = KubeClusterProvider(load(str(config), environ={}))
    try:
        reader = provider.reader(provider.settings.cluster_names()[0])
        pods = [p for ns in reader.namespaces()[-2:] for p in reader.pods(ns)][:count]
    finally:
        provider.close()
    return sum(send(kubeconfig, path_for("oom-kill", f"{pod.namespace}/{pod.name}"))[0] < 300 for pod in pods)


def memory(scenario: str, kills: int = 20) -> dict[str, Any]:
    api = WebApiServer().start()
    with tempfile.TemporaryDirectory() as tmp, sandbox_server(scenario, tmp) as written:
        config = configure(written, store={"sqlite_path": f"{tmp}/bot.sqlite3"})
        serve = ServeProcess(config, env(api), Path(tmp) / "serve.log")
        try:
            serve.wait_healthy()
            started = time.monotonic()
            scanned = wait(lambda: "alert watcher scanned" in serve.log.read_text(), 300)
            if scanned is None:
                raise RuntimeError(f"the watcher never scanned: {serve.log.read_text()[-2000:]}")
            samples = []
            for _ in range(10):  # the healthy cluster, watched and scanned
                samples.append(session_memory_mb(serve.process.pid))
                time.sleep(2)
            # The scenario is healthy: break it — containers OOMKilled (findings at once, a burst of alerts).
            broken = time.monotonic()
            killed = oom_kill(written.parent / "kubeconfig", config, kills)
            first = wait(lambda: bool(posts(api, ALERTS)), 120)
            if first is None:
                raise RuntimeError(f"nothing posted: {serve.log.read_text()[-2000:]}")
            for _ in range(20):  # scans, posts and updates after the first post
                samples.append(session_memory_mb(serve.process.pid))
                time.sleep(2)
            log = serve.log.read_text()
            scans = [float(s) for s in re.findall(r"alert watcher scanned \S+: \d+ findings in ([0-9.]+) s", log)]
            return {"scenario": scenario, "synced_and_scanned_s": scanned - started, "oom_killed": killed,
                    "first_post_after_break_s": first - broken, "rss_mb": max(s[0] for s in samples),
                    "peak_hwm_mb": max(s[1] for s in samples), "pss_mb": max(s[2] for s in samples),
                    "logged_scans": len(scans),
                    "scan_max_s": max(scans) if scans else None, "posts": len(posts(api, ALERTS)),
                    "updates": len(api.of("chat.update"))}
        finally:
            serve.stop()
            api.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="all", choices=("latency", "failover", "memory", "all"))
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--grace", type=float, default=10.0, help="the sandbox's node-monitor grace period (s)")
    parser.add_argument("--scenario", default="large")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    if args.part in ("latency", "all"):
        print("heartbeat stopped → Slack post:", flush=True)
        out["latency"] = latency(args.trials, args.grace)
    if args.part in ("failover", "all"):
        print("leader killed → the other leads and posts:", flush=True)
        out["failover"] = failover(args.trials)
    if args.part in ("memory", "all"):
        print(f"memory on the {args.scenario} scenario:", flush=True)
        out["memory"] = memory(args.scenario)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
