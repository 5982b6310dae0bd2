"""Transitions decided from what is known and what arrives, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.alerts import alertmanager
from bot.alerts.codec import evidence_hash, group_from_json, group_to_json
from bot.alerts.lifecycle import Known, Outcome, decide
from bot.alerts.model import AlertGroup, Status
from tests.support.alerts import directory, payload

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)


def firing() -> AlertGroup:
    return alertmanager.parse(payload("alertmanager-longhorn-3-alerts.json"), directory())


def resolved(group: AlertGroup, *, ends: datetime = T0) -> AlertGroup:
    return group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=ends) for a in group.alerts)


def known(group: AlertGroup, *, resolved_at: datetime | None = None, posted: bool = True) -> Known:
    return Known(group.status, resolved_at, group, evidence_hash(group), posted)


def test_the_codec_round_trips_a_group() -> None:
    group = firing()
    assert group_from_json(group_to_json(group)) == group


def test_a_new_problem_is_created_and_one_seen_only_resolved_is_kept_quietly() -> None:
    assert decide(None, firing(), at=T0, flap_window=WINDOW).outcome is Outcome.CREATED
    assert decide(None, resolved(firing()), at=T0, flap_window=WINDOW).outcome is Outcome.UNSEEN_RESOLVED


def test_an_identical_notification_changes_nothing() -> None:
    group = firing()
    assert decide(known(group), firing(), at=T0, flap_window=WINDOW).outcome is Outcome.UNCHANGED


def test_changed_firing_content_is_an_update_and_all_resolved_is_a_resolution() -> None:
    group = firing()
    fewer = group.with_alerts(group.alerts[:2])
    assert decide(known(group), fewer, at=T0, flap_window=WINDOW).outcome is Outcome.UPDATED
    assert decide(known(group), resolved(group), at=T0, flap_window=WINDOW).outcome is Outcome.RESOLVED


def test_firing_again_reopens_within_the_flap_window_and_is_a_new_episode_after_it() -> None:
    before = resolved(firing())
    again = firing().with_alerts(replace(a, starts_at=T0 + timedelta(minutes=5)) for a in firing().alerts)
    state = known(before, resolved_at=T0)
    assert decide(state, again, at=T0 + timedelta(minutes=5), flap_window=WINDOW).outcome is Outcome.REOPENED
    assert decide(state, again, at=T0 + timedelta(hours=2), flap_window=WINDOW).outcome is Outcome.REFIRED
    # Never posted (it was first seen resolved): there is no message to reopen.
    quiet = known(before, resolved_at=T0, posted=False)
    assert decide(quiet, again, at=T0 + timedelta(minutes=5), flap_window=WINDOW).outcome is Outcome.REFIRED


def test_a_late_firing_notice_of_a_resolved_alert_is_stale() -> None:
    group = firing()
    done = resolved(group, ends=T0)
    # The firing notice of the same instances (same fingerprints, same startsAt) arrives after the resolution.
    change = decide(known(done, resolved_at=T0), group, at=T0 + timedelta(seconds=5), flap_window=WINDOW)
    assert change.outcome is Outcome.STALE and change.group.status is Status.RESOLVED
