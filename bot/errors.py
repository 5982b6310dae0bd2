"""The project's own exception tree.

Adapters translate SDK exceptions (kubernetes, azure, slack, database) into these, so handlers and the
dispatcher never see a library's exception type. Every one of them carries a message that is safe to show in
chat: no token, no secret value, no stack trace — and knows how it ends a request (`outcome`, for the log line)
and how it reads (`level`, `view()`), so the dispatcher answers all of them in one place.

    AksbotError                outcome    level
    ├── UserError              user_error warn   the input was wrong; message says what, `usage` shows the form
    │   ├── UnknownCommand     user_error warn   with "did you mean" suggestions
    │   └── NeedsInput         needs_input info  a clicked command needs an argument the surface can ask for
    ├── NotAuthorized          denied     error  the caller lacks the role for this command on this cluster
    ├── NotConfigured          failed     warn   a setting the command needs is missing (no cluster, no Azure …)
    ├── NotFound               failed     warn   the object does not exist (404)
    ├── Forbidden              failed     error  the cluster or Azure refused the bot's own identity (403)
    ├── Conflict               failed     warn   the object changed under us or already exists (409)
    ├── Refused                failed     warn   the platform refused for a domain reason (a PDB, a 429)
    ├── Upstream               failed     error  the cluster or Azure failed or is unreachable; `temporary` says
    │                                            whether a retry may help
    └── NotDelivered           failed     error  a message could not be posted (the bot is not in the channel, a
                                                 scope is missing); `hint` says what to do
"""

from __future__ import annotations

from typing import ClassVar

from bot.blocks import Block, Code, Context, Level, Notice, Rich, View, plain
from bot.i18n import ERRORS, Lang, Said, in_lang, joined, said


class AksbotError(Exception):
    """Base of every error whose message may be shown to the user as is.

    The message may name people (`Rich`); `message` is its plain words (logs, summaries). A message written in both
    languages (a `Said`) is English wherever a string is wanted and is shown in the asker's language by `view`."""

    outcome: ClassVar[str] = "failed"
    level: ClassVar[Level] = Level.ERROR

    def __init__(self, message: Rich) -> None:
        super().__init__(plain(message))
        self.rich = message
        self.message = plain(message)

    def text(self) -> str:
        """What the person who asked reads, in plain words."""
        return self.message

    def view(self, lang: Lang = "en") -> View:
        text = in_lang(self.text(), lang)
        shown: Rich = self.rich if isinstance(self.rich, tuple) and self.text() == self.message else text
        return View(text, (Notice(shown, self.level),))


class UserError(AksbotError):
    """The request was malformed: a missing argument, an unknown flag, a bad value."""

    outcome = "user_error"
    level = Level.WARN

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage

    def view(self, lang: Lang = "en") -> View:
        text = in_lang(self.message, lang)
        blocks: list[Block] = [Notice(text, self.level)]
        if self.usage:
            blocks.append(Code(self.usage, ERRORS.usage(lang)))
        return View(text, tuple(blocks))


class UnknownCommand(UserError):
    """The first words matched no command; `suggestions` holds the closest names."""

    def __init__(self, word: str, suggestions: tuple[str, ...]) -> None:
        names = joined([f"`{s}`" for s in suggestions], ", ", "、")
        hint = said(ERRORS.command_hint, names=names) if suggestions else Said("", "")
        super().__init__(said(ERRORS.unknown_command, word=word, hint=hint))
        self.word = word
        self.suggestions = suggestions

    def view(self, lang: Lang = "en") -> View:
        view = super().view(lang)
        if self.suggestions:
            return view
        return View(view.summary, (*view.blocks, Context(ERRORS.no_close_command(lang))))


class IncompleteCommand(UnknownCommand):
    """A command group's name without one of its commands (`/k8s aks`, `/k8s aks status`): all of them are named."""

    def __init__(self, word: str, group: str, members: tuple[str, ...]) -> None:
        names = joined([f"`{m}`" for m in members], ", ", "、")
        UserError.__init__(self, said(ERRORS.group_only, word=word, group=group, names=names))
        self.word = word
        self.suggestions = members


class NeedsInput(UserError):
    """A command run from a button needs an argument the button leaves out (Deny's reason). A surface that can ask
    (a Slack dialog) asks for `param` and runs the command again with it; the others show the message."""

    outcome = "needs_input"
    level = Level.INFO

    def __init__(self, param: str, message: str, usage: str | None = None) -> None:
        super().__init__(message, usage)
        self.param = param


class NotAuthorized(AksbotError):
    """The caller may not run this command on this cluster."""

    outcome = "denied"


class NotConfigured(AksbotError):
    """A setting the command needs is missing; the message names it."""

    level = Level.WARN


class NotFound(AksbotError):
    """The named object does not exist."""

    level = Level.WARN

    def __init__(self, message: str, *, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class Forbidden(AksbotError):
    """The cluster or Azure refused the bot's identity; the message names the missing permission. `permission`,
    when known, is that permission alone (`` `carol` may not `list` `events` in namespace `shop` ``), for answers
    that name several."""

    def __init__(self, message: Rich, *, permission: str | None = None) -> None:
        super().__init__(message)
        self.permission = permission

    def text(self) -> str:
        return said(ERRORS.refused_bot, message=self.message)


class Conflict(AksbotError):
    """The object changed since it was read, or already exists."""

    level = Level.WARN


class Refused(AksbotError):
    """The platform refused for a domain reason the user can act on (a PodDisruptionBudget, a quota)."""

    level = Level.WARN


class Upstream(AksbotError):
    """The cluster or Azure failed or could not be reached. A temporary failure ends with "try again in a minute",
    unless its message already says when (`retry_said`: a 429's Retry-After)."""

    def __init__(self, message: str, *, temporary: bool = True, retry_said: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.retry_said = retry_said

    def text(self) -> str:
        if self.temporary and not self.retry_said:
            return said(ERRORS.may_be_temporary, message=self.message)
        return self.message


class NotDelivered(AksbotError):
    """Slack (or another surface) would not take a message; the message says where and what to do about it."""

    def __init__(self, message: Rich, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code
