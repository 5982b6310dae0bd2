"""How long a user waits when the far side does not answer, and how much a flood of strangers writes to the log.

Each answer is timed from a fresh process, as a user meets it: `aksbot shell --config …` with one command piped
in, wall time from start to exit (interpreter start-up included). The far sides:

- Azure: a silent TCP listener (accepts, never sends a byte) as the sign-in authority or as ARM; the same after
  completing TLS (a front end whose backend hangs); a closed port; `/k8s aks show`.
- Kubernetes: `aksbot sandbox` in its own process, frozen with SIGSTOP, then closed; `/k8s nodes`, `/k8s health`.
- The Slack HTTP front: `aksbot serve --http` (the Slack Web API double behind it) taking ten unsigned 5 MB POSTs,
  then ten unsigned POSTs just under the 1 MiB cap; the bytes it wrote to its log (stderr, at INFO).

The stated bound is 20 s a command; the issue measured > 420 s (silent sign-in), 51 s (silent ARM, signed in),
12–15 s for a "10 s" Kubernetes timeout and 52 MB of log for the flood.

    .venv/bin/python bench/bench_bounds.py
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import trustme
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.arm import ArmServer  # noqa: E402
from tests.support.azure import arm_state  # noqa: E402
from tests.support.kubectl import sandbox_process  # noqa: E402
from tests.support.network import SilentListener, closed_port, raw_http, run_piped  # noqa: E402
from tests.support.serving import free_port, serve_http, stop, wait_healthy  # noqa: E402
from tests.support.slack import WebApiServer, http_serve_env  # noqa: E402

STATED_BOUND_S = 20.0
SECRET = "0c5e8f1a9d3b7e2c4a6f8b0d2e4c6a8f"


def _row(name: str, seconds: float, answer: str) -> None:
    first = next((line for line in answer.splitlines() if line.startswith("[")), answer.strip()[:100])
    if first.startswith("[#"):
        first = next((line for line in answer.splitlines()[1:] if line.strip()), "")
    verdict = "ok" if seconds < STATED_BOUND_S else "OVER"
    print(f"  {name:<44} {seconds:6.1f} s  {verdict:<4}  {first[:150]}")


def _aks_show(folder: Path, azure: dict[str, Any], env: dict[str, str]) -> tuple[float, str]:
    config = {"default_cluster": "prod", "clusters": [{"name": "prod", "kubeconfig": "kubeconfig", "azure": azure}],
              "roles": {"viewer": ["*"]}, "store": {"sqlite_path": "bench.sqlite3"}}
    path = folder / "aksbot.yaml"
    path.write_text(yaml.safe_dump(config))
    run = run_piped(["shell", "--config", str(path), "--as", "bench"], ["/k8s aks show"], env=env)
    return run.seconds, run.stdout


def azure(folder: Path) -> None:
    print("Azure, `/k8s aks show` from a fresh `aksbot shell`:")
    arm = ArmServer(arm_state()).start()
    ca = trustme.CA()
    try:
        fragment = arm.settings_fragment(folder)
        bundle = folder / "both-ca.pem"
        bundle.write_bytes(Path(fragment["ca_bundle"]).read_bytes() + ca.cert_pem.bytes())
        with SilentListener() as silent, SilentListener(tls=ca) as tls_silent:
            closed = f"https://127.0.0.1:{closed_port()}"
            cases = [
                ("sign-in silent (no TLS answer)", {"authority_host": silent.url, "arm_endpoint": silent.url}),
                ("sign-in silent after TLS", {"authority_host": tls_silent.url, "arm_endpoint": tls_silent.url}),
                ("sign-in refused", {"authority_host": closed, "arm_endpoint": closed}),
                ("signed in, ARM silent (no TLS answer)", {"arm_endpoint": silent.url}),
                ("signed in, ARM silent after TLS", {"arm_endpoint": tls_silent.url}),
                ("signed in, ARM refused", {"arm_endpoint": closed}),
                ("healthy (the sandbox's ARM)", {}),
            ]
            for name, change in cases:
                seconds, answer = _aks_show(folder, {**fragment, "ca_bundle": str(bundle), **change},
                                            arm.environment())
                _row(name, seconds, answer)
    finally:
        arm.stop()


def kubernetes(folder: Path) -> None:
    print("Kubernetes, from a fresh `aksbot shell` against `aksbot sandbox` in its own process:")
    with sandbox_process(folder) as (process, _):
        config = str(folder / "aksbot.yaml")

        def ask(command: str) -> tuple[float, str]:
            run = run_piped(["shell", "--config", config, "--as", "alice"], [command])
            return run.seconds, run.stdout

        _row("healthy: /k8s nodes", *ask("/k8s nodes"))
        process.send_signal(signal.SIGSTOP)
        try:
            _row("frozen (SIGSTOP): /k8s nodes", *ask("/k8s nodes"))
            _row("frozen (SIGSTOP): /k8s health", *ask("/k8s health"))
        finally:
            process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(15)
        _row("closed: /k8s nodes", *ask("/k8s nodes"))



def flood(folder: Path) -> None:
    print("Slack HTTP front, `aksbot serve --http` at INFO:")
    api = WebApiServer().start()
    config = folder / "serve.yaml"
    config.write_text(yaml.safe_dump({"clusters": [], "store": {"sqlite_path": "serve.sqlite3"}}))
    port = free_port()
    env = http_serve_env(api.api_url, secret=SECRET)
    process = subprocess.Popen(serve_http(port, config, "--log-level", "INFO"), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    log = bytearray()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.extend(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        wait_healthy(port, process)
        time.sleep(3)  # the worker process starts and logs its own start-up lines
        for label, size in (("10 x 5 MB unsigned POSTs", 5 << 20), ("10 x (1 MiB - 100 B) unsigned POSTs",
                                                                       (1 << 20) - 100)):
            before = len(log)
            body = b"x" * size
            head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    f"Content-Length: {size}\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\n"
                    "X-Slack-Signature: v0=0000\r\nConnection: close\r\n")
            started = time.monotonic()
            statuses = [raw_http(port, head, body).split(b" ", 2)[1].decode() for _ in range(10)]
            seconds = time.monotonic() - started
            time.sleep(1.0)
            print(f"  {label:<44} {seconds:6.2f} s  answers {sorted(set(statuses))}  "
                  f"log written: {len(log) - before} bytes")
    finally:
        stop(process)
        api.stop()


def main() -> int:
    print(f"stated bound: {STATED_BOUND_S:g} s a command")
    with tempfile.TemporaryDirectory(prefix="aksbot-bounds-") as tmp:
        folder = Path(tmp)
        (folder / "az").mkdir()
        (folder / "kube").mkdir()
        (folder / "serve").mkdir()
        azure(folder / "az")
        kubernetes(folder / "kube")
        flood(folder / "serve")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
