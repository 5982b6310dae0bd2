"""Break (and mend) a running sandbox from another terminal: `aksbot sandbox stop-heartbeat NODE` and friends.

Reads the kubeconfig `aksbot sandbox --write-config DIR` wrote (its current context: the server, the CA, the admin
token) and POSTs to the sandbox API server's control paths (`/sandbox/v1/…`), which only the admin may call.
The same paths answer `kubectl create --raw /sandbox/v1/nodes/NODE/stop-heartbeat -f /dev/null`.
Without `--kubeconfig` it reads what kubectl would: the first file of `$KUBECONFIG` that exists, else
`./kubeconfig` (where `--write-config .` puts it). This command line is an edge: the one place here that reads the
environment.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ACTIONS = ("stop-heartbeat", "resume-heartbeat", "oom-kill", "recover-pod")


def _endpoint(kubeconfig: Path) -> tuple[str, ssl.SSLContext | None, str]:
    doc: dict[str, Any] = yaml.safe_load(kubeconfig.read_text(encoding="utf-8")) or {}
    current = doc.get("current-context")
    context = next((c["context"] for c in doc.get("contexts") or [] if c.get("name") == current), None)
    if context is None:
        raise ValueError(f"{kubeconfig}: no current context")
    cluster = next(c["cluster"] for c in doc.get("clusters") or [] if c.get("name") == context.get("cluster"))
    user = next((u.get("user") or {} for u in doc.get("users") or [] if u.get("name") == context.get("user")), {})
    tls: ssl.SSLContext | None = None
    if cluster.get("certificate-authority-data"):
        tls = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    return str(cluster["server"]), tls, str(user.get("token") or "")


def path_for(action: str, target: str, container: str | None = None, back_off: bool = False) -> str:
    quote = urllib.parse.quote
    if action in ("stop-heartbeat", "resume-heartbeat"):
        return f"/sandbox/v1/nodes/{quote(target)}/{action}"
    namespace, _, pod = target.partition("/")
    if not pod:
        raise ValueError(f"{action} takes NAMESPACE/POD, got {target!r}")
    verb = "oom-kill" if action == "oom-kill" else "recover"
    query = {k: v for k, v in (("container", container), ("backOff", "true" if back_off else None)) if v}
    suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
    return f"/sandbox/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/{verb}{suffix}"


def send(kubeconfig: Path, path: str) -> tuple[int, dict[str, Any]]:
    server, tls, token = _endpoint(kubeconfig)
    request = urllib.request.Request(server + path, data=b"", method="POST",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=tls) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def default_kubeconfig(variable: str | None) -> Path:
    """The kubeconfig kubectl would read from `$KUBECONFIG` (a list of paths: the first that exists — the one whose
    current context kubectl uses, as the sandbox's kubeconfig sets one), else `./kubeconfig`."""
    paths = [Path(p).expanduser() for p in (variable or "").split(os.pathsep) if p]
    return next((p for p in paths if p.is_file()), paths[0] if paths else Path("kubeconfig"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="aksbot sandbox", description="Change a running sandbox's world (its kubeconfig says which).")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("target", help="NODE (stop/resume-heartbeat) or NAMESPACE/POD (oom-kill, recover-pod)")
    parser.add_argument("--container", help="oom-kill: which container (default: the first)")
    parser.add_argument("--back-off", action="store_true", help="oom-kill: leave it in CrashLoopBackOff")
    parser.add_argument("--kubeconfig",
                        help="the kubeconfig `aksbot sandbox --write-config DIR` wrote (default: the first file of "
                             "$KUBECONFIG, as kubectl reads it, else ./kubeconfig)")
    args = parser.parse_args(argv)
    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else default_kubeconfig(os.environ.get("KUBECONFIG"))
    if not kubeconfig.is_file():
        print(f"aksbot sandbox {args.action}: no kubeconfig at {kubeconfig}: give --kubeconfig DIR/kubeconfig (the "
              "file `aksbot sandbox --write-config DIR` wrote) or set KUBECONFIG")
        return 2
    try:
        status, body = send(kubeconfig, path_for(args.action, args.target, args.container, args.back_off))
    except (OSError, ValueError, StopIteration, KeyError) as exc:
        print(f"aksbot sandbox {args.action}: {exc}")
        return 2
    if status >= 300:
        print(f"aksbot sandbox {args.action}: {status} {body.get('message', '')}")
        return 1
    if body.get("kind") == "Pod":
        states = [f"{s['name']}: restarts {s.get('restartCount', 0)}, {next(iter(s.get('state') or {'?': 0}))}"
                  for s in (body.get("status") or {}).get("containerStatuses") or []]
        print(f"pod {args.target}: " + "; ".join(states))
    else:
        print(body.get("message", "done"))
    return 0
