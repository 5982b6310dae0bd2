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
slept on). A network failure is `Upstream` ("unreachable" or "did not answer"), never a sign-in failure: the
credential wraps its transport errors in `ClientAuthenticationError`, so the cause chain decides.

Bounds. One Azure operation (one ARM call, sign-in included) ends within `AZURE_BOUND_S`, whatever the far side
does. Two layers make it so: the SDKs' own knobs (the credential's HTTP pipeline — OpenID discovery and the
token request — and the ARM client each get connect and read timeouts, a retry count and an absolute retry
budget), which end the usual hangs early with the precise cause; and a watchdog that stops waiting at the
bound for what the knobs cannot reach (a developer credential's subprocess, a server that trickles bytes). A
call the watchdog gave up on is left to end on its own knobs in its daemon thread.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.policies import RetryPolicy
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import OperationFailed
from azure.identity import (
    ChainedTokenCredential,
    ClientSecretCredential,
    CredentialUnavailableError,
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
from bot.deadline import call_bound
from bot.errors import AksbotError, Conflict, Forbidden, NotConfigured, NotFound, Refused, Upstream
from bot.i18n import AKS, said
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

# The bound of one Azure operation, sign-in included (see the module docstring).
AZURE_BOUND_S = 15.0
# ARM: one HTTP exchange, how often it is retried, and the longest Retry-After we sleep on.
CONNECT_TIMEOUT = 4.0
READ_TIMEOUT = 10.0
RETRIES = 2
MAX_RETRY_AFTER = 5.0
# Sign-in: each request of the credential (OpenID discovery, then the token) connects within 3 s and waits at
# most 5 s for its answer; one that could not connect is retried once, one that got no answer is not.
SIGN_IN_CONNECT_TIMEOUT = 3.0
SIGN_IN_READ_TIMEOUT = 5.0
SIGN_IN_RETRIES = 1
SIGN_IN_BUDGET = 8.0
# A developer credential (`az`, `azd`, PowerShell) run as a subprocess.
PROCESS_TIMEOUT = 10
PROGRESS_EVERY = 30.0


class BoundedRetryPolicy(RetryPolicy[Any, Any]):
    """Azure-core's retry, except that a Retry-After longer than `max_retry_after` ends the attempt at once, and
    a timeout is never retried.

    ARM throttling can ask for minutes; a chat command must not hang that long, it says when to try again. A
    request that timed out met a silent endpoint: another attempt would only double the wait the message states.
    A fast failure (a reset keep-alive connection, a refused connection, a 5xx) is still retried.
    """

    def __init__(self, *, max_retry_after: float = MAX_RETRY_AFTER, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        wait = self.get_retry_after(response)
        if wait is not None and wait > self.max_retry_after:
            return False
        return bool(super().is_retry(settings, response))

    def increment(self, settings: dict[str, Any], response: Any = None, error: Any = None) -> bool:
        if isinstance(error, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
            return False
        return bool(super().increment(settings, response=response, error=error))


def cloud_of(az: AzureSettings) -> CloudEndpoints:
    return CLOUDS[az.cloud]


def authority_of(az: AzureSettings, environ: Mapping[str, str]) -> str:
    """The Entra authority host for this cluster: the setting, else AZURE_AUTHORITY_HOST, else the cloud's."""
    return az.authority_host or environ.get("AZURE_AUTHORITY_HOST") or cloud_of(az).authority


def _host(url: str) -> str:
    return re.sub(r"^https?://", "", url).split("/")[0]


def sign_in_knobs() -> dict[str, Any]:
    """azure-identity's pipeline settings: they reach the MSAL requests (OpenID discovery, token) of every
    credential built with them, through azure-core's `RequestsTransport` and `RetryPolicy`."""
    return {
        "connection_timeout": SIGN_IN_CONNECT_TIMEOUT,
        "read_timeout": SIGN_IN_READ_TIMEOUT,
        "retry_total": SIGN_IN_RETRIES,
        "retry_connect": SIGN_IN_RETRIES,
        # A read error (no answer, and a TLS handshake that got none) is not retried: that would double the wait.
        "retry_read": 0,
        "retry_backoff_factor": 0.2,
        "retry_backoff_max": 1,
        # azure-core's absolute budget over one request and its retries: a timed-out attempt is not repeated.
        "timeout": SIGN_IN_BUDGET,
    }


def build_credential(az: AzureSettings, environ: Mapping[str, str]) -> TokenCredential:
    """The credential for one cluster (see the module docstring for the order)."""
    authority = authority_of(az, environ)
    host = _host(authority).split(":")[0]
    common: dict[str, Any] = {"authority": authority, **sign_in_knobs()}
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
        process_timeout=PROCESS_TIMEOUT,
        **sign_in_knobs(),
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
        "retry_policy": BoundedRetryPolicy(
            retry_total=RETRIES, retry_backoff_factor=0.5, retry_backoff_max=2, timeout=AZURE_BOUND_S
        ),
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


# What a transport failure says when only its text survived (DefaultAzureCredential folds its credentials'
# errors into one message): requests' and urllib3's wording.
_NO_ROUTE = re.compile(
    r"Connection refused|Failed to establish a new connection|Name or service not known|"
    r"Temporary failure in name resolution|No route to host|Network is unreachable|nodename nor servname",
    re.IGNORECASE,
)
_NO_ANSWER = re.compile(r"timed out|Response timeout|Request timeout", re.IGNORECASE)


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The transport error under `exc` (itself, or a cause): the credential wraps them in its own error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (ServiceRequestError, ServiceResponseError)):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _network_failure(exc: BaseException, what: str, endpoint: str, read_timeout: float) -> Upstream | None:
    """`Upstream` for a failure to reach `endpoint` or to hear from it; None when `exc` is something else.

    azure-core raises `ServiceRequestError` when the request never left (refused, no route, DNS, connect
    timeout) and `ServiceResponseError` when it left and no complete answer came back (read timeout, reset).
    """
    cause = _transport_cause(exc)
    text = str(getattr(exc, "message", "") or exc)
    if isinstance(cause, ServiceRequestError) or (cause is None and _NO_ROUTE.search(text)):
        return Upstream(said(AKS.azure_unreachable, endpoint=endpoint, what=what))
    if isinstance(cause, ServiceResponseError) and not _NO_ANSWER.search(str(cause)):
        return Upstream(said(AKS.azure_closed, endpoint=endpoint, what=what))
    if isinstance(cause, ServiceResponseError) or (cause is None and _NO_ANSWER.search(text)):
        # requests names the timeout it applied ("read timeout=5.0"): the bound that really held.
        applied = re.search(r"read timeout=([0-9.]+)\)?", str(cause or text))
        waited = float(applied.group(1).rstrip(".")) if applied else read_timeout
        return Upstream(said(AKS.azure_no_answer, endpoint=endpoint, what=what, waited=f"{waited:g}",
                             bound=f"{AZURE_BOUND_S:g}"))
    return None


def translate(
    exc: Exception, what: str, az: AzureSettings, authority: str | None = None, *, retry_advice: bool = True
) -> AksbotError:
    """One SDK exception as the project's error, with the next step in its message (without when to try again, when
    `retry_advice` is off: the caller says what to do next)."""
    where = said(AKS.azure_where, cluster=az.cluster_name, group=az.resource_group)
    sign_in = said(AKS.sign_in_endpoint, host=_host(authority or authority_of(az, {})))
    arm = said(AKS.arm_endpoint, host=_host(az.arm_endpoint or cloud_of(az).arm))
    if isinstance(exc, ClientAuthenticationError) and not getattr(exc, "status_code", None):
        network = _network_failure(exc, what, sign_in, SIGN_IN_READ_TIMEOUT)
        if network is not None:
            return network
        text = str(exc.message or exc)
        if isinstance(exc, CredentialUnavailableError) or "failed to retrieve a token from the included" in text:
            # No credential at all, not one Azure refused: a setting is missing where the bot runs.
            return NotConfigured(said(AKS.azure_no_credential, where=where))
        if "AADSTS7000222" in text:
            # Names where the new secret goes (the variable's name, never its value) and whose secret it is: the
            # cluster's own service principal expiring is another fix (`az aks update-credentials`).
            holder = said(AKS.secret_in_env, env=az.client_secret_env) if az.client_secret_env else said(
                AKS.secret_somewhere)
            client = az.client_id or "<client-id>"
            return Forbidden(said(AKS.azure_secret_expired, where=where, client=client, holder=holder))
        first = text.strip().splitlines()[0] if text.strip() else "no detail"
        return Forbidden(said(AKS.azure_sign_in_failed, where=where, what=what, detail=first[:400]))
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        code = _arm_code(exc)
        message = _arm_message(exc)
        if status == 401:
            return Forbidden(said(AKS.azure_token_rejected, what=what, code=code or 401, detail=message))
        if status == 403:
            m = _ACTION_SCOPE.search(message)
            if m:
                role = _role_for(m["action"])
                return Forbidden(said(AKS.azure_may_not, what=what, action=m["action"], scope=m["scope"], role=role))
            return Forbidden(said(AKS.azure_refused_on, what=what, where=where, code=code or 403, detail=message))
        if status == 404:
            return NotFound(said(AKS.azure_no_such, what=what, where=where, detail=message), kind="azure")
        if status == 409:
            return Conflict(said(AKS.azure_conflict, what=what, code=code or 409, detail=message))
        if status == 429:
            headers = getattr(exc.response, "headers", None) or {}
            wait = headers.get("Retry-After")
            if not retry_advice:
                after = ""
            elif wait:
                after = said(AKS.azure_wait_after, seconds=wait)
            else:
                after = said(AKS.azure_try_in_a_minute)
            return Upstream(said(AKS.azure_throttled, where=where, what=what, after=after), retry_said=retry_advice)
        if 400 <= status < 500:
            return Refused(said(AKS.azure_refused, what=what, code=code or status, detail=message))
        if status >= 500:
            return Upstream(said(AKS.azure_failed, what=what, code=code or status, detail=message))
        # A long-running operation that ended Failed: the status document answered 200.
        return Refused(said(AKS.azure_could_not, what=what, code=code or "OperationFailed", detail=message))
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        network = _network_failure(exc, what, arm, READ_TIMEOUT)
        assert network is not None
        return network
    raise exc


# -- the client ---------------------------------------------------------------------------------------------


class _Overtime(Exception):
    """The watchdog stopped waiting; `signed_in` says whether ARM had been reached."""

    def __init__(self, signed_in: bool) -> None:
        super().__init__("overtime")
        self.signed_in = signed_in


def _bounded(work: Callable[[Callable[[], None]], T], seconds: float) -> T:
    """Run `work(reached_arm)` on a daemon thread and wait at most `seconds` for it.

    `reached_arm` is called (by the ARM pipeline's request hook, after the token was obtained) when the request
    leaves for ARM, so a hang is attributed to sign-in or to ARM. A call given up on ends on its SDK's own
    knobs; its result is dropped.
    """
    done = threading.Event()
    signed_in = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work(signed_in.set)
        except BaseException as exc:  # handed back to the waiting thread as is
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="aksbot-azure-call", daemon=True).start()
    if not done.wait(seconds):
        raise _Overtime(signed_in.is_set())
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


class SdkAksClient(AksClient):
    """One cluster's resource provider, over `ContainerServiceClient`; every call ends within `bound` seconds."""

    def __init__(
        self,
        az: AzureSettings,
        client: ContainerServiceClient,
        *,
        authority: str | None = None,
        bound: float = AZURE_BOUND_S,
    ) -> None:
        self.az = az
        self._client = client
        self._authority = authority or authority_of(az, {})
        self.bound = bound

    def _call(self, what: str, work: Callable[[dict[str, Any]], T], *, write: bool = False) -> T:
        """One Azure operation, bounded; `work(options)` passes `options` to the SDK operation it calls."""

        def attempt(reached_arm: Callable[[], None]) -> T:
            def hook(request: Any) -> None:
                reached_arm()

            # The per-call hook of azure-core's CustomHookPolicy, which runs after the authentication policy.
            return work({"raw_request_hook": hook})

        bound = call_bound(self.bound, f"Azure to {what}")
        try:
            return _bounded(attempt, bound)
        except (ClientAuthenticationError, HttpResponseError, ServiceRequestError, ServiceResponseError) as exc:
            raise translate(exc, what, self.az, self._authority) from None
        except _Overtime as exc:
            endpoint = (
                said(AKS.arm_endpoint, host=_host(self.az.arm_endpoint or cloud_of(self.az).arm))
                if exc.signed_in
                else said(AKS.sign_in_endpoint, host=_host(self._authority))
            )
            after = said(AKS.azure_may_have_reached) if write else ""
            raise Upstream(said(AKS.azure_overtime, endpoint=endpoint, what=what, bound=f"{bound:g}", after=after)) \
                from None

    def _rg_name(self) -> tuple[str, str]:
        return self.az.resource_group, self.az.cluster_name

    def cluster(self) -> ManagedCluster:
        return self._call(
            said(AKS.op_read_cluster),
            lambda o: ManagedCluster.from_arm(self._client.managed_clusters.get(*self._rg_name(), **o).as_dict()),
        )

    def pools(self) -> tuple[AgentPool, ...]:
        return self._call(
            said(AKS.op_list_pools),
            lambda o: tuple(
                AgentPool.from_arm(p.as_dict()) for p in self._client.agent_pools.list(*self._rg_name(), **o)
            ),
        )

    def _pool_body(self, pool: str) -> dict[str, Any]:
        def get(o: dict[str, Any]) -> dict[str, Any]:
            body: dict[str, Any] = self._client.agent_pools.get(*self._rg_name(), pool, **o).as_dict()
            return body

        return self._call(said(AKS.op_read_pool, pool=pool), get)

    def upgrade_profile(self) -> UpgradeProfile:
        return self._call(
            said(AKS.op_read_upgrades),
            lambda o: UpgradeProfile.from_arm(
                self._client.managed_clusters.get_upgrade_profile(*self._rg_name(), **o).as_dict()
            ),
        )

    def pool_upgrade_profile(self, pool: str) -> PoolUpgradeProfile:
        return self._call(
            said(AKS.op_read_pool_upgrades, pool=pool),
            lambda o: PoolUpgradeProfile.from_arm(
                self._client.agent_pools.get_upgrade_profile(*self._rg_name(), pool, **o).as_dict(), pool
            ),
        )

    def supported_versions(self, location: str) -> tuple[SupportedMinor, ...]:
        return self._call(
            said(AKS.op_list_versions, location=location),
            lambda o: supported_minors(self._client.managed_clusters.list_kubernetes_versions(location, **o).as_dict()),
        )

    def _wait(self, poller: LROPoller[T], what: str, progress: Progress | None, timeout: float) -> T | None:
        """Wait for a long-running operation, reporting every PROGRESS_EVERY seconds, for at most `timeout`.

        The poller polls on its own thread, each poll bounded by the ARM client's knobs.
        """
        deadline = time.monotonic() + timeout
        next_report = time.monotonic() + PROGRESS_EVERY
        try:
            while not poller.done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    # Not "try again": the operation goes on, and another would meet it (409).
                    raise Upstream(said(AKS.azure_still_after, what=what, seconds=int(timeout)), temporary=False)
                poller.wait(min(remaining, 2.0))
                if progress is not None and time.monotonic() >= next_report:
                    progress(said(AKS.azure_working, what=what, status=poller.status()))
                    next_report = time.monotonic() + PROGRESS_EVERY
            return poller.result()
        except HttpResponseError as exc:
            if isinstance(exc.__cause__, OperationFailed):  # Azure says how it ended: Failed or Canceled
                raise translate(exc, what, self.az, self._authority) from None
            raise self._lost_track(exc, what) from None
        except (ClientAuthenticationError, ServiceRequestError, ServiceResponseError) as exc:
            raise self._lost_track(exc, what) from None

    def _lost_track(self, exc: Exception, what: str) -> Upstream:
        """An accepted operation whose status could not be read to its end (throttled, a 5xx, the network, a token
        refresh): it goes on in Azure, so it must not read as failed, nor invite a retry that would meet it."""
        why = translate(exc, said(AKS.op_follow), self.az, self._authority, retry_advice=False)
        return Upstream(said(AKS.azure_lost_track, what=what, why=why.message), temporary=False)

    def _begin(self, what: str, start: Callable[[dict[str, Any]], LROPoller[T]], progress: Progress | None,
               timeout: float) -> None:
        poller = self._call(what, start, write=True)
        if progress is not None:
            progress(said(AKS.azure_accepted, what=what))
        self._wait(poller, what, progress, timeout)

    def scale_pool(
        self, pool: str, count: int, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool:
        body = self._pool_body(pool)
        props = body.setdefault("properties", {})
        if props.get("enableAutoScaling"):
            raise Refused(said(AKS.pool_autoscaled, pool=pool, low=props.get("minCount"), high=props.get("maxCount")))
        props["count"] = count
        group, name = self._rg_name()
        self._begin(
            said(AKS.op_scale, pool=pool, count=count),
            lambda o: self._client.agent_pools.begin_create_or_update(group, name, pool, SdkAgentPool(body), **o),
            progress,
            timeout,
        )
        return AgentPool.from_arm(self._pool_body(pool))

    def reconcile(self, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT) -> ManagedCluster:
        current = self._call(said(AKS.op_read_cluster), lambda o: self._client.managed_clusters.get(
            *self._rg_name(), **o))
        self._begin(
            said(AKS.op_reconcile),
            lambda o: self._client.managed_clusters.begin_create_or_update(*self._rg_name(), current, **o),
            progress,
            timeout,
        )
        return self.cluster()

    def upgrade_node_image(
        self, pool: str, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool:
        self._begin(
            said(AKS.op_upgrade_image, pool=pool),
            lambda o: self._client.agent_pools.begin_upgrade_node_image_version(*self._rg_name(), pool, **o),
            progress,
            timeout,
        )
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
                environ = self.settings.environ
                self._clients[cluster] = SdkAksClient(
                    entry.azure, self._factory(entry.azure, environ), authority=authority_of(entry.azure, environ)
                )
            return self._clients[cluster]
