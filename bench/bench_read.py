"""Benchmark the read path on a big cluster: `nodes`, `health`, `diagnose cluster` beside kubectl.

Starts the sandbox's `large` scenario (5,000 nodes, 50,000 pods) in this process, then runs every measured
command in a child process of its own, so the figures are the bot's own memory, not the API server's:

* bot commands: a child imports the handlers, builds `Deps` over `KubeClusterProvider`, runs the command
  through the registry and renders its view; it reports the command's wall time and its peak RSS
  (`ru_maxrss`), process start and imports excluded from the time, included in the memory.
* kubectl: `kubectl get nodes -o json` and `kubectl get pods -A -o json` against the same server, output to
  /dev/null; wall time and peak RSS from `wait4`.

Each is run `--repeat` times (default 3); the median is printed with the ratio to kubectl's nodes or pods time.

    PYTHONPATH=/work/main python bench/bench_read.py [--repeat 3] [--scenario large]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
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
    from bot.registry import REGISTRY, Call, Caller
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
    call = Call(command=command, args=spec.args(), caller=Caller("bench"), cluster=cluster,
                namespace="default", all_namespaces=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = spec.handler(call, deps)
    view = result.view()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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


def synthetic_large(nodes: int = 5000, pods_per_node: int = 10) -> list[dict[str, Any]]:
    """A 5,000-node, 50,000-pod cluster shaped like AKS, for when the sandbox has no `large` scenario."""
    stamp = "2026-01-01T00:00:00Z"
    names = [f"team-{t}" for t in range(50)] + ["kube-node-lease", "kube-system", "default"]
    objects: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                                     for n in names]
    for i in range(nodes):
        name = f"aks-pool{i % 5}-12345678-vmss{i:06d}"
        ready = "False" if i % 997 == 0 else "True"
        objects.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": stamp,
                         "labels": {"agentpool": f"pool{i % 5}", "kubernetes.azure.com/agentpool": f"pool{i % 5}",
                                    "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
            "spec": {"providerID": f"azure:///subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/"
                                   f"virtualMachineScaleSets/aks-pool{i % 5}-vmss/virtualMachines/{i}"},
            "status": {"capacity": {"cpu": "8", "memory": "32883504Ki", "pods": "110"},
                       "allocatable": {"cpu": "7820m", "memory": "28535088Ki", "pods": "110"},
                       "conditions": [{"type": t, "status": "False", "reason": f"KubeletHasNo{t}",
                                       "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}
                                      for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]
                       + [{"type": "Ready", "status": ready, "reason": "KubeletReady", "lastHeartbeatTime": stamp,
                           "lastTransitionTime": stamp}],
                       "nodeInfo": {"kubeletVersion": "v1.30.4", "osImage": "Ubuntu 22.04.4 LTS",
                                    "containerRuntimeVersion": "containerd://1.7.15",
                                    "kernelVersion": "5.15.0-1068-azure"}},
        })
        for j in range(pods_per_node):
            k = i * pods_per_node + j
            crash = k % 499 == 0
            state = ({"waiting": {"reason": "CrashLoopBackOff"}} if crash else {"running": {"startedAt": stamp}})
            objects.append({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"app{k % 500}-{k:07d}", "namespace": f"team-{k % 50}",
                             "labels": {"app": f"app{k % 500}", "pod-template-hash": "5d8f7c9b6"},
                             "creationTimestamp": stamp},
                "spec": {"nodeName": name, "containers": [{
                    "name": "app", "image": f"acr.azurecr.io/app{k % 500}:1.2.3",
                    "env": [{"name": "MODE", "value": "prod"},
                            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}]},
                "status": {"phase": "Running", "qosClass": "Burstable", "startTime": stamp, "podIP": "10.0.0.1",
                           "conditions": [{"type": "Ready", "status": "False" if crash else "True"}],
                           "containerStatuses": [{"name": "app", "ready": not crash, "restartCount": 5 if crash else 0,
                                                  "state": state, "image": "app", "imageID": "sha256:0"}]},
            })
    return objects


class SyntheticSandbox:
    """`Sandbox`'s interface over `synthetic_large()` (kubeconfig with the CA, aksbot.yaml)."""

    def __init__(self) -> None:
        from bot.sandbox.kube import KubeServer

        self.kube = KubeServer(synthetic_large(), tokens={"bench-admin-token": "admin"})

    def __enter__(self) -> SyntheticSandbox:
        self.kube.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.kube.stop()

    def stop(self) -> None:
        self.kube.stop()

    def write_config(self, directory: str) -> Path:
        import base64

        import yaml

        cluster: dict[str, Any] = {"server": self.kube.url}
        if self.kube.ca_pem:
            cluster["certificate-authority-data"] = base64.b64encode(self.kube.ca_pem).decode()
        kubeconfig = {"apiVersion": "v1", "kind": "Config", "clusters": [{"name": "big", "cluster": cluster}],
                      "users": [{"name": "admin", "user": {"token": "bench-admin-token"}}],
                      "contexts": [{"name": "big", "context": {"cluster": "big", "user": "admin"}}],
                      "current-context": "big"}
        (Path(directory) / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
        path = Path(directory) / "aksbot.yaml"
        path.write_text(yaml.safe_dump({"default_cluster": "big", "clusters": [
            {"name": "big", "kubeconfig": "kubeconfig", "context": "big"}]}))
        return path


@contextlib.contextmanager
def _stopping(box: Any) -> Iterator[Any]:
    try:
        yield box
    finally:
        box.stop()


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

    sys.path.insert(0, str(ROOT))
    from bot.sandbox import Sandbox

    started = time.perf_counter()
    box: Any
    try:
        box = Sandbox(scenario=args.scenario, arm=False).start()
    except (ImportError, KeyError, ValueError, FileNotFoundError) as exc:
        print(f"the sandbox cannot start {args.scenario!r} ({type(exc).__name__}: {exc}); "
              "using this benchmark's own 5,000-node / 50,000-pod cluster")
        box = SyntheticSandbox().__enter__()
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp, _stopping(box):
        config = box.write_config(tmp)
        kubeconfig = Path(tmp) / "kubeconfig"
        assert box.kube is not None
        nodes = len(box.kube.objects("nodes"))
        pods = len(box.kube.objects("pods"))
        print(f"sandbox {args.scenario!r}: {nodes:,} nodes, {pods:,} pods, ready in "
              f"{time.perf_counter() - started:.1f} s; {args.repeat} runs each, median shown")
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
