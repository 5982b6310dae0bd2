"""The approval workflow: turn a disruptive command into a request, decide clicks, run the action exactly once.

The dispatcher hands a disruptive call to `request()`; the buttons on the card are ordinary commands (`approve`,
`deny`, `cancel`) whose handlers call the methods here with the clicking user. Every decision is checked here,
against the policy and the stored state, never by the surface:

- the requester never approves their own request; only the policy's approvers (or the cluster's `approver`
  role) may approve or deny; with `required_approvals: 2` two distinct approvers must click;
- a request expires (the store refuses approval after `expires_at`, so a late click cannot run it);
- each state change is one compare-and-set in the store: of any number of concurrent clicks, through any
  number of bot replicas, one wins and only the winner runs the action;
- before running, the preview is computed again; if any fact it was approved against changed, the action is
  refused ("world changed: …") and nothing runs.

Every request, decision and outcome is appended to the audit trail; every transition updates the card in place
through the surface's `Notifier`. This module never imports a surface or an SDK.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.approvals.audit import AuditLog
from bot.approvals.cards import ApprovalCard, Decision, PendingItem, PendingList, result_level
from bot.approvals.model import (
    APPROVED_STATES,
    ApprovalRequest,
    AuditEntry,
    AuditEvent,
    NewRequest,
    State,
    new_request_id,
    short_time,
    utc_text,
)
from bot.approvals.store import ApprovalStore, open_store
from bot.blocks import Level, Text, View
from bot.cluster.ports import live_provider
from bot.deps import Deps
from bot.errors import AksbotError, NotAuthorized, NotFound, Refused
from bot.preview import Preview, drift
from bot.registry import REGISTRY, Call, Caller, CommandSpec, Registry, Role
from bot.surface import MessageRef, Notifier

log = logging.getLogger("aksbot.approvals")

Executor = Callable[[Callable[[], None]], None]

# Every action ends within an hour (a drain's --timeout is at most 3,600 s; Azure operations are waited on for at
# most 30 minutes), so a request still approved or running after two hours was cut off by a stopped bot.
INTERRUPTED_AFTER = timedelta(hours=2)


def run_inline(job: Callable[[], None]) -> None:
    """Run the approved action in the clicking request's thread (the shell; tests): the click answers with
    the outcome."""
    job()


def run_in_thread(job: Callable[[], None]) -> None:
    """Run the approved action in a worker thread (Slack): the click answers at once, the card and the thread
    report progress and the outcome."""
    threading.Thread(target=job, name="aksbot-approved-action", daemon=True).start()


def _as_typed(text: str) -> str:
    """The command as the requester would type it again."""
    text = " ".join(text.split())
    return text if text.startswith("/") else f"/k8s {text}"


class ApprovalWorkflow:
    """Implements `bot.approvals.ports.Approvals` over an `ApprovalStore` and a surface's `Notifier`."""

    def __init__(
        self,
        deps: Deps,
        store: ApprovalStore,
        notifier: Notifier,
        *,
        registry: Registry = REGISTRY,
        executor: Executor = run_inline,
    ) -> None:
        self.deps = deps
        self.store = store
        self.notifier = notifier
        self.registry = registry
        self.executor = executor

    # -- request ---------------------------------------------------------------------------------------------
    def request(self, call: Call[Any], spec: CommandSpec) -> ApprovalCard:
        """Compute the preview, store a pending request, post it in the approvals channel if one is set."""
        if spec.preview is None:
            raise Refused(f"`{spec.name}` has no preview, so it cannot be approved.")
        preview: Preview = spec.preview(call, self.deps)
        if preview.blocked:
            raise Refused(preview.blocked)
        cluster = call.cluster or ""
        policy = self.deps.settings.policy_for(cluster, spec.name)
        self._refuse_unapprovable(cluster, spec.name, call.caller.id, policy.required_approvals)
        now = self.deps.clock.now()
        request: ApprovalRequest | None = None
        for _ in range(5):  # a 40-bit id collides essentially never; the primary key makes sure it is never reused
            new = NewRequest(
                id=new_request_id(),
                command=spec.name,
                text=_as_typed(call.text or spec.name),
                args_json=call.args.model_dump_json(),
                cluster=call.cluster,
                namespace=call.namespace,
                all_namespaces=call.all_namespaces,
                requester=call.caller.id,
                requester_groups=tuple(sorted(call.caller.groups)),
                channel=call.channel,
                lang=call.lang,
                correlation_id=call.correlation_id,
                preview=preview,
                required_approvals=policy.required_approvals,
                created_at=now,
                expires_at=now + timedelta(minutes=policy.expiry_minutes),
            )
            if self.store.create(new):
                request = ApprovalRequest(**{f.name: getattr(new, f.name) for f in dataclasses.fields(NewRequest)})
                break
        if request is None:
            raise RuntimeError("could not allocate an unused approval request id")
        self._audit(
            request,
            AuditEvent.REQUESTED,
            call.caller.id,
            f"{request.text} — {preview.action}; expires {short_time(request.expires_at)}",
            {
                "text": request.text,
                "preview": {
                    "action": preview.action,
                    "expect": dict(preview.expect),
                    "warnings": list(preview.warnings),
                },
                "required_approvals": request.required_approvals,
                "expires_at": utc_text(request.expires_at),
            },
        )
        card = self._card(request)
        channel = self.deps.settings.approvals.channel
        if channel and channel != call.channel:
            ref = self.notifier.post(channel, card.view())
            if ref is not None:
                self.store.add_card(request.id, ref, origin=False)
        return card

    def card_posted(self, request_id: str, ref: MessageRef | None) -> None:
        """The dispatcher posted the card in the requester's conversation (`ref` None: the surface can't tell)."""
        if ref is not None:
            self.store.add_card(request_id, ref, origin=True)

    # -- clicks ----------------------------------------------------------------------------------------------
    def approve(self, request_id: str, caller: Caller) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        self._check_approver(request, caller, "approve")
        now = self.deps.clock.now()
        if not self.store.add_approval(request.id, caller.id, now):
            fresh = self._get(request.id)
            if fresh.state is not State.PENDING:
                return self._already(fresh)
            return Decision(
                request.id,
                f"You already approved this; it needs {fresh.required_approvals} distinct approvers "
                f"({len(fresh.approvals)} so far).",
                Level.INFO,
            )
        fresh = self._get(request.id)
        have, need = len(fresh.approvals), fresh.required_approvals
        self._audit(fresh, AuditEvent.APPROVAL, caller.id, f"approval {have} of {need}", {"approvals": have})
        if have < need:
            self._update_cards(fresh)
            return Decision(
                request.id,
                f"Your approval is recorded ({have} of {need}); it needs another approver before it runs.",
                Level.INFO,
            )
        # The one compare-and-set that decides who runs it; it also refuses once the request has expired.
        if not self.store.transition(
            request.id, (State.PENDING,), State.APPROVED, at=now, not_expired_at=now, decided_by=caller.id
        ):
            return self._already(self._current(request.id))
        approved = self._get(request.id)
        self._audit(approved, AuditEvent.APPROVED, caller.id, f"approved by {approved.approved_by()}", {})
        self._update_cards(approved)
        outcome: list[ApprovalRequest] = []
        self.executor(lambda: outcome.append(self._execute(approved)))
        if not outcome:  # running elsewhere; the card reports the end
            return Decision(request.id, f"Approved by {approved.approved_by()} — running.", Level.INFO, ran=True)
        done = outcome[0]
        if done.state is State.SUCCEEDED:
            text, level = f"Approved by {done.approved_by()} — ran: {done.outcome}", result_level(done.result)
        else:
            text, level = f"Approved by {done.approved_by()} — failed: {done.reason}", Level.ERROR
        return Decision(request.id, text, level, ran=True, result=done.result)

    def deny(self, request_id: str, caller: Caller, reason: str) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        if caller.id == request.requester:
            self._refuse(request, caller, "the requester cannot deny their own request; use cancel")
            raise NotAuthorized(f"You requested this yourself; to withdraw it, use `/k8s cancel {request.id}`.")
        self._check_approver(request, caller, "deny")
        now = self.deps.clock.now()
        reason = " ".join(reason.split())
        if not self.store.transition(
            request.id, (State.PENDING,), State.DENIED, at=now, not_expired_at=now, decided_by=caller.id, reason=reason
        ):
            return self._already(self._current(request.id))
        denied = self._get(request.id)
        self._audit(denied, AuditEvent.DENIED, caller.id, f"denied: {reason}", {"reason": reason})
        self._update_cards(denied)
        return Decision(request.id, f"Denied: {reason}. Nothing ran.", Level.WARN)

    def cancel(self, request_id: str, caller: Caller) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        if caller.id != request.requester:
            self._refuse(request, caller, "only the requester may cancel")
            raise NotAuthorized(
                f"Only {request.requester}, who requested it, may cancel it; an approver can deny it instead."
            )
        now = self.deps.clock.now()
        if not self.store.transition(request.id, (State.PENDING,), State.CANCELLED, at=now, decided_by=caller.id):
            return self._already(self._current(request.id))
        cancelled = self._get(request.id)
        self._audit(cancelled, AuditEvent.CANCELLED, caller.id, "cancelled by the requester", {})
        self._update_cards(cancelled)
        return Decision(request.id, "Cancelled. Nothing ran.", Level.INFO)

    def status(self, request_id: str) -> ApprovalCard:
        return self._card(self._current(request_id))

    def audit(
        self,
        *,
        last: int | None = 20,
        user: str | None = None,
        cluster: str | None = None,
        jsonl: bool = False,
        caller: Caller | None = None,
    ) -> AuditLog:
        visible = None
        if caller is not None:
            # Only the clusters the caller has a role on; None when that is all of them (no filter needed).
            settings = self.deps.settings
            names = settings.cluster_names()
            seen = [n for n in names if settings.role_of(caller.id, caller.groups, n) is not None]
            visible = None if len(seen) == len(names) else seen
        entries = self.store.audit(last=last, user=user, cluster=cluster, clusters=visible)
        parts = [f"by {user}" if user else "", f"on {cluster}" if cluster else ""]
        filters = " ".join(p for p in parts if p)
        return AuditLog(tuple(entries), f" {filters}" if filters else "", jsonl=jsonl)

    def pending_for(self, caller: Caller, cluster: str | None = None) -> PendingList:
        """What waits for a decision, as `caller` sees it: what they may approve first (oldest first), then theirs."""
        self.expire_due()
        settings = self.deps.settings
        items = []
        for r in self.store.pending():
            if cluster is not None and r.cluster != cluster:
                continue
            approver = self.may_approve(r, caller)
            # Only clusters the caller may see at all (or was named an approver for).
            if approver or settings.role_of(caller.id, caller.groups, r.cluster) is not None:
                items.append(PendingItem(r, r.requester == caller.id, r.requester != caller.id and approver))
        items.sort(key=lambda i: (not i.may_approve, not i.yours, i.request.created_at))
        return PendingList(tuple(items), f" on {cluster}" if cluster else "")

    def expire_due(self) -> int:
        """Mark every pending request past its expiry as expired (and update its card); how many were."""
        count = 0
        for request in self.store.pending():
            if request.is_due(self.deps.clock.now()) and self._expire(request):
                count += 1
        return count

    def interrupt_stale(self) -> int:
        """Fail every request left approved or running for longer than any action can take (`INTERRUPTED_AFTER`):
        the bot stopped while it ran. It is never run again by itself; the card and the audit say so."""
        count = 0
        now = self.deps.clock.now()
        for request in self.store.in_states((State.APPROVED, State.RUNNING)):
            since = request.started_at or request.decided_at or request.created_at
            if now - since < INTERRUPTED_AFTER:
                continue
            reason = (
                f"interrupted: the bot stopped while this was {request.state.value} (since {short_time(since)}); "
                "it was not retried. Check the cluster's state before requesting it again."
            )
            if self.store.transition(request.id, (request.state,), State.FAILED, at=now, reason=reason):
                failed = self._get(request.id)
                self._audit(failed, AuditEvent.FAILED, "aksbot", reason, {"reason": reason})
                self._update_cards(failed)
                count += 1
        return count

    # -- execution -------------------------------------------------------------------------------------------
    def _execute(self, approved: ApprovalRequest) -> ApprovalRequest:
        now = self.deps.clock.now()
        if not self.store.transition(approved.id, (State.APPROVED,), State.RUNNING, at=now):
            return self._get(approved.id)  # another worker took it: it runs once, there
        running = self._get(approved.id)
        self._audit(running, AuditEvent.RUNNING, "aksbot", f"running {running.text}", {})
        self._update_cards(running)
        try:
            spec = self.registry.get(running.command)
            if spec is None or spec.preview is None:
                return self._finish(running, None, f"`{running.command}` is no longer a disruptive command here")
            call = self._call(running, spec)
            try:
                now_preview: Preview = spec.preview(call, self.deps)
            except AksbotError as exc:
                return self._finish(running, None, f"world changed: {exc.message}")
            changes = drift(running.preview, now_preview)
            if changes:
                return self._finish(running, None, "world changed: " + "; ".join(changes))
            try:
                result = spec.handler(call, self.deps)
            except AksbotError as exc:
                return self._finish(running, None, exc.message)
            return self._finish(running, result.view(), None)
        except Exception:
            log.exception("approved action failed", extra={"correlation_id": running.correlation_id})
            return self._finish(running, None, f"internal error (ref {running.correlation_id})")

    def _finish(self, running: ApprovalRequest, result: View | None, failure: str | None) -> ApprovalRequest:
        now = self.deps.clock.now()
        if failure is None and result is not None:
            self.store.transition(
                running.id, (State.RUNNING,), State.SUCCEEDED, at=now, outcome=result.summary, result=result
            )
            event, detail, data = AuditEvent.SUCCEEDED, result.summary, {"result": result.summary}
        else:
            self.store.transition(running.id, (State.RUNNING,), State.FAILED, at=now, reason=failure, result=result)
            reason = failure or "failed"
            event, detail, data = AuditEvent.FAILED, reason, {"reason": reason}
        done = self._get(running.id)
        self._audit(done, event, "aksbot", detail, data)
        self._update_cards(done)
        return done

    def _call(self, request: ApprovalRequest, spec: CommandSpec) -> Call[Any]:
        """The call exactly as it was requested; its progress lines go to the card's thread."""
        return Call(
            command=request.command,
            args=spec.args.model_validate_json(request.args_json),
            caller=Caller(request.requester, frozenset(request.requester_groups)),
            cluster=request.cluster,
            namespace=request.namespace,
            all_namespaces=request.all_namespaces,
            correlation_id=request.correlation_id,
            text=request.text,
            lang="zh" if request.lang == "zh" else "en",
            channel=request.channel,
            progress=lambda line: self._progress(request, line),
        )

    def _progress(self, request: ApprovalRequest, line: str) -> None:
        thread = request.cards[0] if request.cards else None
        channel = thread.channel if thread else request.channel
        if channel is None:
            return
        try:
            self.notifier.post(channel, View(line, (Text(line),)), thread)
        except Exception:  # a progress line that cannot be posted must not stop a drain half-way
            log.warning("could not post progress for request %s", request.id, exc_info=True)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _get(self, request_id: str) -> ApprovalRequest:
        request = self.store.get(request_id)
        if request is None:
            raise NotFound(f"There is no approval request `{request_id}`.", kind="approval request", name=request_id)
        return request

    def _current(self, request_id: str) -> ApprovalRequest:
        """The request, marked expired first if its time is up."""
        request = self._get(request_id.strip().lower())
        if request.is_due(self.deps.clock.now()):
            self._expire(request)
            request = self._get(request.id)
        return request

    def _expire(self, request: ApprovalRequest) -> bool:
        if not self.store.transition(
            request.id, (State.PENDING,), State.EXPIRED, at=request.expires_at, decided_by="aksbot"
        ):
            return False
        expired = self._get(request.id)
        self._audit(expired, AuditEvent.EXPIRED, "aksbot", f"expired at {short_time(expired.expires_at)}", {})
        self._update_cards(expired)
        return True

    def _already(self, request: ApprovalRequest) -> Decision:
        """The answer to a click on a request that was already decided: who, when, what happened."""
        r = request
        when = short_time(r.decided_at) if r.decided_at else "?"
        if r.state in APPROVED_STATES:
            text = f"Already approved by {r.approved_by()} at {when}"
            if r.state is State.SUCCEEDED:
                text += f"; it ran: {(r.outcome or 'done').rstrip('.')}"
            elif r.state is State.FAILED:
                text += f"; it failed: {(r.reason or 'failed').rstrip('.')}"
            else:
                text += "; it is running"
            text += ". Nothing more will run."
        elif r.state is State.DENIED:
            text = f"Already denied by {r.decided_by} at {when}: {r.reason}. Nothing ran."
        elif r.state is State.EXPIRED:
            text = f"Expired at {short_time(r.expires_at)}, nothing ran."
        else:
            text = f"Cancelled by {r.decided_by} at {when}, nothing ran."
        return Decision(r.id, text, Level.INFO)

    def _check_approver(self, request: ApprovalRequest, caller: Caller, verb: str) -> None:
        if caller.id == request.requester:
            self._refuse(request, caller, "self-approval")
            raise NotAuthorized("Refused: you requested this yourself. Another approver must approve it (four eyes).")
        if not self.may_approve(request, caller):
            self._refuse(request, caller, f"not an approver ({verb})")
            raise NotAuthorized(
                f"Refused: you are not an approver for `{request.command}` on `{request.cluster}`. "
                f"Who may: {self.approvers_text(request)}."
            )

    def may_approve(self, request: ApprovalRequest, caller: Caller) -> bool:
        """The policy in force now (an approver removed from the settings loses the power at once)."""
        settings = self.deps.settings
        policy = settings.policy_for(request.cluster or "", request.command)
        if policy.approvers is not None:
            ids = {caller.id, *caller.groups, *settings.local_groups_of(caller.id)}
            return bool(ids.intersection(policy.approvers))
        role = settings.role_of(caller.id, caller.groups, request.cluster)
        return role is not None and role >= Role.APPROVER

    def _approver_members(self, cluster: str, command: str) -> tuple[list[str], bool]:
        """Who may approve `command` on `cluster` as configured, and whether an explicit list (not the role) says so."""
        settings = self.deps.settings
        policy = settings.policy_for(cluster, command)
        if policy.approvers is not None:
            return list(policy.approvers), True
        return list(settings.roles_for(cluster).approver), False

    def _refuse_unapprovable(self, cluster: str, command: str, requester: str, required: int) -> None:
        """Refuse at once a request nobody could ever approve, instead of letting it wait until it expires.

        Only when the configuration lists people one by one: a Slack user group or "*" may hold others, and who
        is in it is known only when someone clicks.
        """
        members, _ = self._approver_members(cluster, command)
        local = self.deps.settings.groups
        people: set[str] = set()
        for m in members:
            if m == "*" or (m[:1] == "S" and m.isupper() and m.isalnum()):
                return  # open-ended: "*" or a Slack user group (its members are Slack's to say)
            people.update(local.get(m, [m]))
        others = people - {requester}
        if len(others) >= required:
            return
        who = ", ".join(sorted(others)) or "nobody"
        raise Refused(
            f"Nobody could approve this: `{command}` on `{cluster}` needs {required} approver(s) other than you, "
            f"and the configuration names {who}. Ask an admin to add approvers (`roles.approver`, or the "
            "cluster's `approvals`/`actions` settings)."
        )

    def approvers_text(self, request: ApprovalRequest) -> str:
        members, explicit = self._approver_members(request.cluster or "", request.command)
        others = [m for m in members if m != request.requester]
        if others:
            listed = ", ".join(others)
        elif members:
            listed = "nobody but the requester is configured"
        else:
            listed = "nobody is configured"
        return listed if explicit else f"the approver role ({listed})"

    def _card(self, request: ApprovalRequest) -> ApprovalCard:
        return ApprovalCard(request, self.approvers_text(request))

    def _update_cards(self, request: ApprovalRequest) -> None:
        view = self._card(request).view()
        for ref in request.cards:
            try:
                self.notifier.update(ref, view)
            except Exception:  # the state is in the store; a card that failed to redraw is not a failed action
                log.warning("could not update the card of request %s", request.id, exc_info=True)

    def _refuse(self, request: ApprovalRequest, caller: Caller, why: str) -> None:
        self._audit(request, AuditEvent.REFUSED, caller.id, why, {})

    def _audit(
        self, request: ApprovalRequest, event: AuditEvent, actor: str, detail: str, data: dict[str, Any]
    ) -> None:
        self.store.append_audit(
            AuditEntry(
                at=self.deps.clock.now(),
                request_id=request.id,
                event=event,
                actor=actor,
                cluster=request.cluster,
                command=request.command,
                detail=detail,
                data=json.dumps(data, ensure_ascii=False, sort_keys=True),
            )
        )


class ExpirySweeper:
    """Expires overdue requests in the background, so their cards say so even when nobody clicks, and fails
    requests whose run was cut off by a stopped bot."""

    def __init__(self, workflow: ApprovalWorkflow, interval: float = 30.0) -> None:
        self.workflow = workflow
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="aksbot-expiry", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.workflow.expire_due()
                self.workflow.interrupt_stale()
            except Exception:
                log.warning("expiry sweep failed", exc_info=True)
            self._stop.wait(self.interval)


def build_approvals(deps: Deps, notifier: Notifier, *, executor: Executor = run_inline) -> Deps:
    """The workflow over the configured store (PostgreSQL if `AKSBOT_DATABASE_URL`, else SQLite), in `deps`."""
    settings = deps.settings
    url = settings.database_url.get_secret_value() if settings.database_url is not None else None
    store = open_store(url, settings.resolve_path(settings.store.sqlite_path))
    workflow = ApprovalWorkflow(deps, store, notifier, executor=executor)
    full = dataclasses.replace(deps, approvals=workflow)
    workflow.deps = dataclasses.replace(full, clusters=live_provider(full.clusters))  # previews never read a cache
    ExpirySweeper(workflow).start()
    return full
