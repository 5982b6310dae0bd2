"""Changing the sandbox's world while something watches: a node's kubelet stops (NotReady only after the grace
period) and comes back, a container is OOMKilled and restarts or backs off, a pod recovers — seen through the
official client, and driven from another terminal by `aksbot sandbox …` over the control endpoint."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from sandbox import control
from sandbox.kube import KubeServer
from tests.support import minicluster
from tests.support.kubectl import TOKENS, write_kubeconfig
from tests.support.waiting import holds_within

GRACE = 1.5
SPARE, DEAD = minicluster.SPARE, minicluster.DEAD


@pytest.fixture
def server() -> Iterator[KubeServer]:
    started = KubeServer(minicluster.objects(), logs=minicluster.LOGS, dead_nodes=minicluster.DEAD_NODES,
                         tokens={t: u for u, t in TOKENS.items() if u != "mallory"}, termination_seconds=0.2,
                         node_monitor_grace_seconds=GRACE, lease_renew_seconds=0.2).start()
    started.controllers.settle()
    yield started
    started.stop()


@pytest.fixture
def kubeconfig(server: KubeServer, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path, server)


@pytest.fixture
def core(kubeconfig: Path) -> client.CoreV1Api:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


def ready_of(node: Any) -> Any:
    return next(c for c in node.status.conditions if c.type == "Ready")


def pod_ready(pod: Any) -> str:
    return str(next(c.status for c in pod.status.conditions if c.type == "Ready"))


def events_about(core: client.CoreV1Api, name: str) -> list[tuple[str, str]]:
    return [(e.reason, e.source.component or "") for e in core.list_event_for_all_namespaces().items
            if e.involved_object.name == name]


def proxy_on(core: client.CoreV1Api, node: str) -> str:
    """The kube-proxy pod on a node: a DaemonSet pod tolerates an unreachable node for good, so it stays."""
    found = core.list_namespaced_pod("kube-system", field_selector=f"spec.nodeName={node}").items
    return str(found[0].metadata.name)


def test_a_node_whose_kubelet_stops_is_not_ready_only_after_the_grace_period(server: KubeServer,
                                                                              core: client.CoreV1Api) -> None:
    proxy = proxy_on(core, SPARE)
    assert pod_ready(core.read_namespaced_pod(proxy, "kube-system")) == "True"
    server.stop_heartbeat(SPARE)
    stopped = time.monotonic()
    assert ready_of(core.read_node(SPARE)).status == "True"
    assert holds_within(lambda: ready_of(core.read_node(SPARE)).status == "Unknown", GRACE + 3)
    assert time.monotonic() - stopped >= GRACE - 0.3  # counted from the last renewal, at most 0.2 s before
    node = core.read_node(SPARE)
    assert ready_of(node).reason == "NodeStatusUnknown"
    assert {(t.key, t.effect) for t in node.spec.taints} >= {("node.kubernetes.io/unreachable", "NoSchedule"),
                                                             ("node.kubernetes.io/unreachable", "NoExecute")}
    assert ("NodeNotReady", "node-controller") in events_about(core, SPARE)
    assert holds_within(lambda: pod_ready(core.read_namespaced_pod(proxy, "kube-system")) == "False", 3)
    assert ("NodeNotReady", "node-controller") in events_about(core, proxy)
    # Pods that do not tolerate the unreachable taint are evicted at once and stay Terminating: no kubelet confirms.
    api = core.list_namespaced_pod("shop", label_selector="app=api", field_selector=f"spec.nodeName={SPARE}").items
    assert api and all(p.metadata.deletion_timestamp is not None for p in api)


def test_a_node_that_comes_back_is_ready_and_its_pods_too(server: KubeServer, core: client.CoreV1Api) -> None:
    proxy = proxy_on(core, SPARE)
    server.stop_heartbeat(SPARE)
    assert holds_within(lambda: ready_of(core.read_node(SPARE)).status == "Unknown", GRACE + 3)
    assert holds_within(lambda: pod_ready(core.read_namespaced_pod(proxy, "kube-system")) == "False", 3)
    server.resume_heartbeat(SPARE)
    node = core.read_node(SPARE)
    assert (ready_of(node).status, ready_of(node).reason) == ("True", "KubeletReady")
    assert not any(t.key == "node.kubernetes.io/unreachable" for t in node.spec.taints or [])
    pressure = next(c for c in node.status.conditions if c.type == "MemoryPressure")
    assert pressure.status == "False"
    lease = client.CoordinationV1Api(core.api_client).read_namespaced_lease(SPARE, "kube-node-lease")
    assert (datetime.now(UTC) - lease.spec.renew_time).total_seconds() < 2
    assert pod_ready(core.read_namespaced_pod(proxy, "kube-system")) == "True"
    # The kubelet confirms the evicted pods' termination: they are gone.
    assert holds_within(lambda: not core.list_namespaced_pod("shop", label_selector="app=api",
                                                         field_selector=f"spec.nodeName={SPARE}").items, 3)
    assert ("NodeReady", "kubelet") in events_about(core, SPARE)


def test_a_node_dead_from_the_start_can_come_back(server: KubeServer, core: client.CoreV1Api) -> None:
    assert ready_of(core.read_node(DEAD)).status == "Unknown"
    server.resume_heartbeat(DEAD)
    assert ready_of(core.read_node(DEAD)).status == "True"
    time.sleep(0.5)
    assert ready_of(core.read_node(DEAD)).status == "True"  # the controllers do not kill it again


def test_a_container_is_oom_killed_and_restarts(server: KubeServer, core: client.CoreV1Api) -> None:
    name = core.list_namespaced_pod("shop", label_selector="app=api").items[0].metadata.name
    server.oom_kill("shop", name)
    status = core.read_namespaced_pod(name, "shop").status.container_statuses[0]
    assert status.restart_count == 1 and status.state.running is not None and status.ready
    terminated = status.last_state.terminated
    assert (terminated.reason, terminated.exit_code) == ("OOMKilled", 137)
    assert ("Started", "kubelet") in events_about(core, name)
    # As a kubelet keeps it, the killed run's log is the container's previous log; the new run's starts empty.
    server.logs[("shop", name, "api", False)] = "heap grew to 2 GiB\n"
    server.oom_kill("shop", name, "api")
    previous = core.read_namespaced_pod_log(name, "shop", container="api", previous=True)
    assert previous == "heap grew to 2 GiB\n" and core.read_namespaced_pod_log(name, "shop", container="api") == ""


def test_repeated_kills_leave_it_in_crash_loop_back_off_until_it_recovers(server: KubeServer,
                                                                          core: client.CoreV1Api) -> None:
    name = core.list_namespaced_pod("shop", label_selector="app=api").items[1].metadata.name
    server.oom_kill("shop", name, "api")
    server.oom_kill("shop", name, "api", back_off=True)
    pod = core.read_namespaced_pod(name, "shop")
    status = pod.status.container_statuses[0]
    assert status.restart_count == 2 and status.state.waiting.reason == "CrashLoopBackOff" and not status.ready
    assert pod_ready(pod) == "False" and ("BackOff", "kubelet") in events_about(core, name)
    server.recover_pod("shop", name)
    pod = core.read_namespaced_pod(name, "shop")
    status = pod.status.container_statuses[0]
    assert status.state.running is not None and status.ready and status.restart_count == 2
    assert status.last_state.terminated.reason == "OOMKilled" and pod_ready(pod) == "True"


def test_the_control_commands_work_from_another_terminal(server: KubeServer, core: client.CoreV1Api,
                                                         kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = core.list_namespaced_pod("shop", label_selector="app=api").items[0].metadata.name
    assert control.main(["oom-kill", f"shop/{name}", "--back-off", "--kubeconfig", str(kubeconfig)]) == 0
    assert "CrashLoopBackOff" in str(core.read_namespaced_pod(name, "shop").status.container_statuses[0].state)
    assert "restarts 1, waiting" in capsys.readouterr().out
    assert control.main(["recover-pod", f"shop/{name}", "--kubeconfig", str(kubeconfig)]) == 0
    assert control.main(["stop-heartbeat", SPARE, "--kubeconfig", str(kubeconfig)]) == 0
    assert f"NotReady after {GRACE:g} s" in capsys.readouterr().out
    assert holds_within(lambda: ready_of(core.read_node(SPARE)).status == "Unknown", GRACE + 3)
    assert control.main(["resume-heartbeat", SPARE, "--kubeconfig", str(kubeconfig)]) == 0
    assert ready_of(core.read_node(SPARE)).status == "True"
    assert control.main(["stop-heartbeat", "no-such-node", "--kubeconfig", str(kubeconfig)]) == 1
    assert "not found" in capsys.readouterr().out


def test_only_the_admin_may_change_the_world(server: KubeServer, kubeconfig: Path) -> None:
    text = kubeconfig.read_text().replace("current-context: sandbox\n", "current-context: sandbox-carol\n")
    carol = kubeconfig.with_name("kubeconfig-carol")
    carol.write_text(text)
    status, body = control.send(carol, control.path_for("stop-heartbeat", SPARE))
    assert status == 403 and "admin only" in body["message"]
    assert SPARE not in server.controllers.silent


def test_without_kubeconfig_it_reads_KUBECONFIG_as_kubectl_does(
    server: KubeServer, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # no ./kubeconfig here
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}{os.pathsep}{kubeconfig}")
    assert control.main(["stop-heartbeat", SPARE]) == 0
    assert SPARE in server.controllers.silent
    assert control.main(["resume-heartbeat", SPARE]) == 0
    monkeypatch.delenv("KUBECONFIG")
    assert control.main(["resume-heartbeat", SPARE]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "aksbot sandbox resume-heartbeat: no kubeconfig at kubeconfig: give --kubeconfig DIR/kubeconfig (the file "
        "`aksbot sandbox --write-config DIR` wrote) or set KUBECONFIG")
