"""The knowledge-base entry as typed data: what one `knowledge/entries/<id>.md` file holds.

The front matter of an entry validates into `Entry` (the two body sections are added by the loader as
`body`). Models are frozen and reject unknown keys, so a misspelt key in an entry is an error, not a silently
ignored field. Only the shape is checked here; rules that look across files or at the outside world (note
headings, links between entries, the signal and command vocabulary) live in `knowledge.lint`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

Risk = Literal["none", "low", "disruptive"]


class _Model(BaseModel):
    # pydantic v2 never turns a number into a str, so `version: 1.30` (a YAML float) is rejected, not read as "1.3".
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Model):
    """The same text in English and in Chinese."""

    en: str
    zh: str

    def in_lang(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


class BilingualList(_Model):
    """Lists of phrases per language; the two lists need not be translations of each other."""

    en: tuple[str, ...]
    zh: tuple[str, ...]

    def in_lang(self, lang: Lang) -> tuple[str, ...]:
        return self.en if lang == "en" else self.zh


class Check(Bilingual):
    """Something to look at, and the aksbot command that shows it live when one exists."""

    command: str | None = None


class Fix(Bilingual):
    """A remedy with its risk, and the aksbot action that performs it when one exists."""

    risk: Risk
    action: str | None = None


class VersionNote(Bilingual):
    """What changed with a Kubernetes or AKS version (kept as a string: "1.30" is not 1.3)."""

    version: str = Field(min_length=1)


class Correction(Bilingual):
    """Where the team's notes are wrong or outdated, and what is right."""


class NoteSource(_Model):
    """The team's note file and the exact heading the entry came from."""

    file: str = Field(min_length=1)
    heading: str = Field(min_length=1)


class DocSource(_Model):
    """Official documentation backing the entry."""

    title: str = Field(min_length=1)
    url: str = Field(min_length=1)


class Sources(_Model):
    notes: tuple[NoteSource, ...] = ()
    docs: tuple[DocSource, ...] = ()


class Entry(_Model):
    """One troubleshooting entry: front matter plus the long-form body in both languages."""

    id: str = Field(min_length=1)
    title: Bilingual
    summary: Bilingual
    symptoms: BilingualList
    errors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    fixes: tuple[Fix, ...] = ()
    versions: tuple[VersionNote, ...] = ()
    corrections: tuple[Correction, ...] = ()
    signals: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    sources: Sources
    body: Bilingual
