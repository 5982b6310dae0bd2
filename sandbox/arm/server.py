"""A local Azure Resource Manager for the AKS resource provider, with its own token authority, over HTTPS.

The real `azure-mgmt-containerservice` client and `azure-identity` talk to it unchanged: the SDK refuses bearer
tokens over plain HTTP, so the server speaks TLS with a throwaway certificate authority (trustme) whose bundle
the client trusts; MSAL reads the authority's OpenID configuration and asks the token endpoint for a token
(client secret or a federated assertion, as workload identity does), and ARM accepts only tokens it issued for
the cloud's scope.

What it serves (shapes as in the public REST examples, copied into `tests/fixtures/azure`):
- managedClusters get / list (resource group, subscription) / createOrUpdate (a long-running operation),
  the cluster upgrade profile, the Kubernetes versions a region offers (`locations/{region}/kubernetesVersions`);
- agentPools list / get / createOrUpdate (long-running), the pool upgrade profile, upgradeNodeImageVersion;
- long-running operations with an absolute `Azure-AsyncOperation` URL and `Retry-After: 0`: InProgress for
  `lro_polls` polls, then Succeeded (or Failed, when a test asked for it), after which the change is applied and
  `on_change("agentPool", body)` is called;
- ARM error bodies (`{"error": {"code", "message"}}`) for 401, 404, 400, 409 OperationNotAllowed (a write while
  another operation runs on the cluster or any of its pools, as AKS refuses it), and faults a test injects (429 with
  Retry-After, 403 AuthorizationFailed, a slow answer), for one method or all.

It is test and demo machinery: it holds everything in memory and must never be reachable from outside
loopback.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

CLOUD_SCOPES = {
    "AzureCloud": "https://management.azure.com/.default",
    "AzureChinaCloud": "https://management.chinacloudapi.cn/.default",
}
# The sandbox's client secret travels like a real one, in an environment variable; one name per server, so that
# several sandboxes in one process (tests) never read each other's.
SECRET_ENV_PREFIX = "AKSBOT_SANDBOX_AZURE_CLIENT_SECRET_"
_JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

_RP = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ContainerService"
_CLUSTER = _RP + r"/managedClusters/(?P<name>[^/]+)"
_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", _CLUSTER + r"/agentPools/(?P<pool>[^/]+)/upgradeProfiles/default", "pool_upgrade_profile"),
    ("POST", _CLUSTER + r"/agentPools/(?P<pool>[^/]+)/upgradeNodeImageVersion", "upgrade_node_image"),
    ("GET", _CLUSTER + r"/agentPools/(?P<pool>[^/]+)", "get_pool"),
    ("PUT", _CLUSTER + r"/agentPools/(?P<pool>[^/]+)", "put_pool"),
    ("GET", _CLUSTER + r"/agentPools", "list_pools"),
    ("GET", _CLUSTER + r"/upgradeProfiles/default", "upgrade_profile"),
    ("GET", _CLUSTER, "get_cluster"),
    ("PUT", _CLUSTER, "put_cluster"),
    ("GET", _RP + r"/managedClusters", "list_clusters_in_group"),
    ("GET", r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.ContainerService/managedClusters", "list_clusters"),
    (
        "GET",
        r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.ContainerService/locations/(?P<location>[^/]+)"
        r"/kubernetesVersions",
        "kubernetes_versions",
    ),
    (
        "GET",
        r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.ContainerService/locations/[^/]+/operations/"
        r"(?P<op>[^/]+)",
        "operation",
    ),
)
# Provisioning states of an operation still running: AKS refuses another write on the cluster or any of its pools
# meanwhile (409 OperationNotAllowed), whatever resource the write is for.
_BUSY = frozenset(
    {"creating", "updating", "upgrading", "scaling", "deleting", "starting", "stopping", "migrating", "canceling",
     "upgradingnodeimageversion"}
)
_PENDING = "See https://aka.ms/aks-pending-operation for more details"
_COMPILED = tuple((m, re.compile("^" + p + "$", re.IGNORECASE), h) for m, p, h in _ROUTES)


@dataclass
class Fault:
    """An answer a test forces on the next `times` ARM requests whose path contains `path_contains` (and whose
    method is `method`, when set: a PUT refused after the GET before it was answered)."""

    status: int
    code: str = ""
    message: str = ""
    retry_after: int | None = None
    delay_seconds: float = 0.0
    path_contains: str = ""
    times: int = 1
    method: str = ""


@dataclass
class _Operation:
    kind: str  # "cluster" | "pool" | "node-image"
    pool: str | None
    polls_left: int
    failure: tuple[str, str] | None
    status: str = "InProgress"


class _ArmError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ArmServer:
    """The ARM server and token authority for one cluster's `Scenario.azure` state.

    `state` keys: subscriptionId, resourceGroup, managedCluster (ARM body), agentPools (ARM bodies; derived from
    the cluster's agentPoolProfiles when absent), upgradeProfile (ARM body), poolUpgradeProfiles ({pool: body}).
    """

    def __init__(
        self,
        state: dict[str, Any],
        on_change: Callable[[str, dict[str, Any]], None] | None = None,
        *,
        cloud: str | None = None,
        lro_polls: int = 1,
    ) -> None:
        if cloud is None:
            # A cluster in a China region lives in Azure China, with its own authority and token scope.
            location = str(state["managedCluster"].get("location") or "").lower()
            cloud = "AzureChinaCloud" if location.startswith("china") else "AzureCloud"
        if cloud not in CLOUD_SCOPES:
            raise ValueError(f"unknown cloud {cloud!r}; expected one of {', '.join(CLOUD_SCOPES)}")
        self.cloud = cloud
        self.scope = CLOUD_SCOPES[cloud]
        self.on_change = on_change
        self.lro_polls = lro_polls
        self.subscription_id = str(state["subscriptionId"])
        self.resource_group = str(state["resourceGroup"])
        self.tenant_id = str(uuid.uuid4())
        self.client_id = str(uuid.uuid4())
        self.client_secret = secrets.token_urlsafe(24)
        # A federated (workload identity) assertion the authority accepts for `client_id`.
        self.federated_assertion = secrets.token_urlsafe(32)
        # The client secret passed its end date (`expire_client_secret`): the authority refuses it as Entra does.
        self.secret_expired = False
        self._lock = threading.RLock()
        self._cluster: dict[str, Any] = copy.deepcopy(state["managedCluster"])
        pools = state.get("agentPools")
        if pools is None:
            pools = [
                {"name": p["name"], "properties": {k: v for k, v in p.items() if k != "name"}}
                for p in self._cluster.get("properties", {}).get("agentPoolProfiles", [])
            ]
        self._pools: dict[str, dict[str, Any]] = {str(p["name"]): copy.deepcopy(p) for p in pools}
        self._upgrade_profile: dict[str, Any] | None = copy.deepcopy(state.get("upgradeProfile"))
        self._pool_profiles: dict[str, dict[str, Any]] = copy.deepcopy(state.get("poolUpgradeProfiles") or {})
        # The sandbox models one region: every location answers with the scenario's list.
        self._region_versions: dict[str, Any] = copy.deepcopy(state.get("kubernetesVersions") or {"values": []})
        self._operations: dict[str, _Operation] = {}
        self._tokens: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._next_failure: tuple[str, str] | None = None
        self.requests: list[tuple[str, str]] = []
        self._ca = trustme.CA()
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")
        self._httpd: ThreadingHTTPServer | None = None
        # Kept after stop(): a request still being answered (a delayed fault) may need its operation URL.
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> ArmServer:
        server = self

        class Handler(_Handler):
            arm = server

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="arm-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ArmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("ArmServer is not started")
        return f"https://127.0.0.1:{self._port}"

    @property
    def cluster_name(self) -> str:
        return str(self._cluster["name"])

    def write_ca_bundle(self, directory: Path) -> Path:
        path = directory / "arm-ca.pem"
        self._ca.cert_pem.write_to_path(str(path))
        return path

    @property
    def secret_env(self) -> str:
        return f"{SECRET_ENV_PREFIX}{self._httpd.server_address[1] if self._httpd else 0}"

    def settings_fragment(self, directory: Path) -> dict[str, Any]:
        """The `azure:` mapping of the cluster entry in the sandbox's aksbot.yaml (writes the CA bundle).

        The client secret is not in it: like a real one it comes from the environment variable it names, which
        `environment()` gives (the sandbox never writes its own process's environment).
        """
        return {
            "cloud": self.cloud,
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "cluster_name": self.cluster_name,
            "arm_endpoint": self.base_url,
            "authority_host": self.base_url,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_secret_env": self.secret_env,
            "ca_bundle": str(self.write_ca_bundle(directory)),
            # Operations here finish in a poll or two; Azure's own would be polled every 30 s.
            "poll_interval_seconds": 0.05,
        }

    def environment(self) -> dict[str, str]:
        """The environment variables the bot needs next to `settings_fragment` (the client secret)."""
        return {self.secret_env: self.client_secret}

    # -- test controls ---------------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def fail_next_operation(self, code: str, message: str) -> None:
        """The next long-running operation ends Failed with this error and leaves its resource Failed."""
        with self._lock:
            self._next_failure = (code, message)

    def expire_client_secret(self) -> None:
        """The app's client secret reaches its end date: new tokens are refused (AADSTS7000222); those already
        issued keep working for the rest of their hour, as Entra's do."""
        with self._lock:
            self.secret_expired = True

    def set_cluster_state(self, provisioning_state: str, error: tuple[str, str] | None = None) -> None:
        with self._lock:
            props = self._cluster.setdefault("properties", {})
            props["provisioningState"] = provisioning_state
            status = props.setdefault("status", {})
            if error:
                status["provisioningError"] = {"code": error[0], "message": error[1]}
            else:
                status.pop("provisioningError", None)

    def pool_body(self, pool: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._pools[pool])

    def cluster_body(self) -> dict[str, Any]:
        with self._lock:
            return self._cluster_view()

    # -- token authority -------------------------------------------------------------------------------------

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        base = f"{self.base_url}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "tenant_region_scope": "NA",
        }

    def issue_token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        def refuse(status: int, error: str, code: int, text: str) -> tuple[int, dict[str, Any]]:
            return status, {"error": error, "error_description": f"AADSTS{code}: {text}", "error_codes": [code]}

        if tenant != self.tenant_id:
            return refuse(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if form.get("client_id") != self.client_id:
            return refuse(400, "unauthorized_client", 700016, "Application not found in the directory.")
        if form.get("client_assertion_type") == _JWT_BEARER:
            if form.get("client_assertion", "").strip() != self.federated_assertion:
                return refuse(401, "invalid_client", 700213, "No matching federated identity record found.")
        elif form.get("client_secret") != self.client_secret:
            return refuse(401, "invalid_client", 7000215, "Invalid client secret provided.")
        elif self.secret_expired:
            return refuse(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{self.client_id}' are expired. Visit the Azure portal to "
                "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
                "credentials for added security: https://aka.ms/certCreds.",
            )
        scopes = form.get("scope", "").split()
        if self.scope not in scopes:
            return refuse(400, "invalid_scope", 70011, f"The provided scope is not valid here; expected {self.scope}.")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.time() + 3600
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def token_valid(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        with self._lock:
            expiry = self._tokens.get(header[len("Bearer ") :])
        return expiry is not None and expiry > time.time()

    # -- ARM -------------------------------------------------------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method.upper() != method:
                    continue
                if fault.path_contains.lower() in path.lower():
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for m, pattern, handler in _COMPILED:
            if m == method:
                match = pattern.match(path)
                if match:
                    return handler, match.groupdict()
        raise _ArmError(404, "InvalidResourceType", f"No route for {method} {path}.")

    def _check_scope(self, params: dict[str, str]) -> None:
        if params.get("sub", "").lower() != self.subscription_id.lower():
            raise _ArmError(404, "SubscriptionNotFound", f"The subscription '{params.get('sub')}' could not be found.")
        if "rg" in params and params["rg"].lower() != self.resource_group.lower():
            raise _ArmError(404, "ResourceGroupNotFound", f"Resource group '{params['rg']}' could not be found.")
        if "name" in params and params["name"].lower() != self.cluster_name.lower():
            raise _ArmError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.ContainerService/managedClusters/{params['name']}' under resource group "
                f"'{params.get('rg')}' was not found.",
            )

    def _pool(self, name: str) -> dict[str, Any]:
        if name not in self._pools:
            raise _ArmError(
                404, "NotFound", f"Agent pool '{name}' was not found in managed cluster '{self.cluster_name}'."
            )
        return self._pools[name]

    def _refuse_while_busy(self) -> None:
        """AKS's answer to a write while another operation runs on the cluster or on any of its pools."""
        state = str(self._cluster.get("properties", {}).get("provisioningState") or "")
        if state.lower() in _BUSY:
            raise _ArmError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed: Another operation ({state}) is in progress, please wait for it to finish "
                f"before starting a new operation. {_PENDING}",
            )
        for name, pool in self._pools.items():
            state = str(pool.get("properties", {}).get("provisioningState") or "")
            if state.lower() in _BUSY:
                raise _ArmError(
                    409,
                    "OperationNotAllowed",
                    f"Operation is not allowed: Another agentpool operation ({name} - {state}) is in progress, please "
                    f"wait for it to finish before starting a new operation. {_PENDING}",
                )

    def _cluster_view(self) -> dict[str, Any]:
        body = copy.deepcopy(self._cluster)
        props = body.setdefault("properties", {})
        # The cluster document lists its pools; keep it in step with the agentPools resources.
        props["agentPoolProfiles"] = [
            {"name": n, **copy.deepcopy(p.get("properties", {}))} for n, p in self._pools.items()
        ]
        return body

    def _start_operation(self, kind: str, pool: str | None) -> str:
        op_id = str(uuid.uuid4())
        failure, self._next_failure = self._next_failure, None
        self._operations[op_id] = _Operation(kind, pool, self.lro_polls, failure)
        return op_id

    def operation_url(self, op_id: str) -> str:
        location = str(self._cluster.get("location") or "local")
        return (
            f"{self.base_url}/subscriptions/{self.subscription_id}/providers/Microsoft.ContainerService/locations/"
            f"{location}/operations/{op_id}?api-version=2025-10-01"
        )

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        handler, params = self.route(method, path)
        self._check_scope(params)
        with self._lock:
            result: tuple[int, Any, dict[str, str]] = getattr(self, "_h_" + handler)(params, body)
        return result

    def _h_get_cluster(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, self._cluster_view(), {}

    def _h_list_clusters(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, {"value": [self._cluster_view()]}, {}

    def _h_list_clusters_in_group(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, {"value": [self._cluster_view()]}, {}

    def _h_put_cluster(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise _ArmError(400, "InvalidRequestContent", "The request content was invalid: `properties` is required.")
        self._refuse_while_busy()
        props = copy.deepcopy(body["properties"])
        # Pools are changed through their own resources; the cluster PUT carries them but we keep ours.
        props.pop("agentPoolProfiles", None)
        for readonly in ("provisioningState", "powerState", "fqdn", "azurePortalFQDN", "currentKubernetesVersion"):
            props.pop(readonly, None)
        current = self._cluster.setdefault("properties", {})
        # The SDK leaves read-only fields (effective outbound IPs …) out of a PUT; Azure keeps computing them.
        _merge(current, props)
        current["provisioningState"] = "Updating"
        current.get("status", {}).pop("provisioningError", None)
        op = self._start_operation("cluster", None)
        return 200, self._cluster_view(), self._lro_headers(op)

    def _h_list_pools(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, {"value": [copy.deepcopy(p) for p in self._pools.values()]}, {}

    def _h_get_pool(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, copy.deepcopy(self._pool(params["pool"])), {}

    def _h_put_pool(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise _ArmError(400, "InvalidRequestContent", "The request content was invalid: `properties` is required.")
        name = params["pool"]
        self._refuse_while_busy()
        props = copy.deepcopy(body["properties"])
        for readonly in ("provisioningState", "currentOrchestratorVersion", "nodeImageVersion", "powerState"):
            props.pop(readonly, None)
        count = props.get("count")
        if count is not None and (not isinstance(count, int) or count < 0 or count > 1000):
            raise _ArmError(
                400, "InvalidParameter", f"The value of parameter agentPoolProfile.count is invalid: {count}."
            )
        self._check_snat(name, count)
        created = name not in self._pools
        pool = self._pools.setdefault(name, {"name": name, "properties": {}})
        pool.setdefault("id", f"{self._cluster.get('id', '')}/agentPools/{name}")
        pool.setdefault("type", "Microsoft.ContainerService/managedClusters/agentPools")
        pool["properties"].update(props)
        pool["properties"]["provisioningState"] = "Creating" if created else "Updating"
        op = self._start_operation("pool", name)
        return (201 if created else 200), copy.deepcopy(pool), self._lro_headers(op)

    def _check_snat(self, pool: str, count: Any) -> None:
        """Refuse a node count the load balancer cannot give its allocated ports to, as Azure does."""
        if not isinstance(count, int):
            return
        lb = self._cluster.get("properties", {}).get("networkProfile", {}).get("loadBalancerProfile") or {}
        ports = int(lb.get("allocatedOutboundPorts") or 0)
        if not ports:
            return
        ips = len(lb.get("effectiveOutboundIPs") or []) or int((lb.get("managedOutboundIPs") or {}).get("count") or 1)
        nodes = sum(int(p["properties"].get("count") or 0) for n, p in self._pools.items() if n != pool) + count
        if nodes * ports > 64_000 * ips:
            raise _ArmError(
                400,
                "InvalidLoadBalancerProfileAllocatedOutboundPorts",
                f"Load balancer profile allocated ports {ports} is not in an allowed range given the number of "
                f"outbound IPs {ips} and the number of nodes {nodes}.",
            )

    def _h_pool_upgrade_profile(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        name = params["pool"]
        pool = self._pool(name)
        profile = copy.deepcopy(self._pool_profiles.get(name) or {})
        if not profile:
            profile = {
                "name": "default",
                "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
                "properties": {
                    "kubernetesVersion": pool["properties"].get("orchestratorVersion"),
                    "osType": pool["properties"].get("osType", "Linux"),
                    "upgrades": [],
                    "latestNodeImageVersion": pool["properties"].get("nodeImageVersion"),
                },
            }
        profile["id"] = f"{self._cluster.get('id', '')}/agentPools/{name}/upgradeProfiles/default"
        return 200, profile, {}

    def _h_upgrade_profile(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if self._upgrade_profile is None:
            raise _ArmError(404, "NotFound", "No upgrade profile in this sandbox.")
        return 200, copy.deepcopy(self._upgrade_profile), {}

    def _h_kubernetes_versions(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, copy.deepcopy(self._region_versions), {}

    def _h_upgrade_node_image(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        name = params["pool"]
        pool = self._pool(name)
        self._refuse_while_busy()
        pool["properties"]["provisioningState"] = "UpgradingNodeImageVersion"
        op = self._start_operation("node-image", name)
        return 202, None, self._lro_headers(op)

    def _lro_headers(self, op_id: str) -> dict[str, str]:
        return {"Azure-AsyncOperation": self.operation_url(op_id), "Retry-After": "0"}

    def _h_operation(self, params: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        op = self._operations.get(params["op"])
        if op is None:
            raise _ArmError(404, "OperationNotFound", f"Operation {params['op']} was not found.")
        if op.status == "InProgress":
            if op.polls_left > 0:
                op.polls_left -= 1
            else:
                self._finish(op)
        doc: dict[str, Any] = {"id": params["op"], "name": params["op"], "status": op.status}
        if op.status == "Failed" and op.failure:
            doc["error"] = {"code": op.failure[0], "message": op.failure[1]}
        return 200, doc, {}

    def _finish(self, op: _Operation) -> None:
        state = "Failed" if op.failure else "Succeeded"
        op.status = state
        if op.kind == "cluster":
            self.set_cluster_state(state, op.failure)
            return
        pool = self._pools.get(op.pool or "")
        if pool is None:
            return
        props = pool["properties"]
        props["provisioningState"] = state
        if op.failure is None:
            if op.kind == "node-image":
                latest = (
                    (self._pool_profiles.get(pool["name"]) or {}).get("properties", {}).get("latestNodeImageVersion")
                )
                if latest:
                    props["nodeImageVersion"] = latest
            if props.get("orchestratorVersion"):
                props["currentOrchestratorVersion"] = props["orchestratorVersion"]
            if self.on_change is not None:
                self.on_change("agentPool", copy.deepcopy(pool))


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


class _Handler(BaseHTTPRequestHandler):
    arm: ArmServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle and delayed ACKs add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # the sandbox is quiet; tests read `requests`
        return

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        raw = self._body()
        self.arm.requests.append((method, path))
        parts = path.strip("/").split("/")
        try:
            if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
                self._send(200, self.arm.openid_configuration(parts[0]))
                return
            if method == "POST" and path.endswith("/oauth2/v2.0/token"):
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                status, doc = self.arm.issue_token(parts[0], form)
                self._send(status, doc)
                return
            if not path.lower().startswith("/subscriptions/"):
                raise _ArmError(404, "NotFound", f"No route for {method} {path}.")
            if "api-version" not in parse_qs(url.query):
                raise _ArmError(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
            if not self.arm.token_valid(self.headers.get("Authorization")):
                raise _ArmError(401, "InvalidAuthenticationToken", "The access token is missing, invalid or expired.")
            fault = self.arm.take_fault(method, path)
            if fault is not None:
                if fault.delay_seconds:
                    time.sleep(fault.delay_seconds)
                if fault.status:
                    extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    self._send(fault.status, {"error": {"code": fault.code, "message": fault.message}}, extra)
                    return
            body = json.loads(raw) if raw else None
            status, doc, headers = self.arm.handle(method, path, body)
            self._send(status, doc, headers)
        except _ArmError as exc:
            self._send(exc.status, {"error": {"code": exc.code, "message": exc.message}})
        except json.JSONDecodeError:
            self._send(400, {"error": {"code": "InvalidRequestContent", "message": "The body is not valid JSON."}})
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            # The client gave up (a timeout test, a closed pipeline); nobody is left to answer.
            return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")
