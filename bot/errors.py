"""The project's own exception tree.

Adapters translate SDK exceptions (kubernetes, azure, slack, database) into these, so handlers and the
dispatcher never see a library's exception type. Every one of them carries a message that is safe to show in
chat: no token, no secret value, no stack trace.

    AksbotError
    ├── UserError            the input was wrong; message says what, `usage` shows the right form
    │   └── UnknownCommand   with "did you mean" suggestions
    ├── NotAuthorized        the caller lacks the role for this command on this cluster
    ├── NotConfigured        a setting the command needs is missing (no cluster, no Azure, no store …)
    ├── NotFound             the object does not exist (404)
    ├── Forbidden            the cluster or Azure refused the bot's own identity (403)
    ├── Conflict             the object changed under us or already exists (409)
    ├── Refused              the cluster refused for a domain reason (e.g. a PodDisruptionBudget, 429)
    └── Upstream             the cluster or Azure failed or is unreachable; `temporary` says if a retry may help
"""

from __future__ import annotations


class AksbotError(Exception):
    """Base of every error whose message may be shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(AksbotError):
    """The request was malformed: a missing argument, an unknown flag, a bad value."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class UnknownCommand(UserError):
    """The first words matched no command; `suggestions` holds the closest names."""

    def __init__(self, word: str, suggestions: tuple[str, ...]) -> None:
        hint = f" Did you mean: {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown command `{word}`.{hint} Try `/k8s help`.")
        self.word = word
        self.suggestions = suggestions


class NotAuthorized(AksbotError):
    """The caller may not run this command on this cluster."""


class NotConfigured(AksbotError):
    """A setting the command needs is missing; the message names it."""


class NotFound(AksbotError):
    """The named object does not exist."""

    def __init__(self, message: str, *, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class Forbidden(AksbotError):
    """The cluster or Azure refused the bot's identity; the message names the missing permission."""


class Conflict(AksbotError):
    """The object changed since it was read, or already exists."""


class Refused(AksbotError):
    """The platform refused for a domain reason the user can act on (a PodDisruptionBudget, a quota)."""


class Upstream(AksbotError):
    """The cluster or Azure failed or could not be reached."""

    def __init__(self, message: str, *, temporary: bool = True) -> None:
        super().__init__(message)
        self.temporary = temporary
