"""The question log's guarantees, the same on SQLite and PostgreSQL: a question kept with what its reply offered, one
verdict per person (a retried click changes nothing, a second click replaces the first), no verdict on a question
that is not kept, questions forgotten after the keeping time with their verdicts, tables created once by replicas
starting together, and the label a question's verdicts give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.approvals.store import SqlApprovalStore
from bot.questions.model import Asked, Label, Logged, Pick, Unlabelled, masked
from bot.questions.store import SqlQuestionLog
from tests.support.databases import Database, start_together

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def asked(text: str = "node stays NotReady after reboot", *, user: str = "U0ALICE", at: datetime = T0) -> Asked:
    return Asked(text, "en", user, "C0OPS", "suggestion", ("node-notready", "pdb-blocking-drain"), at)


def test_a_question_is_kept_with_its_reply_and_verdicts(db: SqlApprovalStore) -> None:
    log = SqlQuestionLog(db, keep_days=30)
    first = log.record(asked())
    second = log.record(asked("节点 NotReady 怎么办", user="U0BOB", at=T0 + timedelta(minutes=1)))
    assert second > first
    assert log.pick(first, Pick("U0ALICE", "node-notready", T0 + timedelta(seconds=30)))
    assert log.pick(first, Pick("U0ALICE", "node-notready", T0 + timedelta(seconds=30)))  # a retried click
    assert log.pick(first, Pick("U0CAROL", None, T0 + timedelta(seconds=40)))
    newest, oldest = log.recent(T0 - timedelta(days=1), 10)
    assert (newest.id, oldest.id) == (second, first)
    assert newest.asked.text == "节点 NotReady 怎么办" and newest.picks == ()
    assert oldest.asked == asked()
    assert [(p.user, p.entry) for p in oldest.picks] == [("U0ALICE", "node-notready"), ("U0CAROL", None)]
    # A person who changes their mind is read at their last word.
    assert log.pick(first, Pick("U0ALICE", "pdb-blocking-drain", T0 + timedelta(minutes=2)))
    (_, again) = log.recent(T0 - timedelta(days=1), 10)
    assert {p.user: p.entry for p in again.picks} == {"U0ALICE": "pdb-blocking-drain", "U0CAROL": None}
    assert log.recent(T0 + timedelta(seconds=30), 10) == [newest]
    assert len(log.recent(T0 - timedelta(days=1), 1)) == 1


def test_no_verdict_on_a_question_that_is_not_kept(db: SqlApprovalStore) -> None:
    log = SqlQuestionLog(db, keep_days=30)
    assert not log.pick(12345, Pick("U0ALICE", "node-notready", T0))
    assert log.recent(T0 - timedelta(days=1), 10) == []


def test_questions_past_the_keeping_time_are_forgotten_with_their_verdicts(db: SqlApprovalStore) -> None:
    log = SqlQuestionLog(db, keep_days=7)
    old = log.record(asked(at=T0))
    log.pick(old, Pick("U0ALICE", "node-notready", T0))
    new = log.record(asked(at=T0 + timedelta(days=8)))
    assert [q.id for q in log.recent(T0 - timedelta(days=30), 10)] == [new]
    assert not log.pick(old, Pick("U0BOB", "node-notready", T0 + timedelta(days=8)))
    _, rows = db.run(f"SELECT COUNT(*) FROM {log.picks}")
    assert rows[0][0] == 0


def test_tables_are_created_once_by_replicas_starting_together(database: Database) -> None:
    dbs = start_together(database, lambda db: SqlQuestionLog(db, keep_days=30))
    question = SqlQuestionLog(dbs[0], keep_days=30).record(asked())
    assert SqlQuestionLog(dbs[1], keep_days=30).pick(question, Pick("U0ALICE", "node-notready", T0))
    for db in dbs:
        db.close()


def test_the_label_is_the_askers_verdict_else_everyone_elses_when_they_agree() -> None:
    def logged(*picks: tuple[str, str | None]) -> Logged:
        return Logged(1, asked(), tuple(Pick(user, entry, T0) for user, entry in picks))

    assert logged(("U0BOB", "a"), ("U0ALICE", "b")).label() == Label("b", "asker")
    assert logged(("U0ALICE", None)).label() == Label(None, "asker")
    assert logged(("U0BOB", "a"), ("U0CAROL", "a")).label() == Label("a", "others")
    assert isinstance(logged(("U0BOB", "a"), ("U0CAROL", None)).label(), Unlabelled)
    assert isinstance(logged().label(), Unlabelled)


def test_secrets_pasted_into_a_question_are_never_kept() -> None:
    jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJlLXBhcnQ"
    pasted = (
        f"kubectl fails with Bearer {jwt} and token: {jwt}\n"
        "DefaultEndpointsProtocol=https;AccountName=st1;AccountKey=c2VjcmV0LWtleS1ub3QtcmVhbA==;EndpointSuffix=x\n"
        "https://st1.blob.core.windows.net/c/x?sv=2022-11-02&sig=AbCdEf0123456789%2B&se=2026\n"
        "client_secret=Xy8Q~abcdefghijklmnop password: hunter2hunter2\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
        "xoxb-1234567890-abcdefghij why does this fail?\n"
        "az login --service-principal -u 0f1e2d3c -p Sp.Pass~word1 --tenant t1\n"
        "az aks update --client-secret Cl1entSecretValue -g rg -n aks; helm install --password Hunter3pass x\n"
    )
    kept = masked(pasted)
    for secret in (jwt, "c2VjcmV0LWtleS1ub3QtcmVhbA", "AbCdEf0123456789", "Xy8Q~abc", "hunter2", "MIIEowIBAAKCAQEA",
                   "1234567890-abcdefghij", "eyJ", "Sp.Pass~word1", "Cl1entSecretValue", "Hunter3pass"):
        assert secret not in kept, secret
    assert "kubectl fails with" in kept and "why does this fail?" in kept and "AccountName=st1" in kept
    assert "az login --service-principal -u 0f1e2d3c -p *** --tenant t1" in kept
    assert len(masked("x" * 10_000)) == 4000


def test_recent_can_keep_to_one_conversation(db: SqlApprovalStore) -> None:
    log = SqlQuestionLog(db, keep_days=30)
    here = log.record(asked())
    elsewhere = log.record(Asked("dns", "en", "U0BOB", "C0OTHER", "unknown", (), T0 + timedelta(minutes=1)))
    direct = log.record(Asked("snat", "en", "U0BOB", None, "answer", ("snat-exhaustion",), T0 + timedelta(minutes=2)))
    log.pick(here, Pick("U0ALICE", None, T0))
    log.pick(elsewhere, Pick("U0BOB", "dns-timeout", T0))
    (only,) = log.recent(T0 - timedelta(days=1), 10, channel="C0OPS")
    assert only.id == here and [(p.user, p.entry) for p in only.picks] == [("U0ALICE", None)]
    assert [q.id for q in log.recent(T0 - timedelta(days=1), 10, channel="C0OTHER")] == [elsewhere]
    assert [q.id for q in log.recent(T0 - timedelta(days=1), 10)] == [direct, elsewhere, here]
