"""Who is in which group: the port the dispatcher (roles) and the approval policy (who may approve) ask.

Roles and approver lists name users, user groups and `*`. Only a directory knows what a group id looks like and
who is in it: Slack's user groups through Slack (`bot.slack.groups`), the settings' `groups:` mapping in the shell
and tests (`SettingsGroups` here). Everything else asks this port and never resolves membership itself.
"""

from __future__ import annotations

from typing import Protocol

from bot.settings import Settings


class GroupDirectory(Protocol):
    def groups_of(self, user: str) -> frozenset[str]:
        """The groups (named in the settings) `user` belongs to."""
        ...

    def people(self, member: str) -> frozenset[str] | None:
        """The users a role member stands for: a user itself, a group its members; None when that cannot be told
        now (`*`, or a group whose members cannot be fetched at the moment)."""
        ...


class NoGroups:
    """No groups at all: every member is a user (or `*`)."""

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset()

    def people(self, member: str) -> frozenset[str] | None:
        return None if member == "*" else frozenset({member})


class SettingsGroups:
    """Groups from the settings' `groups:` mapping (the shell, `aksbot demo`, tests)."""

    def __init__(self, settings: Settings) -> None:
        self.groups = {name: frozenset(members) for name, members in settings.groups.items()}

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset(g for g, members in self.groups.items() if user in members)

    def people(self, member: str) -> frozenset[str] | None:
        if member == "*":
            return None
        return self.groups.get(member, frozenset({member}))
