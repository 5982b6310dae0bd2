"""Rules over what Azure says about the cluster: SNAT port budget, a Failed provisioning state, a service
principal whose secret expires.

Pure: the handler fetches the `ManagedCluster` (skipping these rules when the cluster has no Azure settings) and
the arithmetic is `handlers.rules.snat`'s, the same calculator `aks snat` and the scale-pool preview use.
"""

from __future__ import annotations

from bot.azure.model import ManagedCluster
from bot.i18n import FINDING, joined, said
from bot.refs import CommandRef, Kind, ObjectRef
from bot.registry import NoArgs
from bot.severity import Severity
from handlers.args import SnatArgs
from handlers.rules.finding import KB_RECONCILE_FAILED, KB_SNAT, KB_SP_EXPIRED, Finding, SuggestedAction
from handlers.rules.snat import cluster_budget


def snat_rule(cluster: ManagedCluster) -> list[Finding]:
    """`azure.snat:pressure` when the outbound ports per node are low or the peak node count does not fit."""
    budget = cluster_budget(cluster)
    if not budget.pressure:
        return []
    evidence = [
        f"outbound type {budget.inputs.outbound_type}, {budget.inputs.outbound_ips} outbound IP(s) "
        f"({budget.inputs.ip_source})",
        *budget.findings,
    ]
    # A budget the peak would exceed is a risk, not an outage: nothing fails until the autoscaler (or an upgrade's
    # surge) adds the node that finds no ports, so it is a warning and never pages. Only nodes that already outnumber
    # the budget are an outage now (the newest of them have no outbound ports).
    if budget.max_nodes is not None and budget.current_nodes > budget.max_nodes:
        severity = Severity.CRITICAL
        title = said(FINDING.snat_exceeded, nodes=budget.current_nodes, max=budget.max_nodes)
    elif budget.max_nodes is not None and budget.headroom is not None and budget.headroom < 0:
        severity = Severity.WARNING
        title = said(FINDING.snat_over, peak=budget.peak_nodes, max=budget.max_nodes)
    else:
        severity = Severity.WARNING
        title = said(FINDING.snat_close)
    actions = (SuggestedAction(said(FINDING.snat_budget), CommandRef("aks snat", SnatArgs())),)
    nexts = [
        said(FINDING.with_command, text=r.text, command=r.command) if r.command else r.text
        for r in budget.recommendations[:2]
    ]
    return [
        Finding(
            rule="azure.snat",
            severity=severity,
            title=title,
            subject=ObjectRef(Kind.CLUSTER, cluster.name),
            evidence=tuple(evidence),
            kb=KB_SNAT,
            signals=("azure.snat:pressure",),
            actions=actions,
            next=joined(nexts, "; ", " ") if nexts else None,
        )
    ]


def provisioning_rule(cluster: ManagedCluster) -> list[Finding]:
    """A cluster in provisioning state Failed: every later operation is refused until it is reconciled."""
    if not cluster.failed:
        return []
    evidence = [f"managedCluster {cluster.name}: provisioningState={cluster.provisioning_state}"]
    if cluster.provisioning_error is not None:
        evidence.append(f"error {cluster.provisioning_error.code}: {cluster.provisioning_error.message}")
    evidence.extend(
        f"agent pool {p.name}: provisioningState={p.provisioning_state}"
        for p in cluster.pools
        if p.failed
    )
    signals = ["azure.provisioning:Failed"]
    if cluster.provisioning_error is not None and cluster.provisioning_error.code:
        signals.append(f"error:{cluster.provisioning_error.code}")
    return [
        Finding(
            rule="azure.provisioning",
            severity=Severity.CRITICAL,
            title=said(FINDING.cluster_failed, name=cluster.name),
            subject=ObjectRef(Kind.CLUSTER, cluster.name),
            evidence=tuple(evidence),
            kb=KB_RECONCILE_FAILED,
            signals=tuple(signals),
            actions=(SuggestedAction(said(FINDING.reconcile), CommandRef("aks reconcile", NoArgs()), danger=True),),
            next=said(FINDING.cluster_failed_next),
        )
    ]


def identity_rule(cluster: ManagedCluster) -> list[Finding]:
    """A service-principal cluster: its secret expires (one year by default) and Azure shows no expiry date."""
    if cluster.identity.kind != "service-principal":
        return []
    client_id = cluster.identity.service_principal_client_id
    return [
        Finding(
            rule="azure.identity",
            severity=Severity.INFO,
            title=said(FINDING.service_principal),
            subject=ObjectRef(Kind.CLUSTER, cluster.name),
            evidence=(
                said(FINDING.sp_client_secret, client_id=client_id),
                said(FINDING.sp_check_end_date, client_id=client_id),
            ),
            kb=KB_SP_EXPIRED,
            signals=("azure.identity:service-principal",),
            confidence="medium",
        )
    ]


def azure_findings(cluster: ManagedCluster) -> list[Finding]:
    return [*provisioning_rule(cluster), *snat_rule(cluster), *identity_rule(cluster)]
