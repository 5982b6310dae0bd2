"""Leader election over a `coordination.k8s.io/v1` Lease, with client-go's semantics, for running several replicas.

Every replica accepts webhooks and Slack requests; only the leader runs the work that must happen once (watch the
clusters, post and update alert messages). The rules are client-go's `tools/leaderelection`:

- a candidate tries every `retry_period` (2 s) plus up to `jitter` (1.2×) of it at random, so replicas that
  start together do not retry in lockstep;
- it takes the Lease over only when the Lease is free (no holder, as a release leaves it) or when its record has
  not changed for the record's `leaseDurationSeconds` (15 s) — measured from when *this* replica saw it change,
  on the local monotonic clock, never by comparing `renewTime` with the local wall clock (clocks differ between
  machines, and a wall clock can jump);
- every write replaces the Lease at the `resourceVersion` last read, so of two replicas racing, the API server
  lets exactly one win and the other gets 409 Conflict (a create that finds the Lease already there, 409
  AlreadyExists): a 409 means "you lost", never "try harder";
- taking over sets `acquireTime` and increments `leaseTransitions`; renewing keeps both and moves `renewTime`;
- the leader renews every `retry_period`; if it cannot renew for `renew_deadline` (10 s, shorter than the lease,
  so it stops before anyone else may start) it stops leading;
- on stop (SIGTERM) the work is stopped first and waited for, and only then is the Lease released (holder
  emptied, duration 1 s) so another replica takes over at once instead of waiting out the lease. If the work does
  not stop in time the Lease is not released: the next leader then waits the full lease.

Why not `kubernetes.leaderelection` from the official client: released versions had only a ConfigMap lock
(kubernetes-client/python#1877; a `LeaseLock` arrived in 2026 and is in the installed 37.x); its elector measures
the lease on the wall clock (`time.time()`), never sets `leaseTransitions`, has no way to stop and never releases
the lock (#1669), returns after the first loss instead of standing again, and — before the fix for #2075 — kept
renewing after the leader's work had died; and its Lease times go through the client's models, which write a
time whose microseconds are zero without any, a MicroTime the API server refuses (400). This module keeps the
client (the Lease calls go through `bot.cluster.kube`, the one call seam, as raw JSON) and implements the
algorithm, which is small.

When the Lease cannot be read or written for a reason that is not a lost race — its namespace does not exist, the
bot's identity may not create or update it, the API server does not answer — no replica can lead, so no alert
is watched for or posted. The reason is logged once, at ERROR for what only an operator can fix (a missing
namespace, a missing RBAC verb) and at WARNING otherwise, then again every `report_every` while it lasts; it is
`LeaderElector.problem` and goes to `on_problem` (None again once the Lease works), so the surface can show it
where people look (`/k8s alerts`).

Times on the Lease are `MicroTime`: RFC 3339 with exactly six fractional digits, which the API server insists on.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bot.errors import AksbotError, Conflict, Forbidden, NotFound

log = logging.getLogger("aksbot.leader")

Json = dict[str, Any]
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class LeaseClient(Protocol):
    """The three Lease calls (`bot.cluster.kube.KubeCluster` implements them); errors are `bot.errors`."""

    def lease_object(self, namespace: str, name: str, *, timeout: float = ...) -> Json | None: ...

    def create_lease(self, namespace: str, body: Json, *, timeout: float = ...) -> Json: ...

    def replace_lease(self, namespace: str, name: str, body: Json, *, timeout: float = ...) -> Json: ...


def default_identity() -> str:
    """`<hostname>_<uuid>` as client-go builds it: the pod's name, unique even across a restart of the same pod."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def pod_namespace(default: str = "aksbot") -> str:
    """The namespace this pod runs in (its service account's), else `default` (outside a cluster)."""
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text(encoding="utf-8").strip() or default
    except OSError:
        return default


def micro_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_micro(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ElectionConfig:
    """Durations in seconds; the defaults are kube-controller-manager's (15 s lease, 10 s renew deadline, 2 s
    retry period, jitter factor 1.2)."""

    namespace: str
    name: str = "aksbot"
    identity: str = field(default_factory=default_identity)
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    jitter: float = 1.2
    stop_timeout: float = 10.0  # how long a stop waits for the work before giving up on releasing
    report_every: float = 300.0  # how often a problem that keeps every replica from leading is logged again

    def __post_init__(self) -> None:
        if not self.namespace or not self.name or not self.identity:
            raise ValueError("leader election needs a namespace, a Lease name and an identity")
        if self.lease_duration <= self.renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if self.renew_deadline <= self.jitter * self.retry_period:
            raise ValueError("renew_deadline must be greater than retry_period × jitter")
        if min(self.lease_duration, self.renew_deadline, self.retry_period, self.report_every) <= 0 or \
                self.jitter < 0:
            raise ValueError("durations must be positive")


@dataclass(frozen=True)
class LeaderRecord:
    """What the Lease's spec says about its holder."""

    holder: str
    lease_duration_seconds: int
    acquire_time: datetime | None
    renew_time: datetime | None
    transitions: int

    @classmethod
    def from_lease(cls, lease: Json) -> LeaderRecord:
        spec = lease.get("spec") or {}
        return cls(
            holder=str(spec.get("holderIdentity") or ""),
            lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=_parse_micro(spec.get("acquireTime")),
            renew_time=_parse_micro(spec.get("renewTime")),
            transitions=int(spec.get("leaseTransitions") or 0),
        )

    def spec(self) -> Json:
        out: Json = {"holderIdentity": self.holder, "leaseDurationSeconds": self.lease_duration_seconds,
                     "leaseTransitions": self.transitions}
        if self.acquire_time is not None:
            out["acquireTime"] = micro_time(self.acquire_time)
        if self.renew_time is not None:
            out["renewTime"] = micro_time(self.renew_time)
        return out


class LeaderElector:
    """Stands for leadership until stopped: leads while it can renew, then stands again.

    `on_started_leading(stopping)` runs in its own thread while this replica leads; it must return soon after
    `stopping` is set. If it returns (or raises) while still leading, leadership is given up so another replica
    can do the work. `on_stopped_leading()` runs after the work has stopped; `on_new_leader(identity)` whenever
    another holder is observed; `on_problem(reason)` when the Lease stops working for a reason other than a lost
    race, and `on_problem(None)` when it works again (see the module docstring)."""

    def __init__(
        self,
        client: LeaseClient,
        config: ElectionConfig,
        *,
        on_started_leading: Callable[[threading.Event], None],
        on_stopped_leading: Callable[[], None] | None = None,
        on_new_leader: Callable[[str], None] | None = None,
        on_problem: Callable[[str | None], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.config = config
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.on_problem = on_problem
        self._monotonic = monotonic
        self._now = now
        self._rand = rand
        self._observed: LeaderRecord | None = None
        self._observed_at = 0.0  # monotonic time the observed record last changed
        self._resource_version = ""
        self._stop = threading.Event()
        self._release = True
        self._thread: threading.Thread | None = None
        self._leading = threading.Event()
        self._problem: str | None = None
        self._problem_reported = 0.0  # monotonic time the problem was last logged
        self._problem_failures = 0  # failed attempts since then

    # -- the public face ---------------------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        return self.config.identity

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    @property
    def leader(self) -> str:
        """The holder this replica last saw ("" when the Lease is free or was never read)."""
        return self._observed.holder if self._observed is not None else ""

    @property
    def problem(self) -> str | None:
        """Why this replica cannot stand for the Lease right now (None: it can; losing a race is no problem)."""
        return self._problem

    def start(self) -> LeaderElector:
        self._thread = threading.Thread(target=self.run, name=f"leader-{self.config.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, release: bool = True, timeout: float | None = None) -> None:
        """Stop standing: stop the work, wait for it, release the Lease (unless `release=False`: as if the
        process died), and wait for the election thread."""
        self._release = release
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.config.stop_timeout + self.config.renew_deadline if timeout is None else timeout)

    def wait_for_leadership(self, timeout: float) -> bool:
        return self._leading.wait(timeout)

    # -- the loop ---------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Stand, lead, stand again — until `stop()`."""
        while not self._stop.is_set():
            if not self._acquire():
                return
            self._lead()

    def _acquire(self) -> bool:
        log.info("%s stands for leadership of lease %s/%s", self.identity, self.config.namespace, self.config.name)
        while not self._stop.is_set():
            if self._try_acquire_or_renew(self.config.renew_deadline):
                return True
            period = self.config.retry_period
            self._stop.wait(period + self._rand() * self.config.jitter * period)
        return False

    def _lead(self) -> None:
        log.info("%s leads (lease %s/%s)", self.identity, self.config.namespace, self.config.name)
        self._leading.set()
        stopping = threading.Event()
        work = threading.Thread(target=self._work, args=(stopping,), name="leader-work", daemon=True)
        work.start()
        why = self._renew(work)
        stopping.set()
        work.join(self.config.stop_timeout)
        stopped = not work.is_alive()
        if not stopped:
            log.warning("%s: the work did not stop within %.0f s; the lease is not released, so the next leader "
                        "waits it out", self.identity, self.config.stop_timeout)
        elif why != "lost" and self._release:
            self._give_up()
        self._leading.clear()
        log.info("%s stopped leading (%s)", self.identity, why)
        if self.on_stopped_leading is not None:
            try:
                self.on_stopped_leading()
            except Exception:
                log.exception("on_stopped_leading failed")

    def _work(self, stopping: threading.Event) -> None:
        try:
            self.on_started_leading(stopping)
        except Exception:
            log.exception("%s: the leader's work failed; giving up leadership", self.identity)

    def _renew(self, work: threading.Thread) -> str:
        """Renew until stopped ("stopped"), the work ends by itself ("work ended"), or no renewal succeeds within
        the renew deadline ("lost")."""
        config = self.config
        while not self._stop.is_set():
            deadline = self._monotonic() + config.renew_deadline
            while True:
                remaining = deadline - self._monotonic()
                if self._try_acquire_or_renew(max(0.5, remaining)):
                    break
                observed = self._observed
                if observed is not None and observed.holder not in ("", self.identity):
                    log.warning("%s found lease %s/%s held by %s", self.identity, config.namespace, config.name,
                                observed.holder)
                    return "lost"
                remaining = deadline - self._monotonic()
                if remaining <= 0 or self._stop.is_set():
                    if self._stop.is_set():
                        return "stopped"
                    log.warning("%s could not renew lease %s/%s within %.0f s", self.identity, config.namespace,
                                config.name, config.renew_deadline)
                    return "lost"
                self._stop.wait(min(config.retry_period, remaining))
            if not work.is_alive():
                return "work ended"
            self._stop.wait(config.retry_period)
        return "stopped"

    # -- one attempt ------------------------------------------------------------------------------------------

    def _valid(self, at: float) -> bool:
        """Whether the observed record's lease still runs, counted from when this replica saw it change."""
        observed = self._observed
        return observed is not None and self._observed_at + observed.lease_duration_seconds > at

    def _observe(self, record: LeaderRecord, resource_version: str) -> None:
        if record != self._observed:
            before = self._observed.holder if self._observed is not None else ""
            if record.holder not in ("", before, self.identity) and self.on_new_leader is not None:
                self.on_new_leader(record.holder)
            self._observed = record
            self._observed_at = self._monotonic()
        self._resource_version = resource_version

    def _body(self, record: LeaderRecord, resource_version: str | None) -> Json:
        metadata: Json = {"name": self.config.name, "namespace": self.config.namespace}
        if resource_version:
            metadata["resourceVersion"] = resource_version
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
                "spec": record.spec()}

    def _write(self, record: LeaderRecord, timeout: float) -> bool:
        ns, name = self.config.namespace, self.config.name
        try:
            written = self.client.replace_lease(ns, name, self._body(record, self._resource_version), timeout=timeout)
        except Conflict:
            log.info("%s lost the race for lease %s/%s (409)", self.identity, ns, name)
            return False
        except AksbotError as exc:
            self._trouble("update", exc)
            return False
        self._observe(record, str((written.get("metadata") or {}).get("resourceVersion") or ""))
        self._fine()
        return True

    def _try_acquire_or_renew(self, timeout: float) -> bool:
        config = self.config
        wall = self._now()
        mine = LeaderRecord(self.identity, int(config.lease_duration), wall, wall, 0)
        observed = self._observed
        # Fast path: the leader writes over what it last wrote; a 409 sends it down the slow path.
        fast = self._leading.is_set() and observed is not None and observed.holder == self.identity and \
            self._valid(self._monotonic()) and bool(self._resource_version)
        if fast and observed is not None and self._write(
                replace(mine, acquire_time=observed.acquire_time, transitions=observed.transitions), timeout):
            return True
        try:
            lease = self.client.lease_object(config.namespace, config.name, timeout=timeout)
        except AksbotError as exc:
            self._trouble("get", exc)
            return False
        if lease is None:
            try:
                created = self.client.create_lease(config.namespace, self._body(mine, None), timeout=timeout)
            except Conflict:  # another replica created it first
                log.info("%s lost the race to create lease %s/%s (409)", self.identity, config.namespace,
                         config.name)
                return False
            except AksbotError as exc:
                self._trouble("create", exc)
                return False
            self._observe(mine, str((created.get("metadata") or {}).get("resourceVersion") or ""))
            self._fine()
            return True
        current = LeaderRecord.from_lease(lease)
        self._observe(current, str((lease.get("metadata") or {}).get("resourceVersion") or ""))
        if current.holder and current.holder != self.identity and self._valid(self._monotonic()):
            self._fine()  # the Lease works: another replica holds it
            return False
        if current.holder == self.identity:
            mine = replace(mine, acquire_time=current.acquire_time or wall, transitions=current.transitions)
        else:
            mine = replace(mine, transitions=current.transitions + 1)
        return self._write(mine, timeout)

    # -- what keeps it from standing -----------------------------------------------------------------------------

    def _explain(self, verb: str, exc: AksbotError) -> tuple[int, str]:
        """The log level and the words for a failed Lease call: what is wrong and what fixes it."""
        ns, name = self.config.namespace, self.config.name
        if isinstance(exc, NotFound) and exc.kind == "namespace":
            return logging.ERROR, (f"no replica can lead: {exc.message}, so lease {ns}/{name} cannot be created. "
                                   "Create the namespace, or set `leader.namespace` to the namespace the bot runs in")
        if isinstance(exc, Forbidden):
            refused = f"{exc.permission}" if exc.permission else exc.message
            return logging.ERROR, (f"no replica can lead: forbidden to {verb} lease {ns}/{name} ({refused}). The "
                                   f"bot needs get, create and update on leases (coordination.k8s.io) in namespace "
                                   f"{ns}: bind the aksbot-leader-election Role of deploy/kubernetes/rbac.yaml to "
                                   "its ServiceAccount")
        return logging.WARNING, f"could not {verb} lease {ns}/{name}: {exc.message}"

    def _trouble(self, verb: str, exc: AksbotError) -> None:
        """Log a failed Lease call once, then every `report_every` while it keeps failing the same way."""
        level, reason = self._explain(verb, exc)
        now = self._monotonic()
        self._problem_failures += 1
        if reason != self._problem:
            self._problem, self._problem_reported, self._problem_failures = reason, now, 0
            log.log(level, "%s %s", self.identity, reason)
            self._tell(reason)
        elif now - self._problem_reported >= self.config.report_every:
            log.log(level, "%s still (%d failed attempts in %.0f s): %s", self.identity, self._problem_failures,
                    now - self._problem_reported, reason)
            self._problem_reported, self._problem_failures = now, 0
            self._tell(reason)  # again: so that whoever shows it can tell a standing problem from a forgotten one

    def _fine(self) -> None:
        if self._problem is None:
            return
        log.info("%s: lease %s/%s works again", self.identity, self.config.namespace, self.config.name)
        self._problem = None
        self._tell(None)

    def _tell(self, reason: str | None) -> None:
        if self.on_problem is None:
            return
        try:
            self.on_problem(reason)
        except Exception:
            log.exception("on_problem failed")

    def _give_up(self) -> None:
        """Release: empty holder, 1 s lease, so a candidate takes over on its next try."""
        observed = self._observed
        if observed is None or observed.holder != self.identity:
            return
        wall = self._now()
        released = LeaderRecord("", 1, wall, wall, observed.transitions)
        if self._write(released, self.config.renew_deadline):
            log.info("%s released lease %s/%s", self.identity, self.config.namespace, self.config.name)
