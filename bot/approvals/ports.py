"""What the dispatcher and the approval commands need of the approval workflow (`Deps.approvals`).

`bot.approvals.workflow.ApprovalWorkflow` implements it; the dispatcher calls `request` and `card_posted`, the
`approve`/`deny`/`cancel`/`audit` handlers call the rest with the clicking user. The policy (self-approval,
who may approve, expiry, exactly once) is enforced behind this interface, never by a caller.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.approvals.audit import AuditLog
from bot.approvals.cards import ApprovalCard, Decision, PendingList
from bot.registry import Caller, ClusterCall, CommandSpec
from bot.surface import MessageRef


class Approvals(Protocol):
    def request(self, call: ClusterCall[Any], spec: CommandSpec) -> ApprovalCard:
        """Preview the call and store a pending request; the card to post (raises `Refused` when the preview
        says the action cannot or need not run)."""
        ...

    def card_posted(self, request_id: str, ref: MessageRef | None) -> None:
        """Where the dispatcher posted the card, so transitions update it and progress goes in its thread."""
        ...

    def approve(self, request_id: str, caller: Caller) -> Decision: ...

    def deny(self, request_id: str, caller: Caller, reason: str) -> Decision: ...

    def cancel(self, request_id: str, caller: Caller) -> Decision: ...

    def status(self, request_id: str) -> ApprovalCard: ...

    def pending_for(self, caller: Caller, cluster: str | None = None) -> PendingList:
        """Requests waiting for a decision, those `caller` may approve first."""
        ...

    def audit(
        self,
        *,
        last: int | None = 20,
        user: str | None = None,
        cluster: str | None = None,
        jsonl: bool = False,
        caller: Caller | None = None,
    ) -> AuditLog:
        """The trail, limited to the clusters `caller` has a role on when a caller is given."""
        ...
