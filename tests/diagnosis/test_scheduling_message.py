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
