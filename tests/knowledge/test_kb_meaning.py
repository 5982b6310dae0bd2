"""The model of meaning's second opinion: shipped and read offline, asked about English questions only, and used
for confidence (a suggestion it agrees with is an answer, an answer it finds unrelated is a suggestion), never for
the ranking."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from knowledge import load_knowledge_base
from knowledge.meaning import EntryMeanings, StaticEmbedder
from knowledge.search import KnowledgeIndex, Scored
from tests.knowledge.conftest import rules_of


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    model = StaticEmbedder.load()
    assert model is not None, "wordllama is a dependency: its weights ship in the wheel"
    return model


def test_the_model_is_read_from_its_wheel_without_a_network(embedder: StaticEmbedder) -> None:
    vectors = embedder.embed(["node NotReady after a reboot", "", "节点 NotReady"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not vectors[1].any()  # nothing to mean: similar to nothing


def test_it_finds_an_entry_described_in_other_words(embedder: StaticEmbedder) -> None:
    entries = load_knowledge_base().entries()
    meanings = EntryMeanings(embedder, entries)
    ids = [e.id for e in entries]
    stalls = meanings.similarities("every few minutes a name lookup in a pod stalls for 5 seconds")
    assert ids[int(np.argmax(stalls))] == "dns-timeout"
    fails = meanings.similarities("pods get no such host for every name, coredns is crashlooping")
    assert ids[int(np.argmax(fails))] == "dns-resolution-failure"


def test_without_the_package_the_search_decides_on_words_alone(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="knowledge.meaning"):
        assert StaticEmbedder.load("aksbot_no_such_model_package") is None
    assert "decides on words alone" in caplog.text
    words_only = KnowledgeIndex(load_knowledge_base().entries())
    assert all(s.meaning is None for s in words_only.score_all("why is my node NotReady"))


def test_only_english_questions_are_put_to_the_model() -> None:
    shipped = load_knowledge_base()
    english = shipped.score_all("why is my node NotReady")
    assert english[0].meaning is not None and english[0].entry_id == "node-notready"
    assert sum(s.meaning_first for s in english) <= 1
    assert all(s.meaning is None for s in shipped.score_all("节点 NotReady 怎么办"))


def _ranked(
    best: float, second: float, coverage: float, meaning: float | None, first: bool, errors: float = 0.0
) -> list[Scored]:
    return [
        Scored("a", best, errors, best, coverage, meaning, first),
        Scored("b", second, 0.0, second, coverage / 2, None if meaning is None else meaning / 2, False),
    ]


def test_a_suggestion_the_model_agrees_with_is_an_answer() -> None:
    index = rules_of(load_knowledge_base())
    t = index.thresholds
    weak = dict(best=6.0, second=5.8, coverage=0.5)  # close runner-up: words alone make it a suggestion
    assert index.level_of(_ranked(**weak, meaning=None, first=False), "") == "suggestion"
    assert index.level_of(_ranked(**weak, meaning=t.agree, first=True), "") == "answer"
    # Not when the model likes another entry better, nor when it finds the entry only faintly similar.
    assert index.level_of(_ranked(**weak, meaning=t.agree + 0.1, first=False), "") == "suggestion"
    assert index.level_of(_ranked(**weak, meaning=t.agree - 0.01, first=True), "") == "suggestion"
    # "I don't know" stays: the model is asked about evidence, it is not evidence of its own.
    faint = _ranked(best=t.suggest / 2, second=0.0, coverage=0.5, meaning=0.9, first=True)
    assert index.level_of(faint, "") == "unknown"


def test_an_answer_the_model_finds_unrelated_is_a_suggestion(embedder: StaticEmbedder) -> None:
    shipped = load_knowledge_base()
    index = KnowledgeIndex(shipped.entries(), replace(shipped.thresholds, unrelated=0.35), embedder=embedder)
    t = index.thresholds
    strong = dict(best=t.answer + 10, second=1.0, coverage=0.9)
    assert index.level_of(_ranked(**strong, meaning=None, first=False), "") == "answer"
    assert index.level_of(_ranked(**strong, meaning=t.unrelated, first=False), "") == "answer"
    assert index.level_of(_ranked(**strong, meaning=t.unrelated - 0.01, first=True), "") == "suggestion"
    # Not when an error string of the entry is in the question: the model cannot read a pasted log line.
    assert index.level_of(_ranked(**strong, meaning=0.1, first=True, errors=0.8), "") == "answer"
    log_line = "Error: getaddrinfo EAI_AGAIN redis.shop.svc.cluster.local"
    outcome = index.search(log_line)
    assert outcome.level == "answer" and outcome.hits[0].entry_id == "dns-timeout"


def test_the_model_settles_near_ties_of_the_words_and_leaves_clear_leads_alone() -> None:
    shipped = load_knowledge_base()
    words_only = KnowledgeIndex(shipped.entries(), shipped.thresholds)
    # Close evidence (the runner-up at 0.8 and 0.87 of the best): the model puts the entry the question means first.
    for question, words_first, meant in (
        ("need to grab kubelet logs from a node for support", "cert-expired", "node-login"),
        ("new deployment's pods never start, no logs at all, just Pending", "crashloop", "pod-pending"),
    ):
        assert words_only.score_all(question)[0].entry_id == words_first
        assert shipped.score_all(question)[0].entry_id == meant
    # A clear lead stays first, and every entry keeps its evidence: the model moves entries, it does not rescore them.
    for question in (
        "After scaling out the VMSS, outgoing connections from our pods are dropped",
        "kubectl logs gives: dial tcp 10.240.0.4:10250: connect: connection refused",
        "Pods stuck Pending: 0/3 nodes are available: 3 Insufficient cpu",
    ):
        with_model, without = shipped.score_all(question), words_only.score_all(question)
        assert with_model[0].entry_id == without[0].entry_id
        assert {(s.entry_id, s.evidence) for s in with_model} == {(s.entry_id, s.evidence) for s in without}


def test_without_its_weight_or_for_chinese_the_ranking_is_the_words_alone(embedder: StaticEmbedder) -> None:
    shipped = load_knowledge_base()
    words_only = KnowledgeIndex(shipped.entries(), shipped.thresholds)
    unweighted = KnowledgeIndex(shipped.entries(), shipped.thresholds, embedder=embedder, meaning_weight=0.0)
    for question in ("need to grab kubelet logs from a node for support", "新 Deployment 的 Pod 一直 Pending"):
        ranked = [s.entry_id for s in unweighted.score_all(question)]
        assert ranked == [s.entry_id for s in words_only.score_all(question)]
    # The model of meaning is not asked about Chinese (the model of asked questions, which does rank Chinese, is off
    # in both indexes here).
    with_meaning = KnowledgeIndex(shipped.entries(), shipped.thresholds, embedder=embedder)
    chinese = "节点状态变成 NotReady，kubelet 日志里有 PLEG is not healthy"
    assert [s.entry_id for s in with_meaning.score_all(chinese)] == [s.entry_id for s in words_only.score_all(chinese)]


def test_turned_off_by_its_thresholds_and_weight_it_changes_nothing(embedder: StaticEmbedder) -> None:
    shipped = load_knowledge_base()
    off = KnowledgeIndex(shipped.entries(), replace(shipped.thresholds, agree=1.01, unrelated=-1.01), embedder=embedder,
                         meaning_weight=0.0)
    words_only = KnowledgeIndex(shipped.entries(), shipped.thresholds)
    for question in ("After scaling out the VMSS, outgoing connections from our pods are dropped",
                     "why is my node NotReady", "how do I rotate the cluster certificates"):
        assert off.search(question) == words_only.search(question)


def test_through_the_search_it_answers_a_plain_paraphrase_and_doubts_a_borrowed_error() -> None:
    shipped = load_knowledge_base()
    words_only = KnowledgeIndex(shipped.entries(), shipped.thresholds)
    for paraphrase, entry_id in (
        # (With the agreement bar at 0.75 since the thirteenth round; the model finds both about 0.8 similar.)
        ("pods get evicted because the node runs out of memory", "memory-pressure-eviction"),
        ("our aks cluster's service principal secret expired", "sp-expired"),
    ):
        assert words_only.search(paraphrase).level == "suggestion"
        outcome = shipped.search(paraphrase)
        assert outcome.level == "answer" and outcome.hits[0].entry_id == entry_id
    # Another product's words ("stuck", "sync" of a deployment tool) are not what they mean here: Argo CD's OutOfSync
    # is not a Helm release left pending. (The example was an Envoy sidecar's 503 until istio-sidecar covered it.)
    borrowed = "argo cd app stuck OutOfSync"
    assert words_only.search(borrowed).level == "answer"
    assert shipped.search(borrowed).level == "suggestion"
