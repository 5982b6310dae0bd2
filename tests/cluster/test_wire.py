"""Decoding the API's JSON into the slim models: shapes the real server sends (nulls, numbers, unknown fields),
shared sub-objects, and the fast constructors that must build exactly what the dataclasses build."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from bot.cluster import model, wire
from bot.cluster.selectors import field_requirements, label_matcher

POD = {
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1", "resourceVersion": "42",
                 "labels": {"app": "web"}, "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9f", "controller": True}]},
    "spec": {"nodeName": "n1", "volumes": [{"name": "token", "projected": {"sources": []}}],
             "containers": [{"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "250m", "memory": 1024},
                                                                          "limits": {"memory": "1Gi"}},
                             "livenessProbe": {"httpGet": {"path": "/"}}, "readinessProbe": None,
                             "env": [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}],
             "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": "300"}]},
    "status": {"phase": "Running", "podIP": "10.0.0.1",
               "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": "2026-11-04T22:34:51Z"}],
               "containerStatuses": [{"name": "app", "ready": True, "restartCount": 2, "imageID": "sha",
                                      "state": {"running": {"startedAt": "2026-11-04T22:34:45Z"}},
                                      "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]},
}


def test_a_pod_decodes_with_nulls_numbers_and_unknown_fields() -> None:
    pod, version = wire.PODS.one(msgspec.json.encode(POD))
    assert version == "42" and pod.key == "shop/web-1" and pod.node == "n1" and pod.pod_ip == "10.0.0.1"
    (c,) = pod.containers
    assert (c.requests.cpu_m, c.requests.memory, c.limits.memory) == (250, 1024, 2**30)
    assert c.has_liveness_probe and not c.has_readiness_probe
    assert c.env[0].value is None and c.env[0].source == "secret:db/pw"  # where from, never the value
    assert pod.tolerations[0].seconds == 300  # sent as a string: decoded laxly, as the API allows
    assert pod.owner == model.OwnerRef("ReplicaSet", "web-7d9f", True)
    assert pod.restarts == 2 and pod.last_termination is not None and pod.last_termination.exit_code == 137
    assert pod.is_ready and pod.condition("Ready") is not None


def test_replicas_share_their_container_specs_and_labels() -> None:
    other = {**POD, "metadata": {**POD["metadata"], "name": "web-2", "uid": "u2"}}  # type: ignore[dict-item]
    page = msgspec.json.encode({"metadata": {"resourceVersion": "7", "continue": "abc"}, "items": [POD, other]})
    (a, b), meta = wire.PODS.page(page)
    assert (meta.resource_version, meta.continue_) == ("7", "abc")
    assert a.containers is b.containers and a.labels is b.labels and a.tolerations is b.tolerations
    assert a != b


def test_a_page_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(wire.DecodeError):
        wire.PODS.page(b'{"items": {"not": "a list"}}')


@pytest.mark.parametrize("cls", [model.Condition, model.ContainerState, model.ContainerStatus, model.OwnerRef,
                                 model.Pod, model.Node, model.Event, model.ObjectRef, model.Lease])
def test_fast_constructors_build_what_the_dataclass_builds(cls: type) -> None:
    make = wire.fast_constructor(cls)
    required = {f.name: f"x-{f.name}" for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    built, expected = make(**required), cls(**required)
    assert built == expected and type(built) is cls
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, dataclasses.fields(cls)[0].name, "changed")
    if any(f.default_factory is not dataclasses.MISSING for f in dataclasses.fields(cls)):
        assert make(**required) == expected  # a fresh default for each object, as the dataclass gives


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ("app=web", {"app": "web"}, True),
    ("app==web,tier!=db", {"app": "web"}, True),
    ("app!=web", {}, True),
    ("env in (prod, stage)", {"env": "stage"}, True),
    ("env notin (prod)", {}, True),
    ("env notin (prod)", {"env": "prod"}, False),
    ("canary", {"canary": ""}, True),
    ("!canary", {"canary": "1"}, False),
    ("", {"anything": "x"}, True),
])
def test_label_selectors_match_as_the_api_server_does(selector: str, labels: dict[str, str], expected: bool) -> None:
    match = label_matcher(selector)
    assert match is not None and match(labels) is expected


@pytest.mark.parametrize("selector", ["app=(", "a in (b", "version>1", "a=b,,c=d"])
def test_selectors_not_understood_are_left_to_the_server(selector: str) -> None:
    assert label_matcher(selector) is None


def test_field_selectors_only_for_known_fields() -> None:
    known = frozenset({"spec.nodeName"})
    assert field_requirements("spec.nodeName=n1", known) == [("spec.nodeName", True, "n1")]
    assert field_requirements("spec.nodeName!=n1", known) == [("spec.nodeName", False, "n1")]
    assert field_requirements("status.podIP=1.2.3.4", known) is None
