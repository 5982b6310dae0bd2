"""What approvals look like: the approval card and the answer to a click.

Pure functions of stored records, so the card drawn after a restart (or by another replica) is the same card.
A card shows Approve, Deny and Cancel only while its request waits; once decided, its outcome line says who,
when and what happened, and only its audit trail is offered. A click that still arrives on an old copy (another
client, a race) gets a private answer ("already approved by bob at 09:14") and runs nothing. People are
`Person`s, so Slack shows them as mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import blocks
from bot.approvals.commands import approve_ref, audit_ref, cancel_ref, deny_ref, request_ref
from bot.approvals.model import ApprovalRequest, State
from bot.i18n import READ, Lang
from bot.timefmt import short_time

_SEVERITY = (blocks.Level.OK, blocks.Level.INFO, blocks.Level.WARN, blocks.Level.ERROR)


def result_level(view: blocks.View | None) -> blocks.Level:
    """How an action that ran ended, as its own answer says: a drain that stopped short is a warning."""
    levels = [b.level for b in view.blocks if isinstance(b, blocks.Notice)] if view is not None else []
    worst = max(levels, key=_SEVERITY.index, default=blocks.Level.OK)
    return blocks.Level.OK if worst is blocks.Level.INFO else worst


def _by(r: ApprovalRequest) -> blocks.Rich:
    """Who approved it, as people."""
    names = [a.approver for a in r.approvals] or ([r.decided_by] if r.decided_by else [])
    return blocks.people(*names)


def _join(*parts: blocks.Rich) -> blocks.Rich:
    """Rich texts one after another."""
    out: list[str | blocks.Person | blocks.Channel] = []
    for part in parts:
        out.extend((part,) if isinstance(part, str) else part)
    return tuple(out)


def status_line(request: ApprovalRequest) -> tuple[blocks.Rich, blocks.Level]:
    """Where the request stands, in one sentence: who decided, when, and the outcome."""
    r = request
    when = short_time(r.decided_at) if r.decided_at else "?"
    if r.state is State.PENDING:
        have = len(r.approvals)
        need = r.required_approvals
        counted = _join(f" ({have} of {need} approvals: ", _by(r), ")") if have else ""
        many = f"{need} distinct approvers" if need > 1 else "an approver"
        return _join(f"Waiting for {many}", counted, f". Expires at {short_time(r.expires_at)}."), blocks.Level.INFO
    if r.state is State.APPROVED:
        return _join("Approved by ", _by(r), f" at {when} — starting."), blocks.Level.INFO
    if r.state is State.RUNNING:
        return _join("Approved by ", _by(r), f" at {when} — running."), blocks.Level.INFO
    if r.state is State.SUCCEEDED:
        done = short_time(r.finished_at) if r.finished_at else "?"
        text = _join("Approved by ", _by(r), f" at {when} — ran, finished at {done}: {r.outcome or 'succeeded'}")
        return text, result_level(r.result)
    if r.state is State.FAILED:
        done = short_time(r.finished_at) if r.finished_at else "?"
        if not r.approvals and r.decided_by in (None, "aksbot"):
            return f"Failed at {done}, nothing ran: {r.reason or r.outcome}", blocks.Level.ERROR
        failed = _join("Approved by ", _by(r), f" at {when} — failed at {done}: {r.reason or r.outcome}")
        return failed, blocks.Level.ERROR
    if r.state is State.DENIED:
        denied = _join("Denied by ", blocks.people(r.decided_by or "?"), f" at {when}: {r.reason}. Nothing ran.")
        return denied, blocks.Level.WARN
    if r.state is State.EXPIRED:
        return f"Expired at {short_time(r.expires_at)}, nothing ran.", blocks.Level.WARN
    return _join("Cancelled by ", blocks.people(r.decided_by or "?"), f" at {when}, nothing ran."), blocks.Level.WARN


def buttons(request: ApprovalRequest) -> blocks.Actions:
    """What can be done about the request now: approve, deny or cancel while it waits; once it is decided only its
    audit trail (nothing that acts)."""
    if request.state is State.PENDING:
        return blocks.Actions(
            (
                blocks.Button("Approve", approve_ref(request.id), style="primary"),
                blocks.Button("Deny", deny_ref(request.id), style="danger"),
                blocks.Button("Cancel", cancel_ref(request.id)),
            )
        )
    return blocks.Actions((blocks.Button("Audit trail", audit_ref(request.id)),))


@dataclass(frozen=True)
class ApprovalCard:
    """The card posted for a request and updated in place at every transition."""

    request: ApprovalRequest
    approvers: blocks.Rich  # who may approve (mentions notify them when the card is posted where they are named)
    progress: str | None = None  # the latest line of a long action while it runs

    @property
    def request_id(self) -> str:
        return self.request.id

    def view(self) -> blocks.View:
        r = self.request
        status, level = status_line(r)
        if self.progress and r.state is State.RUNNING:
            status = _join(status, f" {self.progress}")
        body: list[blocks.Block] = [
            blocks.Heading(f"Approval request {r.id}: {r.preview.action}"),
            blocks.Notice(status, level),
            blocks.Fields(
                (
                    ("Requested by", blocks.people(r.requester)),
                    ("Cluster", r.cluster or "-"),
                    ("Command", f"`{r.text}`"),
                    ("Expires", short_time(r.expires_at)),
                    ("Approvals needed", f"{r.required_approvals} (not the requester)"),
                    ("May approve", self.approvers),
                )
            ),
            blocks.Context(f"What it will do, as read at {short_time(r.created_at)}:"),
            *r.preview.blocks,
            *(blocks.Notice(w, blocks.Level.WARN) for w in r.preview.warnings),
        ]
        if r.preview.expect:
            body.append(
                blocks.Context("Checked again before it runs: " + "; ".join(f"{k} = {v}" for k, v in r.preview.expect))
            )
        if r.result is not None:
            body += [blocks.Divider(), *r.result.blocks]
        body.append(buttons(r))
        body.append(blocks.Context(f"request {r.id} · ref {r.correlation_id} · state {r.state.value}"))
        return blocks.View(f"Approval request {r.id} ({r.state.value}): {r.preview.action}", tuple(body))


def outcome_notice(request: ApprovalRequest) -> blocks.View:
    """The line that tells the requester what happened to their request (a mention: it notifies them)."""
    r = request
    status, level = status_line(r)
    text = _join(blocks.people(r.requester), f": your request `{r.id}` ({r.preview.action}) — ", status)
    return blocks.View(f"Request {r.id} {r.state.value}: {r.preview.action}", (blocks.Notice(text, level),))


@dataclass(frozen=True)
class Decision:
    """The answer to one click (approve, deny, cancel): what happened, for the person who clicked.

    `private`: only the clicker sees it (a click on a request already decided, or the clicker's own
    confirmation while the public outcome goes to the requester in the card's thread)."""

    request_id: str
    text: blocks.Rich
    level: blocks.Level
    ran: bool = False  # this click started the action
    result: blocks.View | None = None
    private: bool = False

    def view(self) -> blocks.View:
        body: list[blocks.Block] = [blocks.Notice(self.text, self.level)]
        if self.result is not None:
            body += list(self.result.blocks)
        body.append(blocks.Context(f"request {self.request_id}"))
        return blocks.View(blocks.plain(self.text), tuple(body), private=self.private)


# Slack allows 25 elements in an actions block; a handful of "Open" buttons is what a person reads anyway.
MAX_OPEN_BUTTONS = 5


@dataclass(frozen=True)
class PendingItem:
    request: ApprovalRequest
    yours: bool  # the caller asked for it
    may_approve: bool  # the caller may approve it (never their own)


@dataclass(frozen=True)
class PendingList:
    """Requests waiting for a decision: the ones the caller may approve first, then the caller's own. The list
    speaks the asker's language (`lang`); each request's action is its preview's, as its card says it."""

    items: tuple[PendingItem, ...]
    cluster: str | None = None  # the one cluster asked about, if any
    lang: Lang = "en"

    def view(self) -> blocks.View:
        lang = self.lang
        if not self.items:
            text = READ.no_requests_on(lang, cluster=self.cluster) if self.cluster else READ.no_requests(lang)
            return blocks.View(text, (blocks.Notice(text, blocks.Level.OK),))
        mine = sum(1 for i in self.items if i.may_approve)
        count = len(self.items)
        if self.cluster:
            summary = READ.requests_waiting_on(lang, count=count, cluster=self.cluster)
        else:
            summary = READ.requests_waiting(lang, count=count)
        summary += READ.you_may_approve(lang, count=mine) if mine else READ.none_you_may_approve(lang)
        lines: list[str | blocks.Person] = []
        for i in self.items:
            r = i.request
            you = READ.may_approve_it(lang) if i.may_approve else (READ.yours_may_cancel(lang) if i.yours else "")
            lines += [
                READ.request_line(lang, id=r.id, cluster=r.cluster or "-", action=r.preview.action),
                blocks.Person(r.requester),
                READ.request_progress(
                    lang, have=len(r.approvals), need=r.required_approvals, expires=short_time(r.expires_at)
                ),
                f" — *{you}*\n" if you else "\n",
            ]
        body: list[blocks.Block] = [
            blocks.Heading(READ.requests_heading(lang)),
            blocks.Notice(summary, blocks.Level.WARN if mine else blocks.Level.INFO),
            blocks.Text(tuple(lines)),
        ]
        openable = [i for i in self.items if i.may_approve or i.yours][:MAX_OPEN_BUTTONS]
        if openable:
            opens = tuple(
                blocks.Button(READ.open_request(lang, id=i.request.id), request_ref(i.request.id)) for i in openable
            )
            body.append(blocks.Actions(opens))
        body.append(blocks.Context(READ.open_to_decide(lang)))
        return blocks.View(summary, tuple(body))
