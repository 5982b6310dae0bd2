"""A diagnosis rule's finding as an alert: how the bot's own watcher speaks in the same model as Alertmanager.

The key is (cluster, rule, object) — `watcher/prod/node.notready/node/aks-userpool-…-vmss000003`, where a rule that
is an early stage of another (`STAGE_OF`) takes that one's name — so the same finding on the same object is the same
problem however often it is seen, and the evidence and runbook are the rule's own. The watcher passes `since` (when
it first saw the finding), not the time of each scan, so an unchanged finding hashes the same scan after scan; when
the finding is gone it sends the group again with `status=RESOLVED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.alerts.model import Alert, AlertAction, AlertGroup, AlertObject, Source, Status
from bot.i18n import ALERT, said
from handlers.rules.finding import Finding


def finding_object(subject: str) -> AlertObject | None:
    """`node/aks-1` → Node aks-1; `pod/payments/ledger-1` → Pod payments/ledger-1; anything else → None."""
    parts = subject.split("/")
    kinds = {"node": "Node", "pod": "Pod", "deployment": "Deployment", "statefulset": "StatefulSet",
             "daemonset": "DaemonSet", "job": "Job", "pdb": "PodDisruptionBudget",
             "poddisruptionbudget": "PodDisruptionBudget", "cluster": "ManagedCluster"}
    kind = kinds.get(parts[0].lower()) if parts else None
    if kind is None or len(parts) not in (2, 3):
        return None
    return AlertObject(kind, parts[-1], parts[1] if len(parts) == 3 else "")


# Rules that are stages of one problem on one object share that problem's key, so it keeps one message as it
# worsens or eases: a node whose heartbeat lease went stale (still Ready) is the first stage of the node turning
# NotReady/Unknown 40 s later. Without this the first message said "✅ Resolved" just as the node got worse.
STAGE_OF = {"node.lease": "node.notready"}


def watcher_key(cluster: str, rule: str, subject: str) -> str:
    return f"{Source.WATCHER.value}/{cluster}/{STAGE_OF.get(rule, rule)}/{subject}"


def from_finding(cluster: str, finding: Finding, *, since: datetime, status: Status = Status.FIRING,
                 resolved_at: datetime | None = None, seen: datetime | None = None) -> AlertGroup:
    """The alert group for one finding on one cluster; `seen` is when the rules read the evidence."""
    subject = str(finding.subject)
    obj = finding_object(subject)
    namespace = finding.namespace or (obj.namespace if obj is not None and obj.namespace else None)
    alert = Alert(
        source=Source.WATCHER,
        name=finding.rule,
        status=status,
        severity=finding.severity,
        severity_label=finding.severity.label,
        summary=finding.title,
        starts_at=since,
        ends_at=resolved_at if status is Status.RESOLVED else None,
        cluster=cluster,
        cluster_hint=cluster,
        namespace=namespace,
        object=obj,
        evidence=finding.evidence,
        next=finding.next or "",
        seen_at=seen,
        runbook=finding.kb,
        labels={"rule": finding.rule, "subject": subject, "confidence": finding.confidence},
        # The rule's suggested actions (cordon, drain …) become the message's buttons, through the approval flow.
        actions=tuple(AlertAction(a.label, a.ref.value, a.danger) for a in finding.actions if a.ref.fits_a_button()),
    )
    return AlertGroup(source=Source.WATCHER, key=watcher_key(cluster, finding.rule, subject),
                      title=finding.title, alerts=(alert,), labels=dict(alert.labels))


def from_findings(cluster: str, subject: str, findings: Sequence[Finding], *, since: datetime,
                  seen: datetime | None = None) -> AlertGroup:
    """One problem of several objects as one alert group — the pods of one workload with the same rule (two
    ledger-api pods OOMKilled): keyed by the workload (`subject`, `deployment/payments/ledger-api`), an alert per
    pod (each with its evidence), titled by the worst (first) one with how many more there are. One finding whose
    subject is the key is `from_finding` itself."""
    first = findings[0]
    single = from_finding(cluster, first, since=since, seen=seen)
    if len(findings) == 1 and str(first.subject) == subject:
        return single
    alerts = tuple(from_finding(cluster, f, since=since, seen=seen).alerts[0] for f in findings)
    title: str = first.title
    if len(findings) > 1:
        title = said(ALERT.more_pods_of, first=first.title, more=len(findings) - 1, workload=subject)
    labels = {"rule": first.rule, "subject": subject}
    return AlertGroup(source=Source.WATCHER, key=watcher_key(cluster, first.rule, subject), title=title,
                      alerts=alerts, labels=labels)
