"""Facts the shipped entries must state, pinned after a check against the official documentation.

Each test names the source the fact was checked against; a change to an entry that contradicts it fails here.
"""

from __future__ import annotations

import pytest

from knowledge import Entry, load_knowledge_base


def entry(entry_id: str) -> Entry:
    found = load_knowledge_base().get(entry_id)
    assert found is not None, entry_id
    return found


def text_of(e: Entry) -> str:
    """Everything a person can read in an entry, both languages."""
    parts = [e.title.en, e.title.zh, e.summary.en, e.summary.zh, e.body.en, e.body.zh, *e.errors]
    for item in (*e.checks, *e.fixes, *e.versions, *e.corrections):
        parts += [item.en, item.zh]
    return "\n".join(parts)


def doc_urls(e: Entry) -> set[str]:
    return {d.url for d in e.sources.docs}


def test_local_storage_does_not_block_scale_down_on_aks() -> None:
    """learn.microsoft.com/azure/aks/cluster-autoscaler: the AKS profile defaults skip-nodes-with-local-storage
    to false."""
    e = entry("cluster-autoscaler")
    text = text_of(e)
    assert "skip-nodes-with-local-storage=false" in text
    assert "pods with local storage, pods whose PDB" not in e.body.en
    assert not any("local storage" in s for s in e.symptoms.en)


def test_localdns_preferred_enables_only_when_compatible_and_is_the_default_from_1_37() -> None:
    """learn.microsoft.com/azure/aks/localdns-custom and /dns-concepts (current versions): Required enables LocalDNS;
    Preferred enables it only if the pool and cluster pass the compatibility checks; from Kubernetes 1.37 AKS
    Standard applies Preferred by default to eligible pools without a LocalDNS profile (set Disabled to keep it off).
    The entry first said, after an earlier version of the page, that Preferred only validates."""
    e = entry("dns-timeout")
    text = text_of(e)
    assert "Required enables LocalDNS" in text
    assert "Preferred enables it only if the node pool and cluster pass AKS's compatibility checks" in text
    assert "Preferred only validates the configuration and does not turn LocalDNS on" not in text
    assert "mode Preferred or Required" not in text
    assert any(v.version == "1.37" and "Preferred by default" in v.en and "Disabled" in v.en for v in e.versions)


@pytest.mark.parametrize(
    "fqdn",
    ["*.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net", "packages.aks.azure.com", "*.cx.prod.service.azk8s.cn",
     "mcr.azure.cn", "chinacloudapi.cn"],
)
def test_egress_lists_the_current_fqdns_and_azure_china(fqdn: str) -> None:
    """learn.microsoft.com/azure/aks/outbound-rules-control-egress and its Azure China edition on docs.azure.cn."""
    e = entry("egress-blocked")
    assert fqdn in text_of(e)
    assert "https://docs.azure.cn/en-us/aks/outbound-rules-control-egress" in doc_urls(e)


def test_npd_on_aks_is_a_systemd_service_and_auto_drain_acts_on_scheduled_events() -> None:
    """learn.microsoft.com/azure/aks/node-problem-detector and /node-auto-drain."""
    e = entry("node-problem-detector")
    text = text_of(e)
    assert "systemd service" in text and "It runs as a DaemonSet" not in e.body.en
    assert "auto-drain" in text and "https://learn.microsoft.com/azure/aks/node-auto-drain" in doc_urls(e)


def test_overlay_upgrade_needs_1_27_and_cilium_has_no_kubenet_path_nor_windows() -> None:
    """learn.microsoft.com/azure/aks/upgrade-aks-ipam-and-dataplane and /azure-cni-powered-by-cilium."""
    text = text_of(entry("cni-switch"))
    assert "Kubernetes 1.27+" in text and "Prerequisites for the Overlay upgrade: Kubernetes 1.22+," not in text
    assert "no direct path from kubenet to Cilium" in text and "Windows node pools" in text


def test_legacy_token_secrets_are_cleaned_up_since_1_30() -> None:
    """KEP-2799: LegacyServiceAccountTokenCleanUp GA in 1.30; unused legacy tokens invalidated after a year."""
    e = entry("service-account-token-1-24")
    assert any(v.version == "1.30" and "LegacyServiceAccountTokenCleanUp" in v.en for v in e.versions)
    assert "a year" in text_of(e)


def test_guaranteed_pods_can_still_be_evicted_under_node_pressure() -> None:
    """kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/: Guaranteed pods are evicted last,
    not never."""
    for entry_id in ("memory-pressure-eviction", "qos-oom-score"):
        text = text_of(entry(entry_id))
        assert any(p in text for p in ("evicted last", "chosen last", "Guaranteed pods last"))
    assert "so it is not chosen for memory pressure" not in entry("memory-pressure-eviction").body.en


def test_aks_kubelet_disk_eviction_thresholds() -> None:
    """learn.microsoft.com/azure/aks/node-resource-reservations: AKS eviction-hard for disk."""
    text = text_of(entry("disk-pressure"))
    assert "nodefs.available<10%" in text and "nodefs.inodesFree<5%" in text


def test_containerd_is_the_aks_linux_runtime_since_1_19() -> None:
    text = text_of(entry("image-pull"))
    assert "1.19" in text and "containerd" in text


def test_taint_nodes_by_condition_was_beta_in_1_12_and_ga_in_1_17() -> None:
    e = entry("pod-pending")
    assert any("beta 1.12, GA 1.17" in v.en for v in e.versions)
    assert not any(v.version == "1.13" for v in e.versions)


@pytest.mark.parametrize(
    ("entry_id", "moved", "current"),
    [
        ("image-pull", "azure-kubernetes/connectivity/cannot-pull-image-from-acr-to-aks-cluster",
         "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/extensions/cannot-pull-image-from-acr-to-aks-cluster"),
        ("ephemeral-os-disk-io", "cluster-configuration#ephemeral-os",
         "https://learn.microsoft.com/azure/aks/concepts-storage#ephemeral-os-disks"),
    ],
)
def test_moved_learn_pages_are_cited_at_their_current_address(entry_id: str, moved: str, current: str) -> None:
    urls = doc_urls(entry(entry_id))
    assert current in urls and not any(moved in u for u in urls)


NEW_ENTRIES = (
    "api-server-unreachable", "private-cluster-access", "subnet-ip-exhaustion", "vcpu-quota-exceeded",
    "vm-size-unavailable", "ingress-5xx", "coredns-custom", "keyvault-csi-mount", "workload-identity-aadsts",
    "system-pool-health", "windows-node-pools", "azure-china",
)


@pytest.mark.parametrize("entry_id", NEW_ENTRIES)
def test_the_new_entries_are_bilingual_and_cite_official_docs(entry_id: str) -> None:
    e = entry(entry_id)
    assert e.body.en and e.body.zh and len(e.symptoms.en) >= 5 and len(e.symptoms.zh) >= 5
    assert any(d.url.startswith("https://learn.microsoft.com/") or "github.com/Azure/" in d.url for d in e.sources.docs)


def test_facts_of_the_new_entries() -> None:
    """Numbers and names checked against Learn: CNI pre-allocation, workload identity's token audience, the
    coredns-custom keys, and the system pool minimum size."""
    assert "(maxPods + 1)" in text_of(entry("subnet-ip-exhaustion"))
    assert "api://AzureADTokenExchange" in text_of(entry("workload-identity-aadsts"))
    coredns = text_of(entry("coredns-custom"))
    assert ".server" in coredns and ".override" in coredns and "only be used once per Server Block" in coredns
    assert "2 vCPUs and 4 GB" in text_of(entry("system-pool-health"))
    assert "ltsc2022" in text_of(entry("windows-node-pools"))


def test_pod_stuck_terminating_grace_period_force_delete_and_namespace_conditions() -> None:
    """kubernetes.io/docs/concepts/workloads/pods/pod-termination: 30 s default grace period and a one-off 2 s
    extension for a preStop hook; kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod: force
    deletion does not wait for the kubelet; kubernetes/kubernetes pkg/controller/namespace/deletion/
    status_condition_utils.go: the NamespaceFinalizersRemaining message."""
    e = entry("pod-stuck-terminating")
    text = text_of(e)
    assert "30 s by default" in e.body.en and "2 s" in e.body.en
    assert "Some content in the namespace has finalizers remaining" in e.errors
    assert "Some finalizers are remaining" not in text  # an older wording of the same condition
    assert "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/" in doc_urls(e)


def test_cert_manager_acme_facts() -> None:
    """cert-manager.io/docs/configuration/acme/dns01/azuredns: the Azure DNS identity needs DNS Zone Contributor;
    cert-manager.io/docs/troubleshooting/acme (and the challenge controller's source): the HTTP-01 self-check
    reason; learn.microsoft.com/azure/aks/app-routing-dns-ssl: the Key Vault certificate annotation of the
    application routing add-on."""
    text = text_of(entry("cert-manager-acme"))
    assert "DNS Zone Contributor" in text
    assert "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'" in text
    assert "kubernetes.azure.com/tls-cert-keyvault-uri" in text


def test_container_oomkilled_states_the_kill_reason_the_tmpfs_charge_and_the_dotnet_default() -> None:
    """containerd's CRI plugin (internal/cri/server/helpers.go) and Learn "Troubleshoot OOMkilled in AKS clusters":
    reason OOMKilled with exit code 137 (128 + SIGKILL 9); kubernetes.io "Volumes" (emptyDir): files in a medium Memory
    emptyDir count against the memory limit of the container that wrote them; Learn ".NET runtime configuration
    options for garbage collection": in a container with a limit the default heap hard limit is the larger of 20 MB
    or 75% of the limit."""
    e = entry("container-oomkilled")
    text = text_of(e)
    assert "OOMKilled" in e.errors and "Exit Code: 137" in e.errors and "128 plus signal 9 (SIGKILL)" in e.body.en
    assert "count against the memory limit of the container that wrote them" in e.body.en
    assert "20 MB or 75% of the container limit" in text
    assert "https://kubernetes.io/docs/concepts/storage/volumes/#emptydir" in doc_urls(e)


def test_helm_release_stuck_lock_storage_ownership_and_removed_apis() -> None:
    """helm/helm pkg/action/action.go: errPending is "another operation (install/upgrade/rollback) is in progress";
    helm/helm pkg/storage/storage.go and pkg/storage/driver/secrets.go: each revision is a Secret of type
    helm.sh/release.v1 named sh.helm.release.v1.<release>.v<revision>; helm/helm pkg/action/validate.go: an existing
    object is adopted only with the label app.kubernetes.io/managed-by=Helm and the annotations
    meta.helm.sh/release-name and meta.helm.sh/release-namespace; helm.sh/docs/topics/kubernetes_apis and the
    helm/helm-mapkubeapis README: a stored manifest with removed APIs is repaired with mapkubeapis; Learn "Stop AKS
    cluster upgrades automatically on API breaking changes": the 12-hour usage window."""
    e = entry("helm-release-stuck")
    text = text_of(e)
    assert "another operation (install/upgrade/rollback) is in progress" in e.errors
    assert "sh.helm.release.v1.<release>.v<revision>" in e.body.en and "helm.sh/release.v1" in e.body.en
    assert "meta.helm.sh/release-name" in text and "meta.helm.sh/release-namespace" in text
    assert "app.kubernetes.io/managed-by" in text
    assert "mapkubeapis" in e.body.en and "12 hours" in e.body.en
    assert "https://learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes" in doc_urls(e)


def test_azure_files_mount_facts() -> None:
    """learn.microsoft.com/troubleshoot/azure/azure-kubernetes/storage/fail-to-mount-azure-file-share: mount error(13)
    from a secret that no longer matches the account key (the dynamic secret is azure-storage-account-<account>-secret)
    and mount error(2) when TCP 445 is blocked; kubernetes.io/blog/2022/12/23/kubernetes-12-06-fsgroup-on-mount and
    kubernetes-sigs/azurefile-csi-driver pkg/azurefile/nodeserver.go: the Azure File driver applies fsGroup as the gid=
    mount option unless gid= is already set; kubernetes-sigs/azurefile-csi-driver docs/driver-parameters.md and
    deploy/example/nfs/README.md: NFS shares need a premium FileStorage account with secure transfer required off."""
    e = entry("azure-files-mount")
    text = text_of(e)
    assert "mount error(13): Permission denied" in e.errors and "mount error(2): No such file or directory" in e.errors
    assert "azure-storage-account-<account>-secret" in text and "445" in text
    assert "gid=" in e.body.en and "fsGroup" in e.body.en and "1.26" in {v.version for v in e.versions}
    assert "FileStorage" in e.body.en and "Secure transfer required" in e.body.en
    troubleshoot = "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/storage/fail-to-mount-azure-file-share"
    assert troubleshoot in doc_urls(e)


def test_dns_resolution_failure_hops_custom_dns_and_query_logging() -> None:
    """kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution: the dnsutils test pod, `nslookup
    kubernetes.default` and the failure message "nslookup: can't resolve 'kubernetes.default'"; Learn "Troubleshoot DNS
    resolution failures from inside the pod but not from the worker node": do not combine Azure DNS 168.63.129.16 with
    custom DNS servers on the VNet (CoreDNS picks an upstream at random); Learn "Customize CoreDNS with AKS": query
    logging through a `log.override` key in coredns-custom and at least 2 CoreDNS replicas; the CoreDNS loop plugin
    (plugin/loop/loop.go) and kubernetes.io "Troubleshooting kubeadm": a detected loop ends in CrashLoopBackOff."""
    e = entry("dns-resolution-failure")
    text = text_of(e)
    assert "kubectl exec -i -t dnsutils -- nslookup kubernetes.default" in text
    assert "nslookup: can't resolve 'kubernetes.default'" in e.errors
    assert "do not mix 168.63.129.16 with custom DNS servers" in text and "at random" in text
    assert "`log.override`" in text and "at least 2 replicas" in text
    assert any(err.startswith("detected for zone") and "coredns.io/plugins/loop" in err for err in e.errors)
    assert "CrashLoopBackOff" in e.body.en
    assert {
        "https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/",
        "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/connectivity/dns/troubleshoot-dns-failure-from-pod-but-not-from-worker-node",
        "https://learn.microsoft.com/azure/aks/coredns-custom",
    } <= doc_urls(e)


def test_the_api_server_reaches_metrics_server_through_the_tunnel_not_metrics_server_the_kubelets() -> None:
    """kubernetes.io "Resource metrics pipeline" and "Kubernetes API Aggregation Layer": metrics-server is an
    aggregated API the API server proxies to (APIService v1beta1.metrics.k8s.io), and it scrapes the kubelets itself
    from inside the cluster. AKS "Tunnel connectivity issues": the tunnel carries control plane to node traffic. So a
    broken tunnel breaks the metrics API between the API server and metrics-server, not metrics-server's scraping."""
    hpa = text_of(entry("hpa-not-scaling"))
    assert "v1beta1.metrics.k8s.io" in hpa and "MissingEndpoints" in hpa and "FailedDiscoveryCheck" in hpa
    assert "tunnel it depends on to reach the kubelets" not in hpa and "unable to reach the kubelets" not in hpa
    assert "访问 kubelet 所依赖的 konnectivity" not in hpa
    tunnel = entry("konnectivity-logs-exec")
    assert "metrics scraping" not in tunnel.body.en and "指标采集" not in tunnel.body.zh
    assert not any("scrape" in s for s in tunnel.symptoms.en)


def test_node_autoprovision_limits_enablement_and_default_nodepool() -> None:
    """learn.microsoft.com/azure/aks/node-auto-provisioning: NAP can't be enabled on clusters with the cluster
    autoscaler; Windows node pools, IPv6 and service principals aren't supported; Azure CLI 2.76.0 or later.
    /use-node-auto-provisioning: `--node-provisioning-mode Auto` (Manual to disable, after setting
    spec.limits.cpu to 0 and the karpenter.azure.com/disable:NoSchedule taint); NAP runs in the managed control
    plane and its events have the source karpenter-events. /node-auto-provisioning-networking: kubenet and Calico
    aren't supported. /node-auto-provisioning-node-pools: the default NodePool is on-demand, amd64, Linux, D
    family with WhenEmptyOrUnderutilized, plus a system-surge NodePool. Learn API reference NodeProvisioningMode.Auto:
    fixed-size node pools can still be created, autoscaling ones cannot."""
    e = entry("node-autoprovision")
    text = text_of(e)
    assert "--node-provisioning-mode Auto" in text and "--node-provisioning-mode Manual" in text
    assert "NAP cannot be enabled while any node pool has the cluster autoscaler on" in e.body.en
    assert "fixed-size node pools can still be added but autoscaling ones cannot" in e.body.en
    assert "Azure CLI 2.76.0 or later" in text
    assert "kubenet, Calico network policy" in e.body.en and "Windows node pools, IPv6" in e.body.en
    assert "karpenter.azure.com/disable:NoSchedule" in text and "`spec.limits.cpu: 0`" in text
    assert "source=karpenter-events" in text and "system-surge" in text
    assert "(on-demand, amd64, Linux, D family, consolidation WhenEmptyOrUnderutilized, expireAfter Never)" in e.body.en
    assert "cluster-autoscaler entry" in e.body.en  # the entry sends VMSS-pool autoscaler questions there
    assert {
        "https://learn.microsoft.com/azure/aks/node-auto-provisioning",
        "https://learn.microsoft.com/azure/aks/use-node-auto-provisioning",
        "https://learn.microsoft.com/azure/aks/node-auto-provisioning-networking",
        "https://learn.microsoft.com/azure/aks/node-auto-provisioning-node-pools",
        "https://learn.microsoft.com/azure/aks/node-auto-provisioning-disruption",
    } <= doc_urls(e)


def test_node_autoprovision_karpenter_strings_timeouts_and_disruption() -> None:
    """kubernetes-sigs/karpenter pkg/controllers/nodeclaim/lifecycle/registration.go: Registered Unknown, reason
    NodeNotFound, "Node not registered with cluster"; liveness.go: registrationTimeout 15 minutes, LaunchTimeout 5
    minutes, NodeRegistrationHealthy False "Failed to register node"; provisioning/scheduling/events.go: Nominated
    "Pod should schedule on: nodeclaim/…"; scheduler.go: "all available instance types exceed limits for nodepool";
    pkg/apis/v1/nodepool.go: consolidationPolicy WhenEmpty or WhenEmptyOrUnderutilized, default budget nodes 10%;
    nodepool_conversion.go: v1beta1 WhenUnderutilized converts to WhenEmptyOrUnderutilized;
    disruption/events/events.go: "No allowed disruptions due to blocking budget". Learn
    /node-auto-provisioning-disruption: karpenter.sh/do-not-disrupt, budgets don't rate-limit expiration."""
    e = entry("node-autoprovision")
    for error in ("Node not registered with cluster", "Pod should schedule on: nodeclaim/",
                  "all available instance types exceed limits for nodepool",
                  "No allowed disruptions due to blocking budget", "karpenter.sh/do-not-disrupt"):
        assert error in e.errors
    assert "Karpenter waits 15 minutes for registration (5 minutes for a launch)" in e.body.en
    assert "NodeRegistrationHealthy to False" in e.body.en and "reason NodeNotFound" in e.body.en
    assert "one budget of `nodes: 10%` applies" in e.body.en and "they do not limit expiry" in e.body.en
    assert "the second policy was called WhenUnderutilized" in e.body.en
    assert any(v.version == "karpenter.sh/v1" and "WhenEmptyOrUnderutilized" in v.en for v in e.versions)
    karpenter = "https://github.com/kubernetes-sigs/karpenter/blob/main/pkg/"
    assert karpenter + "controllers/nodeclaim/lifecycle/liveness.go" in doc_urls(e)
    assert karpenter + "controllers/nodeclaim/lifecycle/registration.go" in doc_urls(e)


def test_container_insights_agent_collection_settings_and_cost() -> None:
    """learn.microsoft.com/azure/azure-monitor/containers/container-insights-data-collection-configmap: one agent
    ConfigMap, container-azm-ms-agentconfig; stdout/stderr exclude_namespaces default
    ["kube-system","gatekeeper-system"]; a container opts out of env-var collection with AZMON_COLLECT_ENV; config
    errors show as `config::` lines and in KubeMonAgentEvents. /container-insights-data-collection-configure: the DCR
    is MSCI-<cluster-region>-<cluster-name>; the Cost-optimized preset uses a 5-minute interval and excludes
    kube-system, gatekeeper-system and azure-arc; the interval is 1 to 30 minutes. /container-insights-logs-schema:
    ContainerLogV2 supports the Basic logs plan and ContainerLog support retires on 30 September 2026.
    /container-insights-troubleshoot and /kubernetes-monitoring-enable: the DaemonSet ama-logs and the Deployment
    ama-logs-rs (formerly omsagent and omsagent-rs); microsoft/Docker-Provider kube.conf: the ReplicaSet collects the
    cluster-wide inventory and events."""
    e = entry("container-insights-agent")
    text = text_of(e)
    assert "container-azm-ms-agentconfig" in e.errors
    # The agents' bare names are tags, not error strings: a pasted `kubectl get pods -n kube-system` lists them in
    # questions about anything else, and an error string outweighs every doubt of the search.
    assert not {"ama-logs", "ama-logs-rs", "omsagent", "omsagent-rs"} & set(e.errors)
    assert {"ama-logs", "omsagent"} <= set(e.tags)
    assert "config::unsupported/missing config schema version" in e.errors
    assert '`["kube-system","gatekeeper-system"]`' in e.body.en and "AZMON_COLLECT_ENV=False" in e.body.en
    assert "KubeMonAgentEvents" in text and "MSCI-<cluster-region>-<cluster-name>" in text
    assert "5-minute interval; excludes kube-system, gatekeeper-system and azure-arc" in e.body.en
    assert "1 to 30 minutes" in e.body.en
    assert "Basic logs plan" in e.body.en and "30 September 2026" in text
    assert "KubePodInventory, KubeNodeInventory, KubeServices, KubePVInventory, KubeEvents" in e.body.en
    assert {
        "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-data-collection-configmap",
        "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-data-collection-configure",
        "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-cost",
        "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-logs-schema",
    } <= doc_urls(e)


def test_container_insights_agent_connectivity_enable_and_disable() -> None:
    """learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-firewall: outbound 443 to
    *.ods.opinsights.azure.com, <cluster-region>.handler.control.monitor.azure.com (DCR fetch) and
    *.ingest.monitor.azure.com (logs ingestion DCE); /kubernetes-monitoring-private-link: `--ampls-resource-id`;
    /container-insights-authentication: service-principal clusters move to managed identity with
    `az aks update --enable-managed-identity`; /kubernetes-monitoring-enable: `az aks enable-addons -a monitoring` and
    Managed Prometheus (ama-metrics) sends to an Azure Monitor workspace; /kubernetes-monitoring-disable:
    `az aks disable-addons -a monitoring` keeps the collected data and `--disable-azure-monitor-metrics` removes
    Managed Prometheus."""
    e = entry("container-insights-agent")
    text = text_of(e)
    for fqdn in ("*.ods.opinsights.azure.com", "<cluster-region>.handler.control.monitor.azure.com",
                 "*.ingest.monitor.azure.com", "login.microsoftonline.com"):
        assert fqdn in text, fqdn
    assert "--ampls-resource-id" in text and "--enable-managed-identity" in text
    assert "az aks enable-addons -a monitoring" in text and "az aks disable-addons -a monitoring" in text
    assert "--disable-azure-monitor-metrics" in text and "ama-metrics-node" in e.body.en
    assert "Azure Monitor workspace, not to Log Analytics" in e.body.en
    assert {
        "https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-firewall",
        "https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-private-link",
        "https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable",
        "https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-disable",
        "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-troubleshoot",
    } <= doc_urls(e)


def test_istio_addon_injection_label_webhook_meshconfig_and_upgrades() -> None:
    """learn.microsoft.com/azure/aks/istio-deploy-addon: the add-on needs the revision label istio.io/rev=asm-X-Y and
    istio-injection=enabled makes injection skip the namespace; existing workloads need a rollout restart; istioctl
    needs --istioNamespace aks-istio-system. /istio-about: ProxyConfig, WorkloadEntry, WorkloadGroup, IstioOperator
    and WasmPlugin are blocked. /istio-meshconfig: mesh settings go in istio-shared-configmap-<revision> in
    aks-istio-system. /istio-upgrade: canary upgrade with az aks mesh upgrade start/complete/rollback.
    /istio-deploy-ingress: az aks mesh enable-ingress-gateway --ingress-gateway-type external|internal.
    /istio-native-sidecar: native sidecars by default from AKS 1.33 with asm-1-29. istio/istio
    manifests/charts/istio-control/istio-discovery/templates/revision-tags-mwc.yaml: the revisioned webhook is
    rev.namespace.sidecar-injector.istio.io with failurePolicy Fail, and it skips namespaces with istio-injection."""
    e = entry("istio-sidecar")
    text = text_of(e)
    assert "`istio.io/rev=asm-X-Y`" in e.summary.en
    assert "`istio-injection=enabled` makes the add-on skip the namespace" in e.summary.en
    assert "rev.namespace.sidecar-injector.istio.io" in e.errors
    assert "Every injection webhook has failurePolicy Fail" in e.body.en
    assert "pods created before the label need a restart" in e.summary.en
    assert "--istioNamespace aks-istio-system" in text and "istio-shared-configmap-asm-X-Y" in text
    assert "ProxyConfig, WorkloadEntry, WorkloadGroup, IstioOperator and WasmPlugin are blocked" in e.body.en
    for command in ("az aks mesh upgrade start", "az aks mesh upgrade complete", "az aks mesh upgrade rollback",
                    "az aks mesh enable-ingress-gateway --ingress-gateway-type external|internal"):
        assert command in text
    assert any(v.version == "asm-1-29" and "native sidecars by default" in v.en for v in e.versions)
    learn = "https://learn.microsoft.com/azure/aks/"
    pages = ("istio-about", "istio-deploy-addon", "istio-meshconfig", "istio-upgrade", "istio-deploy-ingress",
             "istio-support-policy", "istio-native-sidecar")
    assert {learn + page for page in pages} <= doc_urls(e)


def test_istio_envoy_503_flags_egress_mtls_and_startup_order() -> None:
    """istio.io/latest/docs/ops/common-problems/network-issues: read the istio-proxy access log, the flags follow the
    status code. Envoy's access-log documentation (usage.rst, the %RESPONSE_FLAGS% table):
    UH no healthy upstream, URX retry limit or connect attempts reached, NR with 404. /tasks/traffic-management/
    egress/egress-control: ALLOW_ANY default, REGISTRY_ONLY blocks hosts without a Service or ServiceEntry.
    /tasks/security/authentication/mtls-migration: PERMISSIVE by default, STRICT fails clients without a sidecar.
    /ops/common-problems/injection: holdApplicationUntilProxyStarts. istio/istio pilot/cmd/pilot-agent/status/
    server.go: /quitquitquit, POST from localhost. The ingress-5xx entry keeps the NGINX/App Gateway 5xx and its
    Envoy error strings; this entry must not repeat them."""
    e = entry("istio-sidecar")
    text = text_of(e)
    assert "belongs to the ingress-5xx entry" in e.body.en
    assert "UH means no healthy endpoint, URX that retries or connect attempts ran out" in e.body.en
    assert "NR (with 404)" in e.body.en
    assert "With REGISTRY_ONLY the sidecar blocks any host without a Service or ServiceEntry" in e.body.en
    assert "stay on PERMISSIVE, Istio's default" in e.body.en
    assert "holdApplicationUntilProxyStarts: true" in text
    assert "http://127.0.0.1:15020/quitquitquit" in text
    assert "upstream connect error or disconnect/reset before headers" not in e.errors
    assert "no healthy upstream" not in e.errors
    istio = "https://istio.io/latest/docs/"
    assert {istio + "ops/common-problems/injection/", istio + "ops/common-problems/network-issues/",
            istio + "tasks/traffic-management/egress/egress-control/",
            istio + "tasks/security/authentication/mtls-migration/",
            "https://github.com/istio/istio/blob/master/pilot/cmd/pilot-agent/status/server.go"} <= doc_urls(e)


def test_ingress_nginx_classes_default_backend_rewrites_and_path_validation() -> None:
    """kubernetes.github.io/ingress-nginx: /user-guide/multiple-ingress (IngressClass `nginx`, controller
    k8s.io/ingress-nginx), /user-guide/default-backend (404, and 200 on /healthz), /examples/rewrite (since 0.22.0
    rewrite-target carries only capture groups), /user-guide/ingress-path-matching (use-regex or rewrite-target makes
    every path of the host a regex). changelog controller-1.12.0: strict-validate-path-type on by default. Learn
    app-routing: the add-on's IngressClass is webapprouting.kubernetes.azure.com. The ingress-5xx entry keeps the
    502/503/504 of unhealthy backends."""
    e = entry("ingress-nginx-routing")
    assert "`webapprouting.kubernetes.azure.com`" in e.summary.en and "IngressClass `nginx`" in e.body.en
    assert "which answers 404 (and 200 on `/healthz`)" in e.body.en
    assert "path `/app(/|$)(.*)` with `rewrite-target: /$2` turns `/app/orders` into `/orders`" in e.body.en
    assert "every path of that host becomes a case-insensitive regex" in e.body.en
    assert "cannot be used with pathType Prefix" in e.errors
    assert any(v.version == "ingress-nginx 0.22.0" for v in e.versions)
    assert any(v.version == "ingress-nginx 1.12.0" and "strict-validate-path-type" in v.en for v in e.versions)
    assert "that is the ingress-5xx entry" in e.body.en
    guide = "https://kubernetes.github.io/ingress-nginx/"
    assert {guide + "user-guide/default-backend/", guide + "examples/rewrite/",
            guide + "user-guide/ingress-path-matching/", "https://learn.microsoft.com/azure/aks/app-routing"} <= (
        doc_urls(e)
    )
    assert "502" not in " ".join(e.errors)  # the 5xx strings stay with ingress-5xx


def test_ingress_nginx_redirects_body_size_client_ip_probe_snippets_and_retirement() -> None:
    """ingress-nginx annotations page: ssl-redirect (308, default true with TLS), force-ssl-redirect,
    proxy-body-size; ConfigMap page: proxy-body-size 1m. kubernetes.io create-external-load-balancer:
    externalTrafficPolicy Local preserves the client source IP. Learn load-balancer-standard: from AKS 1.24 the probe
    protocol follows appProtocol and probes `/`; ingress-basic sets
    azure-load-balancer-health-probe-request-path=/healthz. changelog controller-1.9.0: user snippets off by
    default. kubernetes.io blog 2025-11-11: ingress-nginx retired in March 2026; Learn concepts-network-ingress: the
    add-on's NGINX is patched for critical issues through November 2026."""
    e = entry("ingress-nginx-routing")
    text = text_of(e)
    assert "ERR_TOO_MANY_REDIRECTS" in e.errors and "413 Request Entity Too Large" in e.errors
    assert "NGINX answers HTTP with a 308 to HTTPS when the Ingress has TLS" in e.body.en
    assert "1m by default" in e.body.en and "nginx.ingress.kubernetes.io/proxy-body-size" in e.body.en
    assert "`Local` keeps the client address" in e.body.en
    assert "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path: /healthz" in text
    assert any(v.version == "AKS 1.24" and "appProtocol" in v.en for v in e.versions)
    assert any(v.version == "ingress-nginx 1.9.0" and "disabled by default" in v.en for v in e.versions)
    assert any(v.version == "2026-03" and "retired" in v.en for v in e.versions)
    assert "through November 2026" in e.body.en
    assert {"https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/",
            "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/",
            "https://learn.microsoft.com/azure/aks/load-balancer-standard",
            "https://learn.microsoft.com/azure/aks/ingress-basic",
            "https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/"} <= doc_urls(e)


def test_azure_china_cloud_name_endpoints_and_tool_settings() -> None:
    """learn.microsoft.com/cli/azure/manage-clouds-azure-cli: `az cloud set --name AzureChinaCloud`, whose endpoints
    are resourceManager https://management.chinacloudapi.cn and activeDirectory https://login.chinacloudapi.cn, and
    after switching a new sign-in and a subscription choice; /powershell/module/az.accounts/get-azenvironment: the same
    two endpoints; /python/api/azure-identity/azure.identity.azureauthorityhosts: AZURE_CHINA = login.chinacloudapi.cn;
    azure.github.io/kubelogin/topics/environments.html: `--environment AzureChinaCloud`, default AzurePublicCloud;
    registry.terraform.io azurerm provider: `environment = "china"` / ARM_ENVIRONMENT; /entra/identity-platform/
    reference-error-codes: AADSTS90002, often a cross-cloud app used against the wrong cloud. The team's notes ran
    `az account set` before `az login`."""
    e = entry("azure-china")
    text = text_of(e)
    assert "`az cloud set --name AzureChinaCloud`, `az login`, `az account set -s <subscription>`" in text
    assert "https://management.chinacloudapi.cn" in e.summary.en and "https://login.chinacloudapi.cn" in e.summary.en
    assert "kubelogin convert-kubeconfig -l azurecli --environment AzureChinaCloud" in text
    assert "its default is AzurePublicCloud" in text
    assert "AzureAuthorityHosts.AZURE_CHINA" in text
    assert 'environment = "china"' in text and "ARM_ENVIRONMENT=china" in text
    assert "Connect-AzAccount -Environment AzureChinaCloud" in text
    assert {"AADSTS90002", "doesn't exist in cloud 'AzureCloud'"} <= set(e.errors)
    assert any("`az account set --subscription` before `az login`" in c.en for c in e.corrections)
    assert {
        "https://learn.microsoft.com/cli/azure/manage-clouds-azure-cli",
        "https://learn.microsoft.com/python/api/azure-identity/azure.identity.azureauthorityhosts",
        "https://azure.github.io/kubelogin/topics/environments.html",
        "https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
    } <= doc_urls(e)
    assert any(n.heading == "方法3：直接ssh" for n in e.sources.notes)


def test_azure_china_mirrors_are_for_azure_china_ips_only_and_mcr_azure_cn_is_the_mcr_cache() -> None:
    """github.com/Azure/container-service-for-azure-china aks/README.md: the proxy table (dockerhub, gcr, usgcr, k8sgcr,
    quay, mcr .azk8s.cn) and the note that *.azk8s.cn is only accessed by Azure China IP, whitelisting by request to
    akscn@microsoft.com; issue #58 (2020-04-02): "From this moment, *.azk8s.cn is only allowed for Azure China IPs";
    pull request #72 (2024-06): SLA-based technical support only for mcr.azk8s.cn. learn.microsoft.com/azure/aks/
    outbound-rules-control-egress: mcr.azure.cn and *.data.mcr.azure.cn, a cache for mcr.microsoft.com in Azure
    China."""
    e = entry("azure-china")
    text = text_of(e)
    for host in ("dockerhub.azk8s.cn", "gcr.azk8s.cn", "k8sgcr.azk8s.cn", "quay.azk8s.cn", "mcr.azk8s.cn"):
        assert host in e.body.en, host
    assert "Since April 2020 *.azk8s.cn answers only Azure China IP addresses" in e.body.en
    assert "akscn@microsoft.com" in text
    assert any(v.version == "2020-04" and "403 Forbidden" in v.en for v in e.versions)
    assert "only mcr.azk8s.cn has SLA-based technical support" in e.body.en
    assert "mcr.azure.cn and *.data.mcr.azure.cn as the Azure China cache of mcr.microsoft.com" in e.body.en
    assert any("mcr.azk8s.cn" in c.en and "only Azure China IP addresses" in c.en for c in e.corrections)
    china_repo = "https://github.com/Azure/container-service-for-azure-china/"
    assert {china_repo + "blob/master/aks/README.md", china_repo + "issues/58"} <= doc_urls(e)


def test_azure_china_api_versions_kubernetes_versions_features_and_egress() -> None:
    """learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider: the
    NoRegisteredProviderFound message names the location and api-version and suggests supported ones; Azure/azure-cli
    issues #12881 and #21492 (the message for 'managedClusters' in chinaeast2) and #26827 (InvalidResourceType for
    'locations' after azure-cli 2.50.0). github.com/Azure/AKS release 2021-05-13: separate ETAs for public and
    sovereign clouds; docs.azure.cn/en-us/aks/supported-kubernetes-versions: Azure China's own release calendar.
    learn.microsoft.com/azure/aks/outbound-rules-control-egress: Microsoft Defender for Cloud retires in Azure in
    China on August 18, 2026. The FQDN list stays in egress-blocked."""
    e = entry("azure-china")
    text = text_of(e)
    assert "No registered resource provider found for location 'chinaeast2'" in e.errors
    assert "for type 'managedClusters'. The supported api-versions are" in e.body.en
    assert "could not be found in the namespace 'Microsoft.ContainerService' for api version" in e.body.en
    assert "az aks get-versions --location chinaeast2" in text
    assert "separate rollout dates for public and sovereign clouds" in e.body.en
    assert any(v.version == "2026-08-18" and "Defender for Containers" in v.en for v in e.versions)
    assert "egress-blocked" in e.related and "egress-blocked entry" in e.body.en
    assert "*.cx.prod.service.azk8s.cn" not in " ".join(f.en for f in e.fixes)  # the list itself is egress-blocked's
    assert {
        "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider",
        "https://docs.azure.cn/en-us/aks/supported-kubernetes-versions",
        "https://github.com/Azure/AKS/releases/tag/2021-05-13",
        "https://learn.microsoft.com/azure/aks/outbound-rules-control-egress",
    } <= doc_urls(e)
