"""The approval commands behind the card's buttons, and the audit trail.

`approve`, `deny` and `cancel` are read-risk commands open to everyone (`requires=None`): the workflow decides
whether the clicking user may, from the request's own cluster and policy, and says why not. They run the same
whether typed or clicked, in Slack or in the shell.
"""

from __future__ import annotations

from dataclasses import replace

from bot.approvals.audit import AuditLog
from bot.approvals.cards import ApprovalCard, Decision, PendingList
from bot.approvals.commands import AuditArgs, DenyArgs, PendingArgs, RequestArgs
from bot.approvals.ports import Approvals
from bot.deps import Deps
from bot.errors import NotConfigured
from bot.registry import Call, Role, Scope, command


def _approvals(deps: Deps) -> Approvals:
    if deps.approvals is None:
        raise NotConfigured("The approval workflow is not configured (no approval store).")
    return deps.approvals


@command(
    "approve",
    aliases=("批准",),
    args=RequestArgs,
    scope=Scope.NONE,
    requires=None,
    who="anyone; the approval policy of the request decides whether it counts",
    examples=("/k8s approve k3j9x2ab",),
)
def approve(call: Call[RequestArgs], deps: Deps) -> Decision:
    """Approve a pending request (not your own); it runs once enough approvers agreed."""
    return _approvals(deps).approve(call.args.request_id, call.caller)


@command(
    "deny",
    aliases=("拒绝",),
    args=DenyArgs,
    scope=Scope.NONE,
    requires=None,
    who="anyone; the approval policy of the request decides whether it counts",
    examples=("/k8s deny k3j9x2ab not during the release freeze",),
)
def deny(call: Call[DenyArgs], deps: Deps) -> Decision:
    """Deny a pending request, with the reason; nothing runs."""
    # Without a reason (a Deny button leaves it out) the workflow asks for one — only if the request still waits
    # and the caller may deny it.
    return _approvals(deps).deny(call.args.request_id, call.caller, call.args.reason)


@command(
    "cancel",
    aliases=("撤回",),
    args=RequestArgs,
    scope=Scope.NONE,
    requires=None,
    who="the requester only",
    examples=("/k8s cancel k3j9x2ab",),
)
def cancel(call: Call[RequestArgs], deps: Deps) -> Decision:
    """Withdraw your own pending request; nothing runs."""
    return _approvals(deps).cancel(call.args.request_id, call.caller)


@command(
    "request",
    args=RequestArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s request k3j9x2ab",),
)
def request_status(call: Call[RequestArgs], deps: Deps) -> ApprovalCard:
    """Show an approval request's card: what it does, who decided, the outcome."""
    return _approvals(deps).status(call.args.request_id)


@command(
    "audit",
    aliases=("审计",),
    args=AuditArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s audit", "/k8s audit --last 50 --user U0ALICE", "/k8s audit --cluster prod --jsonl"),
)
def audit(call: Call[AuditArgs], deps: Deps) -> AuditLog:
    """The audit trail of approval requests: who requested, approved, denied, what ran and how it ended."""
    a = call.args
    trail = _approvals(deps).audit(
        last=a.last, user=a.user, cluster=a.cluster, request=a.request, jsonl=a.jsonl, caller=call.caller
    )
    return replace(trail, lang=call.lang)


@command(
    "approvals",
    args=PendingArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    aliases=("pending", "审批"),
    examples=("/k8s approvals", "/k8s approvals --cluster prod"),
)
def approvals(call: Call[PendingArgs], deps: Deps) -> PendingList:
    """List the approval requests waiting for a decision, the ones you may approve first."""
    # The workflow says what waits; the list is worded in the language it was asked in.
    return replace(_approvals(deps).pending_for(call.caller, call.args.cluster), lang=call.lang)
