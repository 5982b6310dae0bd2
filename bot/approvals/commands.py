"""The commands an approval card's buttons run, as typed references.

The commands themselves (`approve`, `deny`, `cancel`, `request`) are registered in `handlers/approvals.py`; their
argument models live here because the card (drawn by the workflow) builds the buttons that run them.
"""

from __future__ import annotations

from bot.refs import CommandRef
from bot.registry import Args, arg, opt


class RequestArgs(Args):
    request_id: str = arg(help="the approval request's id (on its card)", metavar="ID")


class DenyArgs(Args):
    request_id: str = arg(help="the approval request's id (on its card)", metavar="ID")
    # A Deny button leaves the reason out: Slack asks for it in a dialog before the command runs.
    reason: str | None = arg(
        None, help="why it is denied (shown on the card and kept in the audit)", greedy=True, ask=True
    )


class AuditArgs(Args):
    last: int = opt(20, help="how many of the latest entries", flags=("--last",), metavar="N", ge=1, le=1000)
    user: str | None = opt(None, help="only what this user did", flags=("--user",), metavar="U")
    cluster: str | None = opt(None, help="only this cluster", flags=("--cluster",), metavar="C")
    request: str | None = opt(None, help="only this approval request", flags=("--request",), metavar="ID")
    jsonl: bool = opt(False, help="as JSON lines (for export)", flags=("--jsonl",))


class PendingArgs(Args):
    cluster: str | None = opt(None, help="only this cluster", flags=("--cluster",), metavar="C")


def approve_ref(request_id: str) -> CommandRef:
    return CommandRef("approve", RequestArgs(request_id=request_id))


def deny_ref(request_id: str) -> CommandRef:
    return CommandRef("deny", DenyArgs(request_id=request_id))


def cancel_ref(request_id: str) -> CommandRef:
    return CommandRef("cancel", RequestArgs(request_id=request_id))


def request_ref(request_id: str) -> CommandRef:
    return CommandRef("request", RequestArgs(request_id=request_id))


def audit_ref(request_id: str) -> CommandRef:
    """The audit trail of one request: who asked, who decided, what ran."""
    return CommandRef("audit", AuditArgs(request=request_id))
