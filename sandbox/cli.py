"""`aksbot sandbox`: run the sandbox Kubernetes (and ARM) servers in the foreground until SIGINT/SIGTERM.

`--user NAME --role ROLE` (or `--access FILE` for several users) runs the written aksbot.yaml's bot under a
restricted identity, so the bot can be tried as a read-only (or narrower) ServiceAccount would see the cluster.
`aksbot sandbox stop-heartbeat NODE | resume-heartbeat NODE | oom-kill NS/POD | recover-pod NS/POD` changes a
running sandbox from another terminal (`sandbox.control`).
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from types import FrameType

from sandbox import Sandbox
from sandbox.kube import AccessRule
from sandbox.kube.access import ROLES, AccessFileError, load_access_file, role
from sandbox.scenario import SCENARIOS


def main(argv: list[str]) -> int:
    from sandbox import control

    if argv and argv[0] in control.ACTIONS:
        return control.main(argv)
    parser = argparse.ArgumentParser(
        prog="aksbot sandbox", description="Run a sandbox AKS cluster locally.",
        epilog="Change a running one: aksbot sandbox {stop-heartbeat,resume-heartbeat} NODE | "
               "{oom-kill,recover-pod} NAMESPACE/POD [--kubeconfig DIR/kubeconfig]")
    parser.add_argument("--scenario", default="incident", choices=SCENARIOS, help="scenario (default: incident)")
    parser.add_argument("--write-config", metavar="DIR",
                        help="write DIR/kubeconfig, DIR/aksbot.yaml and DIR/sandbox.env (the secrets aksbot.yaml "
                             "names: `set -a; . DIR/sandbox.env; set +a` before using it)")
    parser.add_argument("--port", type=int, default=0, help="Kubernetes API port (default: any free port)")
    parser.add_argument("--no-arm", action="store_true", help="do not start the ARM server")
    parser.add_argument("--user", default="admin",
                        help="the Kubernetes identity the written aksbot.yaml uses (default: admin)")
    parser.add_argument("--role", choices=list(ROLES),
                        help="what --user may do (default: admin, or its entry in --access)")
    parser.add_argument("--access", metavar="FILE",
                        help="YAML: user → a role name or a list of {verbs, resources} rules")
    args = parser.parse_args(argv)
    try:
        access: dict[str, AccessRule | None] = load_access_file(args.access) if args.access else {}
        if args.role is not None:
            access[args.user] = role(args.role)
    except AccessFileError as exc:
        parser.error(str(exc))

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    sandbox = Sandbox(scenario=args.scenario, port=args.port, arm=not args.no_arm, access=access, bot_user=args.user)
    try:
        try:
            sandbox.start()
        except OSError as exc:
            sandbox.stop()
            if exc.errno == errno.EADDRINUSE:
                print(f"aksbot sandbox: port {args.port} is in use (--port): stop what listens there, choose "
                      "another port, or leave --port out for any free one", file=sys.stderr)
            else:
                print(f"aksbot sandbox: cannot start: {exc.strerror or exc}", file=sys.stderr)
            return 2
        try:
            parts = [f"sandbox {args.scenario!r} ready: kubernetes {sandbox.kube_url}"]
            if args.user != "admin" or args.user in access:
                restricted = args.role or ("rules from " + args.access if args.user in access else "admin")
                parts.append(f"bot runs as {args.user} ({restricted})")
            if sandbox.arm is not None:
                parts.append(f"arm {sandbox.arm.base_url}")
            if args.write_config:
                written = sandbox.write_config(args.write_config)
                parts.append(f"config {written}")
                # The configuration names its secrets' environment variables (secrets never go in the file): without
                # them `config check` and the Azure commands fail, so the one line says how to set them.
                parts.append(f"before using it: set -a; . {written.parent / 'sandbox.env'}; set +a")
            print(", ".join(parts), flush=True)
            # Wake up now and then: the kernel may deliver SIGTERM to another thread, and a main thread blocked
            # in an untimed wait would then never run the handler (seen after SIGSTOP/SIGCONT).
            while not stop.wait(0.5):
                pass
        finally:
            sandbox.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
