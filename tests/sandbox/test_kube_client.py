"""The official Python `kubernetes` client against the sandbox API server: semantics, errors, pagination, watch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from sandbox.kube import AccessRule, KubeServer
from tests.support import minicluster
from tests.support.kubectl import start_minicluster, write_kubeconfig


@pytest.fixture(scope="module")
def server() -> Iterator[KubeServer]:
    started = start_minicluster()
    yield started
    started.stop()


def api_client(server: KubeServer, directory: Path, user: str = "admin") -> client.ApiClient:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(write_kubeconfig(directory, server)), context=f"sandbox-{user}",
                            client_configuration=configuration)
    return client.ApiClient(configuration)


@pytest.fixture(scope="module")
def api(server: KubeServer, tmp_path_factory: pytest.TempPathFactory) -> client.ApiClient:
    return api_client(server, tmp_path_factory.mktemp("client"))


@pytest.fixture(scope="module")
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


def status_of(exc: ApiException) -> dict[str, object]:
    body: dict[str, object] = json.loads(exc.body)
    return body


def configmap(name: str, **labels: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data={"k": "v"})


def test_create_assigns_uid_resource_version_and_timestamp(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", configmap("assign"))
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert int(created.metadata.resource_version) > 0
    generated = core.create_namespaced_config_map(
        "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-")))
    assert generated.metadata.name.startswith("gen-") and len(generated.metadata.name) == 9


def test_error_reasons_and_codes(server: KubeServer, core: client.CoreV1Api, tmp_path: Path) -> None:
    with pytest.raises(ApiException) as not_found:
        core.read_namespaced_pod("missing", "shop")
    assert (not_found.value.status, status_of(not_found.value)["reason"]) == (404, "NotFound")
    assert status_of(not_found.value)["message"] == 'pods "missing" not found'

    core.create_namespaced_config_map("default", configmap("dup"))
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_config_map("default", configmap("dup"))
    assert (exists.value.status, status_of(exists.value)["reason"]) == (409, "AlreadyExists")

    stale = core.read_namespaced_config_map("dup", "default")
    core.patch_namespaced_config_map("dup", "default", {"data": {"k": "changed"}})
    stale.data = {"k": "lost update"}
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("dup", "default", stale)
    assert (conflict.value.status, status_of(conflict.value)["reason"]) == (409, "Conflict")

    with pytest.raises(ApiException) as invalid:
        core.create_namespaced_config_map("default", configmap("Not_Valid"))
    body = status_of(invalid.value)
    assert (invalid.value.status, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "metadata.name"  # type: ignore[index]

    server.set_access("carol", AccessRule(allow=frozenset({("get", "pods"), ("list", "pods")})))
    carol = client.CoreV1Api(api_client(server, tmp_path, user="carol"))
    try:
        carol.list_namespaced_pod("shop")
        with pytest.raises(ApiException) as forbidden:
            carol.patch_node(minicluster.SPARE, {"spec": {"unschedulable": True}})
        assert (forbidden.value.status, status_of(forbidden.value)["reason"]) == (403, "Forbidden")
        assert status_of(forbidden.value)["message"] == (
            f'nodes "{minicluster.SPARE}" is forbidden: User "carol" cannot patch resource "nodes" in API group "" '
            "at the cluster scope")
    finally:
        server.set_access("carol", None)

    pod = next(p for p in core.list_namespaced_pod("shop", label_selector="app=web").items)
    with pytest.raises(ApiException) as too_many:
        core.create_namespaced_pod_eviction(pod.metadata.name, "shop", client.V1Eviction(
            metadata=client.V1ObjectMeta(name=pod.metadata.name, namespace="shop")))
    body = status_of(too_many.value)
    assert (too_many.value.status, body["reason"]) == (429, "TooManyRequests")
    assert body["details"]["causes"][0]["reason"] == "DisruptionBudget"  # type: ignore[index]

    with pytest.raises(ApiException) as unauthorized:
        client.CoreV1Api(api_client(server, tmp_path, user="mallory")).list_node()
    assert unauthorized.value.status == 401


def test_pagination_with_continue_remaining_count_and_expiry(server: KubeServer, core: client.CoreV1Api) -> None:
    for i in range(7):
        core.create_namespaced_config_map("default", configmap(f"page-{i}", batch="pages"))
    first = core.list_namespaced_config_map("default", limit=3, label_selector="batch=pages")
    assert [c.metadata.name for c in first.items] == ["page-0", "page-1", "page-2"]
    second = core.list_namespaced_config_map("default", limit=3, label_selector="batch=pages",
                                             _continue=first.metadata._continue)
    assert [c.metadata.name for c in second.items] == ["page-3", "page-4", "page-5"]
    unfiltered = core.list_namespaced_config_map("default", limit=2)
    assert unfiltered.metadata.remaining_item_count == len(core.list_namespaced_config_map("default").items) - 2
    server.store.compact()
    with pytest.raises(ApiException) as expired:
        core.list_namespaced_config_map("default", limit=3, _continue=second.metadata._continue)
    assert (expired.value.status, status_of(expired.value)["reason"]) == (410, "Expired")


def test_label_selector_operators(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", configmap("sel-a", tier="web", env="prod"))
    core.create_namespaced_config_map("default", configmap("sel-b", tier="db", env="prod"))
    core.create_namespaced_config_map("default", configmap("sel-c", tier="cache"))

    def names(selector: str) -> list[str]:
        items = core.list_namespaced_config_map("default", label_selector=selector).items
        return sorted(c.metadata.name for c in items if c.metadata.name.startswith("sel-"))

    assert names("tier=web") == ["sel-a"]
    assert names("tier==db") == ["sel-b"]
    assert names("tier!=web,tier") == ["sel-b", "sel-c"]
    assert names("tier in (web, db)") == ["sel-a", "sel-b"]
    assert names("tier notin (web),tier") == ["sel-b", "sel-c"]
    assert names("tier,!env") == ["sel-c"]
    assert names("env") == ["sel-a", "sel-b"]


def test_field_selectors_for_pods_and_events(core: client.CoreV1Api) -> None:
    on_spare = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={minicluster.SPARE}").items
    assert on_spare and all(p.spec.node_name == minicluster.SPARE for p in on_spare)
    not_running = core.list_pod_for_all_namespaces(field_selector="status.phase!=Running").items
    assert all(p.status.phase != "Running" for p in not_running)
    events = core.list_event_for_all_namespaces(field_selector="involvedObject.kind=ReplicaSet,type=Normal").items
    assert events and {e.involved_object.kind for e in events} == {"ReplicaSet"}
    with pytest.raises(ApiException) as bad:
        core.list_namespaced_pod("shop", field_selector="spec.bogus=x")
    assert bad.value.status == 400


def test_strategic_merge_json_and_merge_patches(core: client.CoreV1Api) -> None:
    pod = core.list_namespaced_pod("shop", label_selector="app=billing").items[0]
    name = pod.metadata.name
    # Conditions merge on `type`: adding one keeps the others.
    patched = core.patch_namespaced_pod_status(name, "shop", {"status": {"conditions": [
        {"type": "DisruptionTarget", "status": "True", "reason": "Test"}]}})
    assert {"Ready", "DisruptionTarget"} <= {c.type for c in patched.status.conditions}
    # Containers merge on `name`: patching one field keeps the image.
    patched = core.patch_namespaced_pod(name, "shop", {"spec": {"containers": [
        {"name": "billing", "env": [{"name": "A", "value": "1"}]}]}})
    assert patched.spec.containers[0].image == "shop/billing:2.1"
    assert patched.spec.containers[0].env[0].name == "A"
    # $patch: delete removes one list element by its merge key.
    patched = core.patch_namespaced_pod_status(name, "shop", {"status": {"conditions": [
        {"type": "DisruptionTarget", "$patch": "delete"}]}})
    assert "DisruptionTarget" not in {c.type for c in patched.status.conditions}
    # A list body is sent as a JSON patch; a null in a merge patch deletes.
    patched = core.patch_namespaced_pod(name, "shop", [{"op": "add", "path": "/metadata/labels/extra", "value": "x"}])
    assert patched.metadata.labels["extra"] == "x"
    patched = core.patch_namespaced_pod(name, "shop", {"metadata": {"labels": {"extra": None}}},
                                        _content_type="application/merge-patch+json")
    assert "extra" not in patched.metadata.labels


def test_generation_bumps_on_spec_change_only(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    before = apps.read_namespaced_deployment("web", "shop")
    apps.patch_namespaced_deployment("web", "shop", {"metadata": {"annotations": {"note": "x"}}})
    assert apps.read_namespaced_deployment("web", "shop").metadata.generation == before.metadata.generation
    apps.patch_namespaced_deployment("web", "shop", {"spec": {"minReadySeconds": 1}})
    assert apps.read_namespaced_deployment("web", "shop").metadata.generation == before.metadata.generation + 1


def test_finalizers_keep_the_object_until_removed(core: client.CoreV1Api) -> None:
    cm = configmap("held")
    cm.metadata.finalizers = ["example.com/hold"]
    core.create_namespaced_config_map("default", cm)
    core.delete_namespaced_config_map("held", "default")
    held = core.read_namespaced_config_map("held", "default")
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("held", "default")
    assert gone.value.status == 404


def test_deleting_a_deployment_removes_its_replicasets_and_pods(server: KubeServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    core = client.CoreV1Api(api)
    template = client.V1PodTemplateSpec(
        metadata=client.V1ObjectMeta(labels={"app": "doomed"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")]))
    apps.create_namespaced_deployment("default", client.V1Deployment(
        metadata=client.V1ObjectMeta(name="doomed"),
        spec=client.V1DeploymentSpec(replicas=2, selector=client.V1LabelSelector(match_labels={"app": "doomed"}),
                                     template=template)))
    server.controllers.settle()
    assert len(core.list_namespaced_pod("default", label_selector="app=doomed").items) == 2
    apps.delete_namespaced_deployment("doomed", "default", propagation_policy="Background")
    assert apps.list_namespaced_replica_set("default", label_selector="app=doomed").items == []
    assert core.list_namespaced_pod("default", label_selector="app=doomed").items == []


def test_the_scheduler_honours_required_node_affinity(server: KubeServer, api: client.ApiClient) -> None:
    """A pod whose required node affinity no node meets stays Pending with the scheduler's reason; one whose second
    term names a node's pool is bound there (terms are ORed). The bot's reader decodes the terms it was given."""
    from bot.cluster.wire import PODS

    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)

    def pinned(name: str, *pools: str) -> None:
        terms = [client.V1NodeSelectorTerm(match_expressions=[client.V1NodeSelectorRequirement(
            key="kubernetes.azure.com/agentpool", operator="In", values=[pool])]) for pool in pools]
        affinity = client.V1Affinity(node_affinity=client.V1NodeAffinity(
            required_during_scheduling_ignored_during_execution=client.V1NodeSelector(node_selector_terms=terms)))
        template = client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": name}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")], affinity=affinity))
        apps.create_namespaced_deployment("default", client.V1Deployment(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1DeploymentSpec(replicas=1, selector=client.V1LabelSelector(match_labels={"app": name}),
                                         template=template)))

    pinned("on-gpu", "gpupool")
    pinned("on-either", "gpupool", "nodepool1")
    server.controllers.settle()
    (stuck,) = core.list_namespaced_pod("default", label_selector="app=on-gpu").items
    assert stuck.spec.node_name is None and stuck.status.phase == "Pending"
    reasons = [e.message for e in core.list_namespaced_event("default").items
               if e.involved_object.name == stuck.metadata.name and e.reason == "FailedScheduling"]
    assert reasons and "didn't match Pod's node affinity/selector" in reasons[-1]
    (placed,) = core.list_namespaced_pod("default", label_selector="app=on-either").items
    assert placed.spec.node_name
    read = PODS.from_dict(api.sanitize_for_serialization(placed))
    assert [[(r.key, r.operator, r.values) for r in t.expressions] for t in read.node_affinity] == [
        [("kubernetes.azure.com/agentpool", "In", ("gpupool",))],
        [("kubernetes.azure.com/agentpool", "In", ("nodepool1",))],
    ]
    for name in ("on-gpu", "on-either"):
        apps.delete_namespaced_deployment(name, "default", propagation_policy="Background")


def test_watch_resumes_from_resource_version_and_sees_bookmarks(core: client.CoreV1Api) -> None:
    start = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", configmap("watched-1"))
    core.create_namespaced_config_map("default", configmap("watched-2"))
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=2,
                          allow_watch_bookmarks=True):
        if event["type"] == "BOOKMARK":
            seen.append(("BOOKMARK", event["raw_object"]["metadata"]["resourceVersion"]))
            w.stop()
        else:
            seen.append((event["type"], event["object"].metadata.name))
    assert seen[:2] == [("ADDED", "watched-1"), ("ADDED", "watched-2")]
    assert seen[-1][0] == "BOOKMARK"

    # The watch picks up a change made while it runs.
    timer = threading.Timer(0.3, lambda: core.delete_namespaced_config_map("watched-1", "default"))
    timer.start()
    later: list[tuple[str, str]] = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default", resource_version=seen[-1][1],
                          timeout_seconds=3):
        later.append((event["type"], event["object"].metadata.name))
        w.stop()
    timer.join()
    assert later == [("DELETED", "watched-1")]


def test_watch_from_a_compacted_version_gets_410(server: KubeServer, core: client.CoreV1Api) -> None:
    old = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", configmap("after-compaction"))
    server.store.compact()
    started = time.monotonic()
    with pytest.raises(ApiException) as expired:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version=old,
                                      timeout_seconds=2):
            pass
    assert expired.value.status == 410
    assert time.monotonic() - started < 2


def test_server_side_table_for_pods(api: client.ApiClient) -> None:
    request = api.param_serialize(
        method="GET", resource_path="/api/v1/namespaces/shop/pods",
        header_params={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}, auth_settings=["BearerToken"])
    response = api.call_api(*request)
    response.read()
    table = json.loads(response.data)
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_events_api_group_serves_core_events(api: client.ApiClient) -> None:
    events = client.EventsV1Api(api).list_namespaced_event("shop", field_selector="reason=SuccessfulCreate").items
    assert events and events[0].regarding.kind == "ReplicaSet" and events[0].note.startswith("Created pod:")


def test_scale_subresource(server: KubeServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    scale = apps.read_namespaced_deployment_scale("web", "shop")
    assert scale.spec.replicas == 2 and "app=web" in scale.status.selector
    apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 3}})
    server.controllers.settle()
    assert apps.read_namespaced_deployment("web", "shop").status.ready_replicas == 3
    apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 2}})


def test_scenario_style_workloads_are_adopted_not_replaced(server: KubeServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    replicasets = apps.list_namespaced_replica_set("shop", label_selector="app=api").items
    assert [rs.metadata.name for rs in replicasets] == ["api-6f7c9d8b5"]
    deployment = apps.read_namespaced_deployment("api", "shop")
    assert replicasets[0].metadata.owner_references[0].uid == deployment.metadata.uid
    pods = client.CoreV1Api(api).list_namespaced_pod("shop", label_selector="app=api").items
    assert sorted(p.metadata.name for p in pods) == ["api-6f7c9d8b5-k2x7p", "api-6f7c9d8b5-q9z4m"]
    assert deployment.status.ready_replicas == 2 and deployment.status.updated_replicas == 2


def test_self_subject_access_review_follows_the_access_rules(server: KubeServer, tmp_path: Path) -> None:
    server.set_access("carol", AccessRule(deny_verbs=frozenset({"patch"})))
    try:
        auth = client.AuthorizationV1Api(api_client(server, tmp_path, user="carol"))

        def can(verb: str, resource: str) -> bool:
            review = client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(verb=verb, resource=resource)))
            return bool(auth.create_self_subject_access_review(review).status.allowed)

        assert can("list", "pods") and not can("patch", "nodes")
    finally:
        server.set_access("carol", None)


def test_deleting_a_namespace_removes_its_objects(core: client.CoreV1Api) -> None:
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="scratch")))
    core.create_namespaced_config_map("scratch", configmap("inside"))
    core.delete_namespace("scratch")
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("inside", "scratch")
    assert gone.value.status == 404
    with pytest.raises(ApiException) as missing_namespace:
        core.create_namespaced_config_map("scratch", configmap("again"))
    assert missing_namespace.value.status == 404


def raw_request(api: client.ApiClient, method: str, path: str, body: object = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    request = api.param_serialize(method=method, resource_path=path, header_params=headers or {},
                                  body=body, auth_settings=["BearerToken"])
    response = api.call_api(*request)
    response.read()
    return response.status, json.loads(response.data)


def test_method_not_allowed_and_bad_request(api: client.ApiClient, core: client.CoreV1Api) -> None:
    status, body = raw_request(api, "POST", "/api/v1/namespaces/shop/pods/billing-7d4b9c-x2x9z",
                               body={"metadata": {"name": "x"}}, headers={"Content-Type": "application/json"})
    assert (status, body["reason"]) == (405, "MethodNotAllowed")
    with pytest.raises(ApiException) as bad:
        core.list_namespaced_pod("shop", label_selector="app in (web")
    assert (bad.value.status, status_of(bad.value)["reason"]) == (400, "BadRequest")


def test_eviction_without_budget_deletes_gracefully_and_two_budgets_are_refused(
        server: KubeServer, core: client.CoreV1Api, api: client.ApiClient) -> None:
    policy = client.PolicyV1Api(api)
    target = client.V1Pod(metadata=client.V1ObjectMeta(name="evictee", labels={"evict": "me"}),
                          spec=client.V1PodSpec(node_name=minicluster.SPARE,
                                                containers=[client.V1Container(name="c", image="busybox")]))
    core.create_namespaced_pod("default", target)
    server.controllers.settle()
    for name in ("one", "two"):
        policy.create_namespaced_pod_disruption_budget("default", client.V1PodDisruptionBudget(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1PodDisruptionBudgetSpec(max_unavailable=1, selector=client.V1LabelSelector(
                match_labels={"evict": "me"}))))
    eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name="evictee", namespace="default"))
    with pytest.raises(ApiException) as two:
        core.create_namespaced_pod_eviction("evictee", "default", eviction)
    assert two.value.status == 500 and "more than one PodDisruptionBudget" in status_of(two.value)["message"]
    for name in ("one", "two"):
        policy.delete_namespaced_pod_disruption_budget(name, "default")
    core.create_namespaced_pod_eviction("evictee", "default", eviction)
    assert core.read_namespaced_pod("evictee", "default").metadata.deletion_timestamp is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            core.read_namespaced_pod("evictee", "default")
        except ApiException as exc:
            assert exc.status == 404
            break
        time.sleep(0.05)
    else:
        pytest.fail("the evicted pod was never removed")


def test_table_with_full_objects(api: client.ApiClient) -> None:
    status, table = raw_request(api, "GET", "/api/v1/nodes?includeObject=Object",
                                headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert status == 200
    rows = table["rows"]
    assert isinstance(rows, list) and rows[0]["object"]["kind"] == "Node"
    assert rows[0]["cells"][1] in ("Ready", "Ready,SchedulingDisabled", "NotReady")


def test_replicaset_adopts_a_matching_orphan_instead_of_creating_a_pod(server: KubeServer,
                                                                        api: client.ApiClient) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    spec = client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")])
    core.create_namespaced_pod("default", client.V1Pod(
        metadata=client.V1ObjectMeta(name="stray", labels={"app": "adoptme"}), spec=spec))
    apps.create_namespaced_replica_set("default", client.V1ReplicaSet(
        metadata=client.V1ObjectMeta(name="adopter"),
        spec=client.V1ReplicaSetSpec(replicas=1, selector=client.V1LabelSelector(match_labels={"app": "adoptme"}),
                                     template=client.V1PodTemplateSpec(
                                         metadata=client.V1ObjectMeta(labels={"app": "adoptme"}), spec=spec))))
    server.controllers.settle()
    pods = core.list_namespaced_pod("default", label_selector="app=adoptme").items
    assert [p.metadata.name for p in pods] == ["stray"]
    assert pods[0].metadata.owner_references[0].name == "adopter"
