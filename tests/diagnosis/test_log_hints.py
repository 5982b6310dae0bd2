"""Error lines of a previous run matched to their runbook (pure: the search is a plain function here)."""

from __future__ import annotations

from bot.refs import pod_ref
from handlers.rules.log_hints import LogMatch, error_lines, log_findings

LOG = """2026-11-23T03:28:18.000Z checkout-worker 3.0.2 starting (queue=checkout)
2026-11-23T03:28:23.000Z Error: getaddrinfo EAI_AGAIN redis.shop.svc.cluster.local
    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:109:26)
2026-11-23T03:28:23.000Z fatal: cannot reach redis after 5000 ms, exiting with code 1
"""


def fake_search(line: str) -> LogMatch | None:
    if "EAI_AGAIN" in line:
        return LogMatch("dns-timeout", "DNS lookups time out", 96.5)
    if "cannot reach" in line:
        return LogMatch("egress-blocked", "Egress blocked", 40.0)  # below the bar: ignored
    return None


def test_error_lines_drop_timestamps_and_keep_only_errors() -> None:
    assert error_lines(LOG) == [
        "Error: getaddrinfo EAI_AGAIN redis.shop.svc.cluster.local",
        "fatal: cannot reach redis after 5000 ms, exiting with code 1",
    ]


def test_a_confident_match_becomes_a_finding_citing_its_entry() -> None:
    (finding,) = log_findings(pod_ref("shop", "w"), {"worker": LOG}, fake_search, ["crashloop"])
    assert finding.kb == "dns-timeout" and finding.rule == "pod.log"
    assert finding.evidence == ("previous log, worker: Error: getaddrinfo EAI_AGAIN redis.shop.svc.cluster.local",)


def test_an_entry_already_cited_or_a_weak_match_adds_nothing() -> None:
    assert log_findings(pod_ref("shop", "w"), {"worker": LOG}, fake_search, ["dns-timeout"]) == []
    assert log_findings(pod_ref("shop", "w"), {"worker": "all good\n"}, fake_search, []) == []
