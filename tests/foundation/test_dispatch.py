from __future__ import annotations

import io
import json
import logging

import pytest

from bot.dispatch import Dispatcher
from bot.logs import FORMAT, CorrelationFilter, RedactingFormatter
from bot.render_text import render_text
from bot.surface import Incoming, InputKind, Visibility
from tests.support.foundation import Captured, calls, make_deps, registry


class Groups:
    """The group directory (Slack's user groups in production): erin and dave are in S0SRE."""

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset({"S0SRE"}) if user in ("erin", "dave") else frozenset()

    def people(self, member: str) -> frozenset[str] | None:
        return frozenset({"erin", "dave"}) if member == "S0SRE" else frozenset({member})


def run(  # type: ignore[no-untyped-def]
    text: str, user: str = "alice", surface: InputKind = InputKind.SLASH, channel: str | None = "C0TEST", deps=None
):
    captured = Captured()
    d = Dispatcher(deps or make_deps(), registry=registry, groups=Groups())
    outcome = d.handle(Incoming(text, user, surface, channel), captured)
    assert len(captured.replies) == 1, "exactly one reply per request"
    return outcome, captured.replies[0]


def test_read_command_runs_on_the_default_cluster() -> None:
    outcome, reply = run("nodes")
    assert outcome.status == "ok" and reply.visibility is Visibility.CHANNEL
    assert "aks-nodepool1-1" in render_text(reply.view)
    assert calls[-1] == "nodes test"


def test_channel_binding_and_explicit_cluster() -> None:
    run("nodes", user="dave", channel="C0PROD")
    assert calls[-1] == "nodes prod"
    run("nodes --cluster prod", user="dave")
    assert calls[-1] == "nodes prod"
    outcome, reply = run("nodes --cluster staging")
    assert outcome.status == "user_error" and "Unknown cluster `staging` (clusters: test, prod)" in reply.view.summary
    # A cluster's name typed bare where the command takes no such argument is told how to say it.
    outcome, reply = run("nodes prod")
    assert outcome.status == "user_error" and "did you mean `--cluster prod`?" in reply.view.summary


def test_roles_per_cluster() -> None:
    # carol is a viewer: may read, may not request changes
    assert run("nodes", user="carol")[0].status == "ok"
    outcome, reply = run("scale deployment web --replicas 2", user="carol")
    assert outcome.status == "denied"
    assert "needs the operator role (you have: viewer)" in reply.view.summary
    assert reply.visibility is Visibility.EPHEMERAL
    # mallory has no role at all
    assert run("nodes", user="mallory")[0].status == "denied"
    # on prod the operator role is replaced by group S0SRE: alice is not an operator there, erin is (via Slack group)
    assert run("scale deployment web --replicas 2 --cluster prod", user="alice")[0].status == "denied"
    # dave is in S0SRE, as the group directory says
    assert run("nodes --cluster prod", user="dave")[0].status == "ok"


def test_disruptive_commands_are_never_run_without_the_approval_workflow() -> None:
    before = list(calls)
    outcome, reply = run("scale deployment web --replicas 2", user="alice")
    assert outcome.status == "failed"
    assert "must be approved first" in reply.view.summary
    assert calls == before


def test_errors_become_clear_answers() -> None:
    outcome, reply = run("node ghost")
    assert outcome.status == "failed" and "node ghost not found" in reply.view.summary
    outcome, reply = run("node down")
    assert "did not answer" in reply.view.summary and "try again" in reply.view.summary
    outcome, reply = run("node")
    assert outcome.status == "user_error" and "Usage" in render_text(reply.view)


def test_internal_errors_show_a_reference_not_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="aksbot.command"):
        outcome, reply = run("node boom")
    text = render_text(reply.view)
    assert outcome.status == "error"
    assert f"ref {outcome.correlation_id}" in text
    assert "Traceback" not in text and "xoxb" not in text


def test_the_reference_a_user_is_shown_finds_the_traceback_in_the_log() -> None:
    """Every line logged while a request is handled carries its correlation id, the traceback included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        outcome, reply = run("node boom")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    ref = outcome.correlation_id
    assert f"ref {ref}" in render_text(reply.view)
    logged = stream.getvalue()
    trace = logged[logged.index(f"[{ref}] internal error") :]
    assert "Traceback" in trace and "RuntimeError" in trace
    assert f'"correlation_id": "{ref}"' in logged and logged.count(f"[{ref}]") >= 2
    assert "[-]" not in logged.split("Traceback")[0].splitlines()[-1]
    # The exception's text carried a token: the log never does.
    assert "xoxb-secret" not in logged and "token=***" in logged


def test_one_structured_log_line_per_command(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="aksbot.command"):
        outcome, _ = run("nodes", user="carol")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "aksbot.command"]
    assert len(lines) == 1
    line = lines[0]
    assert line["user"] == "carol" and line["command"] == "nodes" and line["cluster"] == "test"
    assert line["risk"] == "read" and line["outcome"] == "ok" and line["correlation_id"] == outcome.correlation_id
    assert isinstance(line["ms"], float)


def test_mentions_answer_in_a_thread_and_free_text_without_a_knowledge_base_says_so() -> None:
    _, reply = run("<@U0BOT> why is my node NotReady", surface=InputKind.MENTION)
    assert reply.visibility is Visibility.THREAD
    assert "no knowledge base is loaded" in render_text(reply.view)


def test_free_text_goes_to_kb_when_loaded() -> None:
    outcome, reply = run("节点 NotReady 怎么办", surface=InputKind.MESSAGE, deps=make_deps(knowledge=object()))
    assert outcome.command == "kb" and reply.view.summary == "kb:zh:节点 NotReady 怎么办"


def test_no_clusters_configured() -> None:
    outcome, reply = run("nodes", deps=make_deps({"roles": {"viewer": ["*"]}}))
    assert outcome.status == "failed" and "No cluster is configured" in reply.view.summary
