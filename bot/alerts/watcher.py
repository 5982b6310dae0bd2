"""The bot's own watcher: the diagnosis rules run over the watch cache, their findings kept as alerts.

For each cluster a `ClusterWatcher` subscribes to its watch cache (`bot.cluster.cache`: nodes, pods, events and
the node heartbeat Leases) and, after a change, waits `debounce_seconds` for the rest of the burst, then runs
every rule over the cache's snapshot — `handlers.rules.cluster.diagnose_cluster`, exactly what `diagnose
cluster` runs, so an alert says what a diagnosis would. It also scans every `rescan_seconds` with no change at
all: a node whose kubelet stops heartbeating changes nothing the watch can see until the node controller marks
it, and a heartbeat going stale is only time passing. A scan never starts sooner than twice the last one took,
so a large, busy cluster costs at most a third of a core.

Each finding becomes an alert (`bot.alerts.findings.from_finding`: key cluster/rule/object, `since` = when the
watcher first saw it) recorded in the alert store with its routes. A finding is recorded when it appears and
when what people read of it changes (severity, title save its numbers, runbook, confidence) — not on every scan:
its evidence and title quote ages ("renewed 45 s ago", "lease stale for 1m05s") that differ every time, and a
message edited every five seconds is the noise users of other bots complain about. When a finding is gone, its
alert is recorded RESOLVED (from the state the store kept, so the watcher need not hold the finding). Memory per
finding: its key, when it was first seen and a short tuple — nothing of the cluster the cache does not hold.

A new leader adopts the watcher alerts still firing in the store (their `since` stays the first time seen;
nothing is reposted: the store's compare-and-set finds them unchanged) and resolves the ones its first full scan
no longer finds. A scan is *full* when nodes and pods are synced and so are the other kinds; a partial scan
(a kind forbidden or not yet listed) may raise alerts but resolves none, so an unreadable kind never looks like
a recovery.

Where the cluster has Azure settings, the AKS resource is read every `azure_poll_seconds`: a Failed
provisioning state is the `azure.provisioning` rule's finding; a transitional state (Updating, Upgrading,
Scaling…) held longer than `stuck_minutes` is an `azure.provisioning-stuck` finding.

The watcher only records; posting is the outlet's (`bot.alerts.ports.AlertOutlet`), woken through `wake`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.alerts.findings import from_findings, watcher_key
from bot.alerts.model import AlertGroup, Source, Status
from bot.alerts.routing import pick_routes
from bot.alerts.settings import AlertSettings, WatcherSettings
from bot.alerts.store import AlertStore, Recorded
from bot.azure.model import ManagedCluster
from bot.clock import Clock
from bot.cluster.cache import Change, ClusterCache, Subscription
from bot.cluster.model import Pod
from bot.errors import AksbotError
from bot.i18n import FINDING, said
from bot.refs import Kind, ObjectRef
from bot.severity import Severity
from handlers.rules.cluster import diagnose_cluster
from handlers.rules.finding import KB_RECONCILE_FAILED, Finding

log = logging.getLogger("aksbot.alerts.watcher")

WATCHED = ("nodes", "pods", "events", "leases")
REQUIRED = ("nodes", "pods")  # without these a scan means nothing
READ = ("nodes", "pods", "events", "leases", "pdbs", "deployments")
STEADY = frozenset({"succeeded", "failed", "canceled", "cancelled", ""})
STUCK_RULE = "azure.provisioning-stuck"

Material = tuple[str, str, str, str, str, str]
AksReader = Callable[[], ManagedCluster]


# Numbers in a title are ages and counts ("lease stale for 1m05s", "3 restarts"): they change scan after scan.
_NUMBERS = re.compile(r"\d[\d.:a-zµ]*")


def material(group: AlertGroup) -> Material:
    """What people read of a watcher alert that matters, without the evidence and the numbers of its title (ages
    and counts that change every scan): its severity, words, runbook and confidence; which objects it is about (a
    second pod of the workload joining the problem); and its buttons (no Cordon once the node is cordoned)."""
    alert = group.alerts[0]
    objects = " ".join(sorted(str(a.object) for a in group.alerts if a.object is not None))
    actions = " ".join(a.ref for a in alert.actions)
    return (alert.severity.label, _NUMBERS.sub("#", alert.summary), alert.runbook or "",
            alert.labels.get("confidence", ""), objects, actions)


def stuck_finding(aks: ManagedCluster, since: datetime, now: datetime, threshold: timedelta) -> Finding | None:
    """An AKS cluster whose provisioning state has been transitional (not Succeeded/Failed) for `threshold`."""
    state = aks.provisioning_state or ""
    if state.lower() in STEADY or now - since < threshold:
        return None
    minutes = int((now - since).total_seconds() // 60)
    return Finding(
        rule=STUCK_RULE,
        severity=Severity.WARNING,
        title=said(FINDING.cluster_stuck, name=aks.name, state=state, minutes=int(threshold.total_seconds() // 60)),
        subject=ObjectRef(Kind.CLUSTER, aks.name),
        evidence=(said(FINDING.cluster_stuck_line, name=aks.name, state=state, minutes=minutes),),
        kb=KB_RECONCILE_FAILED,
        signals=("azure.provisioning:stuck",),
        next=said(FINDING.cluster_stuck_next),
    )



# The workloads whose pods' problems are one problem each: the pods of a Deployment (through its ReplicaSet), a
# StatefulSet, a DaemonSet or a Job with the same rule are one message, not one per pod.
_WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"})


def by_workload(findings: Sequence[Finding], pods: Iterable[Pod]) -> list[tuple[str, list[Finding]]]:
    """The findings as problems: a pod's finding joins the other pods of its workload with the same rule, under the
    workload's subject (`deployment/payments/ledger-api`); anything else stands alone under its own subject. The
    order is the findings' (most severe first), so each problem leads with its worst pod."""
    # Only the pods the findings name are looked at (a scan of a cluster of 50,000 pods has a handful of findings).
    named = {(f.subject.namespace or "", f.subject.name) for f in findings if f.subject.kind is Kind.POD}
    owners = {(p.namespace, p.name): w for p in pods
              if (p.namespace, p.name) in named and (w := p.workload) is not None and w.kind in _WORKLOAD_KINDS}
    units: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        subject = str(finding.subject)
        ref = finding.subject
        owner = owners.get((ref.namespace or "", ref.name)) if ref.kind is Kind.POD else None
        if owner is not None:
            subject = f"{owner.kind.lower()}/{ref.namespace}/{owner.name}"
        units.setdefault((finding.rule, subject), []).append(finding)
    return [(subject, members) for (_, subject), members in units.items()]

@dataclass(frozen=True, slots=True)
class _Seen:
    since: datetime
    material: Material


@dataclass(frozen=True)
class ScanResult:
    findings: int
    recorded: int
    resolved: int
    full: bool
    seconds: float


# How often a watcher records that it looked (`AlertStore.record_scan`): well inside the two minutes after which
# `/k8s alerts` and a new incident's snapshot say nobody has looked for a while (`bot.alerts.store.LOOK_OVERDUE`).
SCAN_RECORD_EVERY = timedelta(seconds=30)


class ClusterWatcher:
    """Findings of one cluster's watch cache as alerts (see the module docstring). `start()` subscribes and runs
    the scan thread; `scan()` runs one scan on the caller's thread (tests, benchmarks)."""

    def __init__(
        self,
        cluster: str,
        cache: ClusterCache,
        store: AlertStore,
        alerts: AlertSettings,
        clock: Clock,
        *,
        wake: Callable[[], None] = lambda: None,
        aks: AksReader | None = None,
        settings: WatcherSettings | None = None,
    ) -> None:
        self.cluster = cluster
        self.cache = cache
        self.store = store
        self.alerts = alerts
        self.clock = clock
        self.wake = wake
        self.aks = aks
        self.settings = settings or alerts.watcher
        self._seen: dict[str, _Seen] = {}
        self._adopted = False
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self._version: str | None = None
        self._aks_state: ManagedCluster | None = None
        self._aks_read_at = float("-inf")
        self._transitional_since: tuple[str, datetime] | None = None
        self.last: ScanResult | None = None
        self.scans = 0
        self._scan_recorded: datetime | None = None

    # -- running ---------------------------------------------------------------------------------------------------

    def start(self) -> ClusterWatcher:
        self._stop.clear()
        self._subscription = self.cache.subscribe(self._changed, WATCHED)
        self._dirty.set()
        self._thread = threading.Thread(target=self._run, name=f"aksbot-alert-watcher-{self.cluster}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._dirty.set()
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _changed(self, change: Change) -> None:
        self._dirty.set()

    def _run(self) -> None:
        pause = 0.0
        while not self._stop.is_set():
            self._dirty.wait(self.settings.rescan_seconds)
            if self._stop.is_set():
                return
            if self._dirty.is_set() and self.settings.debounce_seconds:
                self._stop.wait(self.settings.debounce_seconds)  # let the rest of the burst arrive
            self._dirty.clear()
            try:
                result = self.scan()
                pause = 2 * result.seconds
            except Exception:
                log.exception("alert watcher: the scan of cluster %s failed", self.cluster)
                pause = max(pause, 1.0)
            if pause > self.settings.debounce_seconds:
                self._stop.wait(pause - self.settings.debounce_seconds)

    # -- one scan --------------------------------------------------------------------------------------------------

    def scan(self) -> ScanResult:
        """Diagnose the cache's snapshot, record what appeared or changed, resolve what is gone (full scans)."""
        started = time.monotonic()
        synced = {kind for kind in READ if (informer := self.cache.informer(kind)) is not None and informer.synced}
        if not synced.issuperset(REQUIRED):
            return ScanResult(0, 0, 0, False, 0.0)
        full = synced == set(READ)
        now = self.clock.now()
        if not self._adopted:
            self._adopt()
        aks = self._read_aks(now)
        report = diagnose_cluster(
            nodes=self.cache.snapshot("nodes"),
            leases={lease.node: lease for lease in self.cache.snapshot("leases")} if "leases" in synced else None,
            pods=(pods := self.cache.snapshot("pods")),
            events=[e for e in self.cache.snapshot("events") if e.type == "Warning"],
            pdbs=self.cache.snapshot("pdbs"),
            deployments=self.cache.snapshot("deployments"),
            azure=aks,
            now=now,
            kubernetes_version=self._kubernetes_version(),
        )
        # The bot's own doing is no alert; nor, yet, what may mend itself (a Pending pod while a node is added).
        findings = [f for f in report.findings if not f.quiet
                    and not (f.patience is not None and now - min(f.since or now, now) < f.patience)]
        if aks is not None and (stuck := self._stuck(aks, now)) is not None:
            findings.append(stuck)
        recorded, current = self._record_findings(by_workload(findings, pods), now)
        resolved = self._resolve(set(self._seen) - current, now) if full else 0
        if full and (self._scan_recorded is None or now - self._scan_recorded >= SCAN_RECORD_EVERY):
            self.store.record_scan(self.cluster, now)  # a write every half minute, not every scan
            self._scan_recorded = now
        self.scans += 1
        self.last = ScanResult(len(current), recorded, resolved, full, time.monotonic() - started)
        level = logging.INFO if self.scans == 1 or recorded or resolved or self.last.seconds > 1 else logging.DEBUG
        log.log(level, "alert watcher scanned %s: %d findings in %.2f s (%d recorded, %d resolved%s)", self.cluster,
                len(current), self.last.seconds, recorded, resolved, "" if full else "; partial: nothing resolved")
        return self.last

    def _record_findings(self, units: Iterable[tuple[str, Sequence[Finding]]], now: datetime
                         ) -> tuple[int, set[str]]:
        current: set[str] = set()
        recorded = 0
        for subject, members in units:  # most severe first: of two findings on one object and rule, the worse wins
            key = watcher_key(self.cluster, members[0].rule, subject)
            if key in current:
                continue
            known = self._seen.get(key)
            # A problem first seen now began when its evidence says, if it says (never later than now).
            since = known.since if known is not None else min([*(f.since or now for f in members), now])
            current.add(key)
            group = from_findings(self.cluster, subject, members, since=since, seen=now)
            seen = _Seen(since, material(group))
            if known == seen:
                continue
            if self._record(group, now):
                self._seen[key] = seen
                recorded += 1
        return recorded, current

    def _resolve(self, gone: Iterable[str], now: datetime) -> int:
        resolved = 0
        for key in sorted(gone):
            try:
                state = self.store.get(key)
            except AksbotError as exc:
                log.warning("alert watcher: cannot read %s to resolve it: %s", key, exc.message)
                continue
            if state is not None and state.status is Status.FIRING:
                group = state.group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=now)
                                                for a in state.group.alerts)
                if not self._record(group, now):
                    continue
                resolved += 1
            del self._seen[key]
        return resolved

    def _record(self, group: AlertGroup, now: datetime) -> bool:
        try:
            recorded: Recorded = self.store.record(group, pick_routes(self.alerts, group), at=now,
                                                   flap_window=timedelta(minutes=self.alerts.flap_minutes))
        except AksbotError as exc:  # the store is down: the next scan tries again
            log.warning("alert watcher: cannot record %s: %s", group.key, exc.message)
            return False
        if recorded.outcome.changes_state:
            log.info("alert watcher: %s %s (%s)", recorded.outcome.value, group.key, recorded.state.id)
            try:
                self.wake()
            except Exception:
                log.exception("alert watcher: waking the outlet failed")
        return True

    def _adopt(self) -> None:
        """Take over the watcher alerts a previous leader (or run) left firing for this cluster."""
        try:
            states = self.store.firing([self.cluster])
        except AksbotError as exc:
            log.warning("alert watcher: cannot read the firing alerts of %s: %s", self.cluster, exc.message)
            return
        for state in states:
            if state.group.source is Source.WATCHER:
                self._seen[state.key] = _Seen(state.first_fired_at, material(state.group))
        self._adopted = True

    # -- what the cache does not hold ------------------------------------------------------------------------------

    def _kubernetes_version(self) -> str | None:
        if self._version is None:
            try:
                self._version = self.cache.cluster.version().git_version
            except AksbotError:
                return None  # the kubelet's version stands in; asked again next scan
        return self._version

    def _read_aks(self, now: datetime) -> ManagedCluster | None:
        if self.aks is None:
            return None
        moment = time.monotonic()
        if moment - self._aks_read_at >= self.settings.azure_poll_seconds:
            self._aks_read_at = moment
            try:
                self._aks_state = self.aks()
            except AksbotError as exc:  # keep the last state read; Azure is asked again next poll
                log.warning("alert watcher: cannot read AKS cluster %s: %s", self.cluster, exc.message)
            else:
                self._track_transition(self._aks_state, now)
        return self._aks_state

    def _track_transition(self, aks: ManagedCluster, now: datetime) -> None:
        state = aks.provisioning_state or ""
        if state.lower() in STEADY:
            self._transitional_since = None
        elif self._transitional_since is None or self._transitional_since[0] != state:
            self._transitional_since = (state, now)

    def _stuck(self, aks: ManagedCluster, now: datetime) -> Finding | None:
        if self._transitional_since is None:
            return None
        return stuck_finding(aks, self._transitional_since[1], now,
                             timedelta(minutes=self.settings.stuck_minutes))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def tracked(self) -> int:
        """How many findings the watcher holds (for the memory bound's tests and the benchmark)."""
        return len(self._seen)


class AlertWatcher:
    """A `ClusterWatcher` for each of `clusters`; the leader's watcher work. `caches(name)` gives a cluster's
    watch cache (started by whoever owns it); `aks(name)` its AKS reader, or None without Azure settings."""

    def __init__(
        self,
        clusters: Sequence[str],
        caches: Callable[[str], ClusterCache],
        store: AlertStore,
        alerts: AlertSettings,
        clock: Clock,
        *,
        wake: Callable[[], None] = lambda: None,
        aks: Callable[[str], AksReader | None] = lambda name: None,
    ) -> None:
        self.watchers: list[ClusterWatcher] = []
        for name in clusters:
            try:
                cache = caches(name)
            except AksbotError as exc:  # a cluster the bot cannot reach as configured: the others are watched
                log.warning("alert watcher: not watching cluster %s: %s", name, exc.message)
                continue
            self.watchers.append(ClusterWatcher(name, cache, store, alerts, clock, wake=wake, aks=aks(name)))

        self._started: list[ClusterCache] = []

    def start(self) -> AlertWatcher:
        """Start watching; a cache nobody started (`cache.enabled: false` keeps reads live) is started here."""
        for watcher in self.watchers:
            if not watcher.cache.running:
                watcher.cache.start()
                self._started.append(watcher.cache)
            watcher.start()
        return self

    def stop(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
        for cache in self._started:
            cache.stop()
        self._started.clear()
