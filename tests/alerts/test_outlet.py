"""The alert outlet over the real store (SQLite and PostgreSQL), printing through the shell's poster: one message
per problem updated in place, a resolution as an update and one thread reply, a burst beyond the rate limit as one
summary that its members keep updating, a spent rate limit and quiet hours that hold posts, the route's language,
an older episode's message finished as it ended, a loop that wakes at once and stops promptly, and alert messages
whose buttons the shell can press."""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.model import AlertObject
from bot.alerts.outlet import Outlet
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore, Event
from bot.alerts.text_outlet import PrintedBoard, TextPoster, channel_names
from bot.approvals.store import SqlApprovalStore
from bot.clock import ManualClock
from bot.severity import Severity
from bot.shell import ShellSurface
from tests.support.alerts import crashloop, record, resolved

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


@pytest.fixture
def store(db: SqlApprovalStore) -> AlertStore:
    return AlertStore(db)


def config(**alerts: Any) -> AlertSettings:
    base: dict[str, Any] = {"group_seconds": 0,
                            "routes": [{"name": "alerts-prod", "clusters": ["prod"], "channel": "C0PROD"}]}
    return AlertSettings.model_validate({**base, **alerts})


class Bed:
    """An outlet printing into a buffer, on a clock the test moves."""

    def __init__(self, store: AlertStore, settings: AlertSettings, board: Any = None) -> None:
        self.out = io.StringIO()
        self.clock = ManualClock(T0)
        self.settings = settings
        self.store = store
        poster = TextPoster(board or PrintedBoard(self.out), channel_names(settings))
        self.outlet = Outlet(store, poster, settings, clock=self.clock, worker="test")

    def lines(self) -> list[str]:
        return [line for line in self.out.getvalue().splitlines() if line.startswith("[#")]

    def at(self, delta: timedelta) -> datetime:
        self.clock.advance(delta)
        return self.clock.now()


def test_one_message_per_problem_updated_in_place_then_resolved_with_one_reply(store: AlertStore) -> None:
    bed = Bed(store, config())
    problem = crashloop("web-1", T0)
    record(store, bed.settings, problem, T0)
    assert bed.outlet.deliver().posted == 1
    record(store, bed.settings, crashloop("web-1", T0, restarts=9), bed.at(timedelta(minutes=1)))
    assert bed.outlet.deliver().updated == 1
    end = bed.at(timedelta(minutes=13))
    record(store, bed.settings, resolved(problem, end), end)
    done = bed.outlet.deliver()
    assert (done.posted, done.updated, done.replied) == (0, 1, 1)
    assert bed.outlet.deliver().seen == 0 and store.pending() == 0

    lines = bed.lines()
    assert lines[0] == "[#alerts-prod] 🟠 Pod web-1 is crash-looping"
    assert lines[1].startswith("[#alerts-prod] (updated #1) 🟠 Pod web-1")
    assert "restarted 9 times" in bed.out.getvalue()
    assert lines[2] == "[#alerts-prod] (updated #1) ✅ Resolved: Pod web-1 is crash-looping"
    assert lines[3] == "[#alerts-prod]     ↳ #1: ✅ Resolved after 14 min."
    assert len(lines) == 4
    (message,) = store.messages(problem.key)
    assert (message.channel, message.ts) == ("C0PROD", "1")
    assert [e.event for e in store.history(key=problem.key)].count(Event.POSTED) == 1


def test_a_burst_beyond_the_rate_limit_is_one_summary_that_its_members_keep_up_to_date(store: AlertStore) -> None:
    bed = Bed(store, config(group_seconds=2, rate_limit={"max_messages": 3, "per_minutes": 10}))
    pods = [crashloop(f"web-{i}", T0) for i in range(5)]
    for i, pod in enumerate(pods):  # a burst over a second: each post falls due 2 s after its own notification
        record(store, bed.settings, pod, T0 + timedelta(milliseconds=250 * i))
    bed.at(timedelta(seconds=2))
    done = bed.outlet.deliver()
    assert (done.posted, done.summarized) == (1, 5)
    assert bed.lines() == ["[#alerts-prod] 🟠 5 pods: crashloop in shop"]
    assert {m.ts for p in pods for m in store.messages(p.key)} == {"1"}
    assert store.pending() == 0

    # One of them resolves: the summary is redrawn from every member (it counts what still fires), the reply goes
    # in its thread.
    end = bed.at(timedelta(minutes=5))
    record(store, bed.settings, resolved(pods[3], end), end)
    done = bed.outlet.deliver()
    assert (done.updated, done.replied) == (1, 1)
    state = store.get(pods[3].key)
    assert state is not None
    assert bed.lines()[1:] == ["[#alerts-prod] (updated #1) 🟠 4 pods: crashloop in shop",
                               f"[#alerts-prod]     ↳ #1: *Pod web-3 is crash-looping* (`{state.id}`)"]
    assert "       ✅ Resolved after 5 min." in bed.out.getvalue().splitlines()  # whose it is, then what

    # Two more later fit the two messages the limit has left: one each.
    later = [crashloop(f"api-{i}", T0) for i in range(2)]
    for pod in later:
        record(store, bed.settings, pod, bed.at(timedelta(seconds=1)))
    bed.at(timedelta(seconds=2))
    assert bed.outlet.deliver().posted == 2
    assert bed.lines()[3:] == ["[#alerts-prod] 🟠 Pod api-0 is crash-looping",
                               "[#alerts-prod] 🟠 Pod api-1 is crash-looping"]


def test_a_spent_rate_limit_holds_posts_until_the_oldest_message_leaves_the_window(store: AlertStore) -> None:
    bed = Bed(store, config(rate_limit={"max_messages": 1, "per_minutes": 10}))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    assert bed.outlet.deliver().posted == 1
    record(store, bed.settings, crashloop("web-2", T0), bed.at(timedelta(minutes=1)))
    assert bed.outlet.deliver().held == 1
    bed.at(timedelta(minutes=8, seconds=59))
    assert bed.outlet.deliver().seen == 0
    bed.at(timedelta(seconds=1))
    assert bed.outlet.deliver().posted == 1
    assert [line.split(" is ")[0] for line in bed.lines()] == ["[#alerts-prod] 🟠 Pod web-1",
                                                              "[#alerts-prod] 🟠 Pod web-2"]


def test_quiet_hours_hold_a_post_the_store_let_through_and_never_a_critical_one(store: AlertStore) -> None:
    loud = config()
    record(store, loud, crashloop("web-1", T0), T0)  # recorded by a replica configured without quiet hours
    record(store, loud, crashloop("db-0", T0, severity=Severity.CRITICAL), T0)
    quiet = config(quiet_hours={"start": "22:00", "end": "07:00", "timezone": "UTC", "min_severity": "critical"})
    bed = Bed(store, quiet)
    done = bed.outlet.deliver()
    assert (done.posted, done.held) == (1, 1)
    assert bed.lines() == ["[#alerts-prod] 🔴 Pod db-0 is crash-looping"]
    bed.at(timedelta(hours=3, minutes=59))
    assert bed.outlet.deliver().seen == 0
    bed.at(timedelta(minutes=1))  # 07:00
    assert bed.outlet.deliver().posted == 1


def test_a_card_speaks_the_language_of_the_route_that_took_it_there(store: AlertStore) -> None:
    settings = config(routes=[{"name": "shop-zh", "namespaces": ["shop"], "channel": "C0SHOP", "lang": "zh"}])
    bed = Bed(store, settings)
    problem = crashloop("web-1", T0)
    record(store, settings, problem, T0)
    bed.outlet.deliver()
    record(store, settings, resolved(problem, T0), bed.at(timedelta(minutes=3)))
    bed.outlet.deliver()
    text = bed.out.getvalue()
    assert "[#shop-zh]" in text and "开始时间 : 03:00 UTC" in text and "已恢复" in text


def test_an_earlier_episodes_message_is_finished_as_that_episode_ended(store: AlertStore) -> None:
    bed = Bed(store, config())
    problem = crashloop("web-1", T0)
    record(store, bed.settings, problem, T0)
    bed.outlet.deliver()
    record(store, bed.settings, resolved(problem, T0), bed.at(timedelta(minutes=10)))
    # Slack was away while it resolved, and after the flap window the problem fires again: a new episode.
    refired = crashloop("web-1", T0 + timedelta(hours=1))
    record(store, bed.settings, refired, bed.at(timedelta(hours=1)))
    done = bed.outlet.deliver()
    assert (done.updated, done.replied, done.posted) == (1, 1, 1)
    lines = bed.lines()
    assert lines[1] == "[#alerts-prod] (updated #1) ✅ Resolved: Pod web-1 is crash-looping"
    assert lines[3] == "[#alerts-prod] 🟠 Pod web-1 is crash-looping"
    assert [m.ts for m in store.messages(problem.key)] == ["1", "3"]


def test_the_loop_wakes_at_once_and_stops_promptly(store: AlertStore) -> None:
    out = io.StringIO()
    settings = config()
    outlet = Outlet(store, TextPoster(PrintedBoard(out), channel_names(settings)), settings, poll_seconds=600)
    stop = threading.Event()
    runner = threading.Thread(target=outlet.run, args=(stop,), daemon=True)
    runner.start()
    record(store, settings, crashloop("web-1", datetime.now(UTC)), datetime.now(UTC))
    outlet.wake()  # the poll is 10 minutes away: only the wake can deliver it now
    for _ in range(100):
        if "web-1" in out.getvalue():
            break
        threading.Event().wait(0.05)
    assert "[#alerts-prod] 🟠 Pod web-1 is crash-looping" in out.getvalue()
    stop.set()
    runner.join(timeout=5)
    assert not runner.is_alive()


def test_an_alert_message_in_the_shell_has_buttons_to_press(store: AlertStore) -> None:
    surface = ShellSurface(io.StringIO())
    bed = Bed(store, config(), board=surface)
    record(store, bed.settings, crashloop("web-1", T0), T0)
    bed.outlet.deliver()
    found = surface.find_button("Acknowledge")
    assert found is not None
    message, button = found
    assert message.ref.channel == "C0PROD" and button.ref.command == "alerts ack"
    assert "[#alerts-prod] 🟠 Pod web-1 is crash-looping" in surface.out.getvalue()  # type: ignore[attr-defined]


def test_a_message_catches_up_when_its_snooze_runs_out(store: AlertStore) -> None:
    bed = Bed(store, config())
    problem = crashloop("web-1", T0)
    record(store, bed.settings, problem, T0)
    bed.outlet.deliver()
    assert store.snooze(problem.key, "U0BOB", T0, T0 + timedelta(hours=1))
    assert bed.outlet.deliver().updated == 1  # the message says who snoozed it, until when
    record(store, bed.settings, crashloop("web-1", T0, restarts=30), bed.at(timedelta(minutes=30)))
    assert bed.outlet.deliver().seen == 0  # snoozed: not updated
    bed.at(timedelta(minutes=29, seconds=59))
    assert bed.outlet.deliver().seen == 0
    bed.at(timedelta(seconds=1))
    assert bed.outlet.deliver().updated == 1
    last = bed.out.getvalue().rsplit("(updated #1)", 1)[1]
    assert "restarted 30 times" in last and "The snooze ended at 04:00 UTC." in last
    assert bed.outlet.deliver().seen == 0  # once


def test_an_alert_that_becomes_critical_is_posted_in_the_critical_route_too(store: AlertStore) -> None:
    settings = config(routes=[{"name": "page", "severities": ["critical"], "channel": "C0PAGE"},
                              {"name": "alerts-prod", "clusters": ["prod"], "channel": "C0PROD"}])
    bed = Bed(store, settings)
    record(store, settings, crashloop("web-1", T0), T0)
    assert bed.outlet.deliver().posted == 1
    worse = crashloop("web-1", T0, severity=Severity.CRITICAL)
    record(store, settings, worse, bed.at(timedelta(minutes=1)))
    done = bed.outlet.deliver()
    assert (done.posted, done.updated, done.replied) == (1, 1, 1)
    assert bed.lines()[1:] == ["[#alerts-prod]     ↳ #1: 🔄 Changed: warning → critical",
                               "[#alerts-prod] (updated #1) 🔴 Pod web-1 is crash-looping",
                               "[#page] 🔴 Pod web-1 is crash-looping"]  # a new message: the page channel hears it
    assert sorted(m.channel for m in store.messages(worse.key)) == ["C0PAGE", "C0PROD"]

    # Better again: the page channel's message stays and is kept up to date with the other; both resolve together.
    record(store, settings, crashloop("web-1", T0, restarts=9), bed.at(timedelta(minutes=1)))
    assert (bed.outlet.deliver().updated, len(store.messages(worse.key))) == (2, 2)
    end = bed.at(timedelta(minutes=1))
    record(store, settings, resolved(worse, end), end)
    done = bed.outlet.deliver()
    assert (done.posted, done.updated, done.replied) == (0, 2, 2)
    assert bed.lines()[-4:] == ["[#page] (updated #3) ✅ Resolved: Pod web-1 is crash-looping",
                                "[#alerts-prod] (updated #1) ✅ Resolved: Pod web-1 is crash-looping",
                                "[#page]     ↳ #3: ✅ Resolved after 3 min.",
                                "[#alerts-prod]     ↳ #1: ✅ Resolved after 3 min."]


QUIET = {"start": "22:00", "end": "07:00", "timezone": "UTC", "min_severity": "critical"}


def test_a_post_held_for_the_quiet_hours_goes_out_at_once_when_its_problem_becomes_critical(
        store: AlertStore) -> None:
    settings = config(quiet_hours=QUIET, routes=[{"name": "page", "severities": ["critical"], "channel": "C0PAGE"},
                                                 {"name": "alerts-prod", "clusters": ["prod"], "channel": "C0PROD"}])
    bed = Bed(store, settings)
    record(store, settings, crashloop("node-1", T0), T0)  # 03:00: a warning waits for 07:00
    assert bed.outlet.deliver().seen == 0
    record(store, settings, crashloop("node-1", T0, severity=Severity.CRITICAL), bed.at(timedelta(seconds=10)))
    done = bed.outlet.deliver()
    assert (done.posted, done.held) == (2, 0)
    assert sorted(bed.lines()) == ["[#alerts-prod] 🔴 Pod node-1 is crash-looping",
                                   "[#page] 🔴 Pod node-1 is crash-looping"]
    assert bed.outlet.deliver().replied == 1  # and in its thread: it was a warning before
    assert bed.lines()[-1] == "[#alerts-prod]     ↳ #1: 🔄 Changed: warning → critical"


def test_a_warning_that_stays_a_warning_still_waits_for_the_end_of_the_quiet_hours(store: AlertStore) -> None:
    settings = config(quiet_hours={**QUIET, "min_severity": "critical"})
    bed = Bed(store, settings)
    record(store, settings, crashloop("web-1", T0), T0)
    record(store, settings, crashloop("web-1", T0, restarts=9), bed.at(timedelta(minutes=1)))
    assert bed.outlet.deliver().seen == 0
    bed.at(timedelta(hours=3, minutes=59))  # 07:00
    assert bed.outlet.deliver().posted == 1


def test_quiet_hours_turned_off_release_what_they_held_when_the_bot_starts_again(store: AlertStore) -> None:
    quiet = config(quiet_hours=QUIET)
    record(store, quiet, crashloop("web-1", T0), T0)
    assert Bed(store, quiet).outlet.deliver().seen == 0  # held until 07:00
    bed = Bed(store, config())  # restarted without quiet hours
    assert bed.outlet.deliver().posted == 1
    assert bed.lines() == ["[#alerts-prod] 🟠 Pod web-1 is crash-looping"]

    # Quiet hours that end earlier now: what they held goes out when they end, not when the old ones did.
    record(store, quiet, crashloop("web-2", T0), T0)
    bed = Bed(store, config(quiet_hours={**QUIET, "end": "05:00"}))
    assert bed.outlet.deliver().seen == 0
    bed.at(timedelta(hours=2))  # 05:00
    assert bed.outlet.deliver().posted == 1


def test_a_spent_rate_limit_never_holds_a_new_critical_problem(store: AlertStore) -> None:
    bed = Bed(store, config(rate_limit={"max_messages": 1, "per_minutes": 10}))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    assert bed.outlet.deliver().posted == 1
    record(store, bed.settings, crashloop("web-2", T0), bed.at(timedelta(minutes=1)))
    record(store, bed.settings, crashloop("db-0", T0, severity=Severity.CRITICAL), bed.clock.now())
    done = bed.outlet.deliver()
    assert (done.posted, done.held) == (1, 1)  # the critical one now, as its own card; the warning waits
    assert bed.lines()[1:] == ["[#alerts-prod] 🔴 Pod db-0 is crash-looping"]
    bed.at(timedelta(minutes=9))  # the first message left the window, the critical one has not: still full
    assert bed.outlet.deliver().held == 1
    bed.at(timedelta(minutes=1))
    assert bed.outlet.deliver().posted == 1
    assert bed.lines()[2:] == ["[#alerts-prod] 🟠 Pod web-2 is crash-looping"]


def test_more_critical_problems_at_once_than_the_whole_limit_each_get_their_own_message_now(
        store: AlertStore) -> None:
    bed = Bed(store, config(rate_limit={"max_messages": 2, "per_minutes": 10}))
    for i in range(2):
        record(store, bed.settings, crashloop(f"web-{i}", T0), T0)
    assert bed.outlet.deliver().posted == 2
    for i in range(3):
        record(store, bed.settings, crashloop(f"db-{i}", T0, severity=Severity.CRITICAL), bed.at(timedelta(0)))
    done = bed.outlet.deliver()
    assert (done.posted, done.summarized, done.held) == (3, 0, 0)
    assert bed.lines()[2:] == [f"[#alerts-prod] 🔴 Pod db-{i} is crash-looping" for i in range(3)]
    assert {m.ts for i in range(3) for m in store.messages(crashloop(f"db-{i}", T0).key)} == {"3", "4", "5"}


def test_a_mixed_burst_posts_each_critical_problem_alone_and_summarises_only_the_others(store: AlertStore) -> None:
    bed = Bed(store, config(group_seconds=2, rate_limit={"max_messages": 2, "per_minutes": 10}))
    for i in range(3):
        record(store, bed.settings, crashloop(f"db-{i}", T0, severity=Severity.CRITICAL), T0)
    for i in range(4):
        record(store, bed.settings, crashloop(f"web-{i}", T0), T0)
    bed.at(timedelta(seconds=2))
    done = bed.outlet.deliver()
    # Three criticals beyond a limit of two: each its own card, with its own buttons. The limit is then spent, so
    # the warnings wait for it; when they go out it is as one summary, never holding back a critical one.
    assert (done.posted, done.summarized) == (3, 0)
    assert bed.lines() == [f"[#alerts-prod] 🔴 Pod db-{i} is crash-looping" for i in range(3)]
    assert "Acknowledge" in bed.out.getvalue()
    bed.at(timedelta(minutes=10))
    done = bed.outlet.deliver()
    assert (done.posted, done.summarized) == (1, 4)
    assert bed.lines()[3:] == ["[#alerts-prod] 🟠 4 pods: crashloop in shop"]


def test_a_snooze_silences_repeats_not_new_alerts_joining_its_group_nor_a_rise_in_severity(
        store: AlertStore) -> None:
    bed = Bed(store, config())
    problem = crashloop("web-1", T0)
    record(store, bed.settings, problem, T0)
    bed.outlet.deliver()
    assert store.snooze(problem.key, "U0BOB", T0, T0 + timedelta(hours=1))
    bed.outlet.deliver()
    (first,) = problem.alerts
    second = replace(first, object=AlertObject("Pod", "web-2", "shop"), summary="Pod web-2 is crash-looping")
    record(store, bed.settings, problem.with_alerts((first, second)), bed.at(timedelta(minutes=5)))
    done = bed.outlet.deliver()
    assert (done.updated, done.replied) == (1, 1)
    assert bed.lines()[-2] == ("[#alerts-prod]     ↳ #1: 🔄 Changed: 1 → 2 firing (new: pod/shop/web-2). "
                               "The rest stays snoozed by @U0BOB until 04:00 UTC.")
    assert bed.lines()[-1] == "[#alerts-prod] (updated #1) 🟠 Pod web-1 is crash-looping"
    assert "pod/shop/web-1, pod/shop/web-2" in bed.out.getvalue().rsplit("(updated #1)", 1)[1]  # the card too

    # A repeat of what fires already stays silent; a rise in severity does not.
    record(store, bed.settings, problem.with_alerts((first, replace(second, evidence=("restarted 9 times",)))),
           bed.at(timedelta(minutes=5)))
    assert bed.outlet.deliver().seen == 0
    worse = tuple(replace(a, severity=Severity.CRITICAL) for a in (first, second))
    record(store, bed.settings, problem.with_alerts(worse), bed.at(timedelta(minutes=5)))
    done = bed.outlet.deliver()
    assert (done.updated, done.replied) == (1, 1)
    assert bed.lines()[-2] == ("[#alerts-prod]     ↳ #1: 🔄 Changed: warning → critical. "
                               "The rest stays snoozed by @U0BOB until 04:00 UTC.")
