"""The AKS adapter: azure-identity for the token, `ContainerServiceClient` for the resource provider.

Credentials per cluster (`AzureSettings`):
- `client_secret_env` set: a client-secret flow for that app registration, the secret read from the named
  environment variable (never from the file);
- otherwise `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI …). Its
  `authority=` does not reach workload identity, which reads `AZURE_AUTHORITY_HOST` itself; so when a federated
  token file is present we build the `WorkloadIdentityCredential` ourselves with the cluster's authority and put it
  first. The authority is the setting's `authority_host`, else `AZURE_AUTHORITY_HOST`, else the cloud's.
- The ARM endpoint and the token scope follow the cloud (`AzureChinaCloud`: management.chinacloudapi.cn and its
  `/.default` scope); `arm_endpoint` moves the endpoint only, never the scope.

Every SDK exception is translated into `bot.errors` here, with what to do about it: 403 names the action and
scope and the role to grant, 429 says when to retry (a Retry-After longer than we are willing to wait is not
slept on), timeouts and connection failures are bounded and say so.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.policies import RetryPolicy
from azure.core.polling import LROPoller
from azure.identity import (
    ChainedTokenCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    WorkloadIdentityCredential,
)
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice.models import AgentPool as SdkAgentPool

from bot.azure.model import (
    AgentPool,
    ManagedCluster,
    PoolUpgradeProfile,
    SupportedMinor,
    UpgradeProfile,
    supported_minors,
)
from bot.azure.ports import DEFAULT_WRITE_TIMEOUT, AksClient, Progress
from bot.azure.settings import AzureSettings
from bot.errors import AksbotError, Conflict, Forbidden, NotConfigured, NotFound, Refused, Upstream
from bot.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class CloudEndpoints:
    arm: str
    authority: str
    scope: str


CLOUDS: dict[str, CloudEndpoints] = {
    "AzureCloud": CloudEndpoints(
        "https://management.azure.com", "login.microsoftonline.com", "https://management.azure.com/.default"
    ),
    "AzureChinaCloud": CloudEndpoints(
        "https://management.chinacloudapi.cn", "login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"
    ),
}
_KNOWN_AUTHORITIES = frozenset({"login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us"})

# Bounds: how long one HTTP exchange may take, how often we retry, and the longest Retry-After we sleep on.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30
RETRIES = 2
MAX_RETRY_AFTER = 10.0
PROGRESS_EVERY = 30.0


class BoundedRetryPolicy(RetryPolicy[Any, Any]):
    """Azure-core's retry, except that a Retry-After longer than `max_retry_after` ends the attempt at once.

    ARM throttling can ask for minutes; a chat command must not hang that long, it says when to try again.
    """

    def __init__(self, *, max_retry_after: float = MAX_RETRY_AFTER, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        wait = self.get_retry_after(response)
        if wait is not None and wait > self.max_retry_after:
            return False
        return bool(super().is_retry(settings, response))


def cloud_of(az: AzureSettings) -> CloudEndpoints:
    return CLOUDS[az.cloud]


def authority_of(az: AzureSettings, environ: Mapping[str, str]) -> str:
    """The Entra authority host for this cluster: the setting, else AZURE_AUTHORITY_HOST, else the cloud's."""
    return az.authority_host or environ.get("AZURE_AUTHORITY_HOST") or cloud_of(az).authority


def build_credential(az: AzureSettings, environ: Mapping[str, str]) -> TokenCredential:
    """The credential for one cluster (see the module docstring for the order)."""
    authority = authority_of(az, environ)
    host = re.sub(r"^https?://", "", authority).split("/")[0].split(":")[0]
    common: dict[str, Any] = {"authority": authority}
    if host not in _KNOWN_AUTHORITIES:
        # A sovereign or local authority is not in Microsoft's instance-discovery list; MSAL would reject it.
        common["disable_instance_discovery"] = True
    if az.ca_bundle:
        common["connection_verify"] = az.ca_bundle
    if az.client_secret_env:
        secret = environ.get(az.client_secret_env)
        if not secret:
            raise NotConfigured(
                f"The Azure client secret is expected in the environment variable `{az.client_secret_env}`, "
                "which is not set."
            )
        if not az.tenant_id or not az.client_id:
            raise NotConfigured("A client-secret login needs `tenant_id` and `client_id` in the cluster's `azure:`.")
        return ClientSecretCredential(az.tenant_id, az.client_id, secret, **common)
    token_file = environ.get("AZURE_FEDERATED_TOKEN_FILE")
    tenant = az.tenant_id or environ.get("AZURE_TENANT_ID")
    client_id = az.client_id or environ.get("AZURE_CLIENT_ID")
    default = DefaultAzureCredential(
        authority=authority,
        exclude_workload_identity_credential=True,
        managed_identity_client_id=client_id,
    )
    if token_file and tenant and client_id:
        workload = WorkloadIdentityCredential(
            tenant_id=tenant, client_id=client_id, token_file_path=token_file, **common
        )
        return ChainedTokenCredential(workload, default)
    return default


def build_client(
    az: AzureSettings, environ: Mapping[str, str], *, read_timeout: float = READ_TIMEOUT
) -> ContainerServiceClient:
    cloud = cloud_of(az)
    kwargs: dict[str, Any] = {
        "base_url": (az.arm_endpoint or cloud.arm).rstrip("/"),
        "credential_scopes": [cloud.scope],
        "retry_policy": BoundedRetryPolicy(retry_total=RETRIES, retry_backoff_factor=0.5, retry_backoff_max=5),
        "connection_timeout": CONNECT_TIMEOUT,
        "read_timeout": read_timeout,
    }
    if az.ca_bundle:
        kwargs["connection_verify"] = az.ca_bundle
    if az.poll_interval_seconds is not None:
        kwargs["polling_interval"] = az.poll_interval_seconds
    return ContainerServiceClient(build_credential(az, environ), az.subscription_id, **kwargs)


# -- error translation --------------------------------------------------------------------------------------

_ACTION_SCOPE = re.compile(r"perform action '(?P<action>[^']+)' over scope '(?P<scope>[^']+)'")


def _role_for(action: str) -> str:
    if action.lower().endswith("/read"):
        return "Reader"
    return "Azure Kubernetes Service Contributor Role"


def _arm_code(exc: HttpResponseError) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    return str(code) if code else ""


def _arm_message(exc: HttpResponseError) -> str:
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None)
    if message:
        return str(message)
    return str(exc.message or exc.reason or "no message").splitlines()[0]


def translate(exc: Exception, what: str, az: AzureSettings) -> AksbotError:
    """One SDK exception as the project's error, with the next step in its message."""
    where = f"`{az.cluster_name}` (resource group `{az.resource_group}`)"
    if isinstance(exc, ClientAuthenticationError) and not getattr(exc, "status_code", None):
        text = str(exc.message or exc)
        if "AADSTS7000222" in text:
            return Forbidden(
                f"Azure sign-in for {where} failed: the client secret has expired (AADSTS7000222). "
                "Create a new one (`az ad app credential reset --id <client-id>`) and update the secret the bot "
                "reads. See `/k8s kb sp-expired`."
            )
        first = text.strip().splitlines()[0] if text.strip() else "no detail"
        return Forbidden(f"Azure sign-in for {where} failed while trying to {what}: {first[:400]}")
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        code = _arm_code(exc)
        message = _arm_message(exc)
        if status == 401:
            return Forbidden(f"Azure rejected the bot's token while trying to {what} ({code or 401}): {message}")
        if status == 403:
            m = _ACTION_SCOPE.search(message)
            if m:
                role = _role_for(m["action"])
                return Forbidden(
                    f"Azure refused to {what}: the bot's identity may not perform `{m['action']}` on "
                    f"`{m['scope']}`. Grant it the *{role}* role on that scope "
                    f'(`az role assignment create --assignee <bot client id> --role "{role}" --scope {m["scope"]}`).'
                )
            return Forbidden(f"Azure refused to {what} on {where} ({code or 403}): {message}")
        if status == 404:
            return NotFound(f"Azure has no such resource while trying to {what} on {where}: {message}", kind="azure")
        if status == 409:
            return Conflict(f"Azure could not {what} now ({code or 409}): {message}")
        if status == 429:
            headers = getattr(exc.response, "headers", None) or {}
            wait = headers.get("Retry-After")
            after = f" Azure asks to wait {wait} s before trying again." if wait else " Try again in a minute."
            return Upstream(f"Azure is throttling requests for {where} (429) while trying to {what}.{after}")
        if 400 <= status < 500:
            return Refused(f"Azure refused to {what} ({code or status}): {message}")
        if status >= 500:
            return Upstream(f"Azure failed while trying to {what} ({code or status}): {message}. Try again shortly.")
        # A long-running operation that ended Failed: the status document answered 200.
        return Refused(f"Azure could not {what} ({code or 'OperationFailed'}): {message}")
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return Upstream(
            f"Azure Resource Manager did not answer in time or could not be reached while trying to {what} "
            f"(each request is bounded: connect {CONNECT_TIMEOUT} s, read {READ_TIMEOUT} s, {RETRIES} retries): "
            f"{type(exc).__name__}."
        )
    raise exc


# -- the client ---------------------------------------------------------------------------------------------


class SdkAksClient(AksClient):
    """One cluster's resource provider, over `ContainerServiceClient`."""

    def __init__(self, az: AzureSettings, client: ContainerServiceClient) -> None:
        self.az = az
        self._client = client

    @contextmanager
    def _azure(self, what: str) -> Iterator[None]:
        try:
            yield
        except (ClientAuthenticationError, HttpResponseError, ServiceRequestError, ServiceResponseError) as exc:
            raise translate(exc, what, self.az) from None

    def _rg_name(self) -> tuple[str, str]:
        return self.az.resource_group, self.az.cluster_name

    def cluster(self) -> ManagedCluster:
        with self._azure("read the managed cluster"):
            return ManagedCluster.from_arm(self._client.managed_clusters.get(*self._rg_name()).as_dict())

    def pools(self) -> tuple[AgentPool, ...]:
        with self._azure("list the agent pools"):
            return tuple(AgentPool.from_arm(p.as_dict()) for p in self._client.agent_pools.list(*self._rg_name()))

    def _pool_body(self, pool: str) -> dict[str, Any]:
        with self._azure(f"read agent pool `{pool}`"):
            body: dict[str, Any] = self._client.agent_pools.get(*self._rg_name(), pool).as_dict()
            return body

    def upgrade_profile(self) -> UpgradeProfile:
        with self._azure("read the upgrade profile"):
            return UpgradeProfile.from_arm(
                self._client.managed_clusters.get_upgrade_profile(*self._rg_name()).as_dict()
            )

    def pool_upgrade_profile(self, pool: str) -> PoolUpgradeProfile:
        with self._azure(f"read the upgrade profile of pool `{pool}`"):
            body = self._client.agent_pools.get_upgrade_profile(*self._rg_name(), pool).as_dict()
            return PoolUpgradeProfile.from_arm(body, pool)

    def supported_versions(self, location: str) -> tuple[SupportedMinor, ...]:
        with self._azure(f"list the Kubernetes versions offered in {location}"):
            return supported_minors(self._client.managed_clusters.list_kubernetes_versions(location).as_dict())

    def _wait(self, poller: LROPoller[T], what: str, progress: Progress | None, timeout: float) -> T | None:
        """Wait for a long-running operation, reporting every PROGRESS_EVERY seconds, for at most `timeout`."""
        deadline = time.monotonic() + timeout
        next_report = time.monotonic() + PROGRESS_EVERY
        while not poller.done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Upstream(
                    f"Azure is still working on it ({what}) after {int(timeout)} s; the operation goes on in Azure. "
                    "Follow it with `/k8s aks pools` or `/k8s aks show`."
                )
            poller.wait(min(remaining, 2.0))
            if progress is not None and time.monotonic() >= next_report:
                progress(f"Azure is still working: {what} ({poller.status()}).")
                next_report = time.monotonic() + PROGRESS_EVERY
        return poller.result()

    def scale_pool(
        self, pool: str, count: int, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool:
        body = self._pool_body(pool)
        props = body.setdefault("properties", {})
        if props.get("enableAutoScaling"):
            raise Refused(
                f"Pool `{pool}` is scaled by the cluster autoscaler (min {props.get('minCount')}, max "
                f"{props.get('maxCount')}); change its limits instead of its count."
            )
        props["count"] = count
        what = f"scale pool `{pool}` to {count} node(s)"
        with self._azure(what):
            group, name = self._rg_name()
            poller = self._client.agent_pools.begin_create_or_update(group, name, pool, SdkAgentPool(body))
            if progress is not None:
                progress(f"Azure accepted: {what}.")
            self._wait(poller, what, progress, timeout)
        return AgentPool.from_arm(self._pool_body(pool))

    def reconcile(self, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT) -> ManagedCluster:
        what = "reconcile the cluster (PUT of its current model)"
        with self._azure(what):
            current = self._client.managed_clusters.get(*self._rg_name())
            poller = self._client.managed_clusters.begin_create_or_update(*self._rg_name(), current)
            if progress is not None:
                progress(f"Azure accepted: {what}.")
            self._wait(poller, what, progress, timeout)
        return self.cluster()

    def upgrade_node_image(
        self, pool: str, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool:
        what = f"upgrade the node image of pool `{pool}`"
        with self._azure(what):
            poller = self._client.agent_pools.begin_upgrade_node_image_version(*self._rg_name(), pool)
            if progress is not None:
                progress(f"Azure accepted: {what}.")
            self._wait(poller, what, progress, timeout)
        return AgentPool.from_arm(self._pool_body(pool))


class AzureSdkProvider:
    """AKS clients for the configured clusters, built on first use and kept for the process."""

    def __init__(
        self,
        settings: Settings,
        *,
        client_factory: Callable[[AzureSettings, Mapping[str, str]], ContainerServiceClient] = build_client,
    ) -> None:
        self.settings = settings
        self._factory = client_factory
        self._clients: dict[str, SdkAksClient] = {}
        self._lock = threading.Lock()

    def client(self, cluster: str) -> AksClient:
        entry = self.settings.cluster(cluster)
        if entry is None:
            raise NotConfigured(f"No cluster named `{cluster}` is configured.")
        if entry.azure is None:
            raise NotConfigured(
                f"Cluster `{cluster}` has no `azure:` settings (subscription_id, resource_group, cluster_name), "
                "so aksbot cannot ask Azure about it."
            )
        with self._lock:
            if cluster not in self._clients:
                self._clients[cluster] = SdkAksClient(entry.azure, self._factory(entry.azure, self.settings.environ))
            return self._clients[cluster]
