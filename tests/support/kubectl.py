"""Helpers for the sandbox API server tests: a running minicluster server, a kubeconfig, a kubectl wired to it."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from sandbox.kube import KubeServer
from tests.support import minicluster

TOKENS = {"admin": "t-admin", "alice": "t-alice", "bob": "t-bob", "carol": "t-carol", "mallory": "t-unknown"}


@dataclass
class Kubectl:
    kubeconfig: Path

    def __call__(self, *args: str, user: str = "admin", timeout: float = 20) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig))
        command = ["/usr/bin/kubectl", "--request-timeout=10s", f"--user={user}", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def write_kubeconfig(directory: Path, server: KubeServer) -> Path:
    cluster: dict[str, str] = {"server": server.url}
    if server.ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(server.ca_pem).decode()
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "sandbox", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}} for user, token in TOKENS.items()],
        "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "admin"}}]
        + [{"name": f"sandbox-{user}", "context": {"cluster": "sandbox", "user": user}} for user in TOKENS],
        "current-context": "sandbox",
    }
    path = directory / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def start_minicluster() -> KubeServer:
    server = KubeServer(
        minicluster.objects(), logs=minicluster.LOGS, node_usage=minicluster.NODE_USAGE,
        dead_nodes=minicluster.DEAD_NODES, tokens={t: u for u, t in TOKENS.items() if u != "mallory"},
        termination_seconds=0.2,
    ).start()
    server.controllers.settle()
    return server


@contextlib.contextmanager
def sandbox_process(folder: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`aksbot sandbox --no-arm --write-config FOLDER ARGS…` in a process of its own; yields it and its banner.

    The sandbox is continued (if a test froze it) and stopped on the way out.
    """
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--no-arm", "--write-config", str(folder), *args],
        env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        if "ready" not in banner:
            process.wait(10)
            raise AssertionError(f"aksbot sandbox did not start: {process.stderr.read() if process.stderr else ''}")
        yield process, banner
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@contextlib.contextmanager
def sandbox_server(scenario: str, directory: str) -> Iterator[Path]:
    """The sandbox (no ARM) in a process of its own, so its memory is not the measured bot's; yields the
    aksbot.yaml it wrote into `directory`. For the benchmarks: its output is not kept."""
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sandbox.cli import main; sys.exit(main(sys.argv[1:]))",
         "--scenario", scenario, "--no-arm", "--write-config", directory],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)},
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
