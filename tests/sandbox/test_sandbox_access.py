"""`aksbot sandbox --user NAME --role ROLE` and `--access FILE`: a user tries the bot under a restricted identity
from the command line. The sandbox runs in its own process; kubectl (as that user's context) and a fresh
`aksbot shell` on the written configuration see the same 403s a real API server would give that identity."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from sandbox.kube.access import ROLES, AccessFileError, load_access_file
from tests.support.kubectl import sandbox_process
from tests.support.network import run_piped

pytestmark = pytest.mark.kubectl
NODE = "aks-userpool-11974196-vmss000005"


def _kubectl(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/usr/bin/kubectl", "--request-timeout=10s", *args], capture_output=True, text=True,
                          env={**os.environ, "KUBECONFIG": str(folder / "kubeconfig")}, timeout=30, check=False)


def _shell(folder: Path, user: str, *lines: str) -> str:
    run = run_piped(["shell", "--config", str(folder / "aksbot.yaml"), "--as", user], list(lines))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    return " ".join(run.stdout.split())


def test_the_bot_runs_under_a_nodes_and_pods_identity(tmp_path: Path) -> None:
    with sandbox_process(tmp_path, "--user", "dave", "--role", "nodes-and-pods") as (_, banner):
        assert "bot runs as dave (nodes-and-pods)" in banner
        config = yaml.safe_load((tmp_path / "aksbot.yaml").read_text())
        assert config["clusters"][0]["context"] == "sandbox-dave"
        assert _kubectl(tmp_path, "--context", "sandbox-dave", "get", "nodes").returncode == 0
        denied = _kubectl(tmp_path, "--context", "sandbox-dave", "get", "deployments", "-A")
        assert 'User "dave" cannot list resource "deployments"' in denied.stderr
        assert _kubectl(tmp_path, "get", "deployments", "-A").returncode == 0  # admin is not restricted
        text = _shell(tmp_path, "carol", "/k8s nodes", "/k8s deployments -A")
        assert "Nodes — sandbox" in text
        assert "its identity `dave` may not `list` `deployments.apps` cluster-wide" in text


def test_an_access_file_gives_each_user_a_role_or_rules(tmp_path: Path) -> None:
    access = tmp_path / "access.yaml"
    access.write_text(yaml.safe_dump({
        "erin": "read-only",
        "frank": [{"apiGroups": [""], "verbs": ["get", "list"], "resources": ["nodes"]}],
    }))
    folder = tmp_path / "sandbox"
    with sandbox_process(folder, "--access", str(access), "--user", "erin") as (_, banner):
        assert "bot runs as erin" in banner
        assert _kubectl(folder, "--context", "sandbox-erin", "get", "pods", "-A").returncode == 0
        secrets = _kubectl(folder, "--context", "sandbox-erin", "get", "secrets", "-A")
        assert 'User "erin" cannot list resource "secrets"' in secrets.stderr
        assert _kubectl(folder, "--context", "sandbox-frank", "get", "nodes").returncode == 0
        assert "forbidden" in _kubectl(folder, "--context", "sandbox-frank", "get", "pods").stderr
        can = _kubectl(folder, "--context", "sandbox-erin", "auth", "can-i", "patch", "nodes")
        assert can.stdout.strip().startswith("no")
        # Read commands answer; an approved cordon is refused by the cluster, naming verb and resource.
        text = _shell(folder, "alice", "/k8s pods -A", f"/k8s cordon {NODE}", ":as bob", ":click Approve")
        assert "its identity `erin` may not `patch` `nodes` cluster-wide" in text, text
        assert "unschedulable" not in _kubectl(folder, "get", "node", NODE, "-o", "yaml").stdout


def test_a_wrong_role_or_access_file_is_a_usage_error(tmp_path: Path) -> None:
    wrong = run_piped(["sandbox", "--no-arm", "--user", "dave", "--role", "superuser"], [])
    assert wrong.returncode == 2 and "invalid choice: 'superuser'" in wrong.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"gina": [{"verbs": "get", "resources": ["pods"]}]}))
    run = run_piped(["sandbox", "--no-arm", "--access", str(bad)], [])
    assert run.returncode == 2 and "gina, rule 1: `verbs` must be a list of verbs" in run.stderr
    with pytest.raises(AccessFileError, match="unknown role 'root'"):
        bad.write_text(yaml.safe_dump({"gina": "root"}))
        load_access_file(bad)
    assert set(ROLES) == {"admin", "read-only", "operator", "nodes-and-pods"}


def test_the_operator_role_allows_what_the_shipped_cluster_roles_grant() -> None:
    """`operator` is the sandbox's name for deploy/kubernetes' aksbot-read plus aksbot-actions (and no more
    than reading everything but Secrets besides)."""
    documents = yaml.safe_load_all((Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" /
                                    "rbac.yaml").read_text())
    granted = {(verb, resource) for doc in documents if doc and doc["kind"] == "ClusterRole"
               for rule in doc["rules"] for resource in rule["resources"] for verb in rule["verbs"]}
    operator, read_only = ROLES["operator"], ROLES["read-only"]
    assert operator is not None and read_only is not None
    assert all(operator.permits(verb, resource) for verb, resource in granted), sorted(
        pair for pair in granted if not operator.permits(*pair))
    assert not read_only.permits("patch", "nodes") and not read_only.permits("list", "secrets")
