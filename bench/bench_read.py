"""Benchmark the read path on a big cluster: `nodes`, `health`, `diagnose cluster` beside kubectl.

Starts the sandbox's `large` scenario (5,000 nodes, 50,000 pods) in a process of its own, then runs every
measured command in a fresh child process, so the figures are the bot's own memory, not the API server's:

* bot commands: a child imports the handlers, builds `Deps` over `KubeClusterProvider`, runs the command
  through the registry and renders its view; it reports the command's wall time and its peak RSS
  (`VmHWM`), process start and imports excluded from the time, included in the memory.
* kubectl: `kubectl get nodes -o json` and `kubectl get pods -A -o json` against the same server, output to
  /dev/null; wall time and peak RSS from `wait4`.

Each is run `--repeat` times (default 3); the median is printed with the ratio to kubectl's nodes or pods time.

    .venv/bin/python bench/bench_read.py [--repeat 3] [--scenario large]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BOT_COMMANDS = ("nodes", "pods", "health", "diagnose cluster")
KUBECTL = (("kubectl get nodes -o json", ("get", "nodes", "-o", "json")),
           ("kubectl get pods -A -o json", ("get", "pods", "-A", "-o", "json")))
# Which kubectl run each bot command is compared with: the one that fetches the same objects.
COMPARED = {"nodes": "kubectl get nodes -o json", "pods": "kubectl get pods -A -o json",
            "health": "kubectl get pods -A -o json", "diagnose cluster": "kubectl get pods -A -o json"}


def child(command: str, config: str) -> None:
    """Run one command in this (fresh) process and print its time and this process's peak memory."""
    sys.path.insert(0, str(ROOT))
    import handlers
    from bot.azure.sdk import AzureSdkProvider
    from bot.clock import SystemClock
    from bot.cluster.kube import KubeClusterProvider
    from bot.deps import Deps
    from bot.registry import REGISTRY, Caller, ClusterCall
    from bot.settings import load

    handlers.load_all()
    spec = REGISTRY.get(command)
    if spec is None:
        print(json.dumps({"missing": True}))
        return
    settings = load(config)
    knowledge = None
    try:
        from knowledge import load_knowledge_base

        knowledge = load_knowledge_base()
    except ImportError:
        pass
    deps = Deps(settings, SystemClock(), KubeClusterProvider(settings), AzureSdkProvider(settings),
                knowledge=knowledge)
    cluster = settings.cluster_names()[0]
    call = ClusterCall(command=command, args=spec.args(), caller=Caller("bench"), cluster=cluster,
                       namespace="default", all_namespaces=True)
    rss_before = _vm_kb("VmRSS")
    start = time.perf_counter()
    result = spec.handler(call, deps)
    view = result.view()
    seconds = time.perf_counter() - start
    # VmHWM is this process image's own high-water mark (ru_maxrss would carry the forking parent's pages).
    peak_kb = _vm_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "baseline_mb": rss_before / 1024,
                      "summary": view.summary[:160]}))


def run_child(command: str, config: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--child", command, "--config", str(config)],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{out.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def run_kubectl(args: tuple[str, ...], kubeconfig: Path) -> dict[str, Any]:
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(["kubectl", "--kubeconfig", str(kubeconfig), "--request-timeout", "120s", *args],
                                   stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"kubectl {' '.join(args)} failed: {error}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def _vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def sandbox_process(scenario: str, directory: str) -> Iterator[Path]:
    """The sandbox in a process of its own (its memory is not the bot's); yields the aksbot.yaml it wrote."""
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sandbox.cli import main; sys.exit(main(sys.argv[1:]))",
         "--scenario", scenario, "--no-arm", "--write-config", directory],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield Path(directory) / "aksbot.yaml"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.config)
        return 0

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp, sandbox_process(args.scenario, tmp) as config:
        kubeconfig = Path(tmp) / "kubeconfig"
        print(f"sandbox {args.scenario!r} (in its own process) ready in {time.perf_counter() - started:.1f} s; "
              f"{args.repeat} run(s) each, median shown")
        results: dict[str, dict[str, float]] = {}
        for label, kargs in KUBECTL:
            runs = [run_kubectl(kargs, kubeconfig) for _ in range(args.repeat)]
            results[label] = {"seconds": statistics.median(r["seconds"] for r in runs),
                              "peak_mb": max(r["peak_mb"] for r in runs)}
        summaries: dict[str, str] = {}
        for command in BOT_COMMANDS:
            first = run_child(command, config)
            if first.get("missing"):
                print(f"{command}: not registered (skipped)")
                continue
            runs = [first] + [run_child(command, config) for _ in range(args.repeat - 1)]
            results[command] = {"seconds": statistics.median(r["seconds"] for r in runs),
                                "peak_mb": max(r["peak_mb"] for r in runs),
                                "baseline_mb": statistics.median(r["baseline_mb"] for r in runs)}
            summaries[command] = str(first["summary"])
        print(f"{'what':32} {'median s':>9} {'peak MB':>8} {'vs kubectl':>11}")
        for label, figures in results.items():
            ratio = ""
            if label in COMPARED and COMPARED[label] in results:
                ratio = f"{figures['seconds'] / results[COMPARED[label]]['seconds']:.2f}x"
            print(f"{label:32} {figures['seconds']:9.2f} {figures['peak_mb']:8.0f} {ratio:>11}")
        print("(bot peak MB includes the interpreter, the handlers and the knowledge base: "
              + ", ".join(f"{c} {results[c]['baseline_mb']:.0f} MB before the call" for c in summaries) + ")")
        for command, summary in summaries.items():
            print(f"  {command}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
