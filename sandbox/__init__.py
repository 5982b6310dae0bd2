"""The sandbox: a local AKS-looking cluster (Kubernetes API server + ARM server) built from a named scenario.

`Sandbox` is what `aksbot demo`, `aksbot sandbox` and the integration tests start. It loads the scenario,
serves it over the Kubernetes API (`sandbox.kube`) and, unless `arm=False`, over a local ARM endpoint
(`sandbox.arm`), and writes a kubeconfig and an aksbot.yaml that point at both.

Each user gets a bearer token and a kubeconfig context `sandbox-USER`; `access` restricts users (see
`sandbox.kube.access` for the named roles), and `bot_user` is the identity the written aksbot.yaml uses, so the
bot can be tried under a restricted identity.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import yaml

from sandbox.kube import AccessRule, KubeServer
from sandbox.kube.controllers import NODE_MONITOR_GRACE_SECONDS

if TYPE_CHECKING:
    from sandbox.arm import ArmServer

USERS = ("admin", "alice", "bob", "carol")


class Sandbox:
    """A running sandbox cluster. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(
        self,
        scenario: str = "incident",
        port: int = 0,
        arm: bool = True,
        *,
        access: dict[str, AccessRule | None] | None = None,
        bot_user: str = "admin",
        node_monitor_grace_seconds: float = NODE_MONITOR_GRACE_SECONDS,
    ) -> None:
        self.scenario = scenario
        self.port = port
        self.use_arm = arm
        self.access = dict(access or {})
        self.bot_user = bot_user
        self.node_monitor_grace_seconds = node_monitor_grace_seconds
        users = dict.fromkeys((*USERS, *self.access, bot_user))
        # One bearer token per user; the kubeconfig carries them and the API server maps them back.
        self.tokens: dict[str, str] = {user: f"sandbox-{user}-{secrets.token_hex(12)}" for user in users}
        # What alert webhooks sent to a bot configured by `write_config` authenticate with.
        self.alerts_token = f"sandbox-alerts-{secrets.token_hex(16)}"
        self.kube: KubeServer | None = None
        self.arm: ArmServer | None = None

    def start(self) -> Sandbox:
        from sandbox.scenario import load_scenario

        loaded = load_scenario(self.scenario)
        self.kube = KubeServer(
            loaded.objects,
            logs=loaded.logs,
            node_usage=loaded.node_usage,
            pod_usage=loaded.pod_usage,
            dead_nodes=loaded.dead_nodes,
            tokens={token: user for user, token in self.tokens.items()},
            port=self.port,
            node_monitor_grace_seconds=self.node_monitor_grace_seconds,
        ).start()
        for user, rule in self.access.items():
            self.kube.set_access(user, rule)
        if self.use_arm:
            try:
                from sandbox.arm import ArmServer
            except ImportError as exc:
                self.kube.stop()
                raise RuntimeError("the ARM server (sandbox.arm) is not available; use Sandbox(arm=False)") from exc
            self.arm = ArmServer(loaded.azure, on_change=self._arm_changed)
            self.arm.start()
        return self

    def stop(self) -> None:
        if self.arm is not None:
            self.arm.stop()
        if self.kube is not None:
            self.kube.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def environment(self) -> dict[str, str]:
        """The environment variables a bot configured by `write_config` needs (the ARM client secret, the token
        alert webhooks authenticate with)."""
        return {**(self.arm.environment() if self.arm is not None else {}), "AKSBOT_ALERTS_TOKEN": self.alerts_token}

    @property
    def kube_url(self) -> str:
        if self.kube is None:
            raise RuntimeError("the sandbox is not started")
        return self.kube.url

    def write_config(self, directory: str | Path) -> Path:
        """Write DIRECTORY/kubeconfig, DIRECTORY/aksbot.yaml (alerts go to channel C0ALERTS) and DIRECTORY/sandbox.env
        (the alerts token and, with ARM, the ARM client secret; with ARM also the CA bundle); returns the
        aksbot.yaml path."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        cluster_entry: dict[str, str] = {"server": self.kube_url}
        if self.kube is not None and self.kube.ca_pem is not None:
            cluster_entry["certificate-authority-data"] = base64.b64encode(self.kube.ca_pem).decode()
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sandbox", "cluster": cluster_entry}],
            "users": [{"name": user, "user": {"token": token}} for user, token in self.tokens.items()],
            "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "admin"}}]
            + [{"name": f"sandbox-{user}", "context": {"cluster": "sandbox", "user": user}} for user in self.tokens],
            "current-context": "sandbox",
        }
        (folder / "kubeconfig").write_text(yaml.safe_dump(kubeconfig, sort_keys=False))
        context = "sandbox" if self.bot_user == "admin" else f"sandbox-{self.bot_user}"
        cluster: dict[str, Any] = {"name": "sandbox", "kubeconfig": "kubeconfig", "context": context}
        if self.arm is not None:
            cluster["azure"] = self.arm.settings_fragment(folder)
        # Secrets travel by environment, as real ones would; a bot started elsewhere sources this file
        # (`set -a; . DIRECTORY/sandbox.env`).
        env_file = folder / "sandbox.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in self.environment().items()))
        env_file.chmod(0o600)
        settings = {
            "default_cluster": "sandbox",
            "clusters": [cluster],
            "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
            "approvals": {"expiry_minutes": 15},
            "store": {"sqlite_path": "aksbot.sqlite3"},
            "alerts": {"default_channel": "C0ALERTS"},
        }
        path = folder / "aksbot.yaml"
        path.write_text(yaml.safe_dump(settings, sort_keys=False))
        return path

    # -- several sandboxes as one fleet ------------------------------------------------------------------------

    @staticmethod
    def write_fleet_config(directory: str | Path, fleet: dict[str, Sandbox], default: str) -> Path:
        """Write one aksbot.yaml for several running sandboxes, each a cluster named by its key (`prod`, `test`),
        with the demo roles; each sandbox's kubeconfig and CA bundle go in a sub-folder of its name."""
        folder = Path(directory)
        clusters: list[dict[str, Any]] = []
        first: dict[str, Any] = {}
        for name, sandbox in fleet.items():
            written = yaml.safe_load(sandbox.write_config(folder / name).read_text())
            entry = dict(written["clusters"][0], name=name, kubeconfig=f"{name}/kubeconfig")
            if "azure" in entry:
                entry["azure"] = dict(entry["azure"])
            clusters.append(entry)
            first = first or written
        if default not in fleet:
            raise ValueError(f"default cluster {default!r} is not one of {', '.join(fleet)}")
        settings = {**first, "default_cluster": default, "clusters": clusters,
                    "store": {"sqlite_path": "aksbot.sqlite3"}}
        path = folder / "aksbot.yaml"
        path.write_text(yaml.safe_dump(settings, sort_keys=False))
        return path

    # -- ARM → Kubernetes -------------------------------------------------------------------------------------

    def _arm_changed(self, kind: str, body: dict[str, Any]) -> None:
        """Follow an agent pool's new count with nodes, as the VMSS and the cloud provider would."""
        if kind != "agentPool" or self.kube is None:
            return
        pool = str(body.get("name") or "")
        count = (body.get("properties") or {}).get("count")
        if not pool or not isinstance(count, int):
            return
        nodes = sorted(
            (n for n in self.kube.objects("nodes")
             if (n["metadata"].get("labels") or {}).get("agentpool") == pool
             or (n["metadata"].get("labels") or {}).get("kubernetes.azure.com/agentpool") == pool),
            key=lambda n: str(n["metadata"]["name"]),
        )
        if not nodes:
            return
        for extra in nodes[count:]:
            self.kube.delete("nodes", str(extra["metadata"]["name"]))
        template = nodes[-1]
        match = re.match(r"^(.*?)(\d+)$", str(template["metadata"]["name"]))
        prefix, width = (match.group(1), len(match.group(2))) if match else (str(template["metadata"]["name"]) + "-", 6)
        number = int(match.group(2)) + 1 if match else 1
        for _ in range(count - len(nodes)):
            node = copy.deepcopy(template)
            name = f"{prefix}{int(number):0{width}d}" if prefix.endswith("vmss") else f"{prefix}{number}"
            number += 1
            node["metadata"] = {"name": name, "labels": dict(template["metadata"].get("labels") or {})}
            node["metadata"]["labels"]["kubernetes.io/hostname"] = name
            node["spec"] = {k: v for k, v in (node.get("spec") or {}).items() if k in ("providerID", "podCIDR")}
            if node["spec"].get("providerID"):
                node["spec"]["providerID"] = re.sub(r"/\d+$", f"/{number - 1}", node["spec"]["providerID"])
            status = node.get("status") or {}
            status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"] or [
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status"}]
            for c in status["conditions"]:
                c.update({"status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"})
            node["status"] = status
            self.kube.apply(node)
