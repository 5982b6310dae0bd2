"""Workload rules: a PodDisruptionBudget allowing 0 disruptions, a Deployment that stopped progressing.

A PDB at 0 allowed disruptions blocks every eviction of its pods: `drain`, a node-image upgrade and a cluster
upgrade wait for it (AKS's drain timeout is 30 minutes by default) and then fail with "Cannot evict pod as it
would violate the pod's disruption budget" (aks-facts §6). Pure functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bot.cluster.model import Deployment, Pod, PodDisruptionBudget
from bot.i18n import FINDING, joined, said
from bot.refs import CommandRef, Kind, ObjectRef
from bot.severity import Severity
from bot.timefmt import ago
from handlers.args import DeploymentsArgs, PdbsArgs, PodsArgs
from handlers.rules.finding import KB_CRASHLOOP, KB_PDB_BLOCKING, Finding, SuggestedAction

AKS_DRAIN_TIMEOUT_MINUTES = 30


def pdb_rule(pdb: PodDisruptionBudget, pods: Sequence[Pod]) -> list[Finding]:
    """`pdb.disruptions:0` with the pods it guards and the nodes they sit on."""
    if pdb.disruptions_allowed > 0 or pdb.expected_pods == 0:
        return []
    guarded = [p for p in pods if p.namespace == pdb.namespace and pdb.selects(p.labels)]
    nodes = Counter(p.node for p in guarded if p.node)
    evidence: list[str] = [
        said(
            FINDING.pdb_state,
            name=f"{pdb.namespace}/{pdb.name}",
            rule=pdb.rule,
            healthy=pdb.current_healthy,
            expected=pdb.expected_pods,
            desired=pdb.desired_healthy,
            allowed=pdb.disruptions_allowed,
        )
    ]
    if pdb.selector_text or pdb.selector:
        selector = pdb.selector_text or ",".join(f"{k}={v}" for k, v in sorted(pdb.selector.items()))
        evidence.append(said(FINDING.pdb_selects, selector=selector))
    if nodes:
        where = joined(
            (
                said(FINDING.pdb_pods_on_node_many if c > 1 else FINDING.pdb_pods_on_node, node=n, count=c)
                for n, c in nodes.most_common(5)
            ),
            ", ",
            "，",
        )
        evidence.append(said(FINDING.pdb_pods_on, where=where))
    degraded = pdb.current_healthy < pdb.desired_healthy
    if degraded:
        evidence.append(said(FINDING.pdb_degraded, healthy=pdb.current_healthy, desired=pdb.desired_healthy))
    name = f"{pdb.namespace}/{pdb.name}"
    title = (
        said(FINDING.pdb_blocks_node, name=name, node=next(iter(nodes)))
        if len(nodes) == 1
        else said(FINDING.pdb_blocks, name=name)
    )
    return [
        Finding(
            rule="pdb.blocking",
            severity=Severity.WARNING,
            title=title,
            subject=ObjectRef(Kind.PDB, pdb.name, pdb.namespace),
            namespace=pdb.namespace,
            evidence=tuple(evidence),
            kb=KB_PDB_BLOCKING,
            signals=("pdb.disruptions:0",),
            actions=(SuggestedAction(said(FINDING.pdbs), CommandRef("pdbs", PdbsArgs(), namespace=pdb.namespace)),),
            next=said(FINDING.pdb_next, minutes=AKS_DRAIN_TIMEOUT_MINUTES),
        )
    ]


def deployment_rule(deployment: Deployment, now: datetime) -> list[Finding]:
    """`Progressing=False` (ProgressDeadlineExceeded): the rollout stopped; usually its new pods never got ready."""
    progressing = deployment.condition("Progressing")
    if progressing is None or progressing.status != "False":
        return []
    d = deployment
    evidence = [
        f"condition Progressing=False reason {progressing.reason}: {progressing.message[:300]}",
        f"replicas {d.replicas}: {d.updated} updated, {d.ready} ready, {d.available} available, "
        f"{d.unavailable} unavailable",
    ]
    if progressing.last_transition is not None:
        evidence.append(f"stalled since {ago(progressing.last_transition, now)}")
    return [
        Finding(
            rule="deployment.progressing",
            severity=Severity.CRITICAL if d.available == 0 and d.replicas > 0 else Severity.WARNING,
            title=(
                said(FINDING.not_progressing, name=f"{d.namespace}/{d.name}", reason=progressing.reason)
                if progressing.reason
                else said(FINDING.not_progressing_stalled, name=f"{d.namespace}/{d.name}")
            ),
            subject=ObjectRef(Kind.DEPLOYMENT, d.name, d.namespace),
            namespace=d.namespace,
            evidence=tuple(evidence),
            kb=KB_CRASHLOOP,
            signals=("deployment.condition:Progressing=False",),
            actions=(
                SuggestedAction(
                    said(FINDING.its_pods),
                    CommandRef("pods", PodsArgs(selector=d.selector_text), namespace=d.namespace),
                )
                if d.selector_text
                else SuggestedAction(
                    said(FINDING.deployments), CommandRef("deployments", DeploymentsArgs(), namespace=d.namespace)
                ),
            ),
        )
    ]
