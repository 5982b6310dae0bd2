"""Azure Monitor's common alert schema (`schemaId: azureMonitorCommonAlertSchema`) as an `AlertGroup`.

    {"schemaId": "azureMonitorCommonAlertSchema",
     "data": {"essentials": {"alertId", "alertRule", "severity": "Sev0"…"Sev4", "signalType",
                             "monitorCondition": "Fired" | "Resolved", "monitoringService", "alertTargetIDs",
                             "configurationItems", "firedDateTime", "resolvedDateTime", "description", …},
              "alertContext": {…depends on monitoringService…}, "customProperties": {…}}}

The alert context differs by service; what it says about the cause becomes evidence:

- managed Prometheus (`monitoringService: Prometheus`): `expression`, `expressionValue`, `labels`, `annotations`;
- metric alerts (`condition.allOf[]`): metric, operator, threshold, value, dimensions;
- log search alerts: v2 (`condition.allOf[]` with `searchQuery`, links to the results) and v1 (`SearchQuery`,
  `ResultCount`, `LinkToSearchResults`);
- activity log alerts (`signalType: Activity Log`; `monitoringService` "Activity Log - Administrative", "… - Policy",
  "… - Autoscale", "… - Security", "ServiceHealth", "Resource Health"): the operation, its status and caller, and a
  health event's title and status;
- anything else (budgets …): the essentials only.

Activity log alerts and budget alerts are stateless: Azure sends them Fired, once, and never Resolved (the schema's
`resolvedDateTime` is "currently only applicable for metric alerts"). They are marked `stateless`, so the bot shows
them as events and ends them by itself (`alerts.event_minutes` after they arrive) rather than "firing" forever. The
one end Azure does tell is read as one: a Resource Health event whose `currentHealthStatus` is `Available` again,
and a Service Health event at `stage: Resolved`, resolve the alert at their `eventTimestamp`.

Identity: Azure gives each firing a new `alertId` and sends the Resolved notice with the same one, so the group's
key is the rule with its targets and dimensions (or Prometheus labels) — stable across firings, so a rule that
fires again reopens its message — and the `alertId` is kept as the alert's `source_id`, which is how the store
matches a Resolved notice to its Fired one. Any other `schemaId` (or none) raises `PayloadError` saying how to turn
the common schema on. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.alerts import model
from bot.alerts.clusters import ClusterDirectory
from bot.severity import Severity

SCHEMA_ID = "azureMonitorCommonAlertSchema"
# `monitoringService`s that never send Resolved, spaces and case ignored ("Resource Health" and "ResourceHealth" are
# both seen); besides these, any `signalType: Activity Log`.
_STATELESS_SERVICES = frozenset({"servicehealth", "resourcehealth", "costalerts", "budget", "budgets"})
_CONDITIONS = {"Fired": model.Status.FIRING, "Resolved": model.Status.RESOLVED}
MAX_EVIDENCE = 12


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _strings(value: Any) -> dict[str, str]:
    return {str(k): _str(v) for k, v in _dict(value).items()}


def _dimensions(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in raw if isinstance(raw, list) else ():
        if isinstance(d, dict) and d.get("name"):
            out[str(d["name"])] = _str(d.get("value"))
    return out


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _str(value)


class _Context:
    """What the alert context says, whatever its kind."""

    def __init__(self, service: str, context: dict[str, Any]) -> None:
        self.labels: dict[str, str] = {}
        self.annotations: dict[str, str] = {}
        self.value: str | None = None
        self.evidence: list[str] = []
        self.links: list[model.Link] = []
        self.ended: datetime | None = None  # an activity log event that says its problem is over (see `_activity`)
        if service == "Prometheus" or "expression" in context:
            self._prometheus(context)
        elif isinstance(_dict(context.get("condition")).get("allOf"), list):
            self._criteria(context)
        elif "SearchQuery" in context:
            self._log_v1(context)
        elif "operationName" in context:
            self._activity(context)

    def _activity(self, context: dict[str, Any]) -> None:
        properties = _dict(context.get("properties"))
        if title := _str(properties.get("title")).strip():
            self.evidence.append(title)
        health = _str(properties.get("currentHealthStatus"))
        if health:
            self.evidence.append(f"health: {_str(properties.get('previousHealthStatus')) or '?'} → {health}")
        stage = _str(properties.get("stage"))
        if stage:
            self.evidence.append(f"stage: {stage}")
        operation = " ".join(p for p in (_str(context.get("operationName")), _str(context.get("status"))) if p)
        self.evidence.append(f"operation: {operation}")
        if caller := _str(context.get("caller")):
            self.evidence.append(f"caller: {caller}")
        if health == "Available" or stage == "Resolved":
            self.ended = model.parse_time(context.get("eventTimestamp"))

    def _prometheus(self, context: dict[str, Any]) -> None:
        self.labels = _strings(context.get("labels"))
        self.annotations = _strings(context.get("annotations"))
        self.value = _str(context.get("expressionValue")) or None
        if expression := _str(context.get("expression")).strip():
            self.evidence.append(f"expression: {expression}")
        if self.value is not None:
            self.evidence.append(f"value: {self.value}")
        self.evidence += [f"{k}={v}" for k, v in sorted(self.labels.items()) if k != "alertname" and v]
        if runbook := self.annotations.get("runbook_url"):
            self.links.append(model.Link("runbook", runbook))

    def _criteria(self, context: dict[str, Any]) -> None:
        condition = _dict(context.get("condition"))
        window = _str(condition.get("windowSize"))
        for raw in condition["allOf"]:
            criterion = _dict(raw)
            dimensions = _dimensions(criterion.get("dimensions"))
            self.labels.update(dimensions)
            value = _number(criterion.get("metricValue"))
            self.value = self.value or value or None
            subject = _str(criterion.get("metricName")) or _str(criterion.get("searchQuery")).strip()
            rule = " ".join(p for p in (_str(criterion.get("operator")), _str(criterion.get("threshold"))) if p)
            aggregation = " ".join(p for p in (_str(criterion.get("timeAggregation")), f"over {window}"
                                                if window else "") if p)
            line = f"{subject} {rule}".strip()
            if aggregation:
                line += f" ({aggregation})"
            if value:
                line += f": {value}"
            self.evidence.append(line)
            self.evidence += [f"{k}={v}" for k, v in dimensions.items() if v]
            for label, key in (("search results", "linkToFilteredSearchResultsUI"),
                               ("search results", "linkToSearchResultsUI")):
                if (url := _str(criterion.get(key))) and not any(link.label == label for link in self.links):
                    self.links.append(model.Link(label, url))

    def _log_v1(self, context: dict[str, Any]) -> None:
        self.evidence.append(f"query: {_str(context.get('SearchQuery')).strip()}")
        if context.get("ResultCount") is not None:
            self.value = _str(context.get("ResultCount"))
            self.evidence.append(f"results: {self.value}")
        self.labels = _dimensions(context.get("Dimensions"))
        self.evidence += [f"{k}={v}" for k, v in self.labels.items() if v]
        if url := _str(context.get("LinkToFilteredSearchResultsUI")) or _str(context.get("LinkToSearchResults")):
            self.links.append(model.Link("search results", url))


def _identity(rule: str, targets: list[str], labels: Mapping[str, str]) -> str:
    text = "\n".join([rule.lower(), *sorted(t.lower() for t in targets),
                      *(f"{k}={v}" for k, v in sorted(labels.items()))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse(payload: Any, clusters: ClusterDirectory) -> model.AlertGroup:
    """The group one common-schema notification describes; raises `PayloadError` for any other body."""
    if not isinstance(payload, dict):
        raise model.PayloadError("an Azure Monitor alert body is a JSON object")
    schema = payload.get("schemaId")
    if schema != SCHEMA_ID:
        said = "no schemaId" if schema is None else f"schemaId {schema!r}"
        raise model.PayloadError(
            f"not an Azure Monitor common alert schema payload ({said}); in the action group, edit this webhook "
            "action and turn on \"Enable the common alert schema\""
        )
    data = _dict(payload.get("data"))
    essentials = data.get("essentials")
    if not isinstance(essentials, dict):
        raise model.PayloadError("data.essentials must be an object")
    alert_id = _str(essentials.get("alertId"))
    if not alert_id:
        raise model.PayloadError("data.essentials.alertId is missing")
    condition = _str(essentials.get("monitorCondition"))
    if condition not in _CONDITIONS:
        raise model.PayloadError(f"data.essentials.monitorCondition must be Fired or Resolved, not {condition!r}")
    fired = model.parse_time(essentials.get("firedDateTime"))
    if fired is None:
        raise model.PayloadError("data.essentials.firedDateTime must be an ISO 8601 time")
    service = _str(essentials.get("monitoringService"))
    rule = _str(essentials.get("alertRule")) or service or "Azure Monitor alert"
    targets = [_str(t) for t in essentials.get("alertTargetIDs") or () if t]
    items = [_str(t) for t in essentials.get("configurationItems") or () if t]
    context = _Context(service, _dict(data.get("alertContext")))
    # A Prometheus rule group's alert is "<group>/<alert>" in alertRule; its `alertname` label is the alert itself.
    name = context.labels.get("alertname") or rule.rsplit("/", 1)[-1]
    description = _str(essentials.get("description")) or context.annotations.get("description", "")
    summary = context.annotations.get("summary") or description.split("\n", 1)[0] or name
    cluster, hint = clusters.resolve(labels=context.labels, resource_ids=targets,
                                     names=items if service == "Prometheus" else ())
    links = list(context.links)
    if investigate := _str(essentials.get("investigationLink")):
        links.append(model.Link("investigate", investigate))
    severity_label = _str(essentials.get("severity"))
    status = _CONDITIONS[condition]
    stateless = (_str(essentials.get("signalType")).lower() == "activity log"
                 or service.lower().startswith("activity log")
                 or service.replace(" ", "").lower() in _STATELESS_SERVICES)
    ends_at = model.parse_time(essentials.get("resolvedDateTime")) if status is model.Status.RESOLVED else None
    if stateless and context.ended is not None:
        status, ends_at = model.Status.RESOLVED, max(context.ended, fired)
    alert = model.Alert(
        source=model.Source.AZURE_MONITOR,
        name=name,
        status=status,
        severity=Severity.from_text(severity_label or None),
        severity_label=severity_label,
        summary=summary,
        description=description,
        starts_at=fired,
        ends_at=ends_at,
        source_id=alert_id,
        cluster=cluster,
        cluster_hint=hint,
        namespace=model.namespace_from_labels(context.labels),
        object=model.object_from_labels(context.labels),
        labels=context.labels,
        annotations=context.annotations,
        value=context.value,
        evidence=tuple(context.evidence[:MAX_EVIDENCE]),
        links=tuple(links),
        stateless=stateless,
    )
    return model.AlertGroup(
        source=model.Source.AZURE_MONITOR,
        key=f"{model.Source.AZURE_MONITOR.value}/{rule}/{_identity(rule, targets, context.labels)}",
        title=name,
        alerts=(alert,),
        labels=context.labels,
        annotations=context.annotations,
    )
