"""Read the entry files (`knowledge/entries/<id>.md`) into `Entry` models.

An entry file is YAML front matter between two `---` lines, then a Markdown body with the sections
`## English` and `## 中文`. The entries are read through `importlib.resources`, so they are found the same way
from a checkout and from an installed wheel. Every error names the file and the key at fault; a folder is read
in full so one bad file does not hide the problems of the others.

This module only parses and validates the shape; cross-file rules are `knowledge.lint`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.model import Entry

# libyaml's loader when PyYAML was built with it (it is, in the wheels): the same safe subset, parsed in C.
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n(.*))?\Z", re.DOTALL)
_SECTION = re.compile(r"^##[ \t]+(.+?)[ \t]*$", re.MULTILINE)
BODY_SECTIONS = {"English": "en", "中文": "zh"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry file: `key` is the dotted path in the front matter ("" for the file)."""

    file: str
    key: str
    what: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.what}"


class EntryError(ValueError):
    """An entry file could not be read; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadReport:
    """The entries that parsed (with the file each came from), the problems of those that did not, every file."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    entry_files: tuple[str, ...] = ()


def entries_dir() -> Traversable:
    """The shipped entries folder, wherever the package is installed."""
    return resources.files("knowledge").joinpath("entries")


def _split_body(file: str, body: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    problems: list[Problem] = []
    matches = list(_SECTION.finditer(body))
    for i, match in enumerate(matches):
        lang = BODY_SECTIONS.get(match.group(1))
        if lang is None:
            continue
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        if lang in sections:
            problems.append(Problem(file, f"body.{lang}", f"the section '## {match.group(1)}' appears twice"))
        sections[lang] = body[match.end():end].strip()
    for heading, lang in BODY_SECTIONS.items():
        if lang not in sections:
            problems.append(Problem(file, f"body.{lang}", f"the body has no '## {heading}' section"))
    if problems:
        raise EntryError(problems)
    return sections


def parse_entry(file: str, text: str) -> Entry:
    """Parse one entry file's text; `file` is its name, used in error messages."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match is None:
        raise EntryError([Problem(file, "", "no YAML front matter: the file must start with '---' and close it")])
    try:
        front = yaml.load(match.group(1), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise EntryError([Problem(file, "", f"front matter is not valid YAML: {exc}")]) from None
    if not isinstance(front, dict):
        raise EntryError([Problem(file, "", "front matter must be a mapping of keys to values")])
    if "body" in front:
        raise EntryError([Problem(file, "body", "'body' is not a front-matter key; write the ## sections")])
    front["body"] = _split_body(file, match.group(2) or "")
    try:
        return Entry.model_validate(front)
    except ValidationError as exc:
        problems = [
            Problem(file, ".".join(str(part) for part in err["loc"]), str(err["msg"])) for err in exc.errors()
        ]
        raise EntryError(problems) from None


def read_entries(directory: Traversable | Path | None = None) -> LoadReport:
    """Every `*.md` entry in `directory` (default: the shipped entries), with the problems of those that fail."""
    folder = entries_dir() if directory is None else directory
    entries: list[Entry] = []
    entry_files: list[str] = []
    problems: list[Problem] = []
    files: list[str] = []
    if not folder.is_dir():
        return LoadReport((), (), (), ())
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if not item.is_file() or not item.name.endswith(".md") or item.name.lower() == "readme.md":
            continue
        files.append(item.name)
        try:
            text = item.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(item.name, "", "not UTF-8 text"))
            continue
        try:
            entries.append(parse_entry(item.name, text))
            entry_files.append(item.name)
        except EntryError as exc:
            problems.extend(exc.problems)
    return LoadReport(tuple(entries), tuple(problems), tuple(files), tuple(entry_files))


def load_entries(directory: Traversable | Path | None = None) -> tuple[Entry, ...]:
    """The entries of `directory`; raises `EntryError` naming every bad file and key if any fails."""
    report = read_entries(directory)
    if report.problems:
        raise EntryError(list(report.problems))
    return report.entries
