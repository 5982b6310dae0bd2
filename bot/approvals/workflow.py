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
  refused (the object "changed since it was requested", what changed, and how to request it again) and nothing
  runs;
- the same command with the same arguments already waiting is one request, not two; a different request on the
  same object (a scale to 0 and a scale to 6, a cordon and a drain of one node) is accepted, and both cards say
  that the other one waits.

Every request, decision and outcome is appended to the audit trail; every transition updates the card in place
through the surface's `Notifier`. This module never imports a surface or an SDK.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from bot.approvals.audit import AuditLog
from bot.approvals.cards import (
    ApprovalCard,
    Decision,
    PendingItem,
    PendingList,
    lang_of,
    object_words,
    outcome_notice,
    result_level,
    state_msg,
)
from bot.approvals.commands import cancel_ref, deny_ref
from bot.approvals.model import (
    APPROVED_STATES,
    ApprovalRequest,
    AuditEntry,
    AuditEvent,
    NewRequest,
    State,
    new_request_id,
    utc_text,
)
from bot.approvals.store import ApprovalStore, open_store
from bot.blocks import Level, Notice, Person, Rich, Text, View, plain
from bot.deadline import unbounded
from bot.deps import Deps
from bot.errors import AksbotError, NeedsInput, NotAuthorized, NotDelivered, NotFound, Refused
from bot.groups import GroupDirectory
from bot.i18n import APPROVAL as W
from bot.i18n import PEOPLE, Lang, Said, in_lang, joined, people_in, said
from bot.logs import in_context
from bot.preview import Preview, drift
from bot.registry import REGISTRY, Caller, ClusterCall, CommandSpec, Registry, Risk, Role
from bot.settings import Settings
from bot.surface import MessageRef, Notifier
from bot.timefmt import short_time

log = logging.getLogger("aksbot.approvals")

Executor = Callable[[Callable[[], None]], None]

# A long action's card shows its latest progress line at most this often (Slack allows about one edit a second).
PROGRESS_EVERY_SECONDS = 5.0
# A request of this age with no card anywhere was stored by a process that stopped before posting it.
UNSEEN_AFTER_S = 5.0

# Every action ends within an hour (a drain's --timeout is at most 3,600 s; Azure operations are waited on for at
# most 30 minutes), so a request still approved or running after two hours was cut off by a stopped bot.
INTERRUPTED_AFTER = timedelta(hours=2)


def run_inline(job: Callable[[], None]) -> None:
    """Run the approved action in the clicking request's thread (the shell; tests): the click answers with
    the outcome."""
    job()


class ActionExecutor:
    """Approved actions on threads of their own, a few at a time (Slack): the click answers at once and the
    thread that received it goes back to serving requests; the card and its thread report progress and the
    outcome. Actions beyond `workers` wait their turn in order."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aksbot-action")

    def __call__(self, job: Callable[[], None]) -> None:
        self._pool.submit(job)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking actions; with `wait`, let the running ones end (a stopped bot's are failed as interrupted
        by the next start's sweep)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _same_object(a: ApprovalRequest, b: ApprovalRequest) -> bool:
    """Whether two requests change the same object (cluster, kind, namespace and name)."""
    return a.preview.target is not None and a.cluster == b.cluster and a.preview.target == b.preview.target


def _as_typed(text: str) -> str:
    """The command as the requester would type it again."""
    text = " ".join(text.split())
    return text if text.startswith("/") else f"/k8s {text}"


class AlreadyRequested(Refused):
    """The same command on the same target already waits for approval: its card, instead of a second request."""

    def __init__(self, card: ApprovalCard, lang: Lang) -> None:
        super().__init__(W.already_waiting(lang, id=card.request_id, action=card.request.preview.action_in(lang)))
        self.card = card

    def view(self, lang: Lang = "en") -> View:
        notice = Notice(self.message, Level.INFO)
        return View(self.message, (notice, *self.card.view().blocks))


def _in_english(result: object) -> str | None:
    """An action's result summary in English for the audit, whatever language its card speaks: results are frozen
    dataclasses with a `lang` (None when one is not)."""
    if getattr(result, "lang", "en") == "en" or not dataclasses.is_dataclass(result) or isinstance(result, type):
        return None
    try:
        english = dataclasses.replace(result, lang="en")
    except TypeError:
        return None
    view = getattr(english, "view", None)
    return str(view().summary) if callable(view) else None


class ApprovalWorkflow:
    """Implements `bot.approvals.ports.Approvals` over an `ApprovalStore` and a surface's `Notifier`."""

    def __init__(
        self,
        deps: Deps,
        store: ApprovalStore,
        notifier: Notifier,
        groups: GroupDirectory,
        *,
        registry: Registry = REGISTRY,
        executor: Executor = run_inline,
    ) -> None:
        """`deps` is what previews and approved actions run with; `groups` says who is in which group (the
        approver lists name groups); `executor` where approved actions run (each surface chooses)."""
        self.deps = deps
        self.store = store
        self.notifier = notifier
        self.groups = groups
        self.registry = registry
        self.executor = executor
        self._card_progress: dict[str, float] = {}  # request id → when its card last showed progress

    # -- request ---------------------------------------------------------------------------------------------
    def request(self, call: ClusterCall[Any], spec: CommandSpec) -> ApprovalCard:
        """Compute the preview, store a pending request, post it in the approvals channel if one is set."""
        if spec.preview is None:
            raise Refused(W.no_preview(call.lang, command=spec.name))
        preview: Preview = spec.preview(call, self.deps)
        if preview.blocked:
            raise Refused(preview.blocked)
        cluster = call.cluster
        policy = self.deps.settings.policy_for(cluster, spec.name)
        self._refuse_unapprovable(cluster, spec.name, call.caller.id, policy.required_approvals, call.lang)
        waiting = self._same_pending(call, spec)
        now = self.deps.clock.now()
        if waiting is not None and self._unseen(waiting, call, now):
            # The process that stored it died before showing its card; this is the same delivery answered again
            # (`bot.slack.inbox`): show that request now rather than leave one nobody can see or approve.
            log.warning("showing request %s, stored by a process that stopped before posting its card", waiting.id)
            return self._show(waiting, call)
        if waiting is not None:
            # A retried delivery, a double click, or a second person asking for the same thing: one request.
            raise AlreadyRequested(self._card(waiting), call.lang)
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
        data: dict[str, Any] = {
            "text": request.text,
            "preview": {
                "action": str(preview.action),
                "expect": dict(preview.expect),
                "warnings": list(preview.warnings),
            },
            "required_approvals": request.required_approvals,
            "expires_at": utc_text(request.expires_at),
        }
        rivals = self._rivals(request)
        if rivals:
            data["also_waiting_on_the_object"] = [r.id for r in rivals]
        detail = f"{request.text} — {preview.action}; expires {short_time(request.expires_at)}"
        self._audit(request, AuditEvent.REQUESTED, call.caller.id, detail, data)
        return self._show(request, call)

    @staticmethod
    def _unseen(waiting: ApprovalRequest, call: ClusterCall[Any], now: datetime) -> bool:
        """`waiting` is this requester's, has no card anywhere, and is older than a card takes to post."""
        return (
            not waiting.cards
            and waiting.requester == call.caller.id
            and (now - waiting.created_at).total_seconds() >= UNSEEN_AFTER_S
        )

    def _show(self, request: ApprovalRequest, call: ClusterCall[Any]) -> ApprovalCard:
        """Post the card in the approvals channel when there is one; the card for the requester's conversation."""
        channel = self.deps.settings.approvals.channel
        if channel and channel != call.channel:
            # Posting the card is part of the request: a card nobody can see is a request nobody can approve.
            try:
                ref = self.notifier.post(channel, self._card(request, notify=True).view())
            except NotDelivered as exc:
                self.card_failed(request.id, said(W.card_not_posted_reason, error=exc.message))
                raise NotDelivered(W.card_not_posted.rich(call.lang, error=exc.rich), code=exc.code) from exc
            if ref is not None:
                self.store.add_card(request.id, ref, origin=False)
        # Approvers are named (and notified) where they will see the card: in the approvals channel when there is
        # one, else in the requester's conversation.
        return self._card(request, notify=not channel or channel == call.channel)

    def card_posted(self, request_id: str, ref: MessageRef) -> None:
        """The dispatcher posted the card in the requester's conversation."""
        self.store.add_card(request_id, ref, origin=True)
        # A click can land between the post and this line (its transition then saw no card to update): a request
        # that already moved on gets its card redrawn now, so no card keeps live buttons after the fact.
        request = self._get(request_id)
        if request.state is not State.PENDING:
            self._update_cards(request)
        else:
            # The cards of the other requests waiting on the same object now say that this one waits too.
            self._update_rivals(request)

    def card_failed(self, request_id: str, reason: str) -> None:
        """The card could not be shown where it had to be: the request is failed at once (nothing runs, the audit
        says why) instead of waiting unseen until it expires. A `Said` reason is kept in the request's language
        (the audit keeps its English)."""
        request = self._get(request_id)
        now = self.deps.clock.now()
        shown = in_lang(reason, lang_of(request))
        if self.store.transition(request.id, (State.PENDING,), State.FAILED, at=now, reason=shown):
            failed = self._get(request.id)
            self._audit(failed, AuditEvent.FAILED, "aksbot", str(reason), {"reason": str(reason)})
            self._update_cards(failed)

    def _rivals(self, request: ApprovalRequest) -> list[ApprovalRequest]:
        """The other requests still waiting for a decision on the object `request` changes (same cluster, kind,
        namespace and name), oldest first."""
        now = self.deps.clock.now()
        return [r for r in self.store.pending()
                if r.id != request.id and _same_object(r, request) and not r.is_due(now)]

    def _update_rivals(self, request: ApprovalRequest) -> None:
        """Redraw the cards of the requests waiting on the same object as `request`: it has just started waiting
        (their cards name it) or stopped (their cards no longer do)."""
        for rival in self._rivals(request):
            self._update_cards(rival)

    def _same_pending(self, call: ClusterCall[Any], spec: CommandSpec) -> ApprovalRequest | None:
        """A request still waiting for the same command with the same arguments on the same cluster and namespace."""
        args = call.args.model_dump_json()
        now = self.deps.clock.now()
        for r in self.store.pending():
            same = (r.command, r.args_json, r.cluster, r.namespace, r.all_namespaces) == (
                spec.name,
                args,
                call.cluster,
                call.namespace,
                call.all_namespaces,
            )
            if same and not r.is_due(now):
                return r
        return None

    # -- clicks ----------------------------------------------------------------------------------------------
    def approve(self, request_id: str, caller: Caller) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        self._check_approver(request, caller, "approve")
        lang = lang_of(request)
        now = self.deps.clock.now()
        if not self.store.add_approval(request.id, caller.id, now):
            fresh = self._get(request.id)
            if fresh.state is not State.PENDING:
                return self._already(fresh)
            text = W.approved_before(lang, need=fresh.required_approvals, have=len(fresh.approvals))
            return Decision(request.id, text, Level.INFO, private=True, lang=lang)
        fresh = self._get(request.id)
        have, need = len(fresh.approvals), fresh.required_approvals
        self._audit(fresh, AuditEvent.APPROVAL, caller.id, f"approval {have} of {need}", {"approvals": have})
        if have < need:
            self._update_cards(fresh)
            text = W.approval_recorded(lang, have=have, need=need)
            return Decision(request.id, text, Level.INFO, private=True, lang=lang)
        # The one compare-and-set that decides who runs it; it also refuses once the request has expired.
        if not self.store.transition(
            request.id, (State.PENDING,), State.APPROVED, at=now, not_expired_at=now, decided_by=caller.id
        ):
            return self._already(self._current(request.id))
        approved = self._get(request.id)
        self._audit(approved, AuditEvent.APPROVED, caller.id, f"approved by {approved.approved_by()}", {})
        self._update_cards(approved)
        self._update_rivals(approved)
        self._notify(approved)
        outcome: list[ApprovalRequest] = []
        self.executor(in_context(lambda: outcome.append(self._execute(approved))))
        if not outcome:  # running elsewhere; the card and the requester's notification report the end
            return Decision(request.id, W.you_approved_running(lang), Level.INFO, ran=True, private=True, lang=lang)
        done = outcome[0]
        if done.state is State.SUCCEEDED:
            text, level = W.you_approved_ran(lang, outcome=done.outcome), result_level(done.result)
        else:
            text, level = W.you_approved_failed(lang, reason=done.reason), Level.ERROR
        return Decision(request.id, text, level, ran=True, result=done.result, private=True, lang=lang)

    def deny(self, request_id: str, caller: Caller, reason: str | None) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        if caller.id == request.requester:
            self._refuse(request, caller, "the requester cannot deny their own request; use cancel")
            raise NotAuthorized(W.deny_own(lang_of(request), cancel=cancel_ref(request.id).text()))
        self._check_approver(request, caller, "deny")
        reason = " ".join((reason or "").split())
        if not reason:
            # Only now, for an approver on a request that still waits, is the reason asked for (a dialog in Slack).
            raise NeedsInput("reason", W.say_why(lang_of(request), deny=deny_ref(request.id).text()))
        now = self.deps.clock.now()
        if not self.store.transition(
            request.id, (State.PENDING,), State.DENIED, at=now, not_expired_at=now, decided_by=caller.id, reason=reason
        ):
            return self._already(self._current(request.id))
        denied = self._get(request.id)
        self._audit(denied, AuditEvent.DENIED, caller.id, f"denied: {reason}", {"reason": reason})
        self._update_cards(denied)
        self._update_rivals(denied)
        self._notify(denied)
        return Decision(
            request.id, W.you_denied(lang_of(denied), reason=reason), Level.WARN, private=True, lang=lang_of(denied)
        )

    def cancel(self, request_id: str, caller: Caller) -> Decision:
        request = self._current(request_id)
        if request.state is not State.PENDING:
            return self._already(request)
        if caller.id != request.requester:
            self._refuse(request, caller, "only the requester may cancel")
            raise NotAuthorized(W.only_requester_cancels.rich(lang_of(request), requester=Person(request.requester)))
        now = self.deps.clock.now()
        if not self.store.transition(request.id, (State.PENDING,), State.CANCELLED, at=now, decided_by=caller.id):
            return self._already(self._current(request.id))
        cancelled = self._get(request.id)
        self._audit(cancelled, AuditEvent.CANCELLED, caller.id, "cancelled by the requester", {})
        self._update_cards(cancelled)
        self._update_rivals(cancelled)
        lang = lang_of(cancelled)
        return Decision(request.id, W.you_cancelled(lang), Level.INFO, private=True, lang=lang)

    def status(self, request_id: str) -> ApprovalCard:
        return self._card(self._current(request_id))

    def audit(
        self,
        *,
        last: int | None = 20,
        user: str | None = None,
        cluster: str | None = None,
        request: str | None = None,
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
        entries = self.store.audit(last=last, user=user, cluster=cluster, request_id=request, clusters=visible)
        return AuditLog(tuple(entries), request, user, cluster, jsonl=jsonl)

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
        return PendingList(tuple(items), cluster)

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
            reason = said(W.interrupted, state=said(state_msg(request.state)), since=short_time(since))
            shown = in_lang(reason, lang_of(request))
            if self.store.transition(request.id, (request.state,), State.FAILED, at=now, reason=shown):
                failed = self._get(request.id)
                self._audit(failed, AuditEvent.FAILED, "aksbot", str(reason), {"reason": str(reason)})
                self._update_cards(failed)
                self._notify(failed)
                count += 1
        return count

    # -- execution -------------------------------------------------------------------------------------------
    def _execute(self, approved: ApprovalRequest) -> ApprovalRequest:
        # The action runs on its own time (a drain has its --timeout), not on what is left of the approving click's.
        with unbounded():
            return self._execute_unbounded(approved)

    def _execute_unbounded(self, approved: ApprovalRequest) -> ApprovalRequest:
        now = self.deps.clock.now()
        if not self.store.transition(approved.id, (State.APPROVED,), State.RUNNING, at=now):
            return self._get(approved.id)  # another worker took it: it runs once, there
        running = self._get(approved.id)
        self._audit(running, AuditEvent.RUNNING, "aksbot", f"running {running.text}", {})
        self._update_cards(running)
        try:
            spec = self.registry.get(running.command)
            if spec is None or spec.preview is None:
                return self._finish(running, None, said(W.not_disruptive, command=running.command))
            call = self._call(running, spec)
            try:
                now_preview: Preview = spec.preview(call, self.deps)
            except AksbotError as exc:
                return self._finish(running, None, self._changed(running, [exc.message], None))
            changes = drift(running.preview, now_preview)
            if changes:
                blocked = now_preview.blocked if not running.preview.blocked else None
                facts = [c for c in changes if c != blocked]
                if blocked and now_preview.done and facts:
                    # What it was to do already holds (another request's drain cordoned the node): done, as
                    # `kubectl cordon` of a cordoned node is, not a failure told to the requester in red.
                    done = said(W.already_done, blocked=blocked, changes=joined(facts, "; ", "；"))
                    text = in_lang(done, lang_of(running))
                    return self._finish(running, View(text, (Notice(text, Level.INFO),)), None, english=str(done))
                return self._finish(running, None, self._changed(running, facts, blocked))
            try:
                result = spec.handler(call, self.deps)
            except AksbotError as exc:
                return self._finish(running, None, exc.message)
            return self._finish(running, result.view(), None, english=_in_english(result))
        except Exception:
            log.exception("approved action %s failed (requested under ref %s)", running.id, running.correlation_id)
            return self._finish(running, None, said(W.internal_error, ref=running.correlation_id))

    @staticmethod
    def _changed(request: ApprovalRequest, facts: Sequence[str], blocked: str | None) -> Said:
        """Why an approved request did not run: what changed since it was requested, and either why it need not run
        now (`blocked`, the preview's own words) or how to ask for it again, should it still be needed."""
        if not facts:
            return said(W.not_needed, blocked=blocked)
        target = request.preview.target
        changes = joined(facts, "; ", "；")
        if target is None:
            changed = said(W.world_changed, changes=changes)
        else:
            changed = said(W.object_changed, object=object_words(target), changes=changes)
        if blocked:
            return said(W.changed_and_moot, changed=changed, blocked=blocked)
        return said(W.request_again, changed=changed, command=request.text)

    def _finish(self, running: ApprovalRequest, result: View | None, failure: str | None,
                english: str | None = None) -> ApprovalRequest:
        """Store how the run ended. A failure the workflow words (a `Said`) is kept in the request's language for
        its card, and in English for the audit; so is a result (`english`: its summary in English, when known)."""
        now = self.deps.clock.now()
        data: dict[str, object]
        if failure is None and result is not None:
            self.store.transition(
                running.id, (State.RUNNING,), State.SUCCEEDED, at=now, outcome=result.summary, result=result
            )
            told = english or result.summary
            event, detail, data = AuditEvent.SUCCEEDED, told, {"result": told}
            if result_level(result) is not Level.OK:  # it ran to its end, but stopped short (a drain held by a PDB)
                data["warning"] = True
        else:
            shown = in_lang(failure, lang_of(running)) if failure is not None else None
            self.store.transition(running.id, (State.RUNNING,), State.FAILED, at=now, reason=shown, result=result)
            reason = str(failure) if failure else "failed"
            event, detail, data = AuditEvent.FAILED, reason, {"reason": reason}
        done = self._get(running.id)
        self._audit(done, event, "aksbot", detail, data)
        self._update_cards(done)
        self._notify(done)
        self._settle_rivals(done)
        return done

    def _settle_rivals(self, done: ApprovalRequest) -> None:
        """After an action ran (to the end or half-way), end the requests still waiting on the same object whose
        action now already holds — a cordon, once a drain cordoned the node: nothing is left for an approver to
        decide, so they end (by the bot, nothing ran), and their requesters are told which request did it."""
        for rival in self._rivals(done):
            self._end_if_moot(rival, done)

    def settle_moot(self) -> int:
        """End every waiting request whose action already holds: done by hand (the node was cordoned with kubectl),
        or by another request still running (a drain that cordoned the node and now waits on a PodDisruptionBudget),
        which is then named. The sweeper checks, so nobody approves what is already so. How many ended."""
        now = self.deps.clock.now()
        running = self.store.in_states((State.APPROVED, State.RUNNING))
        ended = 0
        for request in self.store.pending():
            if request.is_due(now):
                continue
            ended += self._end_if_moot(request, next((r for r in running if _same_object(r, request)), None))
        return ended

    def _end_if_moot(self, request: ApprovalRequest, done: ApprovalRequest | None) -> bool:
        """End `request` if its preview now says what it asks already holds (`done`: the request that did it).
        A request whose preview cannot be read now stays as it is: a click on it says what changed."""
        spec = self.registry.get(request.command)
        if spec is None or spec.preview is None:
            return False
        try:
            preview: Preview = spec.preview(self._call(request, spec), self.deps)
        except Exception:
            log.info("could not re-check waiting request %s", request.id, exc_info=True)
            return False
        if not (preview.blocked and preview.done):
            return False
        reason: str = preview.blocked
        if done is not None:
            reason = said(W.done_by_other, id=done.id, action=done.preview.action, blocked=preview.blocked)
        if not self.store.transition(request.id, (State.PENDING,), State.CANCELLED, at=self.deps.clock.now(),
                                     decided_by="aksbot", reason=in_lang(reason, lang_of(request))):
            return False  # decided meanwhile
        ended = self._get(request.id)
        self._audit(ended, AuditEvent.CANCELLED, "aksbot", f"no longer needed: {reason}",
                    {"done_by": done.id} if done is not None else {})
        self._update_cards(ended)
        self._update_rivals(ended)
        self._notify(ended)
        return True

    def _call(self, request: ApprovalRequest, spec: CommandSpec) -> ClusterCall[Any]:
        """The call exactly as it was requested; its progress lines go to the card's thread."""
        return ClusterCall(
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
            request=request.id,
        )

    def _progress(self, request: ApprovalRequest, line: str) -> None:
        """A long action's progress: a line in the card's thread, and the card's status line (at most every few
        seconds, so a drain of many pods does not spend Slack's rate limit on edits)."""
        thread = request.cards[0] if request.cards and request.cards[0].ts else None
        channel = thread.channel if thread else request.channel
        try:
            if channel is not None:
                self.notifier.post(channel, View(line, (Text(line),)), thread)
            now = time.monotonic()
            if now - self._card_progress.get(request.id, 0.0) >= PROGRESS_EVERY_SECONDS:
                self._card_progress[request.id] = now
                self._update_cards(self._get(request.id), progress=line)
        except Exception:  # progress that cannot be shown must not stop a drain half-way
            log.warning("could not post progress for request %s", request.id, exc_info=True)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _get(self, request_id: str) -> ApprovalRequest:
        request = self.store.get(request_id)
        if request is None:
            raise NotFound(said(W.no_such_request, id=request_id), kind="approval request", name=request_id)
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
        self._update_rivals(expired)
        self._notify(expired)
        return True

    def _already(self, request: ApprovalRequest) -> Decision:
        """The answer to a click on a request that was already decided: who, when, what happened — for the
        clicker only (an old copy of the card, a race), and nothing runs."""
        r = request
        lang = lang_of(r)
        when = short_time(r.decided_at) if r.decided_at else "?"
        approvers = people_in(lang, *(a.approver for a in r.approvals)) if r.approvals else None
        decider = people_in(lang, r.decided_by or "?")
        text: Rich
        if r.state in APPROVED_STATES and (r.approvals or r.decided_by not in (None, "aksbot")):
            if r.state is State.SUCCEEDED:
                end = W.end_ran(lang, outcome=(r.outcome or W.done(lang)).rstrip("."))
            elif r.state is State.FAILED:
                end = W.end_failed(lang, reason=(r.reason or W.state_failed(lang)).rstrip("."))
            else:
                end = W.end_running(lang)
            text = W.already_approved.rich(lang, by=approvers or decider, when=when, end=end)
        elif r.state is State.FAILED:
            text = W.request_failed(lang, reason=r.reason)
        elif r.state is State.DENIED:
            text = W.already_denied.rich(lang, by=decider, when=when, reason=r.reason)
        elif r.state is State.EXPIRED:
            text = W.expired(lang, at=short_time(r.expires_at))
        elif r.decided_by == "aksbot" and r.reason:  # another request did what it asked for
            text = W.moot(lang, when=when, reason=r.reason)
        else:
            text = W.cancelled.rich(lang, by=decider, when=when)
        return Decision(r.id, text, Level.INFO, private=True, lang=lang)

    def _check_approver(self, request: ApprovalRequest, caller: Caller, verb: str) -> None:
        lang = lang_of(request)
        if caller.id == request.requester:
            self._refuse(request, caller, "self-approval")
            raise NotAuthorized(W.own_request(lang))
        if not self.may_approve(request, caller):
            self._refuse(request, caller, f"not an approver ({verb})")
            who = self.approvers_of(request)
            raise NotAuthorized(
                W.not_an_approver.rich(lang, command=request.command, cluster=request.cluster, who=who)
            )

    def may_approve(self, request: ApprovalRequest, caller: Caller) -> bool:
        """The policy in force now (an approver removed from the settings loses the power at once)."""
        settings = self.deps.settings
        policy = settings.policy_for(request.cluster, request.command)
        if policy.approvers is not None:
            return bool({caller.id, *caller.groups}.intersection(policy.approvers))
        role = settings.role_of(caller.id, caller.groups, request.cluster)
        return role is not None and role >= Role.APPROVER

    def _approver_members(self, cluster: str, command: str) -> tuple[list[str], bool]:
        """Who may approve `command` on `cluster` as configured, and whether an explicit list (not the role) says so."""
        settings = self.deps.settings
        policy = settings.policy_for(cluster, command)
        if policy.approvers is not None:
            return list(policy.approvers), True
        return list(settings.roles_for(cluster).approver), False

    def _refuse_unapprovable(self, cluster: str, command: str, requester: str, required: int, lang: Lang) -> None:
        """Refuse at once a request nobody could ever approve, instead of letting it wait until it expires.

        Only when the group directory can say who every approver is: "*", or a group whose members cannot be
        fetched now, may hold others, and is left to the click.
        """
        members, _ = self._approver_members(cluster, command)
        people: set[str] = set()
        for m in members:
            who = self.groups.people(m)
            if who is None:
                return  # open-ended: everyone, or a group whose members are not known right now
            people.update(who)
        others = people - {requester}
        if len(others) >= required:
            return
        named = PEOPLE.comma(lang).join(sorted(others)) or W.nobody_else(lang)
        raise Refused(W.unapprovable(lang, command=command, cluster=cluster, required=required, named=named))

    def approvers_of(self, request: ApprovalRequest) -> Rich:
        """Who may approve `request`, as people (a mention notifies them where the card is posted)."""
        lang = lang_of(request)
        members, explicit = self._approver_members(request.cluster, request.command)
        others = [m for m in members if m != request.requester]
        if others:
            listed = people_in(lang, *others)
        elif members:
            listed = W.only_requester_configured(lang)
        else:
            listed = W.none_configured(lang)
        return listed if explicit else W.approver_role.rich(lang, who=listed)

    def _card(self, request: ApprovalRequest, *, notify: bool = False, progress: str | None = None) -> ApprovalCard:
        """The card; with `notify` the approvers are named as mentions (posted where they are to act), otherwise
        in plain words (an update, or a copy of the card elsewhere, must not ping them again). While it waits, the
        card names the other requests waiting on the same object."""
        approvers = self.approvers_of(request)
        rivals = tuple(self._rivals(request)) if request.state is State.PENDING else ()
        return ApprovalCard(request, approvers if notify else plain(approvers), progress, rivals)

    def _update_cards(self, request: ApprovalRequest, *, progress: str | None = None) -> None:
        view = self._card(request, progress=progress).view()
        for ref in request.cards:
            try:
                self.notifier.update(ref, view)
            except NotDelivered as exc:
                # A card that can no longer be edited (its response_url used up, the channel archived): when it is
                # the requester's, they still hear what happened, directly.
                log.warning("could not update the card of request %s: %s", request.id, exc.message)
                if ref == request.cards[0] and request.state is not State.PENDING and progress is None:
                    self._tell_requester(request)
            except Exception:  # the state is in the store; a card that failed to redraw is not a failed action
                log.warning("could not update the card of request %s", request.id, exc_info=True)

    def _notify(self, request: ApprovalRequest) -> None:
        """Tell the requester what happened to their request: a reply in the card's thread that mentions them
        (an edit does not notify anyone), or a direct message when the card has no thread to reply in."""
        origin = request.cards[0] if request.cards else None
        if origin is None or not origin.ts:
            self._tell_requester(request)
            return
        try:
            self.notifier.post(origin.channel, outcome_notice(request), origin)
        except AksbotError as exc:  # expected (the channel was archived, the bot removed): a line, then a DM
            log.warning("could not tell the requester of %s in its thread (%s); telling them directly", request.id,
                        exc.message)
            self._tell_requester(request)
        except Exception:
            log.warning("could not tell the requester of %s in its thread", request.id, exc_info=True)
            self._tell_requester(request)

    def _tell_requester(self, request: ApprovalRequest) -> None:
        try:
            self.notifier.tell(request.requester, outcome_notice(request))
        except AksbotError as exc:
            log.warning("could not tell %s what happened to request %s: %s", request.requester, request.id,
                        exc.message)
        except Exception:
            log.warning("could not tell %s what happened to request %s", request.requester, request.id, exc_info=True)

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
    """Expires overdue requests in the background, so their cards say so even when nobody clicks, fails requests
    whose run was cut off by a stopped bot, and ends the ones whose action already holds (`settle_moot`)."""

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
                self.workflow.settle_moot()
            except Exception:
                log.warning("expiry sweep failed", exc_info=True)
            self._stop.wait(self.interval)


def unknown_actions(settings: Settings, registry: Registry = REGISTRY) -> list[str]:
    """The per-action approval policies (`clusters[].actions`) whose key names no action that needs approval: a
    typo there (`drian`, or `restart` for `restart deployment`) would leave the action on the weaker default,
    silently — the opposite of what the setting is for. Each problem names the key, the nearest action and all of
    them."""
    names = sorted(s.name for s in registry if s.risk is Risk.DISRUPTIVE)
    where = settings.source or "settings"
    problems = []
    for i, cluster in enumerate(settings.clusters):
        for key in cluster.actions:
            if key in names:
                continue
            near = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.5) or [
                n for n in names if n.startswith(key.lower()) or key.lower() in n.split()]
            hint = f"did you mean `{near[0]}`? " if near else ""
            problems.append(f"{where}: clusters[{i}] ({cluster.name}).actions.{key}: not an action that needs "
                            f"approval; {hint}(the actions: {', '.join(names)})")
    return problems


def open_approval_store(settings: Settings) -> ApprovalStore:
    """The configured store: PostgreSQL when `AKSBOT_DATABASE_URL` is set (several replicas), else SQLite."""
    url = settings.database_url.get_secret_value() if settings.database_url is not None else None
    return open_store(url, settings.resolve_path(settings.store.sqlite_path), schema=settings.store.postgres_schema)
