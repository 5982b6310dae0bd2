"""What approvals look like: the approval card and the answer to a click.

Pure functions of stored records, so the card drawn after a restart (or by another replica) is the same card.
While a request waits, its card names the other requests waiting on the same object (the workflow finds them).
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
from bot.i18n import APPROVAL as W
from bot.i18n import READ, Lang, Msg, Said, in_lang, people_in, said
from bot.refs import ObjectRef
from bot.timefmt import short_time

_SEVERITY = (blocks.Level.OK, blocks.Level.INFO, blocks.Level.WARN, blocks.Level.ERROR)


def result_level(view: blocks.View | None) -> blocks.Level:
    """How an action that ran ended, as its own answer says: a drain that stopped short is a warning."""
    levels = [b.level for b in view.blocks if isinstance(b, blocks.Notice)] if view is not None else []
    worst = max(levels, key=_SEVERITY.index, default=blocks.Level.OK)
    return blocks.Level.OK if worst is blocks.Level.INFO else worst


def lang_of(request: ApprovalRequest) -> Lang:
    """The language the request was asked in: its card, its notices and the answers to clicks on it speak it."""
    return "zh" if request.lang == "zh" else "en"


def state_msg(state: State) -> Msg:
    """The catalog's words for a request's state."""
    msg: Msg = getattr(W, f"state_{state.value}")
    return msg


def object_words(target: ObjectRef) -> Said:
    """The object a request changes, in both languages: "deployment shop/orders-api", "节点 aks-…"."""
    msg: Msg | None = getattr(W, f"object_{target.kind.value}", None)
    return said(msg, name=target.short) if msg is not None else Said(str(target), str(target))


def state_word(request: ApprovalRequest) -> str:
    """The request's state as its language says it; an action that ran to its end but whose own answer warns (a
    drain that stopped short) is not just "succeeded"."""
    if request.state is State.SUCCEEDED and result_level(request.result) is not blocks.Level.OK:
        return W.state_succeeded_warning(lang_of(request))
    return state_msg(request.state)(lang_of(request))


def _by(r: ApprovalRequest) -> blocks.Rich:
    """Who approved it, as people."""
    names = [a.approver for a in r.approvals] or ([r.decided_by] if r.decided_by else [])
    return people_in(lang_of(r), *names)


def status_line(request: ApprovalRequest) -> tuple[blocks.Rich, blocks.Level]:
    """Where the request stands, in one sentence: who decided, when, and the outcome."""
    r = request
    lang = lang_of(r)
    when = short_time(r.decided_at) if r.decided_at else "?"
    done = short_time(r.finished_at) if r.finished_at else "?"
    if r.state is State.PENDING:
        have = len(r.approvals)
        need = r.required_approvals
        counted = W.counted.rich(lang, have=have, need=need, by=_by(r)) if have else ""
        who = W.distinct_approvers(lang, need=need) if need > 1 else W.one_approver(lang)
        return W.waiting.rich(lang, who=who, counted=counted, at=short_time(r.expires_at)), blocks.Level.INFO
    if r.state is State.APPROVED:
        return W.starting.rich(lang, by=_by(r), when=when), blocks.Level.INFO
    if r.state is State.RUNNING:
        return W.running.rich(lang, by=_by(r), when=when), blocks.Level.INFO
    if r.state is State.SUCCEEDED:
        text = W.ran.rich(lang, by=_by(r), when=when, done=done, outcome=r.outcome or W.succeeded(lang))
        return text, result_level(r.result)
    if r.state is State.FAILED:
        if not r.approvals and r.decided_by in (None, "aksbot"):
            return W.failed_unran(lang, done=done, reason=r.reason or r.outcome), blocks.Level.ERROR
        return W.failed.rich(lang, by=_by(r), when=when, done=done, reason=r.reason or r.outcome), blocks.Level.ERROR
    if r.state is State.DENIED:
        by = people_in(lang, r.decided_by or "?")
        return W.denied.rich(lang, by=by, when=when, reason=r.reason), blocks.Level.WARN
    if r.state is State.EXPIRED:
        return W.expired(lang, at=short_time(r.expires_at)), blocks.Level.WARN
    if r.decided_by == "aksbot" and r.reason:  # ended by the bot: another request did what it asked for
        return W.moot(lang, when=when, reason=r.reason), blocks.Level.INFO
    return W.cancelled.rich(lang, by=people_in(lang, r.decided_by or "?"), when=when), blocks.Level.WARN


def buttons(request: ApprovalRequest) -> blocks.Actions:
    """What can be done about the request now: approve, deny or cancel while it waits; once it is decided only its
    audit trail (nothing that acts)."""
    lang = lang_of(request)
    if request.state is State.PENDING:
        return blocks.Actions(
            (
                blocks.Button(W.approve(lang), approve_ref(request.id), style="primary"),
                blocks.Button(W.deny(lang), deny_ref(request.id), style="danger"),
                blocks.Button(W.cancel(lang), cancel_ref(request.id)),
            )
        )
    return blocks.Actions((blocks.Button(W.audit_trail(lang), audit_ref(request.id)),))


@dataclass(frozen=True)
class ApprovalCard:
    """The card posted for a request and updated in place at every transition."""

    request: ApprovalRequest
    approvers: blocks.Rich  # who may approve (mentions notify them when the card is posted where they are named)
    progress: str | None = None  # the latest line of a long action while it runs
    rivals: tuple[ApprovalRequest, ...] = ()  # other requests waiting on the same object

    @property
    def request_id(self) -> str:
        return self.request.id

    def view(self) -> blocks.View:
        r = self.request
        lang = lang_of(r)
        status, level = status_line(r)
        if self.progress and r.state is State.RUNNING:
            status = (*((status,) if isinstance(status, str) else status), f" {self.progress}")
        waiting = r.state is State.PENDING
        # Once decided, what only mattered while it waited (when it expires, what will be checked before it runs)
        # is gone from the card; the rest says what was asked and approved.
        fields: list[tuple[str, blocks.Rich]] = [
            (W.requested_by(lang), blocks.people(r.requester)),
            (W.cluster(lang), r.cluster or "-"),
            (W.command(lang), f"`{r.command_line}`"),
            *(((W.expires(lang), short_time(r.expires_at)),) if waiting else ()),
            (W.approvals_needed(lang), W.not_the_requester(lang, need=r.required_approvals)),
            (W.may_approve(lang), self.approvers),
        ]
        body: list[blocks.Block] = [
            blocks.Heading(W.heading(lang, id=r.id, action=r.preview.action_in(lang))),
            blocks.Notice(status, level),
            *((rivals_notice(r, self.rivals),) if self.rivals else ()),
            blocks.Fields(tuple(fields)),
            blocks.Context(W.as_read_at(lang, at=short_time(r.created_at))),
            *r.preview.blocks,
            *(blocks.Notice(w, blocks.Level.WARN) for w in r.preview.warnings),
        ]
        if r.state is State.EXPIRED:
            body.append(blocks.Context(W.ask_again(lang, command=r.command_line)))
        if r.preview.expect and r.state in (State.PENDING, State.APPROVED):
            facts = "; ".join(f"{k} = {v}" for k, v in r.preview.expect)
            body.append(blocks.Context(W.checked_again(lang, facts=facts)))
        if r.result is not None:
            body += [blocks.Divider(), *r.result.blocks]
        body.append(buttons(r))
        body.append(blocks.Context(W.card_footer(lang, id=r.id, ref=r.correlation_id, state=state_word(r))))
        summary = W.card_summary(lang, id=r.id, state=state_word(r), action=r.preview.action_in(lang))
        return blocks.View(summary, tuple(body))


# A card names at most this many of the other requests waiting on its object, and counts the rest.
MAX_RIVALS_NAMED = 3


def rivals_notice(request: ApprovalRequest, rivals: tuple[ApprovalRequest, ...]) -> blocks.Notice:
    """On `request`'s card: the other requests waiting on the same object (their ids, actions and requesters)."""
    lang = lang_of(request)
    target = request.preview.target
    assert target is not None  # requests are rivals only through the object their previews name
    what = in_lang(object_words(target), lang)
    if len(rivals) == 1:
        (other,) = rivals
        text = W.other_waiting.rich(
            lang, object=what, id=other.id, action=other.preview.action_in(lang),
            requester=blocks.Person(other.requester),
        )
        return blocks.Notice(text, blocks.Level.WARN)
    named: list[blocks.Rich] = [
        W.other_request.rich(lang, id=r.id, action=r.preview.action_in(lang), requester=blocks.Person(r.requester))
        for r in rivals[:MAX_RIVALS_NAMED]
    ]
    if len(rivals) > MAX_RIVALS_NAMED:
        named.append(W.other_requests_more(lang, count=len(rivals) - MAX_RIVALS_NAMED))
    parts: list[blocks.Part] = []
    for n, item in enumerate(named):
        if n:
            parts.append("；" if lang == "zh" else "; ")
        parts.extend((item,) if isinstance(item, str) else item)
    text = W.others_waiting.rich(lang, count=len(rivals), object=what, requests=tuple(parts))
    return blocks.Notice(text, blocks.Level.WARN)


def outcome_notice(request: ApprovalRequest) -> blocks.View:
    """The line that tells the requester what happened to their request (a mention: it notifies them)."""
    r = request
    lang = lang_of(r)
    status, level = status_line(r)
    text = W.your_request.rich(
        lang, requester=blocks.Person(r.requester), id=r.id, action=r.preview.action_in(lang), status=status
    )
    summary = W.notice_summary(lang, id=r.id, state=state_word(r), action=r.preview.action_in(lang))
    return blocks.View(summary, (blocks.Notice(text, level),))


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
    lang: Lang = "en"  # the request's

    def view(self) -> blocks.View:
        body: list[blocks.Block] = [blocks.Notice(self.text, self.level)]
        if self.result is not None:
            body += list(self.result.blocks)
        body.append(blocks.Context(W.decision_footer(self.lang, id=self.request_id)))
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
                READ.request_line(lang, id=r.id, cluster=r.cluster or "-", action=r.preview.action_in(lang)),
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
        openable = [i for i in self.items if i.may_approve or i.yours]
        shown = openable[:MAX_OPEN_BUTTONS]
        if shown:
            opens = tuple(
                blocks.Button(READ.open_request(lang, id=i.request.id), request_ref(i.request.id)) for i in shown
            )
            body.append(blocks.Actions(opens))
        if len(openable) > len(shown):
            body.append(blocks.Context(READ.open_shown(lang, shown=len(shown), count=len(openable))))
        # Told only what the caller can do on a card: a viewer has nothing to approve, deny or cancel there.
        if mine:
            body.append(blocks.Context(READ.open_to_decide(lang)))
        elif shown:
            body.append(blocks.Context(READ.open_to_cancel(lang)))
        else:
            body.append(blocks.Context(READ.open_to_read(lang)))
        return blocks.View(summary, tuple(body))
