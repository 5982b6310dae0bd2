"""Kubernetes quantity parsing and the pod/node views' derived fields, on plain objects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cluster.model import (
    Condition,
    Container,
    ContainerState,
    ContainerStatus,
    Node,
    Pod,
    Resources,
    format_bytes,
    format_cpu,
    parse_cpu,
    parse_memory,
    parse_quantity,
)
from bot.timefmt import age, clock
from handlers._format import closest
from handlers.nodes import node_rank
from handlers.pods import pod_rank


@pytest.mark.parametrize(("text", "millicores"), [
    ("100m", 100), ("1", 1000), ("1.5", 1500), ("3860m", 3860), ("0.1", 100), ("100u", 1), ("250000n", 1),
    ("2k", 2_000_000), ("1e-3", 1), ("5e0", 5000), (2, 2000),
])
def test_cpu_in_millicores_rounds_up_like_the_scheduler(text: str, millicores: int) -> None:
    assert parse_cpu(text) == millicores


@pytest.mark.parametrize(("text", "count"), [
    ("1Ki", 1024), ("128Mi", 128 * 2**20), ("1.5Gi", 3 * 2**29), ("1k", 1000), ("1M", 10**6), ("1G", 10**9),
    ("129e6", 129_000_000), ("1E", 10**18), ("1Ei", 2**60), ("12345", 12345), ("119703055367", 119703055367),
    ("500m", 1), ("0", 0), ("+1Ki", 1024),
])
def test_memory_binary_decimal_and_exponent_forms(text: str, count: int) -> None:
    assert parse_memory(text) == count


@pytest.mark.parametrize("text", ["", "Mi", "1.2.3", "1 Gi", "1gi", "abc", "1Kb", "--1"])
def test_malformed_quantities_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(text)


def test_formatting_reads_like_kubectl() -> None:
    assert (format_cpu(250), format_cpu(2000), format_cpu(3500)) == ("250m", "2", "3.5")
    assert (format_bytes(512 * 2**20), format_bytes(int(3.5 * 2**30)), format_bytes(100)) == ("512Mi", "3.5Gi", "100")


def _pod(name: str, *, waiting: str | None = None, restarts: int = 0, phase: str = "Running") -> Pod:
    state = ContainerState("waiting", reason=waiting) if waiting else ContainerState("running")
    return Pod("ns", name, phase=phase, containers=(Container("app"),),
               container_statuses=(ContainerStatus("app", ready=not waiting, restart_count=restarts, state=state),),
               conditions=(Condition("Ready", "False" if waiting else "True"),))


def test_pods_sort_broken_first_then_restarting_then_healthy() -> None:
    pods = [_pod("ok"), _pod("flaky", restarts=3), _pod("crash", waiting="CrashLoopBackOff", restarts=9),
            _pod("pending", phase="Pending", waiting="ContainerCreating")]
    assert [p.name for p in sorted(pods, key=pod_rank)] == ["crash", "pending", "flaky", "ok"]
    assert pods[2].status_text == "CrashLoopBackOff"


def test_nodes_sort_notready_then_pressure_then_cordoned() -> None:
    ready = Condition("Ready", "True")
    nodes = [Node("a", conditions=(ready,)), Node("b", conditions=(ready,), unschedulable=True),
             Node("c", conditions=(ready, Condition("DiskPressure", "True"))), Node("d")]
    assert [n.name for n in sorted(nodes, key=node_rank)] == ["d", "c", "b", "a"]
    assert nodes[1].status_text == "Ready,SchedulingDisabled"
    assert nodes[3].status_text == "Unknown"


def test_effective_request_counts_the_biggest_init_container() -> None:
    pod = Pod("ns", "p", containers=(Container("a", requests=Resources(cpu_m=100)),
                                     Container("b", requests=Resources(cpu_m=200))),
              init_containers=(Container("init", requests=Resources(cpu_m=500, memory=10)),))
    assert pod.requests.cpu_m == 500
    assert pod.requests.memory == 10


def test_age_and_closest_names() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    assert age(datetime(2026, 1, 7, tzinfo=UTC), now) == "3d"
    assert age(None, now) == "-"
    names = ["aks-nodepool1-1-vmss000000", "aks-nodepool1-1-vmss000001", "aks-user-2-vmss000000"]
    assert closest("aks-nodepool1-1-vmss00001", names)[0] == "aks-nodepool1-1-vmss000001"


def test_a_time_of_day_carries_its_date_when_it_is_not_today() -> None:
    """"since 07:55:48Z (300d ago)" read as this morning: a time on another day than now says which."""
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert clock(datetime(2026, 12, 7, 7, 55, 48, tzinfo=UTC), now) == "07:55:48Z"
    assert clock(datetime(2026, 2, 10, 7, 55, 48, tzinfo=UTC), now) == "2026-02-10 07:55:48Z"
    assert clock(datetime(2026, 2, 10, 7, 55, 48, tzinfo=UTC)) == "07:55:48Z"  # no now: the time alone


def test_a_long_duration_drops_the_parts_that_are_noise() -> None:
    from bot.timefmt import duration

    assert [duration(s) for s in (45, 372, 3 * 3600 + 120, 90061, 2 * 86400, 300 * 86400 + 65)] == [
        "45s", "6m12s", "3h2m", "1d1h", "2d", "300d"]
