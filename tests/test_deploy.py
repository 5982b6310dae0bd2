"""The shipped deployment files: valid Kubernetes objects, a configuration the bot accepts, and RBAC that is
enough — every read command works under `aksbot-read` alone, approved actions need `aksbot-actions`, and are
refused with a clear "forbidden" without it (proved against the sandbox API server's access rules)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot import app, settings
from bot.shell import ShellSurface, run_shell
from sandbox import Sandbox
from sandbox.kube.server import AccessRule

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "deploy" / "kubernetes"


def _documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _rules(role: str) -> frozenset[tuple[str, str]]:
    (cluster_role,) = [d for d in _documents() if d["kind"] == "ClusterRole" and d["metadata"]["name"] == role]
    return frozenset((verb, resource) for rule in cluster_role["rules"] for resource in rule["resources"]
                     for verb in rule["verbs"])


def test_every_manifest_validates_strictly_against_kubernetes_1_32() -> None:
    docs = _documents()
    assert {d["kind"] for d in docs} >= {"Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                                         "ConfigMap", "PersistentVolumeClaim", "Namespace"}
    for doc in docs:
        kubernetes_validate.validate(doc, "1.32", strict=True)
    listed = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def test_the_shipped_configuration_is_accepted(tmp_path: Path) -> None:
    (config_map,) = [d for d in _documents() if d["kind"] == "ConfigMap"]
    mapping = yaml.safe_load(config_map["data"]["aksbot.yaml"])
    cfg = settings.from_mapping(mapping, source="deploy/kubernetes/configmap.yaml", environ={})
    assert cfg.cluster_names() == ["prod"]
    (deployment,) = [d for d in _documents() if d["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:3] == ["serve", "--config", "/etc/aksbot/aksbot.yaml"]


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with Sandbox("incident", arm=False) as running:
        yield running


def _session(sandbox: Sandbox, folder: Path, lines: list[str]) -> str:
    """Run a shell session as the bot whose Kubernetes identity is the sandbox user `carol`."""
    config = yaml.safe_load(sandbox.write_config(folder).read_text())
    config["clusters"][0]["context"] = "sandbox-carol"
    config["roles"] = {"viewer": ["*"], "operator": ["alice"], "approver": ["bob"]}
    path = folder / "aksbot.yaml"
    path.write_text(yaml.safe_dump(config))
    out = io.StringIO()
    surface = ShellSurface(out)
    dispatcher = app.build_dispatcher(settings.load(str(path)), surface)
    run_shell(dispatcher, surface, "alice", stdin=io.StringIO("\n".join(lines) + "\n"))
    return out.getvalue()


def test_read_commands_need_only_the_read_role(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.kube is not None
    sandbox.kube.set_access("carol", AccessRule(allow=_rules("aksbot-read")))
    node = "aks-userpool-11974196-vmss000003"
    pod = next(p["metadata"] for p in sandbox.kube.objects("pods") if p["metadata"]["name"].startswith("ledger-api"))
    text = _session(sandbox, tmp_path, [
        "/k8s nodes", f"/k8s node {node}", "/k8s pods -A", f"/k8s pod {pod['name']} -n payments",
        "/k8s events -A", f"/k8s logs {pod['name']} -n payments --previous", "/k8s top nodes",
        "/k8s top pods -A", "/k8s deployments -A", "/k8s pdbs -A", "/k8s health", f"/k8s diagnose node {node}",
        f"/k8s diagnose pod {pod['name']} -n payments", "/k8s diagnose cluster",
    ])
    assert "forbidden" not in text.lower(), text
    assert text.count("[#") == 14


def test_actions_need_the_actions_role_and_say_so_without_it(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.kube is not None
    node = "aks-userpool-11974196-vmss000005"
    sandbox.kube.set_access("carol", AccessRule(allow=_rules("aksbot-read")))
    refused = _session(sandbox, tmp_path / "a", [f"/k8s cordon {node}", ":as bob", ":click Approve"])
    assert "forbidden" in refused.lower() and "patch" in refused
    assert not sandbox.kube.get("nodes", node)["spec"].get("unschedulable")
    sandbox.kube.set_access("carol", AccessRule(allow=_rules("aksbot-read") | _rules("aksbot-actions")))
    done = _session(sandbox, tmp_path / "b", [f"/k8s drain {node} --timeout 5", ":as bob", ":click Approve"])
    assert "forbidden" not in done.lower(), done
    assert sandbox.kube.get("nodes", node)["spec"].get("unschedulable") is True


def test_the_alert_watcher_may_list_and_watch_what_it_reads_and_the_leader_may_hold_its_lease() -> None:
    from bot.alerts.watcher import READ

    read = _rules("aksbot-read")
    resources = {"pdbs": "poddisruptionbudgets"}
    for kind in READ:
        resource = resources.get(kind, kind)
        assert {("list", resource), ("watch", resource)} <= read, kind
    (role,) = [d for d in _documents() if d["kind"] == "Role" and d["metadata"]["name"] == "aksbot-leader-election"]
    assert {(verb, resource) for rule in role["rules"] for resource in rule["resources"] for verb in rule["verbs"]} \
        >= {("get", "leases"), ("create", "leases"), ("update", "leases")}
    (deployment,) = [d for d in _documents() if d["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert "--alerts-port" in container["args"]
    (service,) = [d for d in _documents() if d["kind"] == "Service"]
    assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in container["ports"]}


def test_the_knowledge_base_cache_lives_on_a_writable_volume() -> None:
    (deployment,) = [d for d in _documents() if d["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    env = {e["name"]: e["value"] for e in container.get("env", ())}
    writable = [m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")]
    assert any(env["AKSBOT_CACHE_DIR"].startswith(f"{path}/") for path in writable), env
