"""The scheduler's FailedScheduling messages, current and older forms, in plain words."""

from __future__ import annotations

from handlers.rules.scheduling import parse_failed_scheduling


def test_current_scheduler_message_with_taint_insufficient_and_preemption() -> None:
    failure = parse_failed_scheduling(
        "0/7 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
        "6 Insufficient memory. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling, "
        "6 No preemption victims found for incoming pod."
    )
    assert (failure.available, failure.total) == (0, 7)
    assert [r.nodes for r in failure.reasons] == [6, 1]
    assert failure.reasons[0].plain == "node(s) lack free memory for the pod's requests"
    assert "unreachable" in failure.reasons[1].plain
    assert "node.kubernetes.io/unreachable" in failure.reasons[1].plain
    assert failure.preemption is not None and failure.preemption.startswith("0/7 nodes are available")
    assert failure.summary().startswith("0 of 7 nodes fit: 6 node(s) lack free memory")


def test_older_taint_form_with_its_inner_comma() -> None:
    failure = parse_failed_scheduling(
        "0/3 nodes are available: 3 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate."
    )
    assert len(failure.reasons) == 1
    assert failure.reasons[0].nodes == 3
    assert "control-plane" in failure.reasons[0].plain


def test_many_reasons_sorted_by_node_count() -> None:
    failure = parse_failed_scheduling(
        "0/12 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 Too many pods, "
        "1 node(s) were unschedulable, 4 Insufficient cpu, 2 node(s) had volume node affinity conflict."
    )
    assert [r.nodes for r in failure.reasons] == [4, 3, 2, 2, 1]
    plains = [r.plain for r in failure.reasons]
    assert "node(s) lack free CPU for the pod's requests" in plains
    assert "node(s) run their maximum number of pods (maxPods)" in plains
    assert "node(s) are cordoned" in plains
    assert "node(s) are in a different zone than the pod's volume" in plains
    assert "node(s) don't match the pod's nodeSelector/affinity" in plains


def test_untolerated_taint_with_value_and_spot_pool() -> None:
    failure = parse_failed_scheduling(
        "0/4 nodes are available: 4 node(s) had untolerated taint "
        "{kubernetes.azure.com/scalesetpriority: spot}. preemption: 0/4 nodes are available: "
        "4 Preemption is not helpful for scheduling."
    )
    assert "spot" in failure.reasons[0].plain
    assert "kubernetes.azure.com/scalesetpriority=spot" in failure.reasons[0].plain


def test_unknown_reason_kept_verbatim_and_headless_message() -> None:
    failure = parse_failed_scheduling("0/2 nodes are available: 2 node(s) had something new.")
    assert failure.reasons[0].plain == "node(s) had something new"
    pvc = parse_failed_scheduling('persistentvolumeclaim "data-redis-0" not found.')
    assert pvc.total is None
    assert pvc.reasons[0].plain == "the pod's PersistentVolumeClaim does not exist"
    unbound = parse_failed_scheduling(
        "0/7 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/7 nodes are "
        "available: 7 Preemption is not helpful for scheduling."
    )
    assert unbound.reasons[0].nodes is None
    assert unbound.reasons[0].plain == "the pod's PersistentVolumeClaim is not bound yet"


def test_room_for_more_pods_counts_requests_selector_taints_and_the_pod_limit() -> None:
    """What a scale-up's preview warns with: on each Ready, schedulable node the pod may go to, its allocatable less
    what is bound there, divided by the pod's request; the resource that runs out first is named."""
    from dataclasses import replace

    from bot.cluster.model import Resources, Taint, Toleration
    from handlers.rules.scheduling import room_for
    from tests.support.objects import GI, java_container, node, pod

    shape = pod(containers=(replace(java_container(), requests=Resources(cpu_m=1000, memory=1 * GI)),))
    a, b = node("aks-userpool-1-vmss000000"), node("aks-userpool-1-vmss000001")  # 3860m, 13 GiB each
    busy = pod("busy-1", node_name=a.name, containers=(replace(java_container(), requests=Resources(cpu_m=2000)),))
    nodes = [a, b, node("aks-userpool-1-vmss000002", ready="Unknown"), node("c", unschedulable=True),
             node("d", taints=(Taint("sku", "NoSchedule", "gpu"),))]
    room = room_for(shape, nodes, [busy])
    assert (room.fits, room.nodes, room.limit) == (1 + 3, 2, "cpu")  # a: 1860m left; b: 3860m; the rest cannot
    tolerant = replace(shape, tolerations=(Toleration("sku", "Equal", "gpu", "NoSchedule"),))
    assert room_for(tolerant, nodes, [busy]).nodes == 3
    picky = replace(shape, node_selector={"kubernetes.azure.com/agentpool": "system"})
    assert room_for(picky, nodes, [busy]).fits == 0
    small = replace(shape, containers=(replace(java_container(), requests=Resources(cpu_m=1)),))
    assert room_for(small, [b], []).limit == "pods"  # 110 pods a node before 3860 of them
    assert room.fits_empty
    # 40 GiB asked of 13 GiB nodes: none would hold one even empty, so more such nodes cannot help either.
    huge = replace(shape, containers=(replace(java_container(), requests=Resources(cpu_m=100, memory=40 * GI)),))
    assert room_for(huge, nodes, [busy]).fits_empty is False


def test_required_node_affinity_decides_which_nodes_a_pod_may_run_on() -> None:
    """Terms are ORed, a term's requirements ANDed; an empty term matches nothing; matchFields names the node
    (the DaemonSet controller's form); Gt and Lt compare integers."""
    from dataclasses import replace

    from bot.cluster.model import NodeTerm, Requirement
    from handlers.rules.scheduling import room_for
    from tests.support.objects import node, pod

    a = node("aks-userpool-1-vmss000000")
    labelled = replace(a, labels={**a.labels, "kubernetes.azure.com/agentpool": "userpool", "gen": "3"})
    pool = Requirement("kubernetes.azure.com/agentpool", "In", ("userpool",))
    other = Requirement("kubernetes.azure.com/agentpool", "In", ("gpu",))

    def may(*terms: NodeTerm) -> bool:
        return replace(pod(), node_affinity=terms).may_run_on(labelled)

    assert may() and may(NodeTerm((pool,))) and not may(NodeTerm((other,)))
    assert may(NodeTerm((other,)), NodeTerm((pool,)))  # either term
    assert not may(NodeTerm((pool, other)))  # both requirements
    assert not may(NodeTerm())  # a term with no requirement matches no node
    assert may(NodeTerm((Requirement("gen", "Gt", ("2",)),))) and not may(NodeTerm((Requirement("gen", "Lt", ("3",)),)))
    assert not may(NodeTerm((Requirement("agentpool-size", "Gt", ("2",)),)))  # no such label: neither way
    assert may(NodeTerm((Requirement("gpu", "DoesNotExist"), replace(other, operator="NotIn"))))
    assert may(NodeTerm(fields=(Requirement("metadata.name", "In", (a.name,)),)))
    assert not may(NodeTerm(fields=(Requirement("metadata.name", "NotIn", (a.name,)),)))
    # The selector and the affinity must both allow the node.
    assert not replace(pod(), node_selector={"gen": "2"}, node_affinity=(NodeTerm((pool,)),)).may_run_on(labelled)
    # room_for counts only the nodes the affinity allows.
    shape = replace(pod(), node_affinity=(NodeTerm((other,)),))
    assert room_for(shape, [labelled], []).nodes == 0
