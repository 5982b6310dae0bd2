"""Everything a handler may reach, in one object built at the edge (`bot.app.build_deps`).

Handlers receive `Deps` and reach the world only through it; tests build one with sandbox-backed adapters or
plain fakes. Nothing here imports an SDK.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.azure.ports import AzureProvider
from bot.clock import Clock
from bot.cluster.ports import ClusterProvider
from bot.errors import AksbotError
from bot.i18n import Lang
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.alerts.ports import AlertBook
    from bot.approvals.ports import Approvals
    from bot.incidents.ports import Incidents
    from bot.questions.model import QuestionLog
    from knowledge import KnowledgeBase

log = logging.getLogger("aksbot.deps")


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    clusters: ClusterProvider
    azure: AzureProvider
    knowledge: KnowledgeBase | None = None
    approvals: Approvals | None = None
    incidents: Incidents | None = None
    alerts: AlertBook | None = None
    questions: QuestionLog | None = None

    def channel_cluster(self, channel: str | None) -> str | None:
        """The cluster a channel is about: the one `channels:` binds it to, else its incident's (a command typed in
        an incident's channel is about the incident's cluster); None for any other channel, or when the incident
        store cannot say (the caller falls back to the default cluster, as without incidents)."""
        if not channel:
            return None
        bound = self.settings.channels.get(channel)
        if bound is not None or self.incidents is None:
            return bound
        try:
            found = self.incidents.cluster_of(channel)
        except AksbotError as exc:
            log.warning("could not tell whether %s is an incident's channel: %s", channel, exc.message)
            return None
        return found if found in self.settings.cluster_names() else None

    def channel_lang(self, channel: str | None) -> Lang | None:
        """The language a channel speaks: its incident's, the one it was declared in (a line with no Chinese in it
        typed in the channel of an incident declared in Chinese is answered in Chinese); None for any other channel,
        or when the incident store cannot say (the line's own language stands)."""
        if not channel or self.incidents is None:
            return None
        try:
            return self.incidents.lang_of(channel)
        except AksbotError as exc:
            log.warning("could not tell whether %s is an incident's channel: %s", channel, exc.message)
            return None
