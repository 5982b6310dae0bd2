"""The argument models of every command, in one place.

A command's arguments are its interface: the parser fills them from what people type, `usage` and the README are
derived from them, and rules and results build typed references to commands with them (`bot.refs.CommandRef`) —
a finding suggests `CommandRef("cordon", NodeArgs(node=…))` without importing the handler that cordons. The
handler modules import their models from here. Nothing else lives here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from bot.incidents.model import parse_incident_id
from bot.registry import Args, arg, opt

# How many rows a list shows on one page; "Show more" asks for the next page with the same filters.
PAGE_ROWS = 40
MAX_TAIL = 500
DEFAULT_DRAIN_TIMEOUT = 120


def _page() -> int:
    result: int = opt(1, help=f"which page of the list ({PAGE_ROWS} rows each)", metavar="N", ge=1, le=100_000)
    return result


# -- nodes -----------------------------------------------------------------------------------------------------


class NodesArgs(Args):
    selector: str | None = opt(None, help="label selector, e.g. agentpool=user", flags=("-l", "--selector"))
    pool: str | None = opt(None, help="only this node pool")
    problems: bool = opt(False, help="only nodes that are NotReady, cordoned or under pressure")
    page: int = _page()


class NodeNameArgs(Args):
    kinds = frozenset({"node"})
    name: str = arg(help="node name (as in `/k8s nodes`)")


class TopNodesArgs(Args):
    page: int = _page()


# -- pods ------------------------------------------------------------------------------------------------------


class PodsArgs(Args):
    selector: str | None = opt(None, help="label selector, e.g. app=web", flags=("-l", "--selector"))
    node: str | None = opt(None, help="only pods on this node")
    problems: bool = opt(False, help="only pods that are not running and ready")
    page: int = _page()


class PodNameArgs(Args):
    kinds = frozenset({"pod", "deployment", "statefulset", "daemonset", "job"})  # a workload: its worst pod
    name: str = arg(help="pod name (in the -n namespace)")


class LogsArgs(Args):
    kinds = frozenset({"pod", "deployment", "statefulset", "daemonset", "job"})  # a workload: its worst pod
    pod: str = arg(help="pod name")
    container: str | None = opt(None, help="container (needed when the pod has several)", flags=("-c", "--container"))
    previous: bool = opt(False, help="the previous (crashed) run's log", flags=("-p", "--previous"))
    tail: int = opt(50, help=f"how many last lines (at most {MAX_TAIL})", ge=1, le=MAX_TAIL)


class TopPodsArgs(Args):
    sort: Literal["cpu", "memory"] = opt("cpu", help="sort by cpu or memory")
    page: int = _page()


class EventsArgs(Args):
    type: Literal["Warning", "Normal"] | None = opt(None, help="only this event type")
    reason: str | None = opt(None, help="only this reason, e.g. BackOff, FailedScheduling, OOMKilling")
    object: str | None = opt(
        None, help="only events about this object, e.g. pod/web-1 or node/NAME", flags=("--for",), metavar="KIND/NAME"
    )
    page: int = _page()


# -- workloads -------------------------------------------------------------------------------------------------


class DeploymentsArgs(Args):
    selector: str | None = opt(None, help="label selector", flags=("-l", "--selector"))
    page: int = _page()


class PdbsArgs(Args):
    page: int = _page()


# -- diagnosis -------------------------------------------------------------------------------------------------


class DiagnoseNodeArgs(Args):
    kinds = frozenset({"node"})
    name: str = arg(help="the node's name (as in `/k8s nodes`)")


class DiagnosePodArgs(Args):
    kinds = frozenset({"pod", "deployment", "statefulset", "daemonset", "job"})  # a workload: its worst pod
    name: str = arg(help="the pod's name")


# -- actions (after approval) ----------------------------------------------------------------------------------


class NodeArgs(Args):
    kinds = frozenset({"node"})
    node: str = arg(help="the node's name")


class DrainArgs(Args):
    kinds = frozenset({"node"})
    node: str = arg(help="the node's name")
    timeout: int = opt(
        DEFAULT_DRAIN_TIMEOUT,
        help="seconds to keep retrying evictions a PodDisruptionBudget refuses",
        flags=("--timeout",),
        metavar="SECONDS",
        ge=1,
        le=3600,
    )
    force: bool = opt(False, help="also evict pods no controller will recreate", flags=("--force",))


class DeletePodArgs(Args):
    kinds = frozenset({"pod"})
    pod: str = arg(help="the pod's name")


class DeploymentArgs(Args):
    kinds = frozenset({"deployment"})
    name: str = arg(help="the deployment's name")


class ScaleDeploymentArgs(Args):
    kinds = frozenset({"deployment"})
    name: str = arg(help="the deployment's name")
    replicas: int = opt(help="the new number of replicas", flags=("--replicas",), metavar="N", ge=0, le=10000)


# -- Azure -----------------------------------------------------------------------------------------------------


class UpgradesArgs(Args):
    to: str | None = opt(None, help="the version to check (default: the newest allowed)", metavar="VERSION")


class SnatArgs(Args):
    nodes: int | None = opt(None, help="also show what this many nodes would do", metavar="N", ge=1, le=5000)


class ScalePoolArgs(Args):
    pool: str = arg(help="the node pool")
    count: int = opt(help="the new number of nodes", flags=("--count", "-c"), metavar="N", ge=0, le=1000)


class PoolArgs(Args):
    pool: str = arg(help="the node pool")


# -- approvals and audit: their argument models live with the approval workflow (bot.approvals.commands) -------


# -- incidents -------------------------------------------------------------------------------------------------


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


SeverityName = Annotated[Literal["sev1", "sev2", "sev3", "sev4"], BeforeValidator(_lower)]
# `7`, `INC-7` or `#7`: how people name an incident.
IncidentNumber = Annotated[int, BeforeValidator(parse_incident_id)]


def _which_incident() -> int | None:
    result: int | None = opt(
        None, help="which incident (default: the one whose channel this is)", flags=("--incident",), metavar="ID"
    )
    return result


class IncidentStartArgs(Args):
    title: str = arg(help="what is wrong, in a few words", greedy=True)
    severity: SeverityName = opt("sev3", help="how bad: sev1 (worst) to sev4", flags=("--severity", "-s"))
    runbook: str | None = opt(
        None, help="the knowledge-base entry to pin (default: the best match for the title)", metavar="ID"
    )
    alert: str | None = opt(
        None, help="the alert it is about (set by an alert's Open incident button)", metavar="KEY"
    )
    new: bool = opt(False, help="declare it even when an open incident on the cluster has the same title or alert")


class IncidentNoteArgs(Args):
    text: str = arg(help="what to add to the timeline", greedy=True)
    incident: IncidentNumber | None = _which_incident()


class IncidentCloseArgs(Args):
    summary: str = arg(help="the impact and what was done, for the summary", greedy=True)
    incident: IncidentNumber | None = _which_incident()


class IncidentSeverityArgs(Args):
    severity: SeverityName = arg(help="the new severity")
    incident: IncidentNumber | None = _which_incident()


class IncidentCommanderArgs(Args):
    user: str = arg(help="the new incident commander (a @mention)", metavar="@USER")
    incident: IncidentNumber | None = _which_incident()


class IncidentWhichArgs(Args):
    incident: IncidentNumber | None = _which_incident()


class _OneIncident(Args):
    """The incident as an argument (`incident show 7`) or as `note` and `close` take it (`--incident 7`)."""

    incident: IncidentNumber | None = arg(
        None, help="the incident (INC-7, or 7; default: the one whose channel this is)", metavar="ID"
    )
    named: IncidentNumber | None = _which_incident()


class IncidentIdArgs(_OneIncident):
    pass


class IncidentListArgs(Args):
    all: bool = opt(False, help="closed incidents too", flags=("--all",))


class IncidentExportArgs(_OneIncident):
    jsonl: bool = opt(False, help="as JSON lines instead of Markdown", flags=("--jsonl",))


# -- alerts ---------------------------------------------------------------------------------------------------

_WINDOW = re.compile(r"^(\d{1,4})([mhd])$")
_WINDOW_SECONDS = {"m": 60, "h": 3600, "d": 86400}
MAX_HISTORY_SECONDS = 30 * 86400


# How a span is written in Chinese (`30分钟`, `1小时`, `7天`): its English unit.
_ZH_UNITS = (("分钟", "m"), ("小时", "h"), ("天", "d"))


def _span(text: str) -> str:
    """A span as typed, in the form `30m`, `24h`, `7d`: lower case, Chinese units in their English letter."""
    text = text.strip().lower()
    for unit, letter in _ZH_UNITS:
        if text.endswith(unit):
            return text.removesuffix(unit).strip() + letter
    return text


def window_seconds(text: str) -> int:
    """`30m`, `24h`, `7d` (or `30分钟`, `24小时`, `7天`) in seconds (what `alerts history --since` accepts)."""
    match = _WINDOW.match(_span(text))
    if match is None:
        raise ValueError(f"{text!r} is not a time span like 30m, 24h or 7d")
    seconds = int(match.group(1)) * _WINDOW_SECONDS[match.group(2)]
    if not 0 < seconds <= MAX_HISTORY_SECONDS:
        raise ValueError(f"{text!r}: a span from 1m to 30d")
    return seconds


def _window(value: Any) -> Any:
    if isinstance(value, str):
        window_seconds(value)
        return _span(value)
    return value


def _snooze(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    span = _span(value)
    return "resolved" if span in ("恢复", "直到恢复", "恢复为止", "到恢复") else span


Window = Annotated[str, BeforeValidator(_window)]
# How long a Snooze button (or `alerts snooze ID …`) silences an alert's message (`1小时`, `直到恢复` too).
SnoozeLength = Annotated[Literal["1h", "4h", "resolved"], BeforeValidator(_snooze)]


class AlertsArgs(Args):
    cluster: str | None = opt(None, help="only this cluster", flags=("--cluster",), metavar="C")


class AlertsHistoryArgs(Args):
    since: Window = opt("24h", help="how far back: 30m, 24h, 7d (at most 30d)", flags=("--since",), metavar="SPAN")
    cluster: str | None = opt(None, help="only this cluster", flags=("--cluster",), metavar="C")


class AlertIdArgs(Args):
    alert: str = arg(help="the alert's id, as its message and `/k8s alerts` show it", metavar="ID")


class AlertSnoozeArgs(Args):
    alert: str = arg(help="the alert's id, as its message and `/k8s alerts` show it", metavar="ID")
    length: SnoozeLength = arg(help="for how long: 1h, 4h, or until it resolves")


# -- help and the knowledge base -------------------------------------------------------------------------------


class HelpArgs(Args):
    topic: str | None = arg(None, help="a command to explain", greedy=True, metavar="command")


class KbArgs(Args):
    question: str | None = arg(
        None, help="a question, an error message or a log line", greedy=True, metavar="question"
    )


class KbShowArgs(Args):
    entry: str = arg(help="an entry id (see `kb list`)", greedy=True, metavar="id")
    asked: int | None = opt(
        None, help="the kept question whose reply offered this entry (the reply's buttons set it)", metavar="N", ge=1
    )


class KbAskedArgs(Args):
    days: int = opt(30, help="questions of the last N days", metavar="N", ge=1, le=3650)


class KbMissedArgs(Args):
    asked: int = arg(help="the kept question none of whose offered entries answered it", metavar="question")


class KbListArgs(Args):
    tag: str | None = arg(None, help="only entries with this tag", greedy=True, metavar="tag")
