"""The sandbox evicts pods from a node with a NoExecute taint as the taint eviction controller does: when the
pod's toleration runs out, at once without one, never with an unlimited one — and kubectl sees the result."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.kube import KubeServer
from tests.support import minicluster
from tests.support.kubectl import TOKENS, Kubectl, write_kubeconfig

UNREACHABLE = "node.kubernetes.io/unreachable"
DEAD = minicluster.DEAD


def _tolerating(seconds: int | None) -> list[dict[str, Any]]:
    toleration: dict[str, Any] = {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}
    if seconds is not None:
        toleration["tolerationSeconds"] = seconds
    return [toleration]


def _pod(name: str, tolerations: list[dict[str, Any]], owner: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "shop", "labels": {"app": name.split("-", maxsplit=1)[0]}}
    if owner:
        meta["labels"] = {"app": "cart", "pod-template-hash": "5b6c7d"}
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                                    "controller": True, "blockOwnerDeletion": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": DEAD, "tolerations": tolerations,
                     "containers": [minicluster.container("app", "shop/app:1.0")]},
            "status": {"phase": "Running"}}


def _objects() -> list[dict[str, Any]]:
    objects = minicluster.objects()
    dead = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == DEAD)
    # The node controller tainted it six minutes ago: past the default 300 s, short of an hour.
    added = (datetime.now(UTC) - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dead["spec"]["taints"] = [{"key": UNREACHABLE, "effect": "NoSchedule"},
                              {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": added}]
    template = {"metadata": {"labels": {"app": "cart"}},
                "spec": {"tolerations": _tolerating(300), "containers": [minicluster.container("app", "shop/cart:1")]}}
    hashed = copy.deepcopy(template)
    hashed["metadata"]["labels"]["pod-template-hash"] = "5b6c7d"
    objects += [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cart", "namespace": "shop"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "cart"}}, "template": template}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "cart-5b6c7d", "namespace": "shop", "labels": hashed["metadata"]["labels"],
                      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart",
                                           "controller": True, "blockOwnerDeletion": True}]},
         "spec": {"replicas": 1, "selector": {"matchLabels": hashed["metadata"]["labels"]}, "template": hashed}},
        _pod("cart-5b6c7d-aaaaa", _tolerating(300), owner="cart-5b6c7d"),
        _pod("patient", _tolerating(3600)),
        _pod("forever", _tolerating(None)),
        _pod("intolerant", []),
    ]
    return objects


@pytest.fixture(scope="module")
def server() -> Iterator[KubeServer]:
    srv = KubeServer(_objects(), dead_nodes=minicluster.DEAD_NODES,
                     tokens={t: u for u, t in TOKENS.items() if u != "mallory"}, termination_seconds=0.2).start()
    srv.controllers.settle(passes=6)
    yield srv
    srv.stop()


def _pods(kubectl: Kubectl) -> dict[str, dict[str, Any]]:
    done = kubectl("get", "pods", "-n", "shop", "-o", "json")
    assert done.returncode == 0, done.stderr
    return {p["metadata"]["name"]: p for p in json.loads(done.stdout)["items"]}


@pytest.mark.kubectl
def test_pods_leave_a_tainted_node_when_their_toleration_runs_out(server: KubeServer, tmp_path: Path) -> None:
    kubectl = Kubectl(write_kubeconfig(tmp_path, server))
    deadline = time.monotonic() + 10
    while True:
        pods = _pods(kubectl)
        replacement = [n for n, p in pods.items() if n.startswith("cart-") and n != "cart-5b6c7d-aaaaa"
                       and p["spec"].get("nodeName") not in (None, "", DEAD)]
        if replacement or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # Out of toleration (300 s of 360) and not tolerated at all: deleted, and Terminating for good, since the
    # dead node's kubelet never confirms.
    for name in ("cart-5b6c7d-aaaaa", "intolerant"):
        assert pods[name]["metadata"].get("deletionTimestamp"), name
    # Still within an hour's toleration, or tolerated without a limit: left where they are.
    for name in ("patient", "forever"):
        assert not pods[name]["metadata"].get("deletionTimestamp"), name
    # The deployment's controller replaced its evicted pod on a healthy node.
    assert replacement, sorted(pods)
    table = kubectl("get", "pods", "-n", "shop", "--no-headers")
    assert any(line.startswith("intolerant ") and "Terminating" in line for line in table.stdout.splitlines())
    events = kubectl("get", "events", "-n", "shop", "--field-selector", "reason=TaintManagerEviction", "-o", "json")
    evicted = {e["involvedObject"]["name"] for e in json.loads(events.stdout)["items"]}
    assert evicted == {"cart-5b6c7d-aaaaa", "intolerant"}


def test_a_pod_created_through_the_api_gets_the_default_toleration_seconds(server: KubeServer) -> None:
    created = server.store.create(server_pods(), {"metadata": {"name": "fresh"}, "spec": {
        "containers": [minicluster.container("app", "shop/app:1.0")],
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 60}]}}, "shop")
    tolerations = {(t["key"], t.get("tolerationSeconds")) for t in created["spec"]["tolerations"]}
    # Its own not-ready toleration stands; unreachable gets the admission plugin's 300 s.
    assert tolerations == {("node.kubernetes.io/not-ready", 60), (UNREACHABLE, 300)}


def server_pods() -> Any:
    from sandbox.kube.resources import BY_KEY

    return BY_KEY["pods"]
