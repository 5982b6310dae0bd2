"""Benchmark: the sandbox API server with the `large` scenario (5,000 nodes, 50,000 pods) and the real kubectl.

Prints start-up time, the server's resident memory, and the wall time of kubectl lists — with kubectl's
default 500-item chunks (where kubectl's own client-side throttling, 5 QPS after a burst of 10, dominates, as
against a real cluster) and with `--chunk-size=0` (one request: the server's own cost).

    PYTHONPATH=. python bench/bench_sandbox.py [--scenario large]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="large")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-c", "import sys; from sandbox.cli import main; sys.exit(main(sys.argv[1:]))",
             "--scenario", args.scenario, "--no-arm", "--write-config", tmp],
            stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent)),
        )
        try:
            assert server.stdout is not None
            ready = server.stdout.readline()
            startup = time.perf_counter() - started
            print(f"scenario {args.scenario!r}: ready in {startup:.2f} s ({ready.strip()})")
            print(f"server RSS after start: {rss_mb(server.pid):.0f} MB")
            env = dict(os.environ, KUBECONFIG=f"{tmp}/kubeconfig")
            kubectl = ["/usr/bin/kubectl", "--request-timeout=300s"]
            for label, command in [
                ("kubectl get pods -A -o json > /dev/null", [*kubectl, "get", "pods", "-A", "-o", "json"]),
                ("kubectl get pods -A -o json --chunk-size=0", [*kubectl, "get", "pods", "-A", "-o", "json",
                                                                "--chunk-size=0"]),
                ("kubectl get nodes -o json", [*kubectl, "get", "nodes", "-o", "json"]),
                ("kubectl get nodes -o json --chunk-size=0", [*kubectl, "get", "nodes", "-o", "json",
                                                              "--chunk-size=0"]),
                ("kubectl get pods -A (server-side table)", [*kubectl, "get", "pods", "-A"]),
                ("kubectl get pods -A --chunk-size=0 (table)", [*kubectl, "get", "pods", "-A", "--chunk-size=0"]),
            ]:
                print(f"{label:48s} {timed(command, env):7.2f} s")
            print(f"server RSS after the lists: {rss_mb(server.pid):.0f} MB")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
