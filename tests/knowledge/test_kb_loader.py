"""Reading entry files: the model's shape, the two body sections, and errors that name the file and the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge.loader import EntryError, load_entries, parse_entry, read_entries


def test_a_valid_entry_parses_with_both_body_sections(
    write_entries: Callable[..., Path], make_entry: Callable[..., dict[str, Any]]
) -> None:
    folder = write_entries({"node-notready": make_entry("node-notready")})
    (entry,) = load_entries(folder)
    assert entry.id == "node-notready"
    assert entry.title.in_lang("zh") == "节点 NotReady 或 Unknown"
    assert "Lease" in entry.body.en and "Lease" in entry.body.zh
    assert entry.fixes[0].risk == "low"
    assert entry.errors[1] == "PLEG is not healthy"


def test_no_front_matter_names_the_file() -> None:
    with pytest.raises(EntryError) as caught:
        parse_entry("broken.md", "## English\n\ntext\n")
    assert caught.value.problems[0].file == "broken.md"
    assert "front matter" in str(caught.value)


def test_a_misspelt_key_and_a_wrong_type_are_both_reported(
    write_entries: Callable[..., Path], make_entry: Callable[..., dict[str, Any]]
) -> None:
    data = make_entry("cert-expired", tagz=["x509"])
    data["fixes"] = [{"en": "Rotate.", "zh": "轮换。", "risk": "maybe"}]
    folder = write_entries({"cert-expired": data})
    report = read_entries(folder)
    keys = {p.key for p in report.problems}
    assert "tagz" in keys
    assert "fixes.0.risk" in keys
    assert all(p.file == "cert-expired.md" for p in report.problems)


def test_an_unquoted_version_is_rejected_not_truncated(
    write_entries: Callable[..., Path], make_entry: Callable[..., dict[str, Any]]
) -> None:
    folder = write_entries({"java-oom-cgroupv2": make_entry("java-oom-cgroupv2")})
    path = folder / "java-oom-cgroupv2.md"
    path.write_text(path.read_text(encoding="utf-8").replace("version: '1.25'", "version: 1.30"), encoding="utf-8")
    with pytest.raises(EntryError) as caught:
        load_entries(folder)
    assert [p.key for p in caught.value.problems] == ["versions.0.version"]


def test_a_missing_chinese_section_is_named(write_entries: Callable[..., Path]) -> None:
    text = "---\nid: x\n---\n\n## English\n\nOnly English.\n"
    report = read_entries(write_entries({"x": text}))
    assert any(p.key == "body.zh" and "中文" in p.what for p in report.problems)


def test_one_bad_file_does_not_hide_the_good_ones(
    write_entries: Callable[..., Path], make_entry: Callable[..., dict[str, Any]]
) -> None:
    folder = write_entries({"dns-timeout": make_entry("dns-timeout"), "bad": "---\n: : :\n---\n"})
    report = read_entries(folder)
    assert [e.id for e in report.entries] == ["dns-timeout"]
    assert [p.file for p in report.problems] == ["bad.md"]
    assert report.files == ("bad.md", "dns-timeout.md")


def test_the_shipped_entries_load() -> None:
    entries = load_entries()
    assert len(entries) >= 30
    assert {"node-notready", "snat-exhaustion", "java-oom-cgroupv2"} <= {e.id for e in entries}


def test_the_knowledge_base_is_built_once_per_process() -> None:
    from knowledge import KnowledgeBase, load_knowledge_base

    first: KnowledgeBase = load_knowledge_base()
    assert load_knowledge_base() is first
    assert len(first.entries()) >= 30
