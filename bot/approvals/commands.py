"""The commands an approval card's buttons run, as typed references.

The commands themselves (`approve`, `deny`, `cancel`, `request`) are registered in `handlers/approvals.py`; their
argument models live here because the card (drawn by the workflow) builds the buttons that run them.
"""

from __future__ import annotations

from bot.refs import CommandRef
from bot.registry import Args, arg


class RequestArgs(Args):
    request_id: str = arg(help="the approval request's id (on its card)", metavar="ID")


class DenyArgs(Args):
    request_id: str = arg(help="the approval request's id (on its card)", metavar="ID")
    # A Deny button leaves the reason out: Slack asks for it in a dialog before the command runs.
    reason: str | None = arg(
        None, help="why it is denied (shown on the card and kept in the audit)", greedy=True, ask=True
    )


def approve_ref(request_id: str) -> CommandRef:
    return CommandRef("approve", RequestArgs(request_id=request_id))


def deny_ref(request_id: str) -> CommandRef:
    return CommandRef("deny", DenyArgs(request_id=request_id))


def cancel_ref(request_id: str) -> CommandRef:
    return CommandRef("cancel", RequestArgs(request_id=request_id))


def request_ref(request_id: str) -> CommandRef:
    return CommandRef("request", RequestArgs(request_id=request_id))
