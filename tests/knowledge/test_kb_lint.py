"""Every lint rule on an entry that breaks just that rule, and the shipped entries against all of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge.lint import (
    command_named,
    default_notes_dir,
    is_known_signal,
    is_official_doc,
    lint,
)

Make = Callable[..., dict[str, Any]]
Write = Callable[..., Path]


def problems_of(write_entries: Write, notes_dir: Path | None, entries: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.file, p.key) for p in lint(write_entries(entries), notes_dir)]


def test_a_correct_entry_has_no_problems(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    data = make_entry("node-notready", related=["snat-exhaustion"], signals=["node.condition:Ready=Unknown"])
    entries = {"node-notready": data, "snat-exhaustion": make_entry("snat-exhaustion")}
    assert problems_of(write_entries, notes_dir, entries) == []


def test_both_languages_are_required(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    data = make_entry("dns-timeout", title={"en": "DNS timeouts", "zh": "  "})
    data["fixes"] = [{"en": "", "zh": "部署 NodeLocal DNSCache。", "risk": "low"}]
    found = problems_of(write_entries, notes_dir, {"dns-timeout": data})
    assert ("dns-timeout.md", "title.zh") in found
    assert ("dns-timeout.md", "fixes.0.en") in found


def test_symptoms_count_per_language(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    data = make_entry("dns-timeout")
    data["symptoms"] = {"en": data["symptoms"]["en"], "zh": ["解析超时"]}
    assert ("dns-timeout.md", "symptoms.zh") in problems_of(write_entries, notes_dir, {"dns-timeout": data})


def test_note_source_file_and_heading_must_exist(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    missing_file = make_entry("a-entry")
    missing_file["sources"]["notes"] = [{"file": "999_nowhere.md", "heading": "Node状态"}]
    missing_heading = make_entry("b-entry")
    missing_heading["sources"]["notes"] = [{"file": "000_team_notes.md", "heading": "节点 NotReady"}]
    sub_heading = make_entry("c-entry")
    sub_heading["sources"]["notes"] = [{"file": "000_team_notes.md", "heading": "PLEG"}]
    no_note = make_entry("d-entry")
    no_note["sources"]["notes"] = []
    found = problems_of(
        write_entries,
        notes_dir,
        {"a-entry": missing_file, "b-entry": missing_heading, "c-entry": sub_heading, "d-entry": no_note},
    )
    assert sorted(found) == [
        ("a-entry.md", "sources.notes.0.file"),
        ("b-entry.md", "sources.notes.0.heading"),
        ("d-entry.md", "sources.notes"),
    ]


def test_without_the_notes_folder_headings_are_not_checked(write_entries: Write, make_entry: Make) -> None:
    data = make_entry("a-entry")
    data["sources"]["notes"] = [{"file": "000_elsewhere.md", "heading": "whatever"}]
    assert problems_of(write_entries, None, {"a-entry": data}) == []


def test_docs_must_be_official(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    blog = make_entry("a-entry")
    blog["sources"]["docs"] = [{"title": "A blog", "url": "https://medium.com/some-post"}]
    none = make_entry("b-entry")
    none["sources"]["docs"] = []
    found = problems_of(write_entries, notes_dir, {"a-entry": blog, "b-entry": none})
    assert sorted(found) == [("a-entry.md", "sources.docs.0.url"), ("b-entry.md", "sources.docs")]


@pytest.mark.parametrize(
    ("url", "official"),
    [
        ("https://learn.microsoft.com/azure/aks/upgrade-cluster", True),
        ("https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/", True),
        ("https://github.com/Azure/AKS/issues/4495", True),
        ("https://github.com/kubernetes/kubernetes/pull/126287", True),
        ("https://github.com/Azure/container-service-for-azure-china/blob/master/aks/README.md", True),
        ("https://azure.github.io/kubelogin/topics/environments.html", True),
        ("https://azure.github.io/someone-else/", False),
        ("https://github.com/someone/aks-tips", False),
        ("http://learn.microsoft.com/azure/aks/", False),
        ("https://learn.microsoft.com.evil.example/aks", False),
    ],
)
def test_official_doc_hosts(url: str, official: bool) -> None:
    assert is_official_doc(url) is official


def test_ids_match_file_names_and_related_resolve(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    renamed = make_entry("snat-exhaustion")
    dangling = make_entry("node-notready", related=["memory-pressure-eviction", "node-notready"])
    found = problems_of(write_entries, notes_dir, {"snat": renamed, "node-notready": dangling})
    assert ("snat.md", "id") in found
    assert ("node-notready.md", "related.0") in found
    assert ("node-notready.md", "related.1") in found


def test_ids_are_kebab_case(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    assert ("Node_NotReady.md", "id") in problems_of(
        write_entries, notes_dir, {"Node_NotReady": make_entry("Node_NotReady")}
    )


@pytest.mark.parametrize(
    ("signal", "known"),
    [
        ("node.condition:Ready=Unknown", True),
        ("node.condition:KernelDeadlock=True", True),
        ("node.lease:stale", True),
        ("node.taint:node.cloudprovider.kubernetes.io/shutdown", True),
        ("pod.reason:OOMKilled", True),
        ("pod.exit:137", True),
        ("pod.event:FailedScheduling", True),
        ("pdb.disruptions:0", True),
        ("deployment.condition:Progressing=False", True),
        ("runtime:jvm-pre-cgroupv2", True),
        ("azure.upgrade:pdb-blocks-drain", True),
        ("error:AADSTS7000222", True),
        ("error:SubnetIsFull", True),
        ("node.condition:Ready=maybe", False),
        ("pod.reason:oomkilled", False),
        ("runtime:python-pre-cgroupv2", False),
        ("node.notready", False),
        ("pod.exit:OOM", False),
    ],
)
def test_signal_vocabulary(signal: str, known: bool) -> None:
    assert is_known_signal(signal) is known


def test_unknown_signals_are_reported(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    data = make_entry("node-notready", signals=["node.condition:Ready=Unknown", "node:notready"])
    assert problems_of(write_entries, notes_dir, {"node-notready": data}) == [("node-notready.md", "signals.1")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("diagnose node <node>", "diagnose node"),
        ("drain aks-nodepool1-0 --force", "drain"),
        ("aks scale-pool <pool> --count 5", "aks scale-pool"),
        ("restart deployment api", "restart deployment"),
        ("pods -A", "pods"),
        ("diagnose", None),
        ("reboot node x", None),
        ("aks rotate-certs", None),
    ],
)
def test_command_names(text: str, name: str | None) -> None:
    assert command_named(text) == name


def test_commands_in_checks_and_fixes_must_exist(write_entries: Write, make_entry: Make, notes_dir: Path) -> None:
    data = make_entry("cert-expired")
    data["checks"] = [{"en": "Run `/k8s certs check` to see expiry.", "zh": "查看证书到期时间。"}]
    data["fixes"] = [
        {"en": "Rotate.", "zh": "轮换。", "risk": "disruptive", "action": "az aks rotate-certs"},
        {"en": "Drain first.", "zh": "先 drain。", "risk": "disruptive", "action": "/k8s drain <node>"},
    ]
    found = problems_of(write_entries, notes_dir, {"cert-expired": data})
    assert sorted(found) == [("cert-expired.md", "checks.0.en"), ("cert-expired.md", "fixes.0.action")]


def test_the_shipped_entries_pass_lint() -> None:
    notes = default_notes_dir()
    problems = lint(None, notes)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_symptoms_must_not_copy_the_evaluation_questions(write_entries: Write, make_entry: Make) -> None:
    data = make_entry("dns-timeout")
    data["symptoms"]["en"] = [*data["symptoms"]["en"][:4], "DNS lookups inside pods sometimes take exactly 5 secs"]
    folder = write_entries({"dns-timeout": data})
    problems = lint(folder, None, ["DNS lookups inside pods sometimes take exactly 5 seconds", "unrelated question"])
    assert [(p.key, "copies the evaluation question" in p.what) for p in problems] == [("symptoms.en.4", True)]
