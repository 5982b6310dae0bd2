"""The `Sandbox` (scenario + Kubernetes API server + ARM server), its written configuration and its CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.settings import load
from sandbox import Sandbox

pytestmark = pytest.mark.kubectl
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scenario="incident") as running:
        yield running


@pytest.fixture(scope="module")
def config_dir(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sandbox-config")
    sandbox.write_config(directory)
    return directory


def kubectl(config_dir: Path, *args: str, user: str = "admin") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KUBECONFIG=str(config_dir / "kubeconfig"))
    return subprocess.run(["/usr/bin/kubectl", "--request-timeout=10s", f"--user={user}", *args], env=env,
                          capture_output=True, text=True, timeout=30, check=False)


def test_write_config_points_the_bot_at_both_servers(sandbox: Sandbox, config_dir: Path) -> None:
    settings = yaml.safe_load((config_dir / "aksbot.yaml").read_text())
    cluster = settings["clusters"][0]
    assert settings["default_cluster"] == "sandbox"
    assert (cluster["kubeconfig"], cluster["context"]) == ("kubeconfig", "sandbox")
    assert sandbox.arm is not None and cluster["azure"]["arm_endpoint"] == sandbox.arm.base_url
    assert settings["roles"] == {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]}
    assert settings["store"]["sqlite_path"] == "aksbot.sqlite3"
    kubeconfig = yaml.safe_load((config_dir / "kubeconfig").read_text())
    assert kubeconfig["current-context"] == "sandbox"
    assert {u["name"] for u in kubeconfig["users"]} == {"admin", "alice", "bob", "carol"}
    assert kubeconfig["clusters"][0]["cluster"]["server"] == sandbox.kube_url
    env = dict(line.split("=", 1) for line in (config_dir / "sandbox.env").read_text().splitlines())
    assert set(env) == {cluster["azure"]["client_secret_env"], "AKSBOT_ALERTS_TOKEN"}
    # Alerts go to C0ALERTS unless a route says otherwise; the webhooks' token comes with the environment.
    assert settings["alerts"] == {"default_channel": "C0ALERTS"}
    assert env["AKSBOT_ALERTS_TOKEN"] == sandbox.alerts_token
    loaded = load(str(config_dir / "aksbot.yaml"), environ=env)
    assert loaded.alerts.default_channel == "C0ALERTS" and loaded.alerts_token is not None


def test_incident_scenario_through_kubectl(config_dir: Path) -> None:
    nodes = kubectl(config_dir, "get", "nodes", "-o", "wide")
    assert nodes.returncode == 0, nodes.stderr
    statuses = [line.split()[1] for line in nodes.stdout.splitlines()[1:]]
    assert statuses.count("Ready") == len(statuses) - 1
    assert statuses.count("NotReady") == 1
    pods = kubectl(config_dir, "get", "pods", "-A")
    assert "CrashLoopBackOff" in pods.stdout and "Pending" in pods.stdout
    events = kubectl(config_dir, "get", "events", "-A", "--field-selector", "reason=FailedScheduling")
    assert "FailedScheduling" in events.stdout


def test_drain_of_the_guarded_node_is_refused_by_its_pdb(config_dir: Path) -> None:
    found = kubectl(config_dir, "get", "nodes", "-l", "aksbot.io/sandbox-role=pdb-guarded", "-o", "json")
    node = json.loads(found.stdout)["items"][0]["metadata"]["name"]
    try:
        refused = kubectl(config_dir, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                          "--timeout=2s")
        assert refused.returncode != 0
        assert "Cannot evict pod as it would violate the pod's disruption budget." in refused.stderr
    finally:
        kubectl(config_dir, "uncordon", node)


def test_pool_scaled_through_arm_adds_nodes(sandbox: Sandbox, config_dir: Path) -> None:
    from bot.azure.sdk import build_client
    from bot.azure.settings import AzureSettings

    settings = yaml.safe_load((config_dir / "aksbot.yaml").read_text())
    az = AzureSettings(**settings["clusters"][0]["azure"])
    assert sandbox.arm is not None
    aks = build_client(az, sandbox.arm.environment())
    pool = next(iter(aks.agent_pools.list(az.resource_group, az.cluster_name)))
    labels = f"agentpool={pool.name}"
    before = len(json.loads(kubectl(config_dir, "get", "nodes", "-l", labels, "-o", "json").stdout)["items"])
    pool.count = before + 1
    aks.agent_pools.begin_create_or_update(az.resource_group, az.cluster_name, pool.name, pool).result()
    after = json.loads(kubectl(config_dir, "get", "nodes", "-l", labels, "-o", "json").stdout)["items"]
    assert len(after) == before + 1


def test_cli_prints_one_ready_line_and_exits_zero_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sandbox.cli import main; sys.exit(main(sys.argv[1:]))",
         "--scenario", "incident", "--write-config", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("sandbox 'incident' ready: kubernetes https://127.0.0.1:")
        assert f"config {tmp_path / 'aksbot.yaml'}" in line
        # The written configuration names its secrets' variables; the line says how to set them, and that is enough.
        environment = line.split("before using it: ", 1)[1].strip()
        assert environment == f"set -a; . {tmp_path / 'sandbox.env'}; set +a"
        check = f"{sys.executable} -c 'import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))' " \
                f"config check --config {tmp_path / 'aksbot.yaml'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AKSBOT_")} | {"PYTHONPATH": str(ROOT)}
        without = subprocess.run(["bash", "-c", check], env=env, capture_output=True, text=True, timeout=60,
                                 check=False)
        assert without.returncode != 0 and "client_secret_env" in without.stderr
        sourced = subprocess.run(["bash", "-c", f"{environment}; {check}"], env=env, capture_output=True, text=True,
                                 timeout=60, check=False)
        assert sourced.returncode == 0, sourced.stderr
        assert kubectl(tmp_path, "get", "ns").returncode == 0
        time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()


def test_cli_mistakes_are_one_line_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from sandbox.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["--scenario", "nosuch"])
    assert refused.value.code == 2
    assert "argument --scenario: invalid choice: 'nosuch' (choose from 'healthy', 'incident', 'large')" in \
        capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--no-arm", "--scenario", "healthy"]) == 2
    assert capsys.readouterr().err == (f"aksbot sandbox: port {port} is in use (--port): stop what listens there, "
                                       "choose another port, or leave --port out for any free one\n")


def test_a_deleted_statefulset_pod_comes_back_under_its_name(sandbox: Sandbox, config_dir: Path) -> None:
    """As the StatefulSet controller does (and the ReplicaSet's pods already did): `kubectl delete pod redis-0` —
    what the bot's `delete pod` does — and redis-0 is back, with its claim; `get sts` counts it only once it is."""
    assert sandbox.kube is not None
    before = sandbox.kube.get("pods", "redis-0", "shop")
    assert kubectl(config_dir, "delete", "pod", "redis-0", "-n", "shop").returncode == 0
    deadline = time.monotonic() + 20
    while True:
        found = json.loads(kubectl(config_dir, "get", "pods", "-n", "shop", "-o", "json").stdout)["items"]
        again = [p for p in found if p["metadata"]["name"] == "redis-0"
                 and p["metadata"]["uid"] != before["metadata"]["uid"] and p["status"].get("phase") == "Running"]
        if again:
            break
        assert time.monotonic() < deadline, "redis-0 did not come back"
        time.sleep(0.3)
    (pod,) = again
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "redis-0"
    assert [v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v] == \
        [v for v in before["spec"]["volumes"] if "persistentVolumeClaim" in v]
    deadline = time.monotonic() + 10
    while "1/1" not in kubectl(config_dir, "get", "sts", "redis", "-n", "shop").stdout:
        assert time.monotonic() < deadline, kubectl(config_dir, "get", "sts", "redis", "-n", "shop").stdout
        time.sleep(0.3)


def test_logs_of_a_crash_looping_container_are_its_last_runs(sandbox: Sandbox, config_dir: Path) -> None:
    """A container waiting in CrashLoopBackOff has no new run: the kubelet serves the last run's log without
    `--previous` too (kubernetes/kubernetes#4526), so `kubectl logs` is not empty."""
    assert sandbox.kube is not None
    pod = next(p for p in sandbox.kube.objects("pods") if p["metadata"]["namespace"] == "payments"
               and any((s.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                       for s in p["status"].get("containerStatuses") or ()))
    name = pod["metadata"]["name"]
    current = kubectl(config_dir, "logs", "-n", "payments", name, "--tail=5")
    previous = kubectl(config_dir, "logs", "-n", "payments", name, "--previous", "--tail=5")
    assert current.returncode == 0 and previous.returncode == 0, current.stderr + previous.stderr
    assert current.stdout.strip() and current.stdout == previous.stdout
