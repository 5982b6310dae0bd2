"""What a disruptive command will do, computed before anyone approves it.

A disruptive command registers a preview function `(call, deps) -> Preview` next to its handler. The approval
card shows the preview; the facts in `expect` are stored with the request and, when the approver clicks,
computed again: if any changed, the action is refused and the difference is shown (the world no longer matches
what was approved). Handlers never look at approvals themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Block, Fields, Heading, Level, Notice, View
from bot.i18n import APPROVAL, Said, in_lang, said
from bot.refs import ObjectRef


@dataclass(frozen=True)
class Preview:
    """The exact action, what it will touch, and the facts it was approved against."""

    action: str  # a `Said` (both languages): the card shows the requester's, others read theirs (`action_in`)
    blocks: tuple[Block, ...] = ()
    expect: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    blocked: str | None = None  # set when the action cannot or need not run (say why); no request is created
    done: bool = False  # blocked because what it would do already holds (`already cordoned`): not a failure
    # The one object the action changes, as the preview found it (a name typed in part is resolved): two requests
    # on the same object are told about each other.
    target: ObjectRef | None = None

    def action_in(self, lang: str) -> str:
        """The action in `lang`: a request made in Chinese reads in English in an English list, and the reverse."""
        return in_lang(self.action, lang)

    def view(self, lang: str = "en") -> View:
        blocks: list[Block] = [Heading(self.action_in(lang)), *self.blocks]
        blocks += [Notice(w, Level.WARN) for w in self.warnings]
        if self.blocked:
            blocks.append(Notice(self.blocked, Level.ERROR))
        if self.expect:
            blocks.append(Fields(tuple(self.expect)))
        return View(self.action_in(lang), tuple(blocks))


def drift(approved: Preview, now: Preview) -> list[Said]:
    """The facts that changed between approval and execution, in words (both languages; the facts' names and
    values are the cluster's)."""
    before = dict(approved.expect)
    after = dict(now.expect)
    changes: list[Said] = []
    for key, value in before.items():
        if key not in after:
            changes.append(said(APPROVAL.fact_gone, key=key, value=value))
        elif after[key] != value:
            changes.append(said(APPROVAL.fact_changed, key=key, before=value, after=after[key]))
    if now.blocked and not approved.blocked:
        changes.append(Said(now.blocked, now.blocked))
    return changes
