"""The shipped deployment files: valid Kubernetes objects, a configuration the bot accepts, and RBAC that is
enough — every read command works under `aksbot-read` alone, approved actions need `aksbot-actions`, and are
refused with a clear "forbidden" without it (proved against the sandbox API server's access rules)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
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
REPLICAS = ROOT / "deploy" / "kubernetes-replicas"
KUBECTL = "/usr/bin/kubectl"


def _documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _grants(*roles: str) -> frozenset[tuple[str, str, str]]:
    """(API group, resource, verb) that the named ClusterRoles and Roles grant, as RBAC reads them."""
    found = [d for d in _documents() if d["kind"] in ("ClusterRole", "Role") and d["metadata"]["name"] in roles]
    assert sorted(d["metadata"]["name"] for d in found) == sorted(roles)
    return frozenset((group, resource, verb) for role in found for rule in role["rules"]
                     for group in rule["apiGroups"] for resource in rule["resources"] for verb in rule["verbs"])


def _rules(*roles: str) -> frozenset[tuple[str, str]]:
    """The same as the sandbox's access rules take them: (verb, resource), API groups not distinguished."""
    return frozenset((verb, resource) for _, resource, verb in _grants(*roles))


READ_ROLES = ("aksbot-read", "aksbot-node-leases")


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


NODE = "aks-userpool-11974196-vmss000003"


def _reads(sandbox: Sandbox) -> list[str]:
    """Every read command, on the sandbox's objects."""
    assert sandbox.kube is not None
    pod = next(p["metadata"] for p in sandbox.kube.objects("pods") if p["metadata"]["name"].startswith("ledger-api"))
    return [
        "/k8s nodes", f"/k8s node {NODE}", "/k8s pods -A", f"/k8s pod {pod['name']} -n payments",
        "/k8s events -A", f"/k8s logs {pod['name']} -n payments --previous", "/k8s top nodes",
        "/k8s top pods -A", "/k8s deployments -A", "/k8s pdbs -A", "/k8s health", f"/k8s diagnose node {NODE}",
        f"/k8s diagnose pod {pod['name']} -n payments", "/k8s diagnose cluster",
    ]


def test_read_commands_need_only_the_read_role(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.kube is not None
    sandbox.kube.set_access("carol", AccessRule(allow=_rules(*READ_ROLES)))
    text = _session(sandbox, tmp_path, _reads(sandbox))
    assert "forbidden" not in text.lower(), text
    assert text.count("[#") == 14


def test_actions_need_the_actions_role_and_say_so_without_it(sandbox: Sandbox, tmp_path: Path) -> None:
    assert sandbox.kube is not None
    node = "aks-userpool-11974196-vmss000005"
    sandbox.kube.set_access("carol", AccessRule(allow=_rules(*READ_ROLES)))
    refused = _session(sandbox, tmp_path / "a", [f"/k8s cordon {node}", ":as bob", ":click Approve"])
    assert "forbidden" in refused.lower() and "patch" in refused
    assert not sandbox.kube.get("nodes", node)["spec"].get("unschedulable")
    sandbox.kube.set_access("carol", AccessRule(allow=_rules(*READ_ROLES, "aksbot-actions")))
    done = _session(sandbox, tmp_path / "b", [f"/k8s drain {node} --timeout 5", ":as bob", ":click Approve"])
    assert "forbidden" not in done.lower(), done
    assert sandbox.kube.get("nodes", node)["spec"].get("unschedulable") is True


def test_the_alert_watcher_may_list_and_watch_what_it_reads_and_the_leader_may_hold_its_lease() -> None:
    from bot.alerts.watcher import READ

    read = _rules(*READ_ROLES)
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


def _used(sandbox: Sandbox) -> frozenset[tuple[str, str, str]]:
    """What the bot (the sandbox user `carol`) asked the API server for since the last call, as RBAC names it;
    `kubectl auth can-i`'s reviews left out (every authenticated user may make them)."""
    assert sandbox.kube is not None
    used = frozenset(u for u in sandbox.kube.used("carol") if u[0] != "authorization.k8s.io")
    sandbox.kube.forget_use("carol")
    return used


def test_the_roles_grant_exactly_what_the_bot_asks_for(sandbox: Sandbox, tmp_path: Path) -> None:
    """Least privilege, both ways. The tests above prove the roles are enough; this one proves they are no more:
    every request the bot makes — each read command live and from the watch caches, a typo that makes it list
    namespaces, each approved action, leader election — is recorded by the sandbox API server and compared with
    the rules, so a grant the code no longer uses fails here (services, endpoints, ReplicaSets, … once did)."""
    from bot.cluster.kube import KubeClusterProvider
    from bot.cluster.leader import ElectionConfig, LeaderElector

    assert sandbox.kube is not None
    sandbox.kube.set_access("carol", None)  # unrestricted: what it asks for is recorded, not refused
    _used(sandbox)
    # Empty answers that look for what was meant: a namespace, a Deployment.
    reads = [*_reads(sandbox), "/k8s pods -n paymnets", "/k8s events --for deployment/web-frontnd -n shop"]
    _session(sandbox, tmp_path / "live", reads)
    used = _used(sandbox)
    path = tmp_path / "live" / "aksbot.yaml"
    surface = ShellSurface(io.StringIO())
    cached = app.assemble(settings.load(str(path)), surface).start(watch=True)  # the leader's watch caches
    try:
        time.sleep(3)
        run_shell(cached.dispatcher, surface, "alice", stdin=io.StringIO("\n".join(reads) + "\n"))
    finally:
        cached.stop()
    used |= _used(sandbox)
    assert used == _grants(*READ_ROLES), (sorted(used - _grants(*READ_ROLES)), sorted(_grants(*READ_ROLES) - used))

    pod = next(p["metadata"]["name"] for p in sandbox.kube.objects("pods") if p["metadata"]["namespace"] == "shop")
    approve = [":as bob", ":click Approve", ":as alice"]
    acting = _session(sandbox, tmp_path / "act", [
        f"/k8s cordon {NODE}", *approve, f"/k8s uncordon {NODE}", *approve, f"/k8s drain {NODE} --timeout 5",
        *approve, f"/k8s delete pod {pod} -n shop", *approve, "/k8s restart deployment ledger-api -n payments",
        *approve, "/k8s scale deployment ledger-api --replicas 5 -n payments", *approve])
    acted = _used(sandbox)
    writes = frozenset(u for u in acted if u[2] not in ("get", "list", "watch"))
    assert writes == _grants("aksbot-actions"), (sorted(writes ^ _grants("aksbot-actions")), acting)
    assert acted - writes <= _grants(*READ_ROLES), sorted(acted - writes - _grants(*READ_ROLES))

    sandbox.kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "aksbot"}})
    provider = KubeClusterProvider(settings.load(str(path)))
    config = ElectionConfig(namespace="aksbot", name="aksbot-leader", identity="replica-a", lease_duration=3,
                            renew_deadline=2, retry_period=0.4)
    elector = LeaderElector(provider.reader("sandbox"), config, on_started_leading=lambda stopping: stopping.wait())
    try:
        assert elector.start().wait_for_leadership(5)
        time.sleep(1)  # a renewal or two
    finally:
        elector.stop()  # releases: an update
        provider.close()
    assert _used(sandbox) == _grants("aksbot-leader-election")


def _kustomized(folder: Path) -> list[dict[str, Any]]:
    built = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60,
                           check=False)
    assert built.returncode == 0, built.stderr
    return [d for d in yaml.safe_load_all(built.stdout) if d]


@pytest.mark.kubectl
def test_one_replica_keeps_its_disk_and_several_replicas_share_none() -> None:
    """The base is one replica on SQLite: its disk (ReadWriteOnce) and `Recreate`. The replicas overlay (PostgreSQL)
    must not leave a second replica waiting for that disk: no PVC, an emptyDir for the cache, rolling updates, and
    a budget that keeps one through a drain; the rest is the base's."""
    single = _kustomized(MANIFESTS)
    (deployment,) = [d for d in single if d["kind"] == "Deployment"]
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    (claim,) = [d for d in single if d["kind"] == "PersistentVolumeClaim"]
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]

    several = _kustomized(REPLICAS)
    for doc in several:
        kubernetes_validate.validate(doc, "1.32", strict=True)
    assert not [d for d in several if d["kind"] == "PersistentVolumeClaim"]
    (replicated,) = [d for d in several if d["kind"] == "Deployment"]
    spec = replicated["spec"]
    assert spec["replicas"] >= 2 and spec["strategy"] == {"type": "RollingUpdate",
                                                          "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}
    assert not any("persistentVolumeClaim" in v for v in volumes.values())
    (budget,) = [d for d in several if d["kind"] == "PodDisruptionBudget"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert budget["spec"]["minAvailable"] < spec["replicas"]  # a drain can still move one
    assert spec["template"]["spec"]["containers"] == deployment["spec"]["template"]["spec"]["containers"]
    same = {(d["kind"], d["metadata"]["name"]) for d in single} - {("PersistentVolumeClaim", "aksbot-data"),
                                                                    ("Deployment", "aksbot")}
    assert same <= {(d["kind"], d["metadata"]["name"]) for d in several}


def test_the_probes_do_not_depend_on_slack() -> None:
    """Liveness and readiness call `/healthz` on the health port, which fails only when the worker is gone
    (tests/slack/test_slack_serve_cli.py); the overlay keeps them."""
    (deployment,) = [d for d in _documents() if d["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}


def _readme_kubernetes_steps() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Run it in Kubernetes"):readme.index("## When Azure")]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [c for c in re.sub(r"\\\n\s*", "", block[1]).splitlines() if c.strip() and not c.startswith("#")]


@pytest.mark.kubectl
def test_the_readme_steps_work_in_order_on_a_fresh_cluster(tmp_path: Path) -> None:
    """The namespace comes first, then the Secret in it (a Secret in a namespace that does not exist yet is refused);
    the last step is the kustomization, whose objects all go to that namespace or one every cluster has. The
    sandbox has no RBAC API, so that last step is checked by rendering it, not applying it."""
    steps = _readme_kubernetes_steps()
    assert steps[-1] == "kubectl apply -k deploy/kubernetes", steps
    with Sandbox("incident", arm=False) as fresh:
        assert fresh.kube is not None
        env = dict(os.environ, KUBECONFIG=str(fresh.write_config(tmp_path).parent / "kubeconfig"))
        assert not [n for n in fresh.kube.objects("namespaces") if n["metadata"]["name"] == "aksbot"]
        for step in steps[:-1]:
            done = subprocess.run(["bash", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=60, check=False)
            assert done.returncode == 0, (step, done.stderr)
        secret = fresh.kube.get("secrets", "aksbot-slack", "aksbot")
    assert set(secret["data"]) == {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "AKSBOT_ALERTS_TOKEN"}
    namespaces = {"aksbot", "kube-node-lease"}
    assert {d["metadata"].get("namespace") for d in _kustomized(MANIFESTS)} <= {None, *namespaces}
