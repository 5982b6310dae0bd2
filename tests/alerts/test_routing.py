"""The `alerts:` settings and the route an alert takes: per cluster, severity, namespace and source; the default
channel; `stop`; pacing and quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.alerts.model import Alert, AlertGroup, Source, Status
from bot.alerts.routing import in_quiet_hours, pick_route, pick_routes, quiet_end
from bot.alerts.settings import DEFAULT_CHANNEL, QuietHours
from bot.settings import SettingsError
from bot.severity import Severity
from tests.support.alerts import settings

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def group(*, cluster: str | None = "prod", severity: Severity = Severity.CRITICAL, namespace: str | None = "shop",
          source: Source = Source.ALERTMANAGER) -> AlertGroup:
    alert = Alert(source=source, name="KubePodCrashLooping", status=Status.FIRING, severity=severity,
                  summary="crash", starts_at=T0, cluster=cluster, namespace=namespace)
    return AlertGroup(source=source, key="k", title="t", alerts=(alert,))


ROUTES: dict[str, Any] = {
    "routes": [
        {"name": "prod-page", "clusters": ["prod"], "severities": ["critical"], "namespaces": ["payments"],
         "channel": "C0PAGE"},
        {"clusters": ["prod"], "namespaces": ["shop-*", "shop"], "channel": "C0SHOP", "lang": "zh", "stop": False,
         "group_seconds": 60},
        {"clusters": ["prod"], "channel": "C0PROD"},
        {"sources": ["watcher"], "channel": "C0BOT", "rate_limit": {"max_messages": 3, "per_minutes": 5}},
    ],
}


def test_without_routes_everything_goes_to_the_default_channel() -> None:
    route = pick_route(settings().alerts, group())
    assert route.channel == DEFAULT_CHANNEL == "C0ALERTS" and route.name == "default"
    assert route.lang == "en" and route.group_seconds == 2 and route.rate_limit.max_messages == 10


def test_the_first_matching_route_wins() -> None:
    alerts = settings(ROUTES).alerts
    assert pick_route(alerts, group(namespace="payments")).name == "prod-page"
    assert pick_route(alerts, group(namespace="payments", severity=Severity.WARNING)).channel == "C0PROD"


def test_a_route_without_stop_lets_the_search_go_on() -> None:
    routes = pick_routes(settings(ROUTES).alerts, group(namespace="shop-eu"))
    assert [r.channel for r in routes] == ["C0SHOP", "C0PROD"]
    assert routes[0].lang == "zh" and routes[0].group_seconds == 60 and routes[1].lang == "en"


def test_unmatched_alerts_and_alerts_of_no_known_cluster_take_the_default() -> None:
    alerts = settings(ROUTES).alerts
    assert pick_route(alerts, group(cluster="test")).channel == "C0ALERTS"
    assert pick_route(alerts, group(cluster=None)).channel == "C0ALERTS"
    # A namespace list never matches an alert that has no namespace.
    assert pick_route(alerts, group(namespace=None, severity=Severity.CRITICAL)).channel == "C0PROD"


def test_a_group_on_several_clusters_is_routed_by_each_configured_one() -> None:
    # A central Alertmanager grouping by alertname: one alert on test, one on prod, one on a cluster not configured.
    alerts = settings(ROUTES).alerts
    mixed = group(cluster="test", namespace="payments")
    mixed = mixed.with_alerts((*mixed.alerts, *(replace(mixed.alerts[0], cluster=c) for c in ("prod", None))))
    assert mixed.cluster is None and mixed.clusters == ("prod", "test", None)
    assert pick_route(alerts, mixed).name == "prod-page"  # prod's critical route, not the default channel


def test_routes_can_match_the_source() -> None:
    route = pick_route(settings(ROUTES).alerts, group(cluster="test", source=Source.WATCHER))
    assert route.channel == "C0BOT" and route.rate_limit.max_messages == 3


def test_the_default_channel_and_language_are_settings() -> None:
    alerts = settings({"default_channel": "C0OTHER", "lang": "zh"}).alerts
    route = pick_route(alerts, group())
    assert (route.channel, route.lang) == ("C0OTHER", "zh")


@pytest.mark.parametrize(("alerts", "message"), [
    ({"routes": [{"clusters": ["staging"], "channel": "C1"}]}, "alerts.routes[0].clusters: 'staging'"),
    ({"routes": [{"severities": ["urgent"], "channel": "C1"}]}, "alerts.routes.0.severities.0"),
    ({"routes": [{"clusters": ["prod"]}]}, "alerts.routes.0.channel"),
    ({"lang": "fr"}, "alerts.lang"),
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "expected a time of day as HH:MM"),
    ({"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}}, "unknown time zone"),
    ({"rate_limit": {"max_messages": 0}}, "alerts.rate_limit.max_messages"),
    ({"colour": "red"}, "alerts.colour"),
])
def test_mistakes_are_reported_with_the_key(alerts: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings(alerts)
    assert message in str(caught.value)


def test_the_alerts_token_comes_from_the_environment_and_is_never_shown() -> None:
    loaded = settings()
    assert loaded.alerts_token is not None and loaded.alerts_token.get_secret_value() == "s3cret-alerts-token"
    assert "s3cret" not in repr(loaded) and "alerts_token" not in loaded.model_dump()


QUIET = QuietHours(start="22:00", end="07:00", timezone="Asia/Shanghai", min_severity="critical")


@pytest.mark.parametrize(("utc_hour", "quiet"), [(13, False), (14, True), (22, True), (23, False)])
def test_quiet_hours_wrap_midnight_in_their_time_zone(utc_hour: int, quiet: bool) -> None:
    # Shanghai is UTC+8: 22:00–07:00 there is 14:00–23:00 UTC.
    assert in_quiet_hours(QUIET, T0.replace(hour=utc_hour)) is quiet


def test_below_the_minimum_severity_an_alert_waits_for_the_quiet_hours_to_end() -> None:
    alerts = settings({"quiet_hours": QUIET.model_dump()}).alerts
    night = T0.replace(hour=16)  # 00:00 in Shanghai
    route = pick_route(alerts, group(severity=Severity.WARNING))
    assert route.held(Severity.WARNING, night) and not route.held(Severity.CRITICAL, night)
    assert quiet_end(QUIET, night) == T0.replace(hour=23)  # 07:00 in Shanghai
    assert quiet_end(QUIET, T0.replace(hour=10)) == T0.replace(hour=10)
