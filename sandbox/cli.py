"""`aksbot sandbox`: run the sandbox Kubernetes (and ARM) servers in the foreground until SIGINT/SIGTERM.

`aksbot sandbox stop-heartbeat NODE | resume-heartbeat NODE | oom-kill NS/POD | recover-pod NS/POD` changes a
running sandbox from another terminal (`sandbox.control`).
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from sandbox import Sandbox


def main(argv: list[str]) -> int:
    from sandbox import control

    if argv and argv[0] in control.ACTIONS:
        return control.main(argv)
    parser = argparse.ArgumentParser(
        prog="aksbot sandbox", description="Run a sandbox AKS cluster locally.",
        epilog="Change a running one: aksbot sandbox {stop-heartbeat,resume-heartbeat} NODE | "
               "{oom-kill,recover-pod} NAMESPACE/POD [--kubeconfig DIR/kubeconfig]")
    parser.add_argument("--scenario", default="incident", help="scenario name (default: incident)")
    parser.add_argument("--write-config", metavar="DIR", help="write DIR/kubeconfig and DIR/aksbot.yaml")
    parser.add_argument("--port", type=int, default=0, help="Kubernetes API port (default: any free port)")
    parser.add_argument("--no-arm", action="store_true", help="do not start the ARM server")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Sandbox(scenario=args.scenario, port=args.port, arm=not args.no_arm) as sandbox:
            parts = [f"sandbox {args.scenario!r} ready: kubernetes {sandbox.kube_url}"]
            if sandbox.arm is not None:
                parts.append(f"arm {sandbox.arm.base_url}")
            if args.write_config:
                parts.append(f"config {sandbox.write_config(args.write_config)}")
            print(", ".join(parts), flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
