"""The alert outlet: the loop that turns the alert store's outbox into messages people read, through a `Poster`.

    due ──claim (a lease)──▶ render from the problem's stored state ──▶ poster ──ok───▶ posted / done
                                                                              └─fails─▶ retry: kept, with why

- Every item is claimed before it is sent, so two outlets (a new leader, and an old one that has not yet noticed
  it lost its Lease) never send the same item. A post whose message another outlet had already made is deleted
  again (`AlertStore.posted` says so).
- A post or thread reply is sent once even when its answer is lost. Each carries its outbox items as marks the
  platform keeps with the message (Slack message metadata), and an item whose last attempt may have worked (the
  answer timed out or was a server error, or the worker holding it stopped before writing the `ts` down:
  `OutboxItem.unsure`) is first looked for in the channel (`Poster.find`): a message found is kept and brought up
  to date instead of being posted again. A look that fails posts anyway: a rare duplicate beats a lost alert.
- A message is rendered when it is sent, from the problem as the store holds it then: one update shows every
  change since the last, and a post that waited shows the problem as it is, not as it was.
- Nothing is dropped. A failure puts the item back with its error and its next attempt (`AlertStore.retry`):
  a rate limit at exactly Slack's `Retry-After`, with the channel's other work held until then too; a channel
  that refuses the bot (`SendError.permanent`: not invited, archived, not found, blocks refused) every
  `PERMANENT_RETRY`, logged with the channel and what an admin should do; anything else after a backoff. Only
  an update of a message someone deleted in Slack (`SendError.gone`) is given up, with a warning: the problem
  itself lives on in the store, `/k8s alerts` and its history.

Pacing, per channel (`alerts` settings; `routing.channel_route` says which route paces a channel):

- a burst: when the posts waiting for a channel within its grouping window (`group_seconds`) are more than its
  rate limit (`rate_limit`: new top-level messages per `per_minutes`) still allows, they go out as ONE summary
  message instead of N. A summary is a message the problems share: each problem's message row holds the
  summary's `ts`, so a later change of any of them re-renders the summary from every member's current state,
  and their thread replies (resolved, reopened) go in the summary's thread, each naming its problem;
- the rate limit spent: posts wait until the oldest message of the window leaves it (up to `per_minutes`);
- except a new critical problem: never held by the rate limit and never summarised, it is posted at once as its
  own card (however many come at once); it counts towards the limit of what comes after;
- quiet hours: the store sets a post's first due time past them; the outlet checks again when it sends (a retry
  may have moved it into them). A held post falls due at once when its problem's severity rises (the store), and
  a starting outlet decides every waiting post again under its own settings (`_recheck_held`: quiet hours turned
  off release what they held). Updates and thread replies are never held: they do not notify a channel.

A snooze that runs out changes nothing in the store, yet the message is behind (repeats while snoozed queued no
update) and still says "snoozed": the outlet queues its update when the snooze ends (`AlertStore.refresh`).

Language: a problem's card is in the language of the route that took it to this channel (`lang: zh`); a
summary in its channel's.

This module knows no platform and renders nothing itself: views come from `AlertViews` (`bot.alerts.views` unless
told otherwise), platforms from the `Poster` (`bot.slack.alerts`, `bot.alerts.text_outlet`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.alerts.desk import incident_of
from bot.alerts.model import Status
from bot.alerts.ports import Poster, SendError
from bot.alerts.routing import Route, channel_route, pick_routes, quiet_end
from bot.alerts.settings import AlertSettings, Lang
from bot.alerts.store import (
    QUIET_HOURS_HOLD,
    AlertState,
    AlertStore,
    Elsewhere,
    Event,
    HistoryEntry,
    OutboxItem,
    Work,
)
from bot.alerts.views import alert_card, alert_reply, alert_summary, log_name
from bot.blocks import Text, View
from bot.clock import Clock, SystemClock
from bot.incidents.alerts import IncidentLink
from bot.severity import Severity

log = logging.getLogger("aksbot.alerts.outlet")

# Longer than one Slack call may take (20 s, `bot.slack.web.SLACK_CALL_BOUND_S`), so a send in progress is never
# taken over by another outlet; short enough that work a dead leader held falls due again within a minute.
LEASE = timedelta(seconds=60)
POLL_S = 1.0  # work falls due by itself (grouping windows, retries); producers `wake()` the outlet for the rest
BATCH = 50
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0
PERMANENT_RETRY = timedelta(minutes=15)
SNOOZE_LOOKBACK = timedelta(hours=1)
URGENT = Severity.CRITICAL  # a new problem this severe or worse is posted now, whatever the route's rate limit
_TICK_S = 0.1  # how often a waiting outlet looks at `stop`

# What an admin does about a channel that refuses the bot (logged with the refusal).
_HINTS = {
    "not_in_channel": "invite the bot to the channel",
    "channel_not_found": "check the channel ID in alerts.routes / alerts.default_channel",
    "is_archived": "point alerts.routes at a live channel",
    "invalid_blocks": "a rendering bug: report it with this log line",
    "missing_scope": "add the chat:write scope and reinstall the app",
}


class CardView(Protocol):
    def __call__(self, state: AlertState, *, now: datetime, lang: Lang, incident: IncidentLink | None = None,
                 elsewhere: Sequence[Elsewhere] = ()) -> View: ...


class ReplyView(Protocol):
    def __call__(self, state: AlertState, entry: HistoryEntry, *, lang: Lang) -> View: ...


class SummaryView(Protocol):
    def __call__(self, states: Sequence[AlertState], *, now: datetime, lang: Lang) -> View: ...


@dataclass(frozen=True)
class AlertViews:
    """How alert messages look: a problem's card, a thread reply about one transition, a burst's summary."""

    card: CardView
    reply: ReplyView
    summary: SummaryView


ALERT_VIEWS = AlertViews(alert_card, alert_reply, alert_summary)


@dataclass
class Delivered:
    """What one pass over the due work did (for the loop, tests and the benchmark)."""

    seen: int = 0
    posted: int = 0  # top-level messages made (a summary counts once)
    summarized: int = 0  # problems that went out inside a summary
    updated: int = 0
    replied: int = 0
    held: int = 0  # put back for later: quiet hours, the rate limit, a channel held after a 429
    failed: int = 0
    skipped: int = 0  # nothing left to send (superseded, gone), or another outlet had it


class Outlet:
    """Delivers the alert outbox (`bot.alerts.ports.AlertOutlet`). Run one per process that leads; `run` in a
    thread of its own, `wake()` from the producers."""

    def __init__(self, store: AlertStore, poster: Poster, settings: AlertSettings, *,
                 views: AlertViews = ALERT_VIEWS, clock: Clock | None = None, worker: str = "outlet",
                 lease: timedelta = LEASE, poll_seconds: float = POLL_S, batch: int = BATCH) -> None:
        self.store = store
        self.poster = poster
        self.settings = settings
        self.views = views
        self.clock: Clock = clock or SystemClock()
        self.worker = worker
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wake = threading.Event()
        self._held: dict[str, datetime] = {}  # channel → until when Slack asked us to wait (429)
        # Snoozes that ran out after this are refreshed; a new leader looks back a while for those it missed.
        self._snoozes_seen = self.clock.now() - SNOOZE_LOOKBACK
        self._held_rechecked = False  # the first pass decides again what earlier settings held back

    # -- the loop --------------------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Deliver due work until `stop` is set; a store that fails is retried with a growing pause (the work is
        safe in it), never given up on.

        Only the leader runs this loop, so work another worker still holds was claimed by a leader that is gone (or
        about to notice it is): it is taken over at once, not after that claim's lease, and as unsure — the old
        leader may have sent it just before it died, so it is looked for before it is sent again."""
        try:
            taken = self.store.take_over_claims(self.worker)
            if taken:
                log.info("alert outlet %s: took over %d item(s) an earlier leader was sending", self.worker, taken)
        except Exception:
            log.exception("alert outlet %s: could not take over an earlier leader's work; its leases will lapse",
                          self.worker)
        failures = 0
        while not stop.is_set():
            self._wake.clear()
            pause = self.poll_seconds
            try:
                done = self.deliver(stop)
                failures = 0
                if done.seen >= self.batch:
                    continue  # more is due right now
            except Exception:
                failures += 1
                pause = min(self.poll_seconds * 2**failures, 30.0)
                log.exception("alert outlet %s: a pass over the outbox failed; again in %.0f s", self.worker, pause)
            self._pause(stop, pause)

    def _pause(self, stop: threading.Event, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._wake.wait(min(left, _TICK_S)):
                return

    def deliver(self, stop: threading.Event | None = None) -> Delivered:
        """One pass: everything due now, oldest first (posts of one channel together, updates of one message
        once). Stops between items when `stop` is set."""
        result = Delivered()
        now = self.clock.now()
        if not self._held_rechecked:
            self._recheck_held(now)
            self._held_rechecked = True
        for key in self.store.snoozes_ended(self._snoozes_seen, now):
            self.store.refresh(key, now)
        self.store.expire(now)  # stateless alerts whose time ran out: their updates and replies are due now
        self._snoozes_seen = now
        items = self.store.due(now, self.batch)
        result.seen = len(items)
        handled: set[int] = set()
        for item in items:
            if stop is not None and stop.is_set():
                break
            if item.id in handled:
                continue
            if item.kind is Work.POST:
                group = [i for i in items if i.kind is Work.POST and i.channel == item.channel]
            elif item.kind is Work.UPDATE:
                group = [i for i in items if i.kind is Work.UPDATE and i.channel == item.channel and i.ts == item.ts]
            else:
                group = [item]
            group = [i for i in group if i.id not in handled]
            handled.update(i.id for i in group)
            if self._hold_if_waiting(item.channel, group, result):
                continue
            if item.kind is Work.POST:
                self._posts(item.channel, group, result)
            elif item.kind is Work.UPDATE:
                self._update(group, result)
            else:
                self._reply(item, result)
        return result

    # -- claiming and putting back ---------------------------------------------------------------------------

    def _claim(self, items: Sequence[OutboxItem], result: Delivered) -> list[OutboxItem]:
        now = self.clock.now()
        mine = [i for i in items if self.store.claim(i.id, self.worker, now, self.lease)]
        result.skipped += len(items) - len(mine)
        return mine

    def _hold_if_waiting(self, channel: str, items: Sequence[OutboxItem], result: Delivered) -> bool:
        """A channel Slack asked us to leave alone (429) gets nothing until then; its due work is moved to that
        time in the store, so it neither fills our batches nor goes out from another replica meanwhile."""
        until = self._held.get(channel)
        if until is None:
            return False
        if until <= self.clock.now():
            del self._held[channel]
            return False
        for item in self._claim(items, result):
            self.store.postpone(item.id, until)
            result.held += 1
        return True

    def _failed(self, items: Sequence[OutboxItem], channel: str, exc: Exception, result: Delivered) -> None:
        """Keep the work, with why, for its next attempt (see the module docstring)."""
        now = self.clock.now()
        attempts = max(i.attempts for i in items)
        what = ", ".join(f"{i.kind.value} {log_name(i.key, self.store.get)}" for i in items[:3])
        what += " …" if len(items) > 3 else ""
        if isinstance(exc, SendError) and exc.retry_after is not None:
            at = now + timedelta(seconds=exc.retry_after)
            self._held[channel] = max(at, self._held.get(channel, at))
            why = f"{exc.code}: Retry-After {exc.retry_after:g} s"
            log.info("alert %s in %s rate-limited: the channel waits %g s", what, channel, exc.retry_after)
        elif isinstance(exc, SendError) and exc.permanent:
            at = now + PERMANENT_RETRY
            why = exc.code
            hint = _HINTS.get(exc.code, "an admin must act")
            log.warning("alert %s refused in %s (%s): %s; kept, tried again every %d min (attempt %d)", what,
                        channel, exc.code, hint, PERMANENT_RETRY.total_seconds() // 60, attempts + 1)
        else:
            at = now + timedelta(seconds=min(FIRST_RETRY_S * 2**attempts, MAX_RETRY_S))
            if isinstance(exc, SendError):
                why = exc.code
                log.warning("alert %s not delivered in %s (%s); again at %s", what, channel, why, at.isoformat())
            else:
                why = f"internal error: {type(exc).__name__}"
                log.exception("alert %s for %s failed before it was sent; again at %s", what, channel,
                              at.isoformat())
        unsure = isinstance(exc, SendError) and exc.maybe_delivered
        for item in items:
            self.store.retry(item.id, why, at, unsure=unsure)
        result.failed += len(items)

    # -- posts -----------------------------------------------------------------------------------------------

    def _posts(self, channel: str, items: Sequence[OutboxItem], result: Delivered) -> None:
        route = channel_route(self.settings, channel)
        ready = self._ready(channel, self._claim(items, result), result)
        if not ready:
            return
        # A new critical problem is never held by the rate limit, nor summarised: the limit keeps a channel
        # readable, not silent when it matters, and each critical problem needs its own card (its buttons, its
        # thread) however many come at once. Only the others may share a summary.
        urgent = [(item, state) for item, state in ready if state.severity >= URGENT]
        ready = [(item, state) for item, state in ready if state.severity < URGENT]
        self._one_by_one(channel, urgent, route, result)
        if (until := self._held.get(channel)) is not None:
            for item, _ in ready:  # Slack asked us to wait: the rest waits with it
                self.store.postpone(item.id, until)
                result.held += 1
            return
        if not ready:
            return
        now = self.clock.now()
        window = timedelta(minutes=route.rate_limit.per_minutes)
        recent = self.store.posted_since(channel, now - window)
        allowance = route.rate_limit.max_messages - len(recent)
        taken = {i.id for i in items}
        coming = [i for i in self.store.waiting_posts(channel, now, now + timedelta(seconds=route.group_seconds))
                  if i.id not in taken and not self._urgent(i)]
        if len(ready) + len(coming) <= allowance:
            self._one_by_one(channel, ready, route, result)
            return
        if allowance <= 0:
            until = recent[0] + window
            log.info("alerts for %s wait until %s: %d messages in the last %d min (rate limit)", channel,
                     until.isoformat(), len(recent), route.rate_limit.per_minutes)
            for item, _ in ready:
                self.store.postpone(item.id, until)
                result.held += 1
            return
        # More than the channel may take now: one summary of the whole burst, whatever of it is still free.
        ready += self._ready(channel, self._claim(coming, result), result)
        self._send_post(channel, ready, route, result)

    def _one_by_one(self, channel: str, posts: Sequence[tuple[OutboxItem, AlertState]], route: Route,
                    result: Delivered) -> None:
        """Each post as its own message, until Slack asks us to wait: the rest is put back until then."""
        for n, (item, state) in enumerate(posts):
            until = self._held.get(channel)
            if until is not None:
                for later, _ in posts[n:]:
                    self.store.postpone(later.id, until)
                    result.held += 1
                return
            self._send_post(channel, [(item, state)], route, result)

    def _urgent(self, item: OutboxItem) -> bool:
        state = self.store.get(item.key)
        return state is not None and state.severity >= URGENT

    def _recheck_held(self, now: datetime) -> None:
        """Decide again, under the settings this outlet runs with, when each post that waits should go out: a post
        held for quiet hours that are now shorter, later or gone (an admin turned them off during an incident and
        restarted) falls due when they say, not when the settings it was recorded under said. Only earlier: a post
        the current settings hold longer is held by `_ready` when it falls due."""
        for item in self.store.held_posts(now):
            state = self.store.get(item.key)
            if state is None:
                continue
            route = self._route(state, item.channel)
            due, why = max(now, item.created_at + timedelta(seconds=route.group_seconds)), None
            if route.quiet_hours is not None and route.held(state.severity, due):
                due, why = quiet_end(route.quiet_hours, due), QUIET_HOURS_HOLD
            if due < item.due_at and self.store.bring_forward(item.id, due, why):
                log.info("alert post %s in %s falls due at %s under the current settings (was %s)", state.id,
                         item.channel, due.isoformat(), item.due_at.isoformat())

    def _ready(self, channel: str, items: Sequence[OutboxItem], result: Delivered
               ) -> list[tuple[OutboxItem, AlertState]]:
        """The claimed posts that go out now, with their problems; the others finished (nothing to post) or held
        (quiet hours)."""
        now = self.clock.now()
        ready: list[tuple[OutboxItem, AlertState]] = []
        for item in items:
            state = self.store.get(item.key)
            if state is None or item.episode < state.episode:
                # A newer episode has its own message; this one never went out and never will.
                self.store.done(item.id, now)
                result.skipped += 1
                continue
            route = self._route(state, channel)
            if route.quiet_hours is not None and route.held(state.severity, now):
                self.store.postpone(item.id, quiet_end(route.quiet_hours, now), QUIET_HOURS_HOLD)
                result.held += 1
                continue
            ready.append((item, state))
        return ready

    def _send_post(self, channel: str, members: Sequence[tuple[OutboxItem, AlertState]], route: Route,
                   result: Delivered) -> None:
        made = self._made_before(channel, [item for item, _ in members])
        if made is not None:
            # An earlier attempt made this message; its answer was lost (or its worker stopped before writing it
            # down). Keep that one for the problems it shows instead of posting them twice, and bring it up to date.
            ts, shown = made
            log.info("alert message %s in %s was made by an earlier attempt; kept, not posted again", ts, channel)
            now = self.clock.now()
            for item, _ in members:
                if item.mark in shown and self.store.posted(item, ts, now):
                    self.store.refresh(item.key, now)
            result.posted += 1
            members = [(item, state) for item, state in members if item.mark not in shown]
        # A problem that ended while its post was unconfirmed, and whose post is not there: nothing to say any more
        # (as a post cancelled before it went out).
        over = [item for item, state in members if item.unsure and state.status is Status.RESOLVED]
        for item in over:
            self.store.never_posted(item, self.clock.now(), "resolved before its post was confirmed; not posted")
            result.skipped += 1
        members = [(item, state) for item, state in members if item not in over]
        if not members:
            return
        items = [item for item, _ in members]
        marks = [item.mark for item in items]
        try:
            now = self.clock.now()
            if len(members) == 1:
                state = members[0][1]
                view = self.views.card(state, now=now, lang=self._route(state, channel).lang,
                                       incident=incident_of(self.store, state),
                                       elsewhere=self.store.same_problem(state.group))
            else:
                view = self.views.summary([state for _, state in members], now=now, lang=route.lang)
            ts = self.poster.post(channel, view, marks=marks)
        except Exception as exc:
            self._failed(items, channel, exc, result)
            return
        now = self.clock.now()
        fresh = [self.store.posted(item, ts, now) for item in items]
        if not any(fresh):
            # Another outlet posted these first (its claim had lapsed): ours is the duplicate.
            log.warning("alert message %s in %s duplicated another leader's post; deleting it", ts, channel)
            try:
                self.poster.delete(channel, ts)
            except SendError as exc:
                log.warning("could not delete the duplicate %s in %s (%s)", ts, channel, exc.code)
            result.skipped += len(items)
            return
        result.posted += 1
        if len(items) > 1:
            result.summarized += len(items)

    def _made_before(self, channel: str, items: Sequence[OutboxItem], *, thread_ts: str | None = None
                     ) -> tuple[str, frozenset[str]] | None:
        """The message (or, with `thread_ts`, the reply in that thread) an earlier, unconfirmed attempt at these
        items made, if the platform shows one, with the items it was made for."""
        if not any(item.unsure for item in items):
            return None
        try:
            return self.poster.find(channel, [item.mark for item in items], min(item.created_at for item in items),
                                    thread_ts=thread_ts)
        except SendError as exc:
            # Not knowing is no reason to stay silent: post (a rare duplicate beats a lost alert).
            log.warning("could not look for an earlier post in %s (%s); posting", channel, exc.code)
            return None

    # -- updates and replies ---------------------------------------------------------------------------------

    def _update(self, items: Sequence[OutboxItem], result: Delivered) -> None:
        """One `update` of a message, however many changes are waiting for it (all rendered at once)."""
        mine = self._claim(items, result)
        if not mine:
            return
        channel, ts = mine[0].channel, mine[0].ts
        assert ts is not None  # `due` returns updates only for posted messages
        try:
            now = self.clock.now()
            members = self.store.sharing(channel, ts)
            states = [s for m in members if (s := self._episode(m.key, m.episode)) is not None]
            if not states:
                for item in mine:
                    self.store.done(item.id, now)
                result.skipped += len(mine)
                return
            if len(members) > 1:
                view = self.views.summary(states, now=now, lang=channel_route(self.settings, channel).lang)
            else:
                view = self.views.card(states[0], now=now, lang=self._route(states[0], channel).lang,
                                       incident=incident_of(self.store, states[0]),
                                       elsewhere=self.store.same_problem(states[0].group))
            self.poster.update(channel, ts, view)
        except SendError as exc:
            if not exc.gone:
                self._failed(mine, channel, exc, result)
                return
            # Someone deleted the message: its problem lives on in the store, `/k8s alerts` and its history.
            log.warning("alert message %s in %s is gone (%s); its updates are dropped", ts, channel, exc.code)
            result.skipped += len(mine)
            for item in mine:
                self.store.done(item.id, self.clock.now())
            return
        except Exception as exc:
            self._failed(mine, channel, exc, result)
            return
        now = self.clock.now()
        for item in mine:
            self.store.done(item.id, now)
        result.updated += 1

    def _reply(self, item: OutboxItem, result: Delivered) -> None:
        if not self._claim([item], result):
            return
        assert item.ts is not None
        try:
            state = self.store.get(item.key)
            entry = self.store.entry(item.history_seq) if item.history_seq is not None else None
            if state is None or entry is None:
                self.store.done(item.id, self.clock.now())
                result.skipped += 1
                return
            if self._made_before(item.channel, [item], thread_ts=item.ts) is not None:
                log.info("alert reply for %s in %s was made by an earlier attempt; not posted again", item.key,
                         item.channel)
                self.store.done(item.id, self.clock.now())
                result.replied += 1
                return
            view = self.views.reply(state, entry, lang=self._route(state, item.channel).lang)
            if len(self.store.sharing(item.channel, item.ts)) > 1:
                # A summary's thread holds the replies of all its problems: each says whose it is.
                view = View(f"{state.summary}: {view.summary}",
                            (Text(f"*{state.summary}* (`{state.id}`)"), *view.blocks))
            self.poster.post(item.channel, view, thread_ts=item.ts, marks=[item.mark])
        except Exception as exc:
            self._failed([item], item.channel, exc, result)
            return
        self.store.done(item.id, self.clock.now())
        result.replied += 1

    # -- what a message shows --------------------------------------------------------------------------------

    def _route(self, state: AlertState, channel: str) -> Route:
        """The route that took this problem to `channel` (its language, its quiet hours)."""
        for route in pick_routes(self.settings, state.group):
            if route.channel == channel:
                return route
        return channel_route(self.settings, channel)

    def _episode(self, key: str, episode: int) -> AlertState | None:
        """The problem as the message of `episode` should show it: the current state, or — for an earlier
        episode's message, still being finished (its resolution) after the problem fired again — that episode as
        it ended."""
        state = self.store.get(key)
        if state is None or episode >= state.episode:
            return state
        history = [e for e in self.store.history(key=key) if e.episode == episode]
        began = next((e.at for e in history if e.event is Event.FIRED), state.first_fired_at)
        ended = next((e.at for e in reversed(history) if e.event is Event.RESOLVED), state.first_fired_at)
        group = state.group.with_alerts(
            replace(a, status=Status.RESOLVED, ends_at=a.ends_at or ended) for a in state.group.alerts)
        return replace(state, status=Status.RESOLVED, episode=episode, first_fired_at=began, resolved_at=ended,
                       group=group, ack_by=None, ack_at=None, snooze_until=None, snoozed_until_resolved=False,
                       snoozed_by=None)
