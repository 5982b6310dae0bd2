"""The `cache:` section of the settings: the watch cache that read commands answer from (`bot.cluster.cache`).

    cache:
      enabled: true                # false: every read command lists the cluster live
      max_staleness_seconds: 90    # older than this (no word from the watch), a read goes live
      followers: live              # live | cache: what a replica that is not the leader answers reads from
      max_events: 20000            # events kept per cluster (the newest); the rest are asked live
      watch_timeout_seconds: 300   # the server ends each watch after 1–2× this; the client then resumes

`followers`: only the leader replica watches by default (one set of watches per cluster, one copy of the
cluster in memory); the others answer reads live, correct but as slow as a cold read. `cache` makes every
replica keep its own watch cache: fast answers everywhere, at the price of one copy (and one set of watches on
the API server) per replica. A single process (the shell, `aksbot demo`) always watches.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CacheSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    # kube-apiserver sends a watch bookmark about once a minute on a quiet cluster: the bound must be longer.
    max_staleness_seconds: float = Field(default=90.0, gt=0)
    followers: Literal["live", "cache"] = "live"
    max_events: int = Field(default=20_000, ge=100)
    watch_timeout_seconds: int = Field(default=300, ge=1)


class LeaderSettings(BaseModel):
    """The `leader:` section: the Lease replicas on PostgreSQL elect their leader on (`bot.cluster.leader`).

        leader:
          cluster: prod                # whose API server holds the Lease (default: default_cluster, else the first)
          namespace: aksbot            # default: the pod's own namespace (its service account's), else "aksbot"
          name: aksbot-leader          # the Lease's name
          lease_duration_seconds: 15   # client-go's defaults (kube-controller-manager's)
          renew_deadline_seconds: 10
          retry_period_seconds: 2

    A single replica (SQLite, the shell, `aksbot demo`) leads without a Lease; replicas sharing PostgreSQL
    (`AKSBOT_DATABASE_URL`) elect one. The bot's service account needs get/create/update on leases in
    `namespace` (deploy/kubernetes/rbac.yaml). Each replica stands under its own name (`<hostname>:<pid>:…`, as
    its Slack inbox knows it), never one from this shared file: two replicas with one identity would both lead."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: str | None = None
    namespace: str | None = None
    name: str = Field(default="aksbot-leader", pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    lease_duration_seconds: float = Field(default=15.0, gt=0)
    renew_deadline_seconds: float = Field(default=10.0, gt=0)
    retry_period_seconds: float = Field(default=2.0, gt=0)
