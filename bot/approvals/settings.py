"""Approval policy settings (a part of `bot.settings`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ApprovalPolicy(BaseModel):
    """Who may approve and how many must, for a cluster or one action on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    approvers: list[str] | None = None  # user or group IDs; None: the cluster's `approver` role
    required_approvals: int = Field(default=1, ge=1, le=3)
    expiry_minutes: int = Field(default=15, ge=1, le=24 * 60)


class ApprovalSettings(BaseModel):
    """Global approval settings; clusters and actions may override the policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expiry_minutes: int = Field(default=15, ge=1, le=24 * 60)
    required_approvals: int = Field(default=1, ge=1, le=3)
    channel: str | None = None  # also post approval cards here
