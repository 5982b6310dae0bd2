"""What approvals look like: the approval card and the answer to a click.

Pure functions of stored records, so the card drawn after a restart (or by another replica) is the same card.
The card keeps its buttons in every state: a stale copy of it (another client, the approvals channel, a
double click) must still get a clear answer ("already approved by bob at 09:14") and run nothing; the status
line at the top always says where the request stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.approvals.commands import approve_ref, cancel_ref, deny_ref, request_ref
from bot.approvals.model import ApprovalRequest, State
from bot.blocks import Actions, Block, Button, Context, Divider, Fields, Heading, Level, Notice, Table, View
from bot.timefmt import short_time

_SEVERITY = (Level.OK, Level.INFO, Level.WARN, Level.ERROR)


def result_level(view: View | None) -> Level:
    """How an action that ran ended, as its own answer says: a drain that stopped short is a warning."""
    levels = [b.level for b in view.blocks if isinstance(b, Notice)] if view is not None else []
    worst = max(levels, key=_SEVERITY.index, default=Level.OK)
    return Level.OK if worst is Level.INFO else worst


def status_line(request: ApprovalRequest) -> tuple[str, Level]:
    """Where the request stands, in one sentence: who decided, when, and the outcome."""
    r = request
    when = short_time(r.decided_at) if r.decided_at else "?"
    if r.state is State.PENDING:
        have = len(r.approvals)
        need = r.required_approvals
        counted = f" ({have} of {need} approvals: {r.approved_by()})" if have else ""
        many = f"{need} distinct approvers" if need > 1 else "an approver"
        return f"Waiting for {many}{counted}. Expires at {short_time(r.expires_at)}.", Level.INFO
    if r.state is State.APPROVED:
        return f"Approved by {r.approved_by()} at {when} — starting.", Level.INFO
    if r.state is State.RUNNING:
        return f"Approved by {r.approved_by()} at {when} — running.", Level.INFO
    if r.state is State.SUCCEEDED:
        done = short_time(r.finished_at) if r.finished_at else "?"
        text = f"Approved by {r.approved_by()} at {when} — ran, finished at {done}: {r.outcome or 'succeeded'}"
        return text, result_level(r.result)
    if r.state is State.FAILED:
        done = short_time(r.finished_at) if r.finished_at else "?"
        return f"Approved by {r.approved_by()} at {when} — failed at {done}: {r.reason or r.outcome}", Level.ERROR
    if r.state is State.DENIED:
        return f"Denied by {r.decided_by} at {when}: {r.reason}. Nothing ran.", Level.WARN
    if r.state is State.EXPIRED:
        return f"Expired at {short_time(r.expires_at)}, nothing ran.", Level.WARN
    return f"Cancelled by {r.decided_by} at {when}, nothing ran.", Level.WARN


def buttons(request_id: str) -> Actions:
    return Actions(
        (
            Button("Approve", approve_ref(request_id), style="primary"),
            Button("Deny", deny_ref(request_id), style="danger"),
            Button("Cancel", cancel_ref(request_id)),
        )
    )


@dataclass(frozen=True)
class ApprovalCard:
    """The card posted for a request and updated in place at every transition."""

    request: ApprovalRequest
    approvers: str  # who may approve, in words (shown so the requester knows whom to ask)

    @property
    def request_id(self) -> str:
        return self.request.id

    def view(self) -> View:
        r = self.request
        status, level = status_line(r)
        blocks: list[Block] = [
            Heading(f"Approval request {r.id}: {r.preview.action}"),
            Notice(status, level),
            Fields(
                (
                    ("Requested by", r.requester),
                    ("Cluster", r.cluster or "-"),
                    ("Command", f"`{r.text}`"),
                    ("Expires", short_time(r.expires_at)),
                    ("Approvals needed", f"{r.required_approvals} (not the requester)"),
                    ("May approve", self.approvers),
                )
            ),
            Context(f"What it will do, as read at {short_time(r.created_at)}:"),
            *r.preview.blocks,
            *(Notice(w, Level.WARN) for w in r.preview.warnings),
        ]
        if r.preview.expect:
            blocks.append(
                Context("Checked again before it runs: " + "; ".join(f"{k} = {v}" for k, v in r.preview.expect))
            )
        if r.result is not None:
            blocks += [Divider(), *r.result.blocks]
        blocks.append(buttons(r.id))
        blocks.append(Context(f"request {r.id} · ref {r.correlation_id} · state {r.state.value}"))
        return View(f"Approval request {r.id} ({r.state.value}): {r.preview.action}", tuple(blocks))


@dataclass(frozen=True)
class Decision:
    """The answer to one click (approve, deny, cancel): what happened, for the person who clicked."""

    request_id: str
    text: str
    level: Level
    ran: bool = False  # this click started the action
    result: View | None = None

    def view(self) -> View:
        blocks: list[Block] = [Notice(self.text, self.level)]
        if self.result is not None:
            blocks += list(self.result.blocks)
        blocks.append(Context(f"request {self.request_id}"))
        return View(self.text, tuple(blocks))


# Slack allows 25 elements in an actions block; a handful of "Open" buttons is what a person reads anyway.
MAX_OPEN_BUTTONS = 5


@dataclass(frozen=True)
class PendingItem:
    request: ApprovalRequest
    yours: bool  # the caller asked for it
    may_approve: bool  # the caller may approve it (never their own)


@dataclass(frozen=True)
class PendingList:
    """Requests waiting for a decision: the ones the caller may approve first, then the caller's own."""

    items: tuple[PendingItem, ...]
    scope: str = ""

    def view(self) -> View:
        if not self.items:
            text = f"No approval requests are waiting{self.scope}."
            return View(text, (Notice(text, Level.OK),))
        mine = sum(1 for i in self.items if i.may_approve)
        summary = f"{len(self.items)} approval request(s) waiting{self.scope}"
        summary += f", {mine} you may approve" if mine else ", none you may approve"
        rows = tuple(
            (
                i.request.id,
                i.request.cluster or "-",
                i.request.preview.action,
                i.request.requester + (" (you)" if i.yours else ""),
                f"{len(i.request.approvals)}/{i.request.required_approvals}",
                short_time(i.request.expires_at),
                "approve" if i.may_approve else ("yours: cancel" if i.yours else "-"),
            )
            for i in self.items
        )
        blocks: list[Block] = [
            Heading("Approval requests waiting"),
            Notice(summary, Level.WARN if mine else Level.INFO),
            Table(("id", "cluster", "what", "requested by", "approvals", "expires", "you may"), rows),
        ]
        openable = [i for i in self.items if i.may_approve or i.yours][:MAX_OPEN_BUTTONS]
        if openable:
            buttons = tuple(Button(f"Open {i.request.id}", request_ref(i.request.id)) for i in openable)
            blocks.append(Actions(buttons))
        blocks.append(Context("Open a request to read its card in full and approve, deny or cancel it there."))
        return View(summary, tuple(blocks))
