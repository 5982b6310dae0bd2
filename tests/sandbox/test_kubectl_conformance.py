"""The real kubectl v1.32 against the sandbox API server: what a user types, and what they see."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.kube import AccessRule, KubeServer
from tests.support import minicluster
from tests.support.kubectl import Kubectl

pytestmark = pytest.mark.kubectl


def wait_for(check, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_get_nodes_wide_shows_aks_columns_and_the_dead_node(kubectl: Kubectl) -> None:
    out = kubectl("get", "nodes", "-o", "wide")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP",
                                "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows[minicluster.SPARE][1] == "Ready"
    assert rows[minicluster.DEAD][1] == "NotReady"  # Ready=Unknown prints as NotReady, as the real printer does
    assert rows[minicluster.SPARE][4] == "v1.30.6"
    assert rows[minicluster.SPARE][5] == "10.224.0.5"


def test_describe_dead_node_shows_unknown_conditions_taints_and_stale_lease(kubectl: Kubectl) -> None:
    out = kubectl("describe", "node", minicluster.DEAD)
    assert out.returncode == 0, out.stderr
    assert "node.kubernetes.io/unreachable:NoExecute" in out.stdout
    assert "NodeStatusUnknown" in out.stdout and "Kubelet stopped posting node status." in out.stdout
    assert "RenewTime:" in out.stdout


def test_get_pods_all_namespaces_shows_crashloop_with_restarts(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "-A")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    billing = next(r for r in rows if "billing-" in r).split()
    assert billing[2:5] == ["0/1", "CrashLoopBackOff", "7"]
    assert any("kube-proxy-" in r and "Running" in r for r in rows)


def test_logs_current_previous_and_tail(kubectl: Kubectl) -> None:
    current = kubectl("logs", "-n", "shop", "billing-7d4b9c-x2x9z")
    previous = kubectl("logs", "-n", "shop", "billing-7d4b9c-x2x9z", "--previous", "--tail=2")
    assert current.stdout == "starting billing 2.1\nlistening on :8080\n"
    assert previous.stdout.splitlines() == ["java.lang.OutOfMemoryError: Java heap space",
                                            "\tat Billing.main(Billing.java:42)"]
    missing = kubectl("logs", "-n", "shop", "nope")
    assert missing.returncode == 1 and 'pods "nope" not found' in missing.stderr


def test_top_nodes_uses_metrics_and_marks_the_dead_node_unknown(kubectl: Kubectl) -> None:
    out = kubectl("top", "nodes")
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: line.split() for line in out.stdout.splitlines()[1:]}
    assert rows[minicluster.GUARDED][1] == "850m"
    assert rows[minicluster.DEAD][1] == "<unknown>"
    pods = kubectl("top", "pods", "-n", "kube-system")
    assert pods.returncode == 0 and "kube-proxy-" in pods.stdout


def test_cordon_shows_scheduling_disabled_and_records_an_event(kubectl: Kubectl) -> None:
    assert kubectl("cordon", minicluster.SPARE).returncode == 0
    out = kubectl("get", "node", minicluster.SPARE)
    assert "Ready,SchedulingDisabled" in out.stdout
    assert kubectl("uncordon", minicluster.SPARE).returncode == 0
    assert "SchedulingDisabled" not in kubectl("get", "node", minicluster.SPARE).stdout
    events = wait_for(lambda: kubectl("get", "events", "-A", "--field-selector",
                                      f"involvedObject.name={minicluster.SPARE}").stdout)
    assert "NodeNotSchedulable" in events and "NodeSchedulable" in events


def test_drain_is_refused_by_the_pdb_then_succeeds_and_pods_move(kube: KubeServer, kubectl: Kubectl) -> None:
    refused = kubectl("drain", minicluster.GUARDED, "--ignore-daemonsets", "--delete-emptydir-data",
                      "--timeout=2s")
    assert refused.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in refused.stderr
    assert "Ready,SchedulingDisabled" in kubectl("get", "node", minicluster.GUARDED).stdout

    kube.mutate("policy/poddisruptionbudgets", "web", lambda o: o["spec"].update(minAvailable=1), "shop")
    drained = kubectl("drain", minicluster.GUARDED, "--ignore-daemonsets", "--delete-emptydir-data",
                      "--timeout=20s")
    assert drained.returncode == 0, drained.stderr
    assert f"node/{minicluster.GUARDED} drained" in drained.stdout

    def web_nodes() -> set[str]:
        pods = json.loads(kubectl("get", "pods", "-n", "shop", "-l", "app=web", "-o", "json").stdout)["items"]
        running = [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get(
            "deletionTimestamp")]
        return {p["spec"]["nodeName"] for p in running} if len(running) == 2 else set()

    assert wait_for(web_nodes) == {minicluster.SPARE}
    assert kubectl("uncordon", minicluster.GUARDED).returncode == 0
    kube.mutate("policy/poddisruptionbudgets", "web", lambda o: o["spec"].update(minAvailable=2), "shop")


def test_scale_and_rollout_restart_go_through_the_controllers(kubectl: Kubectl) -> None:
    assert kubectl("scale", "deployment", "web", "-n", "shop", "--replicas=3").returncode == 0
    assert wait_for(lambda: "3/3" in kubectl("get", "deploy", "web", "-n", "shop").stdout)
    before = json.loads(kubectl("get", "rs", "-n", "shop", "-l", "app=web", "-o", "json").stdout)["items"]
    assert kubectl("rollout", "restart", "deployment/web", "-n", "shop").returncode == 0

    def replaced() -> bool:
        items = json.loads(kubectl("get", "rs", "-n", "shop", "-l", "app=web", "-o", "json").stdout)["items"]
        fresh = [rs for rs in items if rs["metadata"]["uid"] not in {b["metadata"]["uid"] for b in before}]
        return bool(fresh) and fresh[0].get("status", {}).get("readyReplicas") == 3 and all(
            rs.get("status", {}).get("replicas", 0) == 0 for rs in items if rs not in fresh)

    assert wait_for(replaced)
    events = kubectl("get", "events", "-n", "shop", "--field-selector", "reason=ScalingReplicaSet")
    assert "Scaled down replica set" in events.stdout and "Scaled up replica set" in events.stdout
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=10s")
    assert status.returncode == 0, status.stderr
    assert kubectl("scale", "deployment", "web", "-n", "shop", "--replicas=2").returncode == 0


def test_events_field_selector_by_reason_and_type(kubectl: Kubectl) -> None:
    out = kubectl("get", "events", "-A", "--field-selector", "reason=SuccessfulCreate,type=Normal")
    assert out.returncode == 0
    header, *rows = out.stdout.splitlines()
    assert header.split()[:5] == ["NAMESPACE", "LAST", "SEEN", "TYPE", "REASON"]
    assert rows and all("SuccessfulCreate" in r for r in rows)
    bad = kubectl("get", "events", "--field-selector", "spec.bogus=1")
    assert bad.returncode == 1 and "field label not supported" in bad.stderr


def test_watch_prints_changes_until_the_request_timeout(kube: KubeServer, kubectl: Kubectl) -> None:
    def relabel(obj: dict[str, object]) -> None:
        obj["metadata"]["labels"]["touched"] = "yes"  # type: ignore[index]

    import threading
    timer = threading.Timer(0.8, lambda: kube.mutate("pods", "billing-7d4b9c-x2x9z", relabel, "shop"))
    timer.start()
    out = kubectl("get", "pods", "-n", "shop", "-w", "--request-timeout=2s", "--output-watch-events")
    timer.join()
    lines = out.stdout.splitlines()
    assert lines[0].split()[:2] == ["EVENT", "NAME"]
    assert any(line.startswith("ADDED") and "billing-" in line for line in lines)
    # The change arrives as a Table row, so it prints with every column.
    assert any(line.startswith("MODIFIED") and "billing-" in line and "CrashLoopBackOff" in line for line in lines)


def test_forbidden_for_a_restricted_user(kube: KubeServer, kubectl: Kubectl) -> None:
    kube.set_access("carol", AccessRule(deny_verbs=frozenset({"create", "update", "patch", "delete"})))
    try:
        # kubectl cordon reports the refusal but exits 0 (as against a real cluster); the node is unchanged.
        out = kubectl("cordon", minicluster.SPARE, user="carol")
        assert "SchedulingDisabled" not in kubectl("get", "node", minicluster.SPARE).stdout
        assert (f'nodes "{minicluster.SPARE}" is forbidden: User "carol" cannot patch resource "nodes" in API group '
                '"" at the cluster scope') in out.stderr
        assert kubectl("get", "nodes", user="carol").returncode == 0
    finally:
        kube.set_access("carol", None)


def test_explain_reads_the_openapi_v3_schemas(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pdb.status.disruptionsAllowed")
    assert out.returncode == 0, out.stderr
    assert "KIND:       PodDisruptionBudget" in out.stdout and "FIELD: disruptionsAllowed <integer>" in out.stdout


def test_apply_creates_then_patches(kubectl: Kubectl, tmp_path_factory: pytest.TempPathFactory) -> None:
    manifest = tmp_path_factory.mktemp("apply") / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\n"
                        "data:\n  a: '1'\n")
    first = kubectl("apply", "-f", str(manifest))
    assert first.returncode == 0 and "configmap/applied created" in first.stdout, first.stderr
    manifest.write_text(manifest.read_text().replace("a: '1'", "b: '2'"))
    second = kubectl("apply", "-f", str(manifest))
    assert second.returncode == 0 and "configmap/applied configured" in second.stdout, second.stderr
    data = json.loads(kubectl("get", "cm", "applied", "-n", "default", "-o", "json").stdout)["data"]
    assert data == {"b": "2"}


def test_server_side_apply_creates_and_updates(kubectl: Kubectl, tmp_path_factory: pytest.TempPathFactory) -> None:
    manifest = tmp_path_factory.mktemp("ssa") / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: default\n"
                        "data:\n  a: '1'\n")
    assert kubectl("apply", "--server-side", "-f", str(manifest)).returncode == 0
    manifest.write_text(manifest.read_text().replace("a: '1'", "a: '2'"))
    again = kubectl("apply", "--server-side", "-f", str(manifest))
    assert again.returncode == 0, again.stderr
    data = json.loads(kubectl("get", "cm", "ssa", "-n", "default", "-o", "json").stdout)["data"]
    assert data == {"a": "2"}
