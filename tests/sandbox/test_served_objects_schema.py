"""Everything the sandbox API server serves — scenario objects and what its controllers made — validates
against the Kubernetes 1.32 JSON schemas (strict: no unknown fields)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from sandbox.kube import KubeServer
from sandbox.kube.resources import TYPES
from tests.support.kubectl import start_minicluster


def served_objects(server: KubeServer, sample: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rtype in TYPES:
        if rtype.virtual or rtype.stored_as:
            continue
        objects = server.objects(rtype.key)
        if sample and len(objects) > sample:
            step = len(objects) // sample
            objects = objects[::step]
        out.extend(objects)
    return out


def validate_all(objects: list[dict[str, Any]]) -> list[str]:
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, "1.32", strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}: "
                            f"{exc.message} at {'.'.join(str(p) for p in exc.path)}")
    return failures


@pytest.fixture(scope="module")
def settled() -> Any:
    server = start_minicluster()
    # Let the controllers make replicasets, pods, events and leases, then roll the deployment.
    server.controllers.settle()

    def restart(deploy: dict[str, Any]) -> None:
        deploy["spec"]["template"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/restartedAt": "now"}
        deploy["spec"]["replicas"] = 3

    server.mutate("apps/deployments", "web", restart, "shop")
    server.controllers.settle(passes=6)
    yield server
    server.stop()


def test_minicluster_objects_after_controllers_validate(settled: KubeServer) -> None:
    objects = served_objects(settled)
    kinds = {o["kind"] for o in objects}
    assert {"Pod", "ReplicaSet", "Event", "Lease", "Node", "PodDisruptionBudget", "DaemonSet"} <= kinds
    assert len([o for o in objects if o["kind"] == "ReplicaSet"]) == 3
    assert validate_all(objects) == []


def test_every_scenario_as_served_after_the_controllers_validates() -> None:
    from sandbox.scenario import load_scenario, scenario_names

    failures: list[str] = []
    names = scenario_names()
    assert "incident" in names
    for name in names:
        loaded = load_scenario(name)
        server = KubeServer(loaded.objects, logs=loaded.logs, dead_nodes=loaded.dead_nodes, tls=False)
        try:
            server.controllers.settle()
            # The large scenario (50,000 pods) is sampled; the others are checked whole.
            objects = served_objects(server, sample=200 if name == "large" else 0)
            failures += [f"{name}: {failure}" for failure in validate_all(objects)]
        finally:
            server.controllers.stop()
    assert failures == []
