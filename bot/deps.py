"""Everything a handler may reach, in one object built at the edge (`bot.app.build_deps`).

Handlers receive `Deps` and reach the world only through it; tests build one with sandbox-backed adapters or
plain fakes. Nothing here imports an SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.azure.ports import AzureProvider
from bot.clock import Clock
from bot.cluster.ports import ClusterProvider
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.alerts.ports import AlertBook
    from bot.approvals.ports import Approvals
    from bot.incidents.ports import Incidents
    from bot.questions.model import QuestionLog
    from knowledge import KnowledgeBase


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
