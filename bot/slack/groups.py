"""Slack user groups for authorization (`bot.groups.GroupDirectory` over Slack): which of the groups the settings
name a user belongs to, and who is in a group.

Only groups that the settings actually name (in `roles`, a cluster's `roles` or `oncall`, or an approval policy's
`approvers`) are looked up, each with `usergroups.users.list`, and cached for a short TTL so a burst of commands
costs one call a group. When Slack cannot be asked, the failure is logged and the last known members are used
(or none): people named by user ID keep their access, nobody is locked out silently.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient

from bot.settings import Settings

log = logging.getLogger("aksbot.slack.groups")

_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


def group_ids_in(settings: Settings) -> frozenset[str]:
    """Every Slack user-group ID the settings give a role or an approval power to, or put on call."""
    members: list[str] = []
    for roles in [settings.roles, *(c.roles for c in settings.clusters if c.roles is not None)]:
        members += roles.viewer + roles.operator + roles.approver
    for cluster in settings.clusters:
        for policy in [cluster.approvals, *cluster.actions.values()]:
            if policy is not None and policy.approvers:
                members += policy.approvers
        members += cluster.oncall  # invited to the cluster's incident channels
    return frozenset(m for m in members if _GROUP_ID.match(m))


@dataclass(frozen=True)
class _Members:
    users: frozenset[str]
    fetched_at: float
    known: bool = True  # False: Slack could not be asked and nothing was known before


class SlackGroupDirectory:
    """`bot.dispatch.GroupDirectory` over Slack's user groups."""

    def __init__(
        self,
        client: WebClient,
        groups: Iterable[str],
        *,
        ttl_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.groups = frozenset(groups)
        self.ttl = ttl_seconds
        self.monotonic = monotonic
        self._cache: dict[str, _Members] = {}
        self._locks = {g: threading.Lock() for g in self.groups}

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset(g for g in self.groups if user in self._members(g).users)

    def people(self, member: str) -> frozenset[str] | None:
        """A configured group's members (None while Slack cannot tell); anyone else named is a user."""
        if member == "*":
            return None
        if member not in self.groups:
            return frozenset({member})
        found = self._members(member)
        return found.users if found.known else None

    def check(self) -> list[str]:
        """Groups the settings name that this workspace does not have (logged at start, not fatal)."""
        if not self.groups:
            return []
        try:
            response = self.client.usergroups_list(include_disabled=True)
        except SlackClientError as exc:
            log.warning("usergroups.list failed (%s); group roles are checked per command", exc)
            return []
        known = {str(g.get("id")) for g in response.get("usergroups") or []}
        missing = sorted(self.groups - known)
        for group in missing:
            log.warning("the settings name user group %s, which this Slack workspace does not have", group)
        return missing

    def _members(self, group: str) -> _Members:
        cached = self._cache.get(group)
        now = self.monotonic()
        if cached is not None and now - cached.fetched_at < self.ttl:
            return cached
        with self._locks[group]:
            cached = self._cache.get(group)  # another thread may have refreshed it while we waited
            if cached is not None and self.monotonic() - cached.fetched_at < self.ttl:
                return cached
            try:
                response = self.client.usergroups_users_list(usergroup=group)
                users = frozenset(str(u) for u in response.get("users") or [])
            except SlackClientError as exc:
                stale = cached.users if cached is not None else frozenset()
                log.warning(
                    "usergroups.users.list %s failed (%s); using %d last known member(s), roles by user ID still apply",
                    group,
                    exc,
                    len(stale),
                )
                # Retry after a short pause rather than on every command while Slack is failing.
                retry_at = self.monotonic() - self.ttl + min(self.ttl, 10.0)
                self._cache[group] = _Members(stale, retry_at, known=cached is not None and cached.known)
                return self._cache[group]
            self._cache[group] = _Members(users, self.monotonic())
            return self._cache[group]
