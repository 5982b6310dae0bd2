"""Leases served as kube-apiserver serves them, through the official client: in any namespace, 409 AlreadyExists on
a second create, 409 Conflict on a stale resourceVersion, 422 without one, MicroTime decoding, get/list/watch."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from sandbox.kube import KubeServer
from tests.support.kubectl import start_minicluster, write_kubeconfig

NS = "aksbot"


@pytest.fixture(scope="module")
def server() -> Iterator[KubeServer]:
    started = start_minicluster()
    started.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def leases(server: KubeServer, tmp_path_factory: pytest.TempPathFactory) -> client.CoordinationV1Api:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(write_kubeconfig(Path(tmp_path_factory.mktemp("leases")), server)),
                            client_configuration=configuration)
    return client.CoordinationV1Api(client.ApiClient(configuration))


def lease(name: str, holder: str = "a", **spec: object) -> dict[str, object]:
    # The typed client validates a dict body into its models and writes datetimes back with isoformat(): a time
    # with microseconds survives that as a MicroTime, one without does not (see test_times_must_be_micro_times).
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": name},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15,
                     "renewTime": "2026-11-22T09:00:00.123456Z", **spec}}


def refused(call: object) -> dict[str, object]:
    with pytest.raises(ApiException) as caught:
        call()  # type: ignore[operator]
    status: dict[str, object] = json.loads(caught.value.body)
    return status


def test_a_second_create_is_409_already_exists(leases: client.CoordinationV1Api) -> None:
    created = leases.create_namespaced_lease(NS, lease("first"))
    assert created.metadata.namespace == NS and created.spec.holder_identity == "a"
    status = refused(lambda: leases.create_namespaced_lease(NS, lease("first", holder="b")))
    assert (status["code"], status["reason"]) == (409, "AlreadyExists")
    assert leases.read_namespaced_lease("first", NS).spec.holder_identity == "a"


def test_replace_needs_the_current_resource_version(leases: client.CoordinationV1Api) -> None:
    created = leases.create_namespaced_lease(NS, lease("cas"))
    rv = created.metadata.resource_version
    body = lease("cas", holder="b")
    body["metadata"] = {"name": "cas", "resourceVersion": rv}
    replaced = leases.replace_namespaced_lease("cas", NS, body)
    assert replaced.spec.holder_identity == "b" and replaced.metadata.resource_version != rv
    stale = lease("cas", holder="c")
    stale["metadata"] = {"name": "cas", "resourceVersion": rv}
    status = refused(lambda: leases.replace_namespaced_lease("cas", NS, stale))
    assert (status["code"], status["reason"]) == (409, "Conflict")
    assert "the object has been modified" in str(status["message"])
    status = refused(lambda: leases.replace_namespaced_lease("cas", NS, lease("cas", holder="d")))
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update" in str(status["message"])
    assert leases.read_namespaced_lease("cas", NS).spec.holder_identity == "b"


def test_a_put_to_a_missing_lease_creates_it(leases: client.CoordinationV1Api) -> None:
    created = leases.replace_namespaced_lease("made-by-put", NS, lease("made-by-put"))
    assert created.metadata.uid and leases.read_namespaced_lease("made-by-put", NS).spec.holder_identity == "a"


def test_times_must_be_micro_times(leases: client.CoordinationV1Api) -> None:
    status = refused(lambda: leases.create_namespaced_lease(NS, lease("t1", renewTime="2026-11-22T09:00:00Z")))
    assert (status["code"], status["reason"]) == (400, "BadRequest") and "RFC3339Micro" in str(status["message"])
    # The typed client writes datetime.isoformat(): fine with microseconds, refused without them.
    spec = client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15,
                              renew_time=datetime(2026, 11, 22, 9, 0, 0, 1, tzinfo=UTC))
    leases.create_namespaced_lease(NS, client.V1Lease(metadata=client.V1ObjectMeta(name="t2"), spec=spec))
    spec.renew_time = datetime(2026, 11, 22, 9, 0, 0, 0, tzinfo=UTC)
    body = client.V1Lease(metadata=client.V1ObjectMeta(name="t3"), spec=spec)
    assert refused(lambda: leases.create_namespaced_lease(NS, body))["code"] == 400


def test_invalid_spec_values_are_422(leases: client.CoordinationV1Api) -> None:
    status = refused(lambda: leases.create_namespaced_lease(NS, lease("v", leaseDurationSeconds=0)))
    assert status["code"] == 422 and "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0" in str(
        status["message"])
    status = refused(lambda: leases.create_namespaced_lease(NS, lease("v", leaseTransitions=-1)))
    assert status["code"] == 422 and "spec.leaseTransitions" in str(status["message"])


def test_a_lease_in_a_missing_namespace_is_404(leases: client.CoordinationV1Api) -> None:
    status = refused(lambda: leases.create_namespaced_lease("nowhere", lease("x")))
    assert status["code"] == 404 and "namespaces \"nowhere\" not found" in str(status["message"])


def test_leases_are_listed_and_watched_in_any_namespace(leases: client.CoordinationV1Api) -> None:
    leases.create_namespaced_lease(NS, lease("listed"))
    names = {item.metadata.name for item in leases.list_namespaced_lease(NS).items}
    assert "listed" in names
    everywhere = leases.list_lease_for_all_namespaces()
    assert {(i.metadata.namespace, i.metadata.name) for i in everywhere.items} >= {(NS, "listed")}
    assert any(i.metadata.namespace == "kube-node-lease" for i in everywhere.items)
    rv = leases.list_namespaced_lease(NS).metadata.resource_version
    seen: list[tuple[str, str]] = []
    done = threading.Event()

    def follow() -> None:
        stream = watch.Watch()
        for event in stream.stream(leases.list_namespaced_lease, NS, resource_version=rv, timeout_seconds=5):
            seen.append((event["type"], event["object"].metadata.name))
            if event["object"].metadata.name == "watched":
                stream.stop()
        done.set()

    threading.Thread(target=follow, daemon=True).start()
    leases.create_namespaced_lease(NS, lease("watched"))
    assert done.wait(10) and ("ADDED", "watched") in seen
