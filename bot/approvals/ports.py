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

    def card_posted(self, request_id: str, ref: MessageRef) -> None:
        """Where the dispatcher posted the card, so transitions update it and progress goes in its thread."""
        ...

    def card_failed(self, request_id: str, reason: str) -> None:
        """The card could not be posted where it was asked for: the request fails at once, nothing runs."""
        ...

    def approve(self, request_id: str, caller: Caller) -> Decision: ...

    def deny(self, request_id: str, caller: Caller, reason: str | None) -> Decision:
        """Deny with a reason; without one, raises `NeedsInput` (while the request waits and the caller may deny it)."""
        ...

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
        request: str | None = None,
        jsonl: bool = False,
        caller: Caller | None = None,
    ) -> AuditLog:
        """The trail, limited to the clusters `caller` has a role on when a caller is given."""
        ...
