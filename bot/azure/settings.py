"""Per-cluster Azure settings (a part of `bot.settings`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AzureSettings(BaseModel):
    """Where the cluster lives in Azure and how the bot authenticates there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cloud: Literal["AzureCloud", "AzureChinaCloud"] = "AzureCloud"
    subscription_id: str = Field(min_length=1)
    resource_group: str = Field(min_length=1)
    cluster_name: str = Field(min_length=1)
    # Overrides for sovereign or test endpoints; normally derived from `cloud`.
    arm_endpoint: str | None = None
    authority_host: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    # The name of the environment variable holding a client secret (the secret itself never goes in the file).
    client_secret_env: str | None = None
    # A CA bundle to trust for the ARM endpoint and the authority (a private proxy, the sandbox).
    ca_bundle: str | None = None
    # How often to poll a long-running operation when Azure gives no Retry-After (the SDK's default is 30 s).
    poll_interval_seconds: float | None = Field(default=None, gt=0, le=300)
