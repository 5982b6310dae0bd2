"""The one catalog of the bot's own words in every language it answers in (English and Chinese).

Each message is a `Msg` with the same `{placeholders}` in both languages (a test checks it), called with the
language and the values: `DIAGNOSE.node_heading("zh", name=node.name)`. Only the bot's fixed words live here —
what the cluster, Azure or the knowledge base say is quoted as they say it. Messages are grouped by the part of
the bot that speaks them, so a translator reads one file and a reviewer sees every language side by side.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Literal

from bot.blocks import Channel, Moment, Part, Person, Rich, people

Lang = Literal["en", "zh"]
_ENDS_SENTENCE = ("。", "！", "？", ".", "!", "?")


def _after(before: list[str], literal: str) -> str:
    """A message's own text after a value: without its full stop when the value already ended the sentence."""
    if literal[:1] in ("。", ".") and before and before[-1].rstrip().endswith(_ENDS_SENTENCE):
        return literal[1:]
    return literal


@dataclass(frozen=True)
class Msg:
    en: str
    zh: str

    def __call__(self, lang: str, **values: object) -> str:
        """The message in `lang` with `values` in it: a `Said` value in the same language, and a value that ends a
        sentence (`先修堆参数。`) not followed by a second full stop of the message's own."""
        text = self.zh if lang == "zh" else self.en
        if not values:
            return text
        out: list[str] = []
        for literal, name, spec, conversion in string.Formatter().parse(text):
            out.append(_after(out, literal))
            if name is not None:
                value = values[name]
                value = in_lang(value, lang) if isinstance(value, Said) else value
                out.append(format(repr(value) if conversion == "r" else value, spec or ""))
        return "".join(out)

    def rich(self, lang: str, **values: object) -> Rich:
        """The message with values that may name people or channels (a `Rich`, a `Person`): they stay people, so
        Slack shows them as mentions wherever the language puts them."""
        text = self.zh if lang == "zh" else self.en
        parts: list[Part] = []
        for literal, name, spec, conversion in string.Formatter().parse(text):
            parts.append(_after([parts[-1]] if parts and isinstance(parts[-1], str) else [], literal))
            if name is None:
                continue
            value = values[name]
            if isinstance(value, tuple):
                parts.extend(value)
            elif isinstance(value, Person | Channel | Moment):
                parts.append(value)
            else:
                value = in_lang(value, lang) if isinstance(value, Said) else value
                parts.append(format(repr(value) if conversion == "r" else value, spec or ""))
        merged: list[Part] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        if all(isinstance(part, str) for part in merged):
            return "".join(str(part) for part in merged)
        return tuple(merged)

    def placeholders(self, lang: Lang) -> set[str]:
        text = self.zh if lang == "zh" else self.en
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Said(str):
    """Text a diagnosis rule wrote in both languages. It is the English string wherever a `str` is wanted — logs,
    stores, alert keys and texts, tests — and a view that answers in Chinese reads `zh` with `in_lang`. (Findings
    are plain data made before anyone knows who will read them: a diagnosis in Chinese and an alert in an English
    channel show the same finding.)"""

    zh: str

    def __new__(cls, en: str, zh: str) -> Said:
        made = super().__new__(cls, en)
        made.zh = zh
        return made

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]  # copy and pickle keep both languages
        return (str(self), self.zh)


def said(msg: Msg, **values: object) -> Said:
    """`msg` with `values` in both languages; a value that is itself a `Said` (a title a rule extends, a meaning from
    a table) gives its English to the English and its Chinese to the Chinese."""
    zh = {k: in_lang(v, "zh") if isinstance(v, str) else v for k, v in values.items()}
    return Said(msg("en", **values), msg("zh", **zh))


def joined(parts: Iterable[str], en: str, zh: str) -> Said:
    """`parts` joined with `en` in English and with `zh` (full-width punctuation) in Chinese; a part that is a `Said`
    gives each language its own words."""
    items = list(parts)
    return Said(en.join(items), zh.join(in_lang(p, "zh") for p in items))


def severity_word(label: str, lang: str) -> str:
    """A severity's name (`critical`, `warning`, `info`) in `lang`; a source's own label (`sev1`) as it is."""
    msg: Msg | None = getattr(ALERT, f"sev_{label}", None)
    return msg(lang) if msg is not None else label


def in_lang(text: str, lang: str) -> str:
    """`text` in `lang`: a `Said`'s Chinese when asked for, else the text itself (what was written in English only,
    or quoted from the cluster, stays as it is)."""
    zh = getattr(text, "zh", None)
    return zh if lang == "zh" and isinstance(zh, str) else str(text)


@dataclass(frozen=True)
class DiagnoseWords:
    """`diagnose node|pod|cluster` and `health` (the findings' own words are `FindingWords`; their evidence quotes the
    cluster as it speaks, and the bot's own reading of it, such as a likely cause, is in both languages)."""

    node_heading: Msg = Msg("Diagnosis: node {name}", "诊断：节点 {name}")
    pod_heading: Msg = Msg("Diagnosis: pod {name}", "诊断：Pod {name}")
    cluster_heading: Msg = Msg("Diagnosis: cluster {name}", "诊断：集群 {name}")
    health_heading: Msg = Msg("Health: {name}", "健康状况：{name}")
    status: Msg = Msg("Status", "状态")
    pool: Msg = Msg("Pool", "节点池")
    kubernetes: Msg = Msg("Kubernetes", "Kubernetes")
    os: Msg = Msg("OS", "操作系统")
    pods_on_it: Msg = Msg("Pods on it", "节点上的 Pod")
    taints: Msg = Msg("Taints", "污点")
    none: Msg = Msg("none", "无")
    ready: Msg = Msg("Ready", "就绪")
    restarts: Msg = Msg("Restarts", "重启次数")
    node: Msg = Msg("Node", "节点")
    owner: Msg = Msg("Owner", "所属")
    no_problem: Msg = Msg("{name}: no problem found.", "{name}：未发现问题。")
    what_next: Msg = Msg("What happens next:", "接下来会发生：")
    runbook: Msg = Msg("runbook", "处理手册")
    confidence: Msg = Msg("confidence", "置信度")
    confidence_high: Msg = Msg("high", "高")
    confidence_medium: Msg = Msg("medium", "中")
    confidence_low: Msg = Msg("low", "低")
    signals: Msg = Msg("signals", "信号")
    worst: Msg = Msg("worst", "最严重的一例")
    cluster: Msg = Msg("Cluster", "集群")
    nodes_ready: Msg = Msg("Nodes ready", "就绪节点")
    pods: Msg = Msg("Pods", "Pod")
    pods_detail: Msg = Msg(
        "{total:,} ({running:,} running, {pending:,} pending, {failed:,} failed)",
        "{total:,}（运行 {running:,}，等待 {pending:,}，失败 {failed:,}）",
    )
    problems_label: Msg = Msg("Problems", "问题")
    problems: Msg = Msg("{findings:,} finding(s) in {groups} group(s)", "{findings:,} 个发现，{groups} 组")
    more_groups: Msg = Msg(
        "{count} more group(s) of findings: `/k8s health` lists them all.",
        "还有 {count} 组发现：`/k8s health` 会全部列出。",
    )
    more_in_health: Msg = Msg(
        "{count} more group(s): `/k8s diagnose cluster`", "还有 {count} 组：`/k8s diagnose cluster`"
    )
    diagnose_cluster: Msg = Msg("Diagnose cluster", "诊断集群")
    attention: Msg = Msg("Cluster needs attention", "集群需要处理")
    degraded: Msg = Msg("Cluster degraded", "集群部分降级")
    healthy_notes: Msg = Msg("Cluster healthy (notes)", "集群健康（有提示）")
    healthy: Msg = Msg("Cluster healthy", "集群健康")
    workload_not_pod: Msg = Msg(
        "`{name}` is a workload, not a pod: diagnosing the worst of its {count} pod(s), `{worst}`.",
        "`{name}` 是工作负载而不是 Pod：诊断它 {count} 个 Pod 中最差的 `{worst}`。",
    )
    the_others: Msg = Msg(" The others: {others}.", " 其余：{others}。")
    summary_see: Msg = Msg(" — see {kb}", " — 参见 {kb}")
    summary_more: Msg = Msg(" (+{count} more)", "（另有 {count} 项）")
    node_clean: Msg = Msg("node {name}: no problem found", "节点 {name}：未发现问题")
    pod_clean: Msg = Msg("pod {name}: no problem found", "Pod {name}：未发现问题")


@dataclass(frozen=True)
class AksWords:
    """`aks show`, `aks pools`, `aks upgrades`, `aks snat`: the frame around what Azure says (what the SNAT budget
    and the upgrade checklist say is `SnatWords` and `UpgradeWords`)."""

    cluster_heading: Msg = Msg("AKS cluster {name}", "AKS 集群 {name}")
    kubernetes: Msg = Msg("Kubernetes", "Kubernetes")
    state: Msg = Msg("State", "状态")
    network: Msg = Msg("Network", "网络")
    outbound: Msg = Msg("Outbound", "出站类型")
    identity: Msg = Msg("Identity", "身份")
    auto_upgrade: Msg = Msg("Auto-upgrade", "自动升级")
    node_os_upgrade: Msg = Msg("Node OS upgrade", "节点 OS 升级")
    node_resource_group: Msg = Msg("Node resource group", "节点资源组")
    location: Msg = Msg("Location", "区域")
    pools: Msg = Msg("Pools", "节点池")
    node_provisioning: Msg = Msg("Node provisioning", "节点预配")
    service_mesh: Msg = Msg("Service mesh", "服务网格")
    istio_addon: Msg = Msg("Istio add-on, revision {revisions}", "Istio 插件，修订版 {revisions}")
    istio_canary: Msg = Msg(
        "Istio add-on, canary upgrade {old} → {new} in progress", "Istio 插件，金丝雀升级 {old} → {new} 进行中"
    )
    istio_label: Msg = Msg(
        "Istio add-on: a namespace joins the mesh with the label {labels}; the add-on skips namespaces labelled "
        "`istio-injection=enabled`, and pods get their sidecar only when they are created.{see}",
        "Istio 插件：命名空间打上标签 {labels} 才会加入网格；带 `istio-injection=enabled` 标签的命名空间会被插件跳过，"
        "而且 Pod 只在创建时注入 sidecar。{see}",
    )
    monitoring: Msg = Msg("Monitoring", "监控")
    container_insights_on: Msg = Msg(
        "Container Insights (ama-logs to Log Analytics)", "Container Insights（ama-logs 发送到 Log Analytics）"
    )
    auto_provisioned: Msg = Msg(
        "Node auto-provisioning is on: Karpenter, run by AKS, creates and removes the nodes that pods need from its "
        "NodePools (`kubectl get nodepools,nodeclaims`), so the pools above are not all there is and their "
        "autoscaler is off.{see}",
        "已开启节点自动预配（NAP）：由 AKS 托管的 Karpenter 按其 NodePool 为 Pod 创建和回收节点"
        "（`kubectl get nodepools,nodeclaims`），所以上面的节点池并不是全部节点，节点池的自动缩放也是关闭的。{see}",
    )
    failed_state: Msg = Msg(
        "{what} is in the *Failed* state.{reason} A Failed state usually stays after an operation broke off even "
        "when the nodes work; reconciling (a PUT of the cluster's current model, `az aks update {target}` with no "
        "arguments) brings it back to Succeeded if the cause is gone: `{reconcile}` (asks for approval).{see}",
        "{what}处于 *Failed* 状态。{reason}操作中断后即使节点正常，Failed 状态也常常保留；原因消除后，reconcile"
        "（把集群当前模型原样 PUT 回去，即不带参数的 `az aks update {target}`）可让它回到 Succeeded：`{reconcile}`"
        "（需审批）。{see}",
    )
    service_principal: Msg = Msg(
        "This cluster reaches Azure with service principal `{sp}`. Its secret expires (one year by default) and "
        "then scaling, upgrades, load balancers and disks fail. Check: {check}. Renew: {renew} (triggers a node "
        "image upgrade). Better: move to a managed identity ({migrate}, which reimages the nodes).{see}",
        "该集群通过服务主体 `{sp}` 访问 Azure。其密钥会过期（默认一年），过期后扩缩容、升级、负载均衡器和磁盘操作"
        "都会失败。检查：{check}。续期：{renew}（会触发节点镜像升级）。更好的做法：改用托管标识（{migrate}，会重装所有"
        "节点）。{see}",
    )
    see: Msg = Msg(" See `{command}`.", " 参见 `{command}`。")
    ready_to_upgrade: Msg = Msg("ready to upgrade", "可以升级")
    read_the_warnings: Msg = Msg("can upgrade, read the warnings", "可以升级，请先看警告")
    fix_failures: Msg = Msg("fix the failures first", "请先解决失败项")
    preflight: Msg = Msg("Pre-flight: {verdict}.", "升级预检：{verdict}。")
    snat_tight: Msg = Msg(
        "The SNAT budget is tight for this cluster's peak size.", "按集群峰值规模，SNAT 端口预算偏紧。"
    )
    # -- aks show: the words around Azure's values
    unknown: Msg = Msg("unknown", "未知")
    none: Msg = Msg("none", "无")
    unset: Msg = Msg("unset", "未设置")
    state_power: Msg = Msg("{state}, power {power}", "{state}，电源状态 {power}")
    network_policy: Msg = Msg("{plugin}, policy {policy}", "{plugin}，网络策略 {policy}")
    identity_sp: Msg = Msg("service principal `{sp}`", "服务主体 `{sp}`")
    identity_system: Msg = Msg("system-assigned managed identity", "系统分配的托管标识")
    identity_user: Msg = Msg("user-assigned managed identity", "用户分配的托管标识")
    the_cluster: Msg = Msg("The cluster", "集群")
    failed_pools: Msg = Msg("Pool(s) {pools}", "节点池（{pools}）")
    azure_error: Msg = Msg(" Azure's error: `{code}`: {message}", "Azure 返回的错误：`{code}`：{message} ")
    api_server: Msg = Msg("API server {fqdn}", "API server 地址：{fqdn}")
    # -- aks pools
    pools_heading: Msg = Msg("Node pools of {name}", "{name} 的节点池")
    pools_summary: Msg = Msg("{count} node pool(s) in {name}", "{name} 有 {count} 个节点池")
    pool: Msg = Msg("Pool", "节点池")
    vm_size: Msg = Msg("VM size", "VM 规格")
    nodes: Msg = Msg("Nodes", "节点数")
    autoscaling: Msg = Msg(" (autoscaling {min}–{max})", "（自动缩放 {min}–{max}）")
    node_image: Msg = Msg("Node image", "节点镜像")
    newer_image: Msg = Msg("Newer image", "可用的新镜像")
    no_newer_image: Msg = Msg("no", "无")
    os: Msg = Msg("OS", "操作系统")
    max_pods: Msg = Msg("Max pods", "最大 Pod 数")
    max_surge: Msg = Msg("Max surge", "maxSurge")
    surge_default: Msg = Msg("unset (10%)", "未设置（10%）")
    newer_image_notice: Msg = Msg(
        "A newer node image exists for {pools}: {commands} applies it (one node at a time, with surge).",
        "{pools} 有更新的节点镜像：{commands} 会应用它（逐个节点进行，借助 surge）。",
    )
    pools_failed: Msg = Msg(
        "Pool(s) {pools} are Failed; see `/k8s aks show`.", "节点池 {pools} 处于 Failed 状态；参见 `/k8s aks show`。"
    )
    nodes_registered: Msg = Msg("{goal} ({have} in the cluster)", "{goal}（集群中 {have} 个）")
    nodes_not_ready: Msg = Msg(", {count} not Ready (`/k8s nodes`)", "，其中 {count} 个未就绪（`/k8s nodes`）")
    pools_short: Msg = Msg(
        "Pool(s) {pools}: Azure's node count is not what the cluster has. The last scale or upgrade did not reach its "
        "goal; a Failed pool is mended by removing the cause and `/k8s aks reconcile`.",
        "节点池 {pools}：Azure 记录的节点数与集群中的不一致，上一次扩缩容或升级没有达到目标；"
        "Failed 的节点池需先消除原因，再执行 `/k8s aks reconcile`。",
    )
    pools_short_busy: Msg = Msg(
        "Pool(s) {pools}: an operation is under way, and the cluster does not have Azure's node count yet.",
        "节点池 {pools}：操作正在进行，集群中的节点数还没有达到 Azure 记录的数量。",
    )
    # -- aks upgrades (the checklist's own words are `UpgradeWords`)
    upgrade_heading: Msg = Msg(
        "Upgrade pre-flight for {name}: {current} → {target}", "{name} 升级预检：{current} → {target}"
    )
    upgrade_summary: Msg = Msg(
        "Upgrade pre-flight {current} → {target}: {status}", "升级预检 {current} → {target}：{status}"
    )
    not_allowed: Msg = Msg(" (not allowed)", "（不允许）")
    versions_offered: Msg = Msg("Versions Azure offers", "Azure 提供的版本")
    col_version: Msg = Msg("version", "版本")
    col_allowed: Msg = Msg("allowed", "允许")
    col_note: Msg = Msg("note", "说明")
    yes: Msg = Msg("yes", "是")
    no: Msg = Msg("no", "否")
    no_newer_version: Msg = Msg(
        "Azure offers no newer version for the control plane.", "Azure 没有为控制平面提供更新的版本。"
    )
    checklist: Msg = Msg("Checklist", "检查清单")
    col_result: Msg = Msg("result", "结果")
    col_check: Msg = Msg("check", "检查项")
    col_detail: Msg = Msg("detail", "详情")
    col_read: Msg = Msg("read", "参阅")
    status_pass: Msg = Msg("pass", "通过")
    status_warn: Msg = Msg("warn", "警告")
    status_fail: Msg = Msg("fail", "失败")
    more_items: Msg = Msg("… {count} more", "… 另有 {count} 项")
    checks_limited: Msg = Msg("Cluster checks were limited: {reason}", "集群内的检查不完整：{reason}")
    # -- aks snat (the budget's own words are `SnatWords`)
    snat_heading: Msg = Msg("SNAT budget of {name}", "{name} 的 SNAT 端口预算")
    snat_summary: Msg = Msg(
        "SNAT {name}: {ports:,} ports/node, max {max} nodes", "SNAT {name}：每节点 {ports:,} 个端口，最多 {max} 个节点"
    )
    outbound_type: Msg = Msg("Outbound type", "出站类型")
    outbound_ips: Msg = Msg("Outbound IPs", "出站 IP")
    ip_count: Msg = Msg("{count} ({source})", "{count}（{source}）")
    ports_in_all: Msg = Msg("Ports in all", "端口总数")
    ports_per_node: Msg = Msg("Ports per node", "每节点端口数")
    maximum_nodes: Msg = Msg("Maximum nodes", "节点数上限")
    nodes_now_peak: Msg = Msg("Nodes now / at peak", "当前 / 峰值节点数")
    headroom_at_peak: Msg = Msg("Headroom at peak", "峰值时的余量")
    headroom_nodes: Msg = Msg("{count} node(s)", "{count} 个节点")
    nodes_counted: Msg = Msg("Nodes counted", "计入的节点")
    col_pool: Msg = Msg("pool", "节点池")
    col_nodes: Msg = Msg("nodes", "节点数")
    col_peak: Msg = Msg("peak", "峰值")
    col_surge: Msg = Msg("surge", "surge 数")
    with_nodes: Msg = Msg("With {nodes} nodes: {detail}.", "{nodes} 个节点时：{detail}。")

    # -- what the bot asks Azure to do, and how it goes (progress lines in the card's thread)
    op_scale: Msg = Msg("scale pool `{pool}` to {count} node(s)", "把节点池 `{pool}` 扩缩到 {count} 个节点")
    op_reconcile: Msg = Msg(
        "reconcile the cluster (PUT of its current model)", "reconcile 集群（以当前模型重新 PUT）"
    )
    op_upgrade_image: Msg = Msg("upgrade the node image of pool `{pool}`", "升级节点池 `{pool}` 的节点镜像")
    op_read_cluster: Msg = Msg("read the managed cluster", "读取托管集群")
    op_follow: Msg = Msg("read the operation's status", "读取该操作的状态")
    op_list_pools: Msg = Msg("list the agent pools", "列出节点池")
    op_read_pool: Msg = Msg("read agent pool `{pool}`", "读取节点池 `{pool}`")
    op_read_upgrades: Msg = Msg("read the upgrade profile", "读取升级配置")
    op_read_pool_upgrades: Msg = Msg("read the upgrade profile of pool `{pool}`", "读取节点池 `{pool}` 的升级配置")
    op_list_versions: Msg = Msg(
        "list the Kubernetes versions offered in {location}", "列出 {location} 提供的 Kubernetes 版本"
    )
    # -- what went wrong on the way to Azure (bot.azure.sdk.translate): the next step in every message
    arm_endpoint: Msg = Msg("Azure Resource Manager at `{host}`", "`{host}` 上的 Azure 资源管理器")
    sign_in_endpoint: Msg = Msg("Azure sign-in at `{host}`", "`{host}` 上的 Azure 登录服务")
    azure_where: Msg = Msg("`{cluster}` (resource group `{group}`)", "`{cluster}`（资源组 `{group}`）")
    azure_unreachable: Msg = Msg(
        "{endpoint} is unreachable (connection refused, timed out or no DNS answer) while trying to {what}. Check the"
        " address and that the bot's network (proxy, firewall, DNS) lets it through.",
        "{what}时无法连接{endpoint}（连接被拒绝、超时或 DNS 无应答）。请检查地址，以及机器人所在网络（代理、防火墙、"
        "DNS）是否放行。",
    )
    azure_closed: Msg = Msg(
        "{endpoint} closed the connection without an answer while trying to {what}.",
        "{what}时{endpoint}没有应答就关闭了连接。",
    )
    azure_no_answer: Msg = Msg(
        "{endpoint} did not answer within {waited} s while trying to {what} (the whole operation is bounded at"
        " {bound} s).",
        "{what}时{endpoint}在 {waited} 秒内没有应答（整个操作的上限是 {bound} 秒）。",
    )
    azure_overtime: Msg = Msg(
        "{endpoint} did not answer within {bound} s while trying to {what}.{after}",
        "{what}时{endpoint}在 {bound} 秒内没有应答。{after}",
    )
    azure_may_have_reached: Msg = Msg(
        " The request may still reach Azure: check with `/k8s aks pools` or `/k8s aks show` before trying again.",
        "请求可能仍会到达 Azure：重试之前先用 `/k8s aks pools` 或 `/k8s aks show` 确认。",
    )
    azure_no_credential: Msg = Msg(
        "The bot has no Azure credential for {where}: none of the environment (AZURE_CLIENT_ID, AZURE_TENANT_ID,"
        " AZURE_CLIENT_SECRET), workload identity, a managed identity or an `az login` on its machine gave one. Set"
        " `azure.client_id`, `azure.tenant_id` and `azure.client_secret_env` for the cluster (README, Configuration),"
        " or give the bot's pod a workload identity.",
        "机器人没有访问 {where} 的 Azure 凭据：环境变量（AZURE_CLIENT_ID、AZURE_TENANT_ID、AZURE_CLIENT_SECRET）、"
        "工作负载标识、托管标识和本机的 `az login` 都没有提供。请为该集群设置 `azure.client_id`、`azure.tenant_id` 和"
        " `azure.client_secret_env`（见 README 的 Configuration 一节），或者给机器人的 Pod 配置工作负载标识。",
    )
    azure_secret_expired: Msg = Msg(
        "Azure sign-in for {where} failed: the bot's own client secret (app `{client}`) has expired (AADSTS7000222)."
        " Create a new one (`az ad app credential reset --id {client}`), put it in {holder} and restart the bot. See"
        " `/k8s kb sp-expired`.",
        "{where} 的 Azure 登录失败：机器人自己的客户端密码（应用 `{client}`）已过期（AADSTS7000222）。请新建一个"
        "（`az ad app credential reset --id {client}`），放进{holder}，然后重启机器人。参见 `/k8s kb sp-expired`。",
    )
    secret_in_env: Msg = Msg("`{env}` where the bot runs", "机器人运行环境中的 `{env}`")
    secret_somewhere: Msg = Msg("the secret the bot reads", "机器人读取的密钥")
    azure_sign_in_failed: Msg = Msg(
        "Azure sign-in for {where} failed while trying to {what}: {detail}",
        "{what}时 {where} 的 Azure 登录失败：{detail}",
    )
    azure_token_rejected: Msg = Msg(
        "Azure rejected the bot's token while trying to {what} ({code}): {detail}",
        "{what}时 Azure 拒绝了机器人的令牌（{code}）：{detail}",
    )
    azure_may_not: Msg = Msg(
        "Azure refused to {what}: the bot's identity may not perform `{action}` on `{scope}`. Grant it the *{role}*"
        " role on that scope (`az role assignment create --assignee <bot client id> --role \"{role}\" --scope"
        " {scope}`).",
        "Azure 拒绝{what}：机器人的身份无权在 `{scope}` 上执行 `{action}`。请在该范围上授予它 *{role}* 角色"
        "（`az role assignment create --assignee <bot client id> --role \"{role}\" --scope {scope}`）。",
    )
    azure_refused_on: Msg = Msg(
        "Azure refused to {what} on {where} ({code}): {detail}", "Azure 拒绝在 {where} 上{what}（{code}）：{detail}"
    )
    azure_no_such: Msg = Msg(
        "Azure has no such resource while trying to {what} on {where}: {detail}",
        "在 {where} 上{what}时，Azure 找不到该资源：{detail}",
    )
    azure_conflict: Msg = Msg(
        "Azure could not {what} now ({code}): {detail}", "Azure 现在无法{what}（{code}）：{detail}"
    )
    azure_throttled: Msg = Msg(
        "Azure is throttling requests for {where} (429) while trying to {what}.{after}",
        "{what}时 Azure 正在限制对 {where} 的请求（429）。{after}",
    )
    azure_wait_after: Msg = Msg(
        " Azure asks to wait {seconds} s before trying again.", "Azure 要求等待 {seconds} 秒后再试。"
    )
    azure_try_in_a_minute: Msg = Msg(" Try again in a minute.", "请一分钟后再试。")
    azure_refused: Msg = Msg("Azure refused to {what} ({code}): {detail}", "Azure 拒绝{what}（{code}）：{detail}")
    azure_failed: Msg = Msg(
        "Azure failed while trying to {what} ({code}): {detail}", "{what}时 Azure 出错（{code}）：{detail}"
    )
    azure_could_not: Msg = Msg("Azure could not {what} ({code}): {detail}", "Azure 未能{what}（{code}）：{detail}")
    pool_autoscaled: Msg = Msg(
        "Pool `{pool}` is scaled by the cluster autoscaler (min {low}, max {high}); change its limits instead of its"
        " count.",
        "节点池 `{pool}` 由 cluster autoscaler 扩缩（最少 {low}，最多 {high}）；请修改它的上下限，而不是节点数。",
    )
    azure_accepted: Msg = Msg("Azure accepted: {what}.", "Azure 已接受：{what}。")
    azure_lost_track: Msg = Msg(
        "Azure accepted the request to {what}, but the bot could not follow it to its end: {why}. The operation may"
        " still be running in Azure: check `/k8s aks pools` or `/k8s aks show` before asking for it again.",
        "Azure 已接受{what}的请求，但机器人未能跟踪到它结束：{why}。该操作可能仍在 Azure 中进行：再次申请之前，先用"
        " `/k8s aks pools` 或 `/k8s aks show` 确认。",
    )
    azure_working: Msg = Msg("Azure is still working: {what} ({status}).", "Azure 仍在处理：{what}（{status}）。")
    azure_still_after: Msg = Msg(
        "Azure is still working on it ({what}) after {seconds} s; the operation goes on in Azure. Follow it with "
        "`/k8s aks pools` or `/k8s aks show`.",
        "{seconds} 秒后 Azure 仍在处理（{what}）；操作会在 Azure 中继续进行。用 `/k8s aks pools` 或 `/k8s aks show` "
        "跟踪进度。",
    )

@dataclass(frozen=True)
class SnatWords:
    """What the SNAT budget (`handlers.rules.snat`) says of a cluster: where its outbound IPs come from, its findings
    and what scaling would do. Its recommendations are a diagnosis's next steps, so they are `FindingWords`."""

    # -- where the outbound IPs come from
    ips_default: Msg = Msg(
        "one managed IP (no load-balancer profile; AKS default)", "1 个托管 IP（没有负载均衡器配置，AKS 默认）"
    )
    ips_effective: Msg = Msg("effective outbound IPs", "实际生效的出站 IP")
    ips_own: Msg = Msg("your own public IPs", "自有公共 IP")
    ips_prefixes: Msg = Msg(
        "{count} public IP prefix(es), counted as one IP each", "{count} 个公共 IP 前缀，每个按 1 个 IP 计"
    )
    ips_managed: Msg = Msg("managed outbound IPs", "托管出站 IP")
    nat_ips_effective: Msg = Msg("effective NAT gateway IPs", "NAT gateway 实际生效的 IP")
    nat_own: Msg = Msg(
        "your NAT gateway (its IPs are not in the cluster; assumed 1)",
        "自有 NAT gateway（集群里看不到它的 IP，按 1 个计）",
    )
    nat_ips_managed: Msg = Msg("managed NAT gateway IPs", "托管 NAT gateway IP")
    own_route: Msg = Msg(
        "egress through your own route (firewall or appliance)", "经自有路由出站（防火墙或网络设备）"
    )
    # -- findings
    user_defined: Msg = Msg(
        "Outbound type `{type}`: SNAT happens in your firewall or appliance, not in AKS; check its own port and "
        "connection limits.",
        "出站类型 `{type}`：SNAT 发生在你的防火墙或网络设备上，而不在 AKS 中；请检查该设备自身的端口和连接数上限。",
    )
    explicit_ports: Msg = Msg(
        "{ips} outbound IP(s) × {per_ip:,} ports = {total:,} ports; {ports:,} allocated per node → at most {max:,} "
        "nodes.",
        "{ips} 个出站 IP × {per_ip:,} 个端口 = {total:,} 个端口；每节点分配 {ports:,} 个 → 最多 {max:,} 个节点。",
    )
    nodes_now_and_peak: Msg = Msg(
        "Nodes now {current}; at peak {peak} (autoscaler maximums plus upgrade surge).",
        "当前 {current} 个节点；峰值 {peak} 个（autoscaler 上限加上升级 surge）。",
    )
    prefixes_floor: Msg = Msg(
        "Outbound IP prefixes are counted as one IP each, so the real maximum may be higher.",
        "出站 IP 前缀每个按 1 个 IP 计，所以实际上限可能更高。",
    )
    not_multiple_of_8: Msg = Msg(
        "allocatedOutboundPorts {ports} is not a multiple of 8; Azure rejects such a value.",
        "allocatedOutboundPorts {ports} 不是 8 的倍数，Azure 会拒绝这样的值。",
    )
    over_budget: Msg = Msg(
        "At peak the cluster needs {needed:,} ports but has {total:,}: scaling or upgrading past {max} nodes fails "
        "with InvalidLoadBalancerProfileAllocatedOutboundPorts.",
        "峰值时集群需要 {needed:,} 个端口，但只有 {total:,} 个：扩容或升级超过 {max} 个节点会失败，报 "
        "InvalidLoadBalancerProfileAllocatedOutboundPorts。",
    )
    default_table: Msg = Msg(
        "allocatedOutboundPorts is 0: Azure's default table gives {ports} ports per node for {current} node(s) "
        "(1–50: 1,024; 51–100: 512; 101–200: 256; 201–400: 128; 401–800: 64; 801–1,000: 32).",
        "allocatedOutboundPorts 为 0：按 Azure 的默认表，{current} 个节点时每节点 {ports} 个端口"
        "（1–50：1,024；51–100：512；101–200：256；201–400：128；401–800：64；801–1,000：32）。",
    )
    default_table_none: Msg = Msg(
        "allocatedOutboundPorts is 0: Azure's default table gives no ports per node for {current} node(s) "
        "(1–50: 1,024; 51–100: 512; 101–200: 256; 201–400: 128; 401–800: 64; 801–1,000: 32).",
        "allocatedOutboundPorts 为 0：Azure 的默认表不覆盖 {current} 个节点，不分配端口"
        "（1–50：1,024；51–100：512；101–200：256；201–400：128；401–800：64；801–1,000：32）。",
    )
    beyond_table: Msg = Msg(
        "At peak ({peak} nodes) the backend pool is larger than the table's 1,000 nodes.",
        "峰值时（{peak} 个节点）后端池超出了默认表的 1,000 个节点。",
    )
    tier_drop: Msg = Msg(
        "At peak ({peak} nodes) every node drops to {ports} ports, and crossing a tier cuts the ports of nodes "
        "already running, which can break their open connections.",
        "峰值时（{peak} 个节点）每个节点降到 {ports} 个端口；跨档会削减已在运行的节点的端口，"
        "可能中断它们已建立的连接。",
    )
    nat_ports: Msg = Msg(
        "NAT gateway: {ips} IP(s) × {per_ip:,} ports = {total:,} ports, handed out on demand (no fixed share per "
        "node).",
        "NAT gateway：{ips} 个 IP × {per_ip:,} 个端口 = {total:,} 个端口，按需分配（每个节点没有固定份额）。",
    )
    nat_share: Msg = Msg(
        "At peak ({peak} nodes) that is about {share:,} ports per node on average.",
        "峰值时（{peak} 个节点）平均每节点约 {share:,} 个端口。",
    )
    nat_floor: Msg = Msg(
        "The gateway's IP count is not visible from the cluster; figures assume one IP.",
        "从集群看不到该 gateway 的 IP 数，以上数字按 1 个 IP 计算。",
    )
    # -- what scaling to N nodes would do (`aks snat --nodes N`, the scale-pool preview)
    device_limits: Msg = Msg(
        "AKS does not limit this; your egress device does.", "AKS 不限制这一点，限制来自你的出站设备"
    )
    fits: Msg = Msg(
        "fits: {nodes} × {ports:,} ports, {spare} node(s) to spare",
        "可行：{nodes} × {ports:,} 个端口，还能再加 {spare} 个节点",
    )
    fails: Msg = Msg(
        "fails: {nodes} × {ports:,} = {needed:,} ports is more than the {available:,} available (at most {max} "
        "nodes); Azure refuses with InvalidLoadBalancerProfileAllocatedOutboundPorts",
        "不可行：{nodes} × {ports:,} = {needed:,} 个端口，超过可用的 {available:,} 个（最多 {max} 个节点）；"
        "Azure 会拒绝，报 InvalidLoadBalancerProfileAllocatedOutboundPorts",
    )
    beyond_table_at: Msg = Msg(
        "{nodes} nodes is beyond Azure's default table (1,000 nodes)",
        "{nodes} 个节点超出了 Azure 默认表的范围（1,000 个节点）",
    )
    ports_drop: Msg = Msg(
        "every node drops from {now:,} to {ports:,} ports, running nodes included",
        "每个节点（包括正在运行的）从 {now:,} 个端口降到 {ports:,} 个",
    )
    ports_as_now: Msg = Msg("{ports:,} ports per node, as now", "每节点 {ports:,} 个端口，与现在相同")
    nat_average: Msg = Msg(
        "about {ports:,} ports per node on average, allocated on demand", "平均每节点约 {ports:,} 个端口，按需分配"
    )


@dataclass(frozen=True)
class UpgradeWords:
    """What the upgrade pre-flight checklist (`handlers.rules.upgrade`) says: each check's title and detail, each
    offered version's note, and why a runtime image may not read cgroup v2 limits. The images, pods and versions it
    names are quoted as they are."""

    # -- check titles
    target_version: Msg = Msg("Target version", "目标版本")
    support_window: Msg = Msg("Support window (N-2)", "支持窗口（N-2）")
    provisioning_state: Msg = Msg("Provisioning state", "预配状态")
    cluster_identity: Msg = Msg("Cluster identity", "集群身份")
    pdbs: Msg = Msg("PodDisruptionBudgets", "PodDisruptionBudget（PDB）")
    surge_capacity: Msg = Msg("Surge capacity", "Surge 容量")
    subnet_headroom: Msg = Msg("Subnet IP headroom", "子网 IP 余量")
    sa_token_secrets: Msg = Msg("1.24: service-account token Secrets", "1.24：ServiceAccount token Secret")
    cgroup_v2: Msg = Msg("cgroup v2", "切换到 cgroup v2")
    cgroup_v1_refused: Msg = Msg("1.35: cgroup v1 refused", "1.35：不再支持 cgroup v1")
    node_headroom: Msg = Msg("Node resource headroom", "节点资源余量")
    node_images: Msg = Msg("Node images", "节点镜像")
    # -- offered versions
    not_newer: Msg = Msg("not newer than {current}", "不比 {current} 新")
    skips_into_supported: Msg = Msg(
        "skips from an unsupported minor into a supported one: allowed, but the jump has no SLA guarantee",
        "从不受支持的 minor 版本跨级升到受支持的版本：允许，但跨级升级不在 SLA 保障范围内",
    )
    skips_offered: Msg = Msg(
        "skips 1.{next}; Azure offers it (allowed from an unsupported or long-term-support minor)",
        "跳过 1.{next}；Azure 提供此版本（从不受支持或长期支持的 minor 版本可以跨级）",
    )
    preview: Msg = Msg("preview", "预览版")
    patch: Msg = Msg("patch", "patch 版本")
    next_minor: Msg = Msg("next minor", "下一个 minor 版本")
    # -- target version
    not_offered: Msg = Msg(
        "{target} is not offered from {current} (offered: {offered}).",
        "从 {current} 不能升级到 {target}（可选：{offered}）。",
    )
    none_offered: Msg = Msg("none", "无")
    not_a_version: Msg = Msg(
        "`{target}` is not a Kubernetes version: write it as 1.30 or 1.30.5.",
        "`{target}` 不是 Kubernetes 版本号：请写成 1.30 或 1.30.5。",
    )
    is_current: Msg = Msg("{target} is the version the cluster runs now.", "{target} 就是集群现在的版本。")
    is_downgrade: Msg = Msg(
        "{target} is older than {current}: AKS does not downgrade a cluster.",
        "{target} 比 {current} 旧：AKS 不支持降级集群。",
    )
    newest_already: Msg = Msg("{current} is the newest version offered.", "{current} 已是可升级的最新版本。")
    # -- support window
    version_unknown: Msg = Msg("The current version is unknown.", "当前版本未知。")
    in_region: Msg = Msg(" in {location}", "{location} 区域：")
    long_term_only: Msg = Msg(
        "1.{minor} is supported{where} only as long-term support (AKSLongTermSupport, Premium tier); community "
        "support covers {window}.",
        "{where}1.{minor} 只在长期支持（AKSLongTermSupport，需 Premium 层级）下受支持；社区支持覆盖 {window}。",
    )
    newer_than_ga: Msg = Msg(
        "1.{minor} is newer than every GA minor{where} ({window}).",
        "{where}1.{minor} 比所有 GA minor 版本（{window}）都新。",
    )
    platform_only: Msg = Msg(
        "N-3: platform support only (no Kubernetes fixes)", "N-3：只有平台支持，不再有 Kubernetes 修复"
    )
    unsupported: Msg = Msg("no longer supported at all", "已完全不受支持")
    out_of_support: Msg = Msg(
        "1.{minor} is out of support{where} ({level}); supported minors: {window}. From an unsupported minor AKS "
        "allows a jump back into a supported one (1.{oldest} at the oldest; the jump has no SLA guarantee), "
        "otherwise one minor at a time.",
        "{where}1.{minor} 已超出支持范围（{level}）；受支持的 minor 版本：{window}。从不受支持的 minor 版本出发，"
        "AKS 允许直接跨级升回受支持的版本（最低 1.{oldest}；跨级升级不在 SLA 保障范围内），"
        "否则只能一次升一个 minor 版本。",
    )
    oldest_supported: Msg = Msg(
        "1.{minor} is the oldest supported minor{where} (supported: {window}); it leaves support 30 days after the "
        "next minor ships.",
        "{where}1.{minor} 是最旧的受支持 minor 版本（受支持：{window}）；下一个 minor 版本发布 30 天后它就不再受支持。",
    )
    within_window: Msg = Msg(
        "1.{minor} is within N-2{where} (supported: {window}).",
        "{where}1.{minor} 在 N-2 支持窗口内（受支持：{window}）。",
    )
    behind_offered: Msg = Msg(
        "1.{minor} is {behind} minors behind the newest offered upgrade (1.{newest}): outside the N-2 window, at "
        "best platform support. Upgrade one minor at a time.",
        "1.{minor} 比可升级的最新版本（1.{newest}）落后 {behind} 个 minor 版本：已在 N-2 支持窗口之外，最多只有平台"
        "支持。请一次升一个 minor 版本。",
    )
    window_unknown: Msg = Msg(
        "The region's version list could not be read, so the window is unknown: upgrades are offered up to "
        "1.{newest} ({behind} minor(s) ahead of 1.{minor}). `az aks get-versions -l <region>` shows it.",
        "无法读取该区域的版本列表，所以支持窗口未知：可升级的版本最高到 1.{newest}（比 1.{minor} 新 {behind} 个 "
        "minor 版本）。`az aks get-versions -l <region>` 可以查看。",
    )
    # -- provisioning state
    the_cluster: Msg = Msg("the cluster", "集群")
    failed_pools: Msg = Msg("pool(s) {pools}", "节点池（{pools}）")
    error_code: Msg = Msg(" ({code})", "（{code}）")
    failed_first: Msg = Msg(
        "{what} is in the Failed state{code}: reconcile first (`/k8s aks reconcile`, i.e. `az aks update` with no "
        "arguments), then upgrade.",
        "{what}处于 Failed 状态{code}：请先 reconcile（`/k8s aks reconcile`，即不带参数的 `az aks update`），再升级。",
    )
    operation_running: Msg = Msg(
        "An operation is running on {pools}; wait for it.", "{pools} 上有操作正在进行，请等它完成。"
    )
    all_succeeded: Msg = Msg("Cluster and pools are Succeeded.", "集群和节点池都处于 Succeeded 状态。")
    # -- identity
    service_principal: Msg = Msg(
        "The cluster uses service principal `{sp}`; an expired secret fails the upgrade. Check it first: "
        "`az ad app credential list --id {sp} --query \"[].endDateTime\"`.",
        "集群使用服务主体 `{sp}`；密钥过期会导致升级失败。请先检查："
        "`az ad app credential list --id {sp} --query \"[].endDateTime\"`。",
    )
    # -- PodDisruptionBudgets
    pdbs_unread: Msg = Msg("Could not read the cluster's PDBs.", "无法读取集群的 PDB。")
    pdbs_blocking: Msg = Msg(
        "{count} PDB(s) allow 0 disruptions: the drain stops on them and the upgrade fails after the drain timeout "
        "(30 min by default). Scale the workload up or relax the PDB first.",
        "{count} 个 PDB 允许的中断数为 0：drain 会卡在这些 PDB 上，超过 drain 超时（默认 30 分钟）后升级失败。"
        "请先给工作负载扩容或放宽 PDB。",
    )
    pdbs_fine: Msg = Msg(
        "{count} PDB(s), none at 0 allowed disruptions.", "共 {count} 个 PDB，都允许至少 1 次中断。"
    )
    # -- surge
    surge_line: Msg = Msg(
        "{pool}: maxSurge {surge} → {extra} extra {vm}(s)", "{pool}：maxSurge {surge} → 额外 {extra} 台 {vm}"
    )
    surge_unset: Msg = Msg("unset", "未设置")
    surge_zero: Msg = Msg(
        "maxSurge gives 0 extra nodes on {pools}: nodes are drained without a replacement first.",
        "{pools} 的 maxSurge 不会多加节点：节点会在没有替代节点的情况下被 drain。",
    )
    surge_not_set: Msg = Msg(
        "maxSurge is not set on {pools}; AKS then surges 10% (one page says 1 node). 33% is recommended for "
        "production; every surge node needs vCPU quota and IPs.",
        "{pools} 没有设置 maxSurge，此时 AKS 按 10% surge（有一处文档说是 1 个节点）。生产环境建议 33%；"
        "每个 surge 节点都需要 vCPU 配额和 IP。",
    )
    surge_set: Msg = Msg(
        "Surge is set on every pool; make sure the vCPU quota covers it.",
        "所有节点池都已设置 surge；请确认 vCPU 配额够用。",
    )
    # -- subnet
    subnet_per_pod: Msg = Msg(
        "Azure CNI without overlay gives every pod a subnet IP: the upgrade needs {needed:,} IPs in the node "
        "subnet(s) ((nodes + surge) × (1 + maxPods)). Check the free addresses "
        "(`az network vnet subnet show … --query ipConfigurations`) or the upgrade fails with SubnetIsFull.",
        "不带 overlay 的 Azure CNI 会给每个 Pod 分配一个子网 IP：升级需要节点子网里有 {needed:,} 个 IP"
        "（(节点数 + surge) × (1 + maxPods)）。请检查可用地址"
        "（`az network vnet subnet show … --query ipConfigurations`），否则升级会失败，报 SubnetIsFull。",
    )
    subnet_nodes_only: Msg = Msg(
        "{plugin}{mode}: pods do not take subnet IPs; nodes need {needed}.",
        "{plugin}{mode}：Pod 不占用子网 IP；节点需要 {needed} 个。",
    )
    # -- what changes with a version
    sa_tokens: Msg = Msg(
        "From 1.24 ServiceAccount token Secrets are no longer created automatically: anything reading `secrets[0]` "
        "of a ServiceAccount must use TokenRequest or create the Secret itself.",
        "从 1.24 起不再自动创建 ServiceAccount token Secret：凡是读取 ServiceAccount 的 `secrets[0]` 的程序，"
        "都必须改用 TokenRequest，或自己创建这个 Secret。",
    )
    to_cgroup_v2: Msg = Msg(
        "Pools {pools} move to cgroup v2 (Ubuntu at 1.25, Azure Linux at 1.29). Runtimes that are not cgroup-v2 "
        "aware size their heap from node RAM and get OOMKilled.",
        "节点池 {pools} 将切换到 cgroup v2（Ubuntu 从 1.25 起，Azure Linux 从 1.29 起）。不支持 cgroup v2 的运行时会"
        "按节点内存而不是容器 limit 来设定 heap，结果被 OOMKilled。",
    )
    images_unread: Msg = Msg("{detail} Could not list running images.", "{detail}无法列出正在运行的镜像。")
    images_affected: Msg = Msg(
        "{detail} {count} workload(s) look affected.", "{detail}有 {count} 个工作负载看起来会受影响。"
    )
    images_fine: Msg = Msg("{detail} No running image looks affected.", "{detail}正在运行的镜像看起来都不受影响。")
    affected: Msg = Msg("{workload}: {why}", "{workload}：{why}")
    cgroup_v1_gone: Msg = Msg(
        "From 1.35 the kubelet refuses to start on cgroup v1: nodes reverted with the revert-cgroup-v1 DaemonSet will "
        "not come up. Fix the runtimes instead of reverting.",
        "从 1.35 起 kubelet 拒绝在 cgroup v1 上启动：用 revert-cgroup-v1 DaemonSet 回退过的节点将起不来。"
        "请修复运行时，而不是回退。",
    )
    # -- why a runtime image may not read cgroup v2 limits
    jvm_untagged: Msg = Msg(
        "JVM image without a version in its tag: check it is 8u372, 11.0.16 (AKS: 11.0.18) or 15+",
        "JVM 镜像的 tag 里没有版本号：请确认它是 8u372、11.0.16（AKS 要求 11.0.18）或 15 以上",
    )
    jdk8_old: Msg = Msg(
        "JDK 8u{update} is not cgroup-v2 aware (needs 8u372+)", "JDK 8u{update} 不支持 cgroup v2（需要 8u372+）"
    )
    jdk11_old: Msg = Msg(
        "JDK 11.0.{patch} is not cgroup-v2 aware (needs 11.0.16+, AKS says 11.0.18+)",
        "JDK 11.0.{patch} 不支持 cgroup v2（需要 11.0.16+，AKS 要求 11.0.18+）",
    )
    jdk_no_update: Msg = Msg(
        "JDK {major} without an exact update in the tag: make sure it is 8u372+ / 11.0.16+",
        "JDK {major} 的 tag 里没有具体的更新版本号：请确认它是 8u372+ / 11.0.16+",
    )
    jdk_old: Msg = Msg("JDK {major} is not cgroup-v2 aware (needs 15+)", "JDK {major} 不支持 cgroup v2（需要 15+）")
    node_js_old: Msg = Msg(
        "Node.js {major} does not reliably read cgroup v2 limits (needs 20.3+; set --max-old-space-size)",
        "Node.js {major} 不能可靠地读取 cgroup v2 的 limit（需要 20.3+；请设置 --max-old-space-size）",
    )
    dotnet_old: Msg = Msg(
        ".NET {major} is not cgroup-v2 aware (needs 5.0+)", ".NET {major} 不支持 cgroup v2（需要 5.0+）"
    )
    # -- node images and headroom
    newer_node_image: Msg = Msg(
        "A newer node image exists (a Kubernetes upgrade brings it too; `/k8s aks upgrade-node-image POOL` applies it "
        "alone).",
        "有更新的节点镜像（Kubernetes 升级时也会一并带上；`/k8s aks upgrade-node-image POOL` 可单独应用）。",
    )
    requests_unread: Msg = Msg("Could not read node requests.", "无法读取节点上的 requests。")
    no_room: Msg = Msg(
        "Draining {node} needs {cpu}m CPU and {memory} MiB requested elsewhere; the rest of the cluster has "
        "{free_cpu}m and {free_memory} MiB free. Add a node or surge first.",
        "drain {node} 需要别处容纳 {cpu}m CPU 和 {memory} MiB 内存的 requests；集群其余节点只空闲 {free_cpu}m 和 "
        "{free_memory} MiB。请先加节点或设置 surge。",
    )
    nodes_busy: Msg = Msg(
        "{count} node(s) have more than {share}% of CPU or memory requested; pods moved off a drained node may wait "
        "for the surge node.",
        "{count} 个节点的 CPU 或内存 requests 超过 {share}%；从被 drain 节点迁出的 Pod 可能要等 surge 节点就绪。",
    )
    room_enough: Msg = Msg("The other nodes can take a drained node's pods.", "其余节点能容纳被 drain 节点上的 Pod。")


@dataclass(frozen=True)
class KbWords:
    """`kb`, `kb show`, `kb list`: the frame around an entry (entries carry their own text in both languages)."""

    summary: Msg = Msg("Summary", "摘要")
    checks: Msg = Msg("Check", "检查")
    fixes: Msg = Msg("Fix", "处理")
    versions: Msg = Msg("What changed with which version", "版本变化")
    corrections: Msg = Msg("Where the team's notes are outdated", "团队笔记中过时或有误之处")
    did_you_mean: Msg = Msg("Did you mean", "你是不是想问")
    unsure: Msg = Msg(
        "Not sure: this is probably the entry you need, but the question could also match others. Check before "
        "you act.",
        "不确定：这很可能是你要找的条目，但问题也可能对应其他条目。操作前请先核对。",
    )
    weak: Msg = Msg(
        "Not sure: nothing in the knowledge base matches this question well. This is the closest entry, and it may "
        "not be about your problem.",
        "不确定：知识库里没有与这个问题匹配得好的条目。下面是最接近的一条，它可能与你的问题无关。",
    )
    led_by_live: Msg = Msg(
        "Chosen from the live state of what the question names (below): its diagnosis points to `{kb}`; the words"
        " alone matched no entry for sure.",
        "根据问题所指对象的实时状态选出（见下方）：诊断指向 `{kb}`；仅凭问题的字面没有把握匹配到条目。",
    )
    live_disagrees: Msg = Msg(
        "The live state of what the question names points to another runbook, `{kb}` (below): the words alone are not "
        "enough to be sure of this entry.",
        "问题所指对象的实时状态指向另一个处理手册 `{kb}`（见下方）：仅凭问题的字面无法确定是这个条目。",
    )
    open_entry: Msg = Msg("Open this entry", "打开这个条目")
    none_of_these: Msg = Msg("None of these", "都不是")
    not_this: Msg = Msg("Not this", "不是这个")
    which_entry: Msg = Msg("Which entry answers it?", "哪个条目能回答它？")
    asked_heading: Msg = Msg(
        "Questions asked here in the last {days} day(s)", "最近 {days} 天在这里提出的问题"
    )
    asked_tally: Msg = Msg(
        "{questions} question(s): {answers} answered, {suggestions} suggested, {unknown} \"I don't know\". "
        "Verdicts: {judged} — the first entry offered {first}, another entry {other}, none of these {none}.",
        "{questions} 个问题：{answers} 个给出答案，{suggestions} 个给出建议，{unknown} 个“我不知道”。"
        "反馈 {judged} 个：选了第一个条目 {first}，选了其他条目 {other}，都不是 {none}。",
    )
    asked_short: Msg = Msg("Where the knowledge base fell short", "知识库没能答好的问题")
    asked_none_short: Msg = Msg(
        "Nothing here where the knowledge base fell short.", "这里没有知识库没能答好的问题。"
    )
    asked_where: Msg = Msg(
        "Only questions asked in this conversation are shown. Every question, and the export to review: "
        "`aksbot kb asked` where the bot's store is.",
        "只显示在这个会话里提出的问题。全部问题以及导出审阅：在机器人存储所在处运行 `aksbot kb asked`。",
    )
    not_kept_here: Msg = Msg(
        "This bot does not keep questions (`knowledge.keep_questions` is off in its configuration).",
        "本机器人不保存问题（配置中 `knowledge.keep_questions` 已关闭）。",
    )
    asked_no_channel: Msg = Msg(
        "Run it in a channel or a direct message: it shows the questions asked there.",
        "请在频道或私信中运行：它显示在那里提出的问题。",
    )
    menu_note: Msg = Msg(
        "If one does, choosing it opens it, and whoever looks after the knowledge base learns which entry answers "
        "this question.",
        "如果有，选择它即可打开，维护知识库的同事也会知道哪个条目能回答这个问题。",
    )
    not_it: Msg = Msg("Not what you asked?", "不是你要问的？")
    noted: Msg = Msg(
        "Noted: none of the entries offered answers this question. Whoever looks after the knowledge base sees it "
        "with `aksbot kb asked`. If another entry answers it, choose it below: it opens, and that is noted instead.",
        "已记录：给出的条目都没有回答这个问题。维护知识库的同事会在 `aksbot kb asked` 里看到它。"
        "如果其他条目能回答，请在下面选择：它会打开，并改为记录这个条目。",
    )
    question_forgotten: Msg = Msg(
        "That question is no longer kept (questions are kept {days} days), so this was not recorded.",
        "这个问题已不再保存（问题保存 {days} 天），所以没有记录。",
    )
    not_kept: Msg = Msg(
        "This bot does not keep questions (`knowledge.keep_questions` is off), so this was not recorded.",
        "本机器人不保存问题（`knowledge.keep_questions` 已关闭），所以没有记录。",
    )
    others: Msg = Msg("Or one of these:", "或者是以下之一：")
    not_shown: Msg = Msg(
        "aksbot never shows its own tokens, secrets or configuration, and has no instructions to set aside: it answers"
        " from the team's runbooks and reads the clusters you may read. Ask about a cluster problem (`/k8s help`).",
        "aksbot 从不显示它自己的 token、密钥或配置，也没有可以“忽略”的指令："
        "它根据团队的运维手册回答，并读取你有权限查看的集群。请问集群相关的问题（`/k8s help`）。",
    )
    dont_know: Msg = Msg(
        "I don't know: nothing in your question points to any entry of the knowledge base.",
        "我不知道：你的问题里没有任何指向知识库条目的线索。",
    )
    nothing_close: Msg = Msg(
        "Try other words or paste the exact error message; `/k8s kb list` shows every entry and `/k8s help` the "
        "commands.",
        "换个说法或贴出完整的报错信息；`/k8s kb list` 列出全部条目，`/k8s help` 列出命令。",
    )
    sources: Msg = Msg("Sources", "来源")
    notes: Msg = Msg("team notes", "团队笔记")
    live_heading: Msg = Msg("Named in your question, live on `{cluster}`:", "你问到的对象在 `{cluster}` 上的实时状态：")
    live_workload: Msg = Msg(
        "{kind} `{name}`: {ready}/{total} pod(s) ready", "{kind} `{name}`：{total} 个 Pod 中 {ready} 个就绪"
    )
    live_pod: Msg = Msg("Pod `{name}`: {status}", "Pod `{name}`：{status}")
    live_points_to: Msg = Msg("\n    ↳ {title} → runbook `{kb}`", "\n    ↳ {title} → 处理手册 `{kb}`")
    live_worst: Msg = Msg("; worst `{pod}`: {status}", "；最差的 `{pod}`：{status}")
    live_restarts: Msg = Msg(", {count} restart(s), last {last}", "，重启 {count} 次，上次 {last}")
    live_node: Msg = Msg("Node `{name}` (pool {pool}): {status}", "节点 `{name}`（节点池 {pool}）：{status}")
    live_pool: Msg = Msg(
        "Node pool `{name}`: {count} node(s) in the cluster, {ready} Ready",
        "节点池 `{name}`：集群里有 {count} 个节点，{ready} 个 Ready",
    )
    # An action asked for in words (handlers/_intent.py): what it would do, and its button.
    offer_heading: Msg = Msg(
        "This asks for an action on `{cluster}`. The button asks for it as the command below; it runs only after an"
        " approver (not you) approves it.",
        "这是在请求对 `{cluster}` 执行操作。按钮会以下面的命令提出申请；审批人（不能是你自己）批准后才会执行。",
    )
    offer_count: Msg = Msg("say how many: the command above with the number", "请说明数量：在上面的命令里填上数字")
    offer_restart: Msg = Msg("restart Deployment `{target}`", "重启 Deployment `{target}`")
    offer_scale: Msg = Msg(
        "scale Deployment `{target}` to {count} replica(s)", "把 Deployment `{target}` 调整为 {count} 个副本"
    )
    offer_scale_pool: Msg = Msg(
        "scale node pool `{target}` to {count} node(s)", "把节点池 `{target}` 调整为 {count} 个节点"
    )
    offer_cordon: Msg = Msg("cordon node `{target}`", "封锁节点 `{target}`")
    offer_uncordon: Msg = Msg("uncordon node `{target}`", "解除封锁节点 `{target}`")
    offer_drain: Msg = Msg("drain node `{target}`", "排空节点 `{target}`")
    offer_delete: Msg = Msg("delete pod `{target}`", "删除 Pod `{target}`")
    offer_recreated: Msg = Msg(" (its {owner} makes a new one)", "（{owner} 会重建它）")
    offer_gone: Msg = Msg(" (nothing makes a new one)", "（没有控制器会重建它）")
    offer_fewer: Msg = Msg(
        " (fewer than the {now} it has now: {gone} node(s) will be removed)",
        "（比现在的 {now} 个少：将移除 {gone} 个节点）",
    )
    offer_same: Msg = Msg(" (it has {now} already)", "（现在已经是 {now} 个）")
    offer_button: Msg = Msg("Ask to {verb} {name}", "申请{verb} {name}")
    verb_restart: Msg = Msg("restart", "重启")
    verb_scale: Msg = Msg("scale", "调整")
    verb_cordon: Msg = Msg("cordon", "封锁")
    verb_uncordon: Msg = Msg("uncordon", "解除封锁")
    verb_drain: Msg = Msg("drain", "排空")
    verb_delete: Msg = Msg("delete", "删除")
    entries: Msg = Msg("{count} knowledge-base entries", "{count} 个知识库条目")
    one_entry: Msg = Msg("1 knowledge-base entry", "1 个知识库条目")
    tagged: Msg = Msg("{entries} tagged `{tag}`", "{entries}（标签 `{tag}`）")
    one_at_a_time: Msg = Msg(
        "One entry at a time: this is `{shown}`; {others} is a click away below.",
        "一次显示一个条目：这是 `{shown}`；{others} 请点击下方按钮打开。",
    )
    no_such_entry: Msg = Msg(
        "No entry with id `{id}`; showing the closest match instead.", "没有 id 为 `{id}` 的条目；下面是最接近的结果。"
    )
    no_entry_at_all: Msg = Msg(
        "There is no entry with id `{id}`; `/k8s kb list` lists them all.",
        "没有 id 为 `{id}` 的条目；`/k8s kb list` 列出全部条目。",
    )
    shows_live: Msg = Msg("shows it live", "实时查看")
    does_it: Msg = Msg("does it", "执行")
    risk_none: Msg = Msg("no risk", "无风险")
    risk_low: Msg = Msg("low risk", "低风险")
    risk_disruptive: Msg = Msg("disruptive", "有中断风险")

    col_title: Msg = Msg("title", "标题")
    col_tags: Msg = Msg("tags", "标签")

@dataclass(frozen=True)
class IncidentWords:
    """`incident …`: the declaration, the snapshot posted in the channel, the timeline, the summary."""

    declared: Msg = Msg("{label} declared: ", "{label} 已宣布：")
    title: Msg = Msg("Title", "标题")
    severity: Msg = Msg("Severity", "严重级别")
    cluster: Msg = Msg("Cluster", "集群")
    commander: Msg = Msg("Commander", "指挥")
    declared_by: Msg = Msg("Declared by", "宣布人")
    declared_at: Msg = Msg("Declared", "宣布时间")
    channel: Msg = Msg("Channel", "频道")
    invited: Msg = Msg("Invited", "已邀请")
    state: Msg = Msg("State", "状态")
    open: Msg = Msg("open", "进行中")
    closed: Msg = Msg("closed", "已关闭")
    archived_state: Msg = Msg("closed, channel archived", "已关闭，频道已归档")
    duration: Msg = Msg("Duration", "持续时间")
    closed_by: Msg = Msg("Closed by", "关闭人")
    alert: Msg = Msg("Alert", "告警")
    how_to: Msg = Msg(
        "Add to the timeline with `/k8s incident note <text>`, or react with :pushpin: to any message here. "
        "Close with `/k8s incident close <summary>`.",
        "用 `/k8s incident note <内容>` 或给本频道任意消息加 :pushpin: 表情记入时间线。"
        "用 `/k8s incident close <总结>` 关闭故障。",
    )
    snapshot: Msg = Msg("Snapshot when it was declared", "宣布时的快照")
    firing: Msg = Msg("Firing alerts on {cluster}", "{cluster} 上正在触发的告警")
    no_firing: Msg = Msg("No alert is firing on {cluster}.", "{cluster} 上没有正在触发的告警。")
    not_evaluated: Msg = Msg(
        "Alerts on {cluster} have not been evaluated yet (the watcher starts within a minute); the health snapshot"
        " above is current.",
        "{cluster} 上的告警还没有评估过（watcher 会在一分钟内启动）；上面的健康快照是当前的状态。",
    )
    evaluated_long_ago: Msg = Msg(
        "Alerts on {cluster} were last evaluated {ago} (is a replica leading?); the health snapshot above is current.",
        "{cluster} 上的告警上一次评估是在{ago}（是否有副本在担任 leader？）；上面的健康快照是当前的状态。",
    )
    alerts_unavailable: Msg = Msg("Firing alerts could not be read: {reason}", "无法读取正在触发的告警：{reason}")
    health_unavailable: Msg = Msg(
        "The cluster's health could not be read: {reason}", "无法读取集群健康状况：{reason}"
    )
    runbook_intro: Msg = Msg(
        "Runbook for this incident: `{id}` (`/k8s kb show {id}`).", "本故障的处理手册：`{id}`（`/k8s kb show {id}`）。"
    )
    runbook_unsure: Msg = Msg(
        "No runbook is pinned: the knowledge base is not sure which entry this incident's title is about. Its closest "
        "entries:",
        "未置顶处理手册：知识库不确定本故障的标题对应哪个条目。最接近的条目：",
    )
    runbook_from_findings: Msg = Msg(
        "Chosen from the cluster's findings that name {words}: {findings}",
        "根据集群中提到 {words} 的问题选出：{findings}",
    )
    runbooks_from_findings: Msg = Msg(
        "No runbook is pinned: the cluster's findings that name {words} point to more than one entry. Each with its "
        "runbook:",
        "未置顶处理手册：集群中提到 {words} 的问题对应不止一个条目。各问题及其处理手册：",
    )
    timeline: Msg = Msg("Timeline of {label}", "{label} 时间线")
    summary: Msg = Msg("{label} closed: {title}", "{label} 已关闭：{title}")
    impact: Msg = Msg("Impact and summary", "影响与总结")
    actions_taken: Msg = Msg("Actions taken", "已执行的操作")
    no_actions: Msg = Msg("No approved action ran.", "没有执行经审批的操作。")
    still_waiting: Msg = Msg(
        "{count} request(s) made in this incident still wait for approval, and closing it does not stop them: an"
        " approver may still run one. Cancel those no longer wanted (`/k8s cancel ID`, the requester) or deny them"
        " (`/k8s deny ID <reason>`).",
        "本故障中提出的 {count} 个请求仍在等待审批，关闭故障不会终止它们：审批人仍可能执行其中某个。不再需要的请撤回"
        "（`/k8s cancel ID`，由申请人）或拒绝（`/k8s deny ID <原因>`）。",
    )
    runbooks_used: Msg = Msg("Runbooks used", "使用的处理手册")
    none: Msg = Msg("none", "无")
    requested_by: Msg = Msg("requested by", "申请人")
    approved_by: Msg = Msg("approved by", "批准人")
    archive_button: Msg = Msg("Archive channel", "归档频道")
    timeline_button: Msg = Msg("Timeline", "时间线")
    open_incident: Msg = Msg("Open incident", "发起故障处理")
    noted: Msg = Msg("Added to the timeline of {label}.", "已记入 {label} 的时间线。")
    severity_changed: Msg = Msg("{label}: severity {old} → {new}.", "{label}：严重级别 {old} → {new}。")
    commander_now: Msg = Msg("{label}: the commander is now", "{label}：现在的指挥是")
    already: Msg = Msg("{label} already says so; nothing changed.", "{label} 已是如此，未作更改。")
    archived: Msg = Msg("#{channel} is archived; {label} stays readable.", "#{channel} 已归档；{label} 仍可查阅。")
    incidents: Msg = Msg("Incidents", "故障")
    firing_when: Msg = Msg("({severity}, {ago})", "（{severity}，{ago}）")
    no_open: Msg = Msg("No incident is open.", "没有进行中的故障。")
    none_yet: Msg = Msg("No incident has been declared yet.", "尚未宣布过任何故障。")
    earlier: Msg = Msg(
        "{count} earlier entries: `/k8s incident timeline --incident {id}`.",
        "还有 {count} 条更早的记录：`/k8s incident timeline --incident {id}`。",
    )
    could_not_invite: Msg = Msg("Could not invite", "无法邀请")
    group_unknown: Msg = Msg(
        "the members of this on-call group could not be read now; invite them by hand",
        "暂时无法读取该值班组的成员，请手动邀请",
    )
    not_linked: Msg = Msg(
        "The alert's thread could not be given a link to the channel: {reason}",
        "无法在告警的消息串里附上频道链接：{reason}",
    )
    topic_failed: Msg = Msg("The channel topic could not be updated: {reason}", "无法更新频道话题：{reason}")
    posted_failed: Msg = Msg(
        "The summary could not be posted in {where}: {reason}", "无法在 {where} 发布总结：{reason}"
    )
    topic: Msg = Msg(
        "{severity} · {title} · cluster {cluster} · commander ", "{severity} · {title} · 集群 {cluster} · 指挥 "
    )
    topic_closed: Msg = Msg(
        "Closed after {duration} · {title} · cluster {cluster}", "已关闭，历时 {duration} · {title} · 集群 {cluster}"
    )
    kind_declared: Msg = Msg("declared", "宣布")
    kind_note: Msg = Msg("note", "备注")
    kind_pin: Msg = Msg("pinned", "标记")
    kind_severity: Msg = Msg("severity", "严重级别")
    kind_commander: Msg = Msg("commander", "指挥")
    kind_diagnosis: Msg = Msg("ran", "运行")
    kind_runbook: Msg = Msg("runbook", "处理手册")
    kind_closed: Msg = Msg("closed", "关闭")
    kind_archived: Msg = Msg("archived the channel", "归档频道")
    kind_approval_requested: Msg = Msg("requested approval", "申请审批")
    kind_approved: Msg = Msg("approved", "批准")
    kind_denied: Msg = Msg("denied", "拒绝")
    kind_cancelled: Msg = Msg("cancelled", "撤回")
    kind_expired: Msg = Msg("expired", "过期")
    kind_action_succeeded: Msg = Msg("action ran", "操作已执行")
    kind_action_failed: Msg = Msg("action failed", "操作失败")
    kind_alert_firing: Msg = Msg("alert firing", "告警触发")
    kind_alert_escalated: Msg = Msg("alert escalated", "告警升级")
    kind_alert_resolved: Msg = Msg("alert resolved", "告警恢复")
    kind_alert_acknowledged: Msg = Msg("alert acknowledged", "告警已确认")
    # A timeline line of a request made while the incident was open, decided or run after it was closed.
    after_close: Msg = Msg("after close", "关闭后")
    # -- refusals and mistakes, in the asker's language
    already_open: Msg = Msg(
        "{label} is already open about that on `{cluster}`: {channel} (“{title}”). Add to it there, or declare "
        "another one anyway with `--new`.",
        "`{cluster}` 上同一件事的故障 {label} 已在进行中：{channel}（“{title}”）。请到那里继续；确需另开一个时加上 "
        "`--new`。",
    )
    already_open_alert: Msg = Msg(
        "{label} is already open for alert `{alert}` on `{cluster}`: {channel} (“{title}”). Add to it there, or "
        "declare another one anyway with `--new`.",
        "`{cluster}` 上告警 `{alert}` 的故障 {label} 已在进行中：{channel}（“{title}”）。请到那里继续；确需另开一个时"
        "加上 `--new`。",
    )
    channel_being_made: Msg = Msg("its channel is being made right now", "它的频道正在创建")
    declare_anyway: Msg = Msg("Declare a new one anyway", "仍然另开一个")
    not_incident_channel: Msg = Msg(
        "This is not an incident channel: type it in the incident's channel, or name the incident "
        "(`/k8s incident show {id}`, `/k8s incident note --incident {id} …`; `/k8s incident list` shows them).",
        "这里不是故障频道：请在故障的频道里输入，或指明故障（`/k8s incident show {id}`、"
        "`/k8s incident note --incident {id} …`；`/k8s incident list` 会列出它们）。",
    )
    no_such_incident: Msg = Msg("There is no incident {label}.", "没有故障 {label}。")
    is_closed: Msg = Msg(
        "{label} is closed; its timeline can be read, not changed.", "{label} 已关闭；它的时间线只能查看，不能更改。"
    )
    still_open: Msg = Msg(
        "{label} is still open: close it first (`/k8s incident close <summary>`).",
        "{label} 仍在进行中：请先关闭它（`/k8s incident close <总结>`）。",
    )
    already_closed: Msg = Msg(
        "{label} is already closed (at {when}); `/k8s incident show {id}` has its summary.",
        "{label} 已于 {when} 关闭；`/k8s incident show {id}` 可查看它的总结。",
    )
    may_not_unless_commander: Msg = Msg(
        "You may not {what}: only its commander or someone with the {role} role on cluster `{cluster}` may "
        "(you have: {have}).",
        "你不能{what}：只有故障指挥或在集群 `{cluster}` 上有 {role} 角色的人可以（你的角色：{have}）。",
    )
    may_not_without_role: Msg = Msg(
        "You may not {what}: it needs the {role} role on cluster `{cluster}` (you have: {have}).",
        "你不能{what}：这需要集群 `{cluster}` 上的 {role} 角色（你的角色：{have}）。",
    )
    to_close: Msg = Msg("close {label}", "关闭 {label}")
    to_archive: Msg = Msg("archive the channel of {label}", "归档 {label} 的频道")
    to_set_severity: Msg = Msg("change the severity of {label}", "更改 {label} 的严重级别")
    to_set_commander: Msg = Msg("change the commander of {label}", "更换 {label} 的指挥")
    to_note: Msg = Msg("add to the timeline of {label}", "往 {label} 的时间线里添加记录")
    to_read: Msg = Msg("read {label}", "查看 {label}")
    to_export: Msg = Msg("export {label}", "导出 {label}")
    no_such_person: Msg = Msg(
        "Slack knows no person @{user}: nothing changed. Mention them (type @ and pick the name).",
        "Slack 中没有 @{user} 这个人：没有任何更改。请用 @ 提及并从列表中选择。",
    )
    name_the_commander: Msg = Msg(
        "Name the new commander with a mention: `/k8s incident commander @someone`.",
        "请用 @提及 指定新的指挥：`/k8s incident commander @某人`。",
    )
    note_needs_text: Msg = Msg(
        "`incident note` needs the text to add to the timeline.", "`incident note` 需要写上要记入时间线的内容。"
    )
    close_needs_summary: Msg = Msg(
        "`incident close` needs a summary: the impact, and what fixed it.",
        "`incident close` 需要一段总结：影响，以及是什么解决了问题。",
    )
    severity_kept_changing: Msg = Msg(
        "{label} kept changing while its severity was set; try again.", "设置严重级别时 {label} 一直在变化，请重试。"
    )
    commander_kept_changing: Msg = Msg(
        "{label} kept changing while its commander was set; try again.", "更换指挥时 {label} 一直在变化，请重试。"
    )
    no_incidents_here: Msg = Msg(
        "Incidents are not available here: no incident store is wired into this bot.",
        "这里用不了故障功能：这个机器人没有接入故障存储。",
    )
    no_workspace: Msg = Msg(
        "Incident channels need a chat workspace (Slack, or the shell); none is connected here.",
        "故障频道需要一个聊天工作区（Slack 或本地 shell）；这里没有连接任何工作区。",
    )
    no_knowledge_for_runbook: Msg = Msg(
        "No knowledge base is loaded, so `--runbook` cannot be pinned.", "没有加载知识库，所以无法置顶 `--runbook`。"
    )
    no_such_runbook: Msg = Msg(
        "There is no knowledge-base entry `{id}` (`/k8s kb list` shows them).",
        "知识库里没有条目 `{id}`（`/k8s kb list` 会列出所有条目）。",
    )
    # -- a declaration that failed half-way: which step, why, and what was cleaned up
    declaration_failed: Msg = Msg(
        "Could not declare the incident: {step} failed. {reason} {cleanup}",
        "无法宣布故障：{step}失败。{reason} {cleanup}",
    )
    declaration_broke: Msg = Msg(
        "Could not declare the incident: {step} failed unexpectedly (the bot's log has the details). {cleanup}",
        "无法宣布故障：{step}时发生意外错误（详情见机器人的日志）。{cleanup}",
    )
    step_create: Msg = Msg("creating the channel", "创建频道")
    step_invite: Msg = Msg("inviting the responders", "邀请响应人")
    step_topic: Msg = Msg("setting the channel's topic", "设置频道话题")
    step_post_snapshot: Msg = Msg("posting the snapshot", "发布快照")
    step_pin_snapshot: Msg = Msg("pinning the snapshot", "置顶快照")
    step_post_runbook: Msg = Msg("posting the runbook", "发布处理手册")
    step_pin_runbook: Msg = Msg("pinning the runbook", "置顶处理手册")
    step_bookmark_runbook: Msg = Msg("bookmarking the runbook", "为处理手册添加书签")
    step_post_suggestion: Msg = Msg("posting the closest runbooks", "发布最接近的处理手册")
    step_bookmark_portal: Msg = Msg("bookmarking the cluster in the Azure portal", "为集群的 Azure 门户页面添加书签")
    step_save: Msg = Msg("saving the incident", "保存故障")
    nothing_left: Msg = Msg("Nothing was left behind.", "没有留下任何东西。")
    cleaned_up: Msg = Msg("Cleaned up: {notes}.", "已清理：{notes}。")
    channel_archived: Msg = Msg("the channel #{name} it had created was archived", "已归档它创建的频道 #{name}")
    channel_left: Msg = Msg(
        "the channel #{name} it had created could not be archived ({reason}): archive it by hand",
        "它创建的频道 #{name} 无法归档（{reason}）：请手动归档",
    )
    changed_while_declared: Msg = Msg(
        "{label} was changed by someone else while it was being declared.", "{label} 在宣布过程中被别人改动了。"
    )
    names_taken: Msg = Msg(
        "every channel name from {first} to {last} is taken; declare it with another title.",
        "从 {first} 到 {last} 的频道名都已被占用；请换一个标题宣布。",
    )
    alerts_failed: Msg = Msg("the alerts source failed (see the bot's log)", "告警来源出错（详情见机器人的日志）")
    bookmark_runbook: Msg = Msg("Runbook: {id}", "处理手册：{id}")
    bookmark_portal: Msg = Msg("Azure portal: {cluster}", "Azure 门户：{cluster}")
    firing_runbook: Msg = Msg(" · runbook `{id}`", " · 处理手册 `{id}`")
    timeline_summary: Msg = Msg("{title}: {count} entries", "{title}：{count} 条记录")
    list_summary: Msg = Msg("{count} incident(s), {open} open", "{count} 个故障，{open} 个进行中")
    export_summary: Msg = Msg("{label}: {count} timeline entries", "{label}：{count} 条时间线记录")
    two_incidents: Msg = Msg(
        "`INC-{first}` and `--incident {second}` name two different incidents: give one.",
        "`INC-{first}` 和 `--incident {second}` 指的是两个不同的故障：请只给一个。",
    )


@dataclass(frozen=True)
class AlertWords:
    """An alert's message, its thread replies, the summary of a burst, and `alerts …` (what the alert source says
    — its name, summary, labels — is quoted as it says it)."""

    firing: Msg = Msg("Firing", "触发中")
    resolved: Msg = Msg("Resolved", "已恢复")
    severity: Msg = Msg("Severity", "严重级别")
    status: Msg = Msg("Status", "状态")
    cluster: Msg = Msg("Cluster", "集群")
    namespace: Msg = Msg("Namespace", "命名空间")
    object: Msg = Msg("Object", "对象")
    since: Msg = Msg("Since", "开始时间")
    source: Msg = Msg("Source", "来源")
    unknown_cluster: Msg = Msg("unknown ({hint})", "未知（{hint}）")
    several_clusters: Msg = Msg("several ({names})", "多个（{names}）")
    no_cluster: Msg = Msg("no configured cluster", "未配置的集群")
    firing_since: Msg = Msg("firing since {time}", "自 {time} 起触发")
    firing_again_since: Msg = Msg("firing again since {time}", "自 {time} 起再次触发")
    next_line: Msg = Msg("next: {next}", "接下来：{next}")
    resolved_after: Msg = Msg("resolved after {duration}", "{duration}后恢复")
    resolved_after_at: Msg = Msg("resolved after {duration}, at {time}", "{duration}后恢复（{time}）")
    this_time: Msg = Msg(
        " this time (first fired {time}, {count} repeat(s))", "（这一次；首次触发于 {time}，重复 {count} 次）"
    )
    resolved_heading: Msg = Msg("Resolved: {title}", "已恢复：{title}")
    # a stateless alert (Azure's activity log, service and resource health): its source never says it is over
    event: Msg = Msg("Event", "事件")
    event_until: Msg = Msg("event at {time}; its source never says it is over, so it ends by itself at {until}",
                           "事件，发生于 {time}；其来源不会通知结束，将于 {until} 自动结束")
    event_ended: Msg = Msg("event at {time}; ended by itself at {until} (its source never says it is over)",
                           "事件，发生于 {time}；已于 {until} 自动结束（其来源不会通知结束）")
    event_line: Msg = Msg("event, ends by itself at {until}", "事件，{until} 自动结束")
    ended_by_itself: Msg = Msg("ended by itself after {duration}", "{duration}后自动结束")
    reply_ended_by_itself: Msg = Msg("⏱ Ended by itself after {duration}: its source never says it is over.",
                                     "⏱ {duration}后自动结束：其来源不会通知结束。")
    evidence: Msg = Msg("Evidence", "证据")
    evidence_seen: Msg = Msg("Evidence (as read at {at})", "证据（读取于 {at}）")
    more_alerts: Msg = Msg("+{count} more", "另有 {count} 条")
    more_lines: Msg = Msg("… {count} more line(s)", "… 另有 {count} 行")
    labels: Msg = Msg("labels", "标签")
    runbook: Msg = Msg("Runbook", "处理手册")
    runbook_line: Msg = Msg("Runbook: *{title}* (`{id}`) — `{command}`", "处理手册：*{title}*（`{id}`）— `{command}`")
    runbook_id_only: Msg = Msg("Runbook: `{id}` — `{command}`", "处理手册：`{id}` — `{command}`")
    no_runbook: Msg = Msg(
        "No runbook matched this alert; `/k8s kb <question>` searches the knowledge base.",
        "没有匹配这条告警的处理手册；`/k8s kb <问题>` 可搜索知识库。",
    )
    acknowledged_by: Msg = Msg("👀 Acknowledged by ", "👀 已确认：")
    at_time: Msg = Msg(" at {time}", "（{time}）")
    snoozed_by: Msg = Msg("💤 Snoozed by ", "💤 已静默：")
    snoozed_until: Msg = Msg(" until {time}", "，直到 {time}")
    snoozed_until_resolved: Msg = Msg(" until it resolves", "，直到恢复")
    snooze_over: Msg = Msg("💤 The snooze ended at {time}.", "💤 静默已于 {time} 结束。")
    flapped: Msg = Msg("🔁 Fired again {count} time(s) after resolving.", "🔁 恢复后又触发了 {count} 次。")
    incident: Msg = Msg("🚨 {label} is open: ", "🚨 {label} 进行中：")
    incident_closed: Msg = Msg("✅ {label} was closed: ", "✅ {label} 已关闭：")
    # Another source's report of the same problem (`AlertStore.same_problem`), on the card and its button.
    also_reported: Msg = Msg("🔗 {source} reports this too: *{title}* (`{id}`, `/k8s alerts show {id}`) ",
                             "🔗 {source} 也报告了此问题：*{title}*（`{id}`，`/k8s alerts show {id}`）")
    still_reported: Msg = Msg("🔗 Still firing as {source} reports it: *{title}* (`{id}`, `/k8s alerts show {id}`) ",
                              "🔗 {source} 的报告仍在触发：*{title}*（`{id}`，`/k8s alerts show {id}`）")
    show_elsewhere: Msg = Msg("Show {source} alert", "查看 {source} 告警")
    source_watcher: Msg = Msg("The bot's watcher", "机器人巡检")
    watcher_short: Msg = Msg("watcher", "巡检")
    ref_line: Msg = Msg(
        "alert `{id}` · `/k8s alerts ack {id}` · `/k8s alerts snooze {id} 1h`",
        "告警 `{id}` · `/k8s alerts ack {id}` · `/k8s alerts snooze {id} 1h`",
    )
    acknowledge: Msg = Msg("Acknowledge", "确认")
    snooze_1h: Msg = Msg("Snooze 1 h", "静默 1 小时")
    snooze_4h: Msg = Msg("Snooze 4 h", "静默 4 小时")
    snooze_resolved: Msg = Msg("Snooze until resolved", "静默直到恢复")
    unsnooze: Msg = Msg("Unsnooze", "取消静默")
    diagnose: Msg = Msg("Diagnose", "诊断")
    diagnose_on: Msg = Msg("Diagnose {cluster}", "诊断 {cluster}")  # one per cluster of a group on several
    runbook_button: Msg = Msg("Runbook: {id}", "处理手册：{id}")
    runbook_link: Msg = Msg("Runbook ↗", "处理手册 ↗")  # the alert's own runbook page
    open_incident: Msg = Msg("Open incident", "发起故障处理")
    open_incident_on: Msg = Msg("Open incident on {cluster}", "在 {cluster} 发起故障处理")
    # thread replies
    reply_fired: Msg = Msg("🔥 Firing: {summary}", "🔥 触发：{summary}")
    reply_updated: Msg = Msg("🔄 Changed: {detail}", "🔄 变化：{detail}")
    # what the store keeps of a transition ("after 14 min", "flap 2", "2 → 3 firing"), said in the reply's language
    lasted_for: Msg = Msg("after {duration}", "持续 {duration}")
    first_seen_resolved: Msg = Msg("first seen resolved", "首次收到时已恢复")
    flap: Msg = Msg("flap {count}", "第 {count} 次反复")
    firing_change: Msg = Msg("{before} → {after} firing", "{before} → {after} 条触发中")
    firing_new: Msg = Msg("{change} (new: {objects})", "{change}（新增：{objects}）")
    still_snoozed: Msg = Msg(". The rest stays snoozed by ", "。其余仍处于静默，静默人：")
    reply_resolved: Msg = Msg("✅ Resolved {detail}.", "✅ 已恢复（{detail}）。")
    reply_reopened: Msg = Msg("🔁 Firing again ({detail}).", "🔁 再次触发（{detail}）。")
    reply_acknowledged: Msg = Msg("👀 Acknowledged by ", "👀 确认人：")
    reply_snoozed: Msg = Msg("💤 Snoozed {detail} by ", "💤 静默（{detail}），操作人：")
    reply_unsnoozed: Msg = Msg("🔔 Unsnoozed by ", "🔔 取消静默，操作人：")
    reply_posted: Msg = Msg("📮 Posted in ", "📮 已发布到 ")
    reply_linked: Msg = Msg("🚨 {label} opened for this alert: ", "🚨 已为此告警开启 {label}：")
    # a burst of alerts in one message
    summary_same: Msg = Msg("{count} {what}: {name}{where}", "{where}{count} 个{what}：{name}")
    summary_mixed: Msg = Msg("{count} alerts firing{where}", "{where}{count} 条告警正在触发")
    summary_all_resolved: Msg = Msg("All {count} alerts of this burst resolved", "这一批 {count} 条告警已全部恢复")
    summary_some_resolved: Msg = Msg(
        "{count} of the {total} have resolved since.", "其中 {count} 条（共 {total} 条）已经恢复。"
    )
    group_firing: Msg = Msg("{text} ({count} firing)", "{text}（{count} 条触发中）")
    in_namespace: Msg = Msg(" in {namespace}", "{namespace} 中")
    on_cluster: Msg = Msg(" on {cluster}", "{cluster} 上")
    list_button: Msg = Msg("List alerts", "列出告警")
    summary_ids: Msg = Msg(" ({ids})", "（{ids}）")  # the problems of a summary a person acknowledged or snoozed
    summary_also: Msg = Msg("; ", "；")
    # `alerts …`
    none_firing: Msg = Msg("No alert is firing{where}.", "{where}没有正在触发的告警。")
    none_fired_yet: Msg = Msg("No alert has fired{where} so far.", "{where}目前还没有告警触发。")
    not_looked_yet: Msg = Msg(
        "The bot's own watcher has not finished its first look at {clusters} yet (the bot started moments ago, or"
        " no replica leads): its alerts are still to come. `/k8s health` shows the cluster now.",
        "机器人自带的 watcher 还没有完成对 {clusters} 的第一次检查（机器人刚启动，或者没有副本在担任 leader）：它的告警"
        "稍后才会出现。`/k8s health` 可以查看集群当前的状态。",
    )
    looked_long_ago: Msg = Msg(
        "The bot's own watcher last looked at `{cluster}` {age} ago: alerts from it may be missing (is a replica"
        " leading? `/k8s health --cluster {cluster}` shows the cluster now).",
        "机器人自带的 watcher 上一次检查 `{cluster}` 是在 {age} 前：它的告警可能缺失（是否有副本在担任 leader？"
        "`/k8s health --cluster {cluster}` 可以查看集群当前的状态）。",
    )
    nobody_leads: Msg = Msg(
        "No replica can lead, so the bot's own watcher does not run and no alert message is posted (pushed alerts"
        " are kept and posted once a replica leads): {reason}",
        "没有副本能担任 leader，因此机器人自带的 watcher 没有运行，也不会发布告警消息（推送来的告警会被保留，"
        "等有副本担任 leader 后再发布）：{reason}",
    )
    firing_heading: Msg = Msg("Firing now{where}: {count}", "{where}正在触发：{count}")
    history_heading: Msg = Msg("Alert history since {since}", "{since} 以来的告警记录")
    no_history: Msg = Msg("No alert changed since {since}.", "{since} 以来没有告警变化。")
    acked_now: Msg = Msg("acknowledged `{id}` ({title}).", "确认了 `{id}`（{title}）。")
    already_acked: Msg = Msg("`{id}` was already acknowledged by ", "`{id}` 已被确认，确认人：")
    snoozed_now: Msg = Msg("snoozed `{id}` ({title}){until}.", "静默了 `{id}`（{title}）{until}。")
    unsnoozed_now: Msg = Msg("unsnoozed `{id}` ({title}).", "取消了 `{id}`（{title}）的静默。")
    not_snoozed: Msg = Msg("`{id}` is not snoozed; nothing changed.", "`{id}` 没有被静默，未作更改。")
    could_be: Msg = Msg(
        "`{text}` could be {count} alerts: {listed}{more}. Give more of the id.",
        "`{text}` 可能是 {count} 条告警：{listed}{more}。请多输入几位 id。",
    )
    and_more: Msg = Msg(" and {count} more", "，另有 {count} 条")
    may_not: Msg = Msg(
        "You may not {what} alerts{where}: it needs the {role} role (you have: {have}).",
        "你不能{what}{where}的告警：需要 {role} 角色（你的角色：{have}）。",
    )
    on_cluster_of: Msg = Msg(" on cluster `{cluster}`", "集群 `{cluster}` 上")
    what_see: Msg = Msg("see", "查看")
    what_acknowledge: Msg = Msg("acknowledge", "确认")
    what_snooze: Msg = Msg("snooze", "静默")
    what_unsnooze: Msg = Msg("unsnooze", "取消静默")
    no_such_alert: Msg = Msg(
        "No alert `{text}`. An alert's id is on its message; `/k8s alerts` lists the firing ones with theirs.",
        "没有告警 `{text}`。告警的 id 写在它的消息上；`/k8s alerts` 会列出正在触发的告警及其 id。",
    )
    until_resolved: Msg = Msg("until resolved", "直到恢复")
    until_time: Msg = Msg("until {time}", "至 {time}")
    more_on_cluster: Msg = Msg(
        "… {count} more: `/k8s alerts --cluster {cluster}`", "… 另有 {count} 条：`/k8s alerts --cluster {cluster}`"
    )
    history_columns: Msg = Msg("when (UTC)|cluster|id|event|alert|detail", "时间 (UTC)|集群|id|事件|告警|详情")
    summary_columns: Msg = Msg("id|severity|since (UTC)|object|summary", "id|严重级别|开始 (UTC)|对象|摘要")
    people: Msg = Msg("People: ", "相关人员：")
    changes: Msg = Msg("{title}: {count} change(s)", "{title}：{count} 条变化")
    by_person: Msg = Msg("by {who}", "由 {who}")
    event_fired: Msg = Msg("🔥 fired", "🔥 触发")
    event_updated: Msg = Msg("🔄 changed", "🔄 变化")
    event_resolved: Msg = Msg("✅ resolved", "✅ 恢复")
    event_reopened: Msg = Msg("🔁 fired again", "🔁 再次触发")
    event_acknowledged: Msg = Msg("👀 acknowledged", "👀 确认")
    event_snoozed: Msg = Msg("💤 snoozed", "💤 静默")
    event_unsnoozed: Msg = Msg("🔔 unsnoozed", "🔔 取消静默")
    event_posted: Msg = Msg("📮 posted", "📮 已发布")
    event_linked: Msg = Msg("🚨 incident opened", "🚨 已发起故障处理")
    sev_critical: Msg = Msg("critical", "严重")
    sev_warning: Msg = Msg("warning", "警告")
    sev_info: Msg = Msg("info", "提示")
    not_firing: Msg = Msg(
        "`{id}` ({title}) is not firing any more; nothing to {what}.", "`{id}`（{title}）已不再触发，无需{what}。"
    )
    # an alert's event on an incident's timeline
    timeline_detail: Msg = Msg("{title} ({detail})", "{title}（{detail}）")
    # One problem of several pods of a workload (the worst pod's title first).
    more_pods_of: Msg = Msg(
        "{first} (and {more} more pod(s) of {workload})", "{first}（{workload} 还有 {more} 个 Pod 同样如此）"
    )
    timeline_again: Msg = Msg("{title} (again)", "{title}（再次触发）")
    timeline_again_detail: Msg = Msg("{title} (again: {detail})", "{title}（再次触发：{detail}）")


@dataclass(frozen=True)
class PeopleWords:
    """How a list of people reads: "a, b and c" / "a、b 和 c"."""

    nobody: Msg = Msg("nobody", "无人")
    and_: Msg = Msg(" and ", " 和 ")
    comma: Msg = Msg(", ", "、")


def people_in(lang: str, *ids: str, none: str | None = None) -> Rich:
    """People as a list in `lang`, each a mention (`none` when there are none, else "nobody" in `lang`)."""
    return people(*ids, none=PEOPLE.nobody(lang) if none is None else none, and_=PEOPLE.and_(lang),
                  comma=PEOPLE.comma(lang))


@dataclass(frozen=True)
class ApprovalWords:
    """The approval card, its status line, the answers to Approve, Deny and Cancel, and the refusals on the way. A
    request speaks the language it was asked in: its card, the requester's notice and the answers to clicks on it
    (the audit trail stays in English, one record for every admin)."""

    state_pending: Msg = Msg("pending", "等待审批")
    state_approved: Msg = Msg("approved", "已批准")
    state_running: Msg = Msg("running", "执行中")
    state_succeeded: Msg = Msg("succeeded", "已成功")
    state_succeeded_warning: Msg = Msg("ran, with warnings", "已执行（有警告）")
    state_failed: Msg = Msg("failed", "已失败")
    state_denied: Msg = Msg("denied", "已拒绝")
    state_expired: Msg = Msg("expired", "已过期")
    state_cancelled: Msg = Msg("cancelled", "已撤回")
    one_approver: Msg = Msg("an approver", "一位审批人")
    distinct_approvers: Msg = Msg("{need} distinct approvers", "{need} 位不同的审批人")
    counted: Msg = Msg(" ({have} of {need} approvals: {by})", "（已有 {have}/{need} 个批准：{by}）")
    waiting: Msg = Msg("Waiting for {who}{counted}. Expires at {at}.", "等待{who}批准{counted}。{at} 过期。")
    starting: Msg = Msg("Approved by {by} at {when} — starting.", "{by} 已于 {when} 批准，正在开始。")
    running: Msg = Msg("Approved by {by} at {when} — running.", "{by} 已于 {when} 批准，正在执行。")
    ran: Msg = Msg(
        "Approved by {by} at {when} — ran, finished at {done}: {outcome}",
        "{by} 已于 {when} 批准，已执行，{done} 完成：{outcome}",
    )
    succeeded: Msg = Msg("succeeded", "成功")
    failed_unran: Msg = Msg("Failed at {done}, nothing ran: {reason}", "{done} 失败，未执行任何操作：{reason}")
    failed: Msg = Msg(
        "Approved by {by} at {when} — failed at {done}: {reason}", "{by} 已于 {when} 批准，{done} 失败：{reason}"
    )
    denied: Msg = Msg(
        "Denied by {by} at {when}: {reason}. Nothing ran.", "{by} 已于 {when} 拒绝：{reason}。未执行任何操作。"
    )
    expired: Msg = Msg("Expired at {at}, nothing ran.", "已于 {at} 过期，未执行任何操作。")
    no_such_request: Msg = Msg("There is no approval request `{id}`.", "没有审批请求 `{id}`。")
    cancelled: Msg = Msg("Cancelled by {by} at {when}, nothing ran.", "{by} 已于 {when} 撤回，未执行任何操作。")
    moot: Msg = Msg(
        "No longer needed at {when}: {reason} Nothing ran.", "已于 {when} 无需执行：{reason}未执行任何操作。"
    )
    done_by_other: Msg = Msg(
        "request `{id}` ({action}) did it. {blocked}", "请求 `{id}`（{action}）已完成此事。{blocked}"
    )
    approve: Msg = Msg("Approve", "批准")
    deny: Msg = Msg("Deny", "拒绝")
    cancel: Msg = Msg("Cancel", "撤回")
    audit_trail: Msg = Msg("Audit trail", "审计记录")
    heading: Msg = Msg("Approval request {id}: {action}", "审批请求 {id}：{action}")
    requested_by: Msg = Msg("Requested by", "申请人")
    cluster: Msg = Msg("Cluster", "集群")
    command: Msg = Msg("Command", "命令")
    expires: Msg = Msg("Expires", "过期时间")
    approvals_needed: Msg = Msg("Approvals needed", "所需批准")
    not_the_requester: Msg = Msg("{need} (not the requester)", "{need}（不含申请人）")
    may_approve: Msg = Msg("May approve", "可审批者")
    as_read_at: Msg = Msg("What it will do, as read at {at}:", "将执行的操作（{at} 读取）：")
    checked_again: Msg = Msg("Checked again before it runs: {facts}", "执行前会再次核对：{facts}")
    ask_again: Msg = Msg("To ask again: `{command}`", "如需重新申请：`{command}`")
    card_footer: Msg = Msg("request {id} · ref {ref} · state {state}", "请求 {id} · ref {ref} · 状态 {state}")
    card_summary: Msg = Msg("Approval request {id} ({state}): {action}", "审批请求 {id}（{state}）：{action}")
    your_request: Msg = Msg(
        "{requester}: your request `{id}` ({action}) — {status}", "{requester}：你的请求 `{id}`（{action}）— {status}"
    )
    notice_summary: Msg = Msg("Request {id} {state}: {action}", "请求 {id} {state}：{action}")
    decision_footer: Msg = Msg("request {id}", "请求 {id}")
    already_waiting: Msg = Msg(
        "That is already waiting for approval: request `{id}` ({action}).", "这已在等待审批：请求 `{id}`（{action}）。"
    )
    no_preview: Msg = Msg("`{command}` has no preview, so it cannot be approved.", "`{command}` 没有预览，无法审批。")
    card_not_posted: Msg = Msg(
        "Nothing was requested: the approval card could not be posted in the approvals channel. {error}",
        "未创建请求：审批卡片无法发到审批频道。{error}",
    )
    card_not_shown: Msg = Msg(
        "the card could not be posted where it was asked for", "审批卡片无法发到申请它的地方"
    )
    card_not_posted_reason: Msg = Msg(
        "its card could not be posted in the approvals channel: {error}", "审批卡片无法发到审批频道：{error}"
    )
    approved_before: Msg = Msg(
        "You already approved this; it needs {need} distinct approvers ({have} so far).",
        "你已批准过；它需要 {need} 位不同的审批人（目前 {have} 位）。",
    )
    approval_recorded: Msg = Msg(
        "Your approval is recorded ({have} of {need}); it needs another approver before it runs.",
        "已记录你的批准（{have}/{need}）；还需要另一位审批人批准才会执行。",
    )
    you_approved_running: Msg = Msg("You approved it — running.", "你已批准，正在执行。")
    you_approved_ran: Msg = Msg("You approved it — ran: {outcome}", "你已批准，已执行：{outcome}")
    you_approved_failed: Msg = Msg("You approved it — failed: {reason}", "你已批准，执行失败：{reason}")
    deny_own: Msg = Msg(
        "You requested this yourself; to withdraw it, use `{cancel}`.", "这是你自己的请求；要撤回，请用 `{cancel}`。"
    )
    say_why: Msg = Msg(
        "Say why it is denied: `{deny} <reason>` (the reason is shown on the card and kept in the audit).",
        "请说明拒绝的理由：`{deny} <理由>`（理由会显示在卡片上并记入审计）。",
    )
    you_denied: Msg = Msg("You denied it: {reason}. Nothing ran.", "你已拒绝：{reason}。未执行任何操作。")
    only_requester_cancels: Msg = Msg(
        "Only {requester}, who requested it, may cancel it; an approver can deny it.",
        "只有申请人 {requester} 可以撤回；审批人可以拒绝它。",
    )
    you_cancelled: Msg = Msg("Cancelled. Nothing ran.", "已撤回。未执行任何操作。")
    interrupted: Msg = Msg(
        "interrupted: the bot stopped while this was {state} (since {since}); it was not retried. Check the "
        "cluster's state before requesting it again.",
        "已中断：它{state}时（自 {since} 起）机器人停止了；不会自动重试。请先检查集群的状态，再重新申请。",
    )
    not_disruptive: Msg = Msg(
        "`{command}` is no longer a disruptive command here", "`{command}` 在这里已不再是需要审批的命令"
    )
    # -- an approved request that did not run because what it was checked against changed meanwhile
    world_changed: Msg = Msg(
        "not run: what it was checked against changed since it was requested ({changes}).",
        "未执行：申请之后，它核对的内容已发生变化（{changes}）。",
    )
    object_changed: Msg = Msg(
        "not run: {object} changed since it was requested ({changes}).",
        "未执行：申请之后，{object} 已发生变化（{changes}）。",
    )
    request_again: Msg = Msg(
        "{changed} If it is still needed, request it again: `{command}`",
        "{changed}如果仍然需要，请重新申请：`{command}`",
    )
    changed_and_moot: Msg = Msg("{changed} {blocked}", "{changed}{blocked}")
    already_done: Msg = Msg(
        "{blocked} Since it was requested, {changes}: there was nothing left to run.",
        "{blocked}申请之后已发生变化（{changes}）：无需再执行。",
    )
    not_needed: Msg = Msg("not run: {blocked}", "未执行：{blocked}")
    # -- the object a request changes, as its card names it (Kubernetes kinds keep their names in Chinese)
    object_node: Msg = Msg("node {name}", "节点 {name}")
    object_pod: Msg = Msg("pod {name}", "Pod {name}")
    object_deployment: Msg = Msg("deployment {name}", "Deployment {name}")
    object_cluster: Msg = Msg("cluster {name}", "集群 {name}")
    object_nodepool: Msg = Msg("node pool {name}", "节点池 {name}")
    other_waiting: Msg = Msg(
        "Another request on {object} is waiting too: `{id}` ({action}), requested by {requester}. If both are "
        "approved, the one that runs second is checked again first and does not run if the other changed what it "
        "was checked against.",
        "{object} 上还有另一个请求在等待：`{id}`（{action}），申请人 {requester}。如果两个都被批准，后执行的那个会先"
        "再次核对，若另一个已改变了它核对的内容，就不会执行。",
    )
    others_waiting: Msg = Msg(
        "{count} other requests on {object} are waiting too: {requests}. Of those approved, each that runs after "
        "another is checked again first and does not run if another changed what it was checked against.",
        "{object} 上还有另外 {count} 个请求在等待：{requests}。被批准的请求中，后执行的会先再次核对，若之前执行的已"
        "改变了它核对的内容，就不会执行。",
    )
    other_request: Msg = Msg("`{id}` ({action}) by {requester}", "`{id}`（{action}，申请人 {requester}）")
    other_requests_more: Msg = Msg("and {count} more", "另有 {count} 个")
    internal_error: Msg = Msg("internal error (ref {ref})", "内部错误（ref {ref}）")
    fact_gone: Msg = Msg("{key} is gone (was {value})", "{key} 已不存在（原为 {value}）")
    fact_changed: Msg = Msg("{key} was {before}, now {after}", "{key} 原为 {before}，现为 {after}")
    already_approved: Msg = Msg(
        "Already approved by {by} at {when}{end}. Nothing more will run.", "{by} 已于 {when} 批准{end}。不会再次执行。"
    )
    end_ran: Msg = Msg("; it ran: {outcome}", "，已执行：{outcome}")
    end_failed: Msg = Msg("; it failed: {reason}", "，执行失败：{reason}")
    end_running: Msg = Msg("; it is running", "，正在执行")
    done: Msg = Msg("done", "完成")
    request_failed: Msg = Msg("This request failed, nothing ran: {reason}.", "此请求已失败，未执行任何操作：{reason}。")
    already_denied: Msg = Msg(
        "Already denied by {by} at {when}: {reason}. Nothing ran.", "{by} 已于 {when} 拒绝：{reason}。未执行任何操作。"
    )
    own_request: Msg = Msg(
        "Refused: you requested this yourself. Another approver must approve it (four eyes).",
        "已拒绝：这是你自己的请求，必须由另一位审批人批准（四眼原则）。",
    )
    not_an_approver: Msg = Msg(
        "Refused: you are not an approver for `{command}` on `{cluster}`. Who may: {who}.",
        "已拒绝：你不是 `{cluster}` 上 `{command}` 的审批人。可审批者：{who}。",
    )
    unapprovable: Msg = Msg(
        "Nobody could approve this: `{command}` on `{cluster}` needs {required} approver(s) other than you, and the "
        "configuration names {named}. Ask an admin to add approvers (`roles.approver`, or the cluster's "
        "`approvals`/`actions` settings).",
        "没有人能批准这个请求：`{cluster}` 上的 `{command}` 需要 {required} 位申请人以外的审批人，而配置中除你之外的"
        "审批人：{named}。请管理员添加审批人（`roles.approver`，或该集群的 `approvals`/`actions` 设置）。",
    )
    only_requester_configured: Msg = Msg("nobody but the requester is configured", "除申请人外没有配置审批人")
    nobody_else: Msg = Msg("nobody else", "无")
    # -- the audit trail (`audit`, a card's Audit trail button): the frame; the entries are the record as written
    audit_heading: Msg = Msg("Audit", "审计记录")
    audit_none: Msg = Msg("No audit entries{filters}.", "没有审计记录{filters}。")
    audit_count: Msg = Msg("{count} audit entries{filters}", "{count} 条审计记录{filters}")
    audit_of_request: Msg = Msg(" of request {id}", "（请求 {id}）")
    audit_by: Msg = Msg(" by {user}", "（执行人 {user}）")
    audit_on: Msg = Msg(" on {cluster}", "（集群 {cluster}）")
    col_time: Msg = Msg("time (UTC)", "时间（UTC）")
    col_request: Msg = Msg("request", "请求")
    col_event: Msg = Msg("event", "事件")
    col_who: Msg = Msg("who", "执行人")
    col_cluster: Msg = Msg("cluster", "集群")
    col_detail: Msg = Msg("detail", "详情")
    event_requested: Msg = Msg("requested", "申请")
    event_approval: Msg = Msg("approval", "计入批准")
    event_refused: Msg = Msg("refused", "点击被拒")
    event_approved: Msg = Msg("approved", "已批准")
    event_denied: Msg = Msg("denied", "已拒绝")
    event_cancelled: Msg = Msg("cancelled", "已撤回")
    event_expired: Msg = Msg("expired", "已过期")
    event_running: Msg = Msg("running", "执行中")
    event_succeeded: Msg = Msg("succeeded", "已成功")
    event_succeeded_warning: Msg = Msg("ran, with warnings", "已执行（有警告）")
    event_failed: Msg = Msg("failed", "已失败")
    none_configured: Msg = Msg("nobody is configured", "没有配置审批人")
    approver_role: Msg = Msg("the approver role: {who}", "审批人角色（{who}）")


@dataclass(frozen=True)
class ErrorWords:
    """What goes wrong, said in the asker's language: a name that is not there, a cluster that is down or refuses
    the bot, a role the asker lacks; and the notes on how complete and fresh an answer is. The cluster's and Azure's
    own words inside them are quoted as they are."""

    usage: Msg = Msg("Usage", "用法")
    internal: Msg = Msg(
        "Internal error (ref {ref}). The details are in the bot's log under that reference.",
        "内部错误（ref {ref}）。详情记在机器人日志的这个编号下。",
    )
    refused_bot: Msg = Msg("The cluster or Azure refused the bot: {message}", "集群或 Azure 拒绝了机器人：{message}")
    command_time_used: Msg = Msg(
        "Stopped before asking for {what}: this command's {seconds} s were used up (the cluster or Azure is answering"
        " slowly).",
        "在请求 {what} 之前停止：本命令的 {seconds} 秒已经用完（集群或 Azure 响应缓慢）。",
    )
    may_be_temporary: Msg = Msg(
        "{message} It may be temporary; try again in a minute.", "{message}。可能是暂时的，请一分钟后再试。"
    )
    did_you_mean: Msg = Msg(" Did you mean {names}?", "你是不是要找 {names}？")
    unknown_command: Msg = Msg(
        "Unknown command `{word}`.{hint} Try `/k8s help`.", "没有 `{word}` 这个命令。{hint}试试 `/k8s help`。"
    )
    command_hint: Msg = Msg(" Did you mean: {names}?", "你是不是要用 {names}？")
    group_only: Msg = Msg(
        "`{word}` is not a command; the `{group}` commands are {names}. `/k8s help {group}` says what each does.",
        "没有 `{word}` 这个命令；`{group}` 开头的命令有 {names}。`/k8s help {group}` 会说明每个命令的用途。",
    )
    no_close_command: Msg = Msg(
        "No command is close to that; `/k8s help` lists them all.", "没有相近的命令；`/k8s help` 列出所有命令。"
    )
    # -- a value typed for a number or a choice that the command cannot take (the parser)
    whole_number: Msg = Msg(
        "`{label}` must be a whole number (not `{got}`).", "`{label}` 必须是整数（而不是 `{got}`）。"
    )
    whole_number_between: Msg = Msg(
        "`{label}` must be a whole number from {low} to {high} (not `{got}`).",
        "`{label}` 必须是 {low} 到 {high} 之间的整数（而不是 `{got}`）。",
    )
    whole_number_from: Msg = Msg(
        "`{label}` must be a whole number of at least {low} (not `{got}`).",
        "`{label}` 必须是不小于 {low} 的整数（而不是 `{got}`）。",
    )
    whole_number_to: Msg = Msg(
        "`{label}` must be a whole number of at most {high} (not `{got}`).",
        "`{label}` 必须是不大于 {high} 的整数（而不是 `{got}`）。",
    )
    type_a_command: Msg = Msg("Type a command, or `help` to see them.", "请输入命令，或输入 `help` 查看所有命令。")
    needs_value: Msg = Msg("`{flag}` needs a value.", "`{flag}` 后面需要一个值。")
    unknown_flag: Msg = Msg("Unknown flag `{flag}` for `{command}`.", "`{command}` 没有参数 `{flag}`。")
    kubectl_only_flag: Msg = Msg(
        "Unknown flag `{flag}` for `{command}`: {why}.", "`{command}` 没有参数 `{flag}`：{why}。"
    )
    flag_output: Msg = Msg(
        "kubectl's output formats are not for chat: the bot's tables already show each pod's node, and `/k8s pod "
        "NAME` or `/k8s node NAME` shows one in full",
        "kubectl 的输出格式不适合聊天：机器人的表格已经显示每个 Pod 所在的节点，`/k8s pod 名称` 或 `/k8s node 名称` "
        "可以查看单个对象的全部信息",
    )
    flag_follow: Msg = Msg(
        "a chat message cannot follow a stream; ask again, or `--tail N` for more lines",
        "聊天消息无法持续跟随输出；请再问一次，或用 `--tail N` 看更多行",
    )
    namespace_or_all: Msg = Msg("Use either `-n NAMESPACE` or `-A`, not both.", "`-n 命名空间` 和 `-A` 只能用一个。")
    flag_twice: Msg = Msg(
        "`{flag}` is given twice, as `{first}` and as `{second}`: say which one you mean.",
        "`{flag}` 给了两次：`{first}` 和 `{second}`，请只保留你要的那一个。",
    )
    unexpected_argument: Msg = Msg(
        "Unexpected argument `{arg}` for `{command}`.", "`{command}` 不接受参数 `{arg}`。"
    )
    restart_pod: Msg = Msg(
        "A pod is not restarted in place: delete it and its controller creates a new one (`/k8s delete pod {name}`),"
        " or restart its whole Deployment (`/k8s restart deployment NAME`).",
        "Pod 不能原地重启：删除它，它的控制器会重建一个（`/k8s delete pod {name}`）；或者重启整个 Deployment"
        "（`/k8s restart deployment NAME`）。",
    )
    pick_container: Msg = Msg(
        "Pod `{pod}` has {count} containers: {names}. Pick one with -c.",
        "Pod `{pod}` 有 {count} 个容器：{names}。请用 -c 选一个。",
    )
    no_such_container: Msg = Msg(
        "Pod `{pod}` has no container `{container}`; it has: {names}.",
        "Pod `{pod}` 没有容器 `{container}`；它有：{names}。",
    )
    no_previous_log: Msg = Msg(
        "No log of an earlier run of container `{container}` of pod `{pod}` is kept: it has not restarted since the"
        " pod started, or the kubelet no longer has that run (a node restart, or the pod was recreated).",
        "Pod `{pod}` 的容器 `{container}` 没有保留上一次运行的日志：Pod 启动后它还没有重启过，或者 kubelet 已不再"
        "保留那次运行（节点重启过，或 Pod 被重建）。",
    )
    not_a_name: Msg = Msg(
        "`{value}` cannot be a name for `{command}`: Kubernetes names are lower-case Latin letters, digits and dashes.",
        "`{value}` 不能作为 `{command}` 的名称：Kubernetes 对象名只能由小写拉丁字母、数字和连字符组成。",
    )
    wrong_kind: Msg = Msg(
        "`{command}` works on a {kinds}, not a {kind}.",
        "`{command}` 只能用于 {kinds}，不能用于 {kind}。",
    )
    unexpected_meant: Msg = Msg(
        "Unexpected argument `{arg}` for `{command}`: did you mean `{hint}`?",
        "`{command}` 不接受参数 `{arg}`：你是不是想写 `{hint}`？",
    )
    needs_argument: Msg = Msg("`{command}` needs {label}: {help}.", "`{command}` 需要 {label}：{help}。")
    bad_value: Msg = Msg("Bad value {got!r} for {label}: {why}.", "{label} 的值 {got!r} 不对：{why}。")
    one_of: Msg = Msg(
        "Bad value {got!r} for {label}: expected one of {choices}.", "{label} 的值 {got!r} 不对：应为 {choices} 之一。"
    )
    unknown_cluster: Msg = Msg(
        "Unknown cluster `{asked}` (clusters: {known}).", "没有名为 `{asked}` 的集群（已配置：{known}）。"
    )
    no_cluster_configured: Msg = Msg("none is configured", "一个也没有配置")
    button_gone: Msg = Msg(
        "That button no longer runs anything (`{command}` changed or is gone).",
        "这个按钮已不再对应任何命令（`{command}` 已更改或已不存在）。",
    )
    which_cluster: Msg = Msg(
        "Which cluster? Add `--cluster NAME` ({names}), or bind this channel to a cluster under `channels:` in the "
        "configuration.",
        "哪个集群？请加上 `--cluster 名称`（{names}），或在配置的 `channels:` 下把这个频道绑定到一个集群。",
    )
    may_not_run: Msg = Msg(
        "You may not run `{command}`{where}: it needs the {needs} role (you have: {have}). Ask an admin to add your "
        "Slack user or group to `roles`.",
        "你不能运行 `{command}`{where}：它需要 {needs} 角色（你的角色：{have}）。请管理员把你的 Slack 用户或用户组加到 "
        "`roles` 里。",
    )
    on_cluster: Msg = Msg(" on cluster `{cluster}`", "（集群 `{cluster}`）")
    no_role: Msg = Msg("none", "无")
    node_not_found: Msg = Msg(
        "Node `{name}` not found in {cluster}.{hint} List them with `/k8s nodes --cluster {cluster}`.",
        "{cluster} 中没有节点 `{name}`。{hint}用 `/k8s nodes --cluster {cluster}` 列出所有节点。",
    )
    pod_elsewhere: Msg = Msg(
        "Pod `{name}` not found in namespace `{namespace}`; a pod of that name is in namespace {where}: add "
        "`-n NAMESPACE`.",
        "命名空间 `{namespace}` 中没有 Pod `{name}`；命名空间 {where} 中有同名的 Pod：请加上 `-n 命名空间`。",
    )
    pod_not_found: Msg = Msg(
        "Pod `{name}` not found in namespace `{namespace}`.{hint} Search everywhere with `/k8s pods -A --cluster "
        "{cluster}`.",
        "命名空间 `{namespace}` 中没有 Pod `{name}`。{hint}用 `/k8s pods -A --cluster {cluster}` "
        "在所有命名空间中查找。",
    )
    pod_ns_name: Msg = Msg(
        "`{name}` is NAMESPACE/NAME, as the bot writes pods: commands take the name and the namespace apart, {typed}.",
        "`{name}` 是“命名空间/名称”的写法（机器人列出 Pod 时这样写）：命令要把名称和命名空间分开写，{typed}。",
    )
    workload_elsewhere: Msg = Msg(
        "Pod `{name}` not found in namespace `{namespace}`; a workload of that name runs in namespace {where}: add "
        "`-n NAMESPACE`.",
        "命名空间 `{namespace}` 中没有 Pod `{name}`；命名空间 {where} 中有同名的工作负载：请加上 `-n 命名空间`。",
    )
    pod_in_several: Msg = Msg(
        "`{name}` is in several namespaces ({where}): pick one with `-n NAMESPACE`.",
        "`{name}` 在多个命名空间中（{where}）：请用 `-n 命名空间` 指定一个。",
    )
    pod_nowhere: Msg = Msg(
        "No pod or workload `{name}` in any namespace of {cluster}.{hint} List them with `/k8s pods -A --cluster "
        "{cluster}`.",
        "{cluster} 的所有命名空间中都没有 Pod 或工作负载 `{name}`。{hint}用 `/k8s pods -A --cluster {cluster}` "
        "列出所有 Pod。",
    )
    deployment_elsewhere: Msg = Msg(
        "Deployment `{name}` not found in namespace `{namespace}`; one of that name is in namespace {where}: add "
        "`-n NAMESPACE`.",
        "命名空间 `{namespace}` 中没有 Deployment `{name}`；命名空间 {where} 中有同名的：请加上 `-n 命名空间`。",
    )
    deployment_not_found: Msg = Msg(
        "Deployment `{name}` not found in namespace `{namespace}`.{hint} List them with `/k8s deployments -A "
        "--cluster {cluster}`.",
        "命名空间 `{namespace}` 中没有 Deployment `{name}`。{hint}用 `/k8s deployments -A --cluster {cluster}` "
        "列出所有 Deployment。",
    )
    namespace_not_found: Msg = Msg(
        "Namespace `{namespace}` does not exist in {cluster}.{hint} Use `-A` for all namespaces.",
        "{cluster} 中没有命名空间 `{namespace}`。{hint}用 `-A` 查看所有命名空间。",
    )
    object_nowhere: Msg = Msg(
        "No {kind} `{name}` in any namespace of {cluster}.{hint}",
        "{cluster} 的所有命名空间中都没有 {kind} `{name}`。{hint}",
    )
    pool_not_found: Msg = Msg(
        "Cluster `{cluster}` has no node pool `{pool}` (pools: {pools}).{hint}",
        "集群 `{cluster}` 没有节点池 `{pool}`（现有节点池：{pools}）。{hint}",
    )
    pool_without_nodes: Msg = Msg(
        "No node of {cluster} is in a pool `{pool}` (pools with nodes: {pools}).{hint}",
        "{cluster} 中没有属于节点池 `{pool}` 的节点（有节点的节点池：{pools}）。{hint}",
    )
    for_not_kind_name: Msg = Msg(
        "`--for {value}` is not KIND/NAME: give the object's kind and its name, e.g. `--for {example}`.",
        "`--for {value}` 不是 KIND/NAME 的写法：请写出对象的类型和名称，例如 `--for {example}`。",
    )
    for_unknown_kind: Msg = Msg(
        "`{kind}` is no kind aksbot knows: did you mean `--for {close}`?",
        "aksbot 不认识类型 `{kind}`：是不是想写 `--for {close}`？",
    )
    not_in_cluster: Msg = Msg("{what} not found in cluster '{cluster}'", "集群 '{cluster}' 中找不到 {what}")
    refused_connection: Msg = Msg(
        "cluster '{cluster}' is unreachable: connection refused or no route (asking for {what})",
        "集群 '{cluster}' 无法访问：连接被拒绝或没有路由（请求 {what} 时）",
    )
    no_connection: Msg = Msg(
        "cluster '{cluster}' is unreachable: no connection within {seconds} s (asking for {what})",
        "集群 '{cluster}' 无法访问：{seconds} 秒内没有建立连接（请求 {what} 时）",
    )
    no_answer: Msg = Msg(
        "cluster '{cluster}' did not answer within {seconds} s (asking for {what})",
        "集群 '{cluster}' 在 {seconds} 秒内没有应答（请求 {what} 时）",
    )
    kube_forbidden: Msg = Msg(
        "cluster '{cluster}' refused the bot (forbidden, {what}): {detail}",
        "集群 '{cluster}' 拒绝了机器人（forbidden，{what}）：{detail}",
    )
    kube_may_not: Msg = Msg(
        "cluster '{cluster}' refused the bot (forbidden): {who} may not `{verb}` `{resource}` {where}. Grant that verb"
        " on that resource to the bot's ServiceAccount or user (see `deploy/kubernetes`).",
        "集群 '{cluster}' 拒绝了机器人（forbidden）：{who}无权对 `{resource}` 执行 `{verb}`（{where}）。请给机器人的"
        " ServiceAccount 或用户授予该资源上的这个操作（见 `deploy/kubernetes`）。",
    )
    kube_its_identity: Msg = Msg("its identity `{user}`", "它的身份 `{user}` ")
    kube_an_identity: Msg = Msg("its identity", "它的身份")
    kube_in_namespace: Msg = Msg("in namespace `{namespace}`", "在命名空间 `{namespace}` 中")
    kube_cluster_wide: Msg = Msg("cluster-wide", "在整个集群范围")
    kube_unauthorized: Msg = Msg(
        "sign-in to cluster '{cluster}' failed: the API server did not accept the bot's credentials ({detail})."
        " Refresh the kubeconfig's token or certificate.",
        "登录集群 '{cluster}' 失败：API server 不接受机器人的凭据（{detail}）。请更新 kubeconfig 里的令牌或证书。",
    )
    kube_throttled: Msg = Msg(
        "cluster '{cluster}' is throttling requests: {detail}", "集群 '{cluster}' 正在限流：{detail}"
    )
    kube_failed: Msg = Msg(
        "cluster '{cluster}' failed on {what}: {detail}", "集群 '{cluster}' 处理 {what} 时出错：{detail}"
    )
    kube_answered: Msg = Msg(
        "cluster '{cluster}' answered {status} on {what}: {detail}",
        "集群 '{cluster}' 对 {what} 返回了 {status}：{detail}",
    )
    kube_tls: Msg = Msg(
        "cluster '{cluster}': TLS handshake failed ({detail})", "集群 '{cluster}'：TLS 握手失败（{detail}）"
    )
    kube_connection_failed: Msg = Msg(
        "cluster '{cluster}' connection failed while asking for {what}: {detail}",
        "请求 {what} 时与集群 '{cluster}' 的连接失败：{detail}",
    )
    from_cache: Msg = Msg("from the watch cache, as of {age} s ago", "来自 watch 缓存，{age} 秒前的数据")
    from_cache_now: Msg = Msg("from the watch cache, as of now", "来自 watch 缓存，即时数据")
    partial: Msg = Msg("Partial answer — not shown:\n{lines}", "部分结果，以下内容未显示：\n{lines}")
    grant: Msg = Msg(
        "\nGrant those to the bot's ServiceAccount or user for a full answer (see `deploy/kubernetes`).",
        "\n把这些权限授予机器人的 ServiceAccount 或用户即可得到完整结果（见 `deploy/kubernetes`）。",
    )


@dataclass(frozen=True)
class HelpWords:
    """`help` and `help <command>`: the headings around the commands' own summaries (`COMMANDS_ZH`, `PARAMS_ZH`)."""

    heading: Msg = Msg("aksbot commands", "aksbot 命令")
    group_heading: Msg = Msg("aksbot commands: `/k8s {group} …`", "aksbot 命令：`/k8s {group} …`")
    read: Msg = Msg("*Ask and look*", "*查询与查看*")
    disruptive: Msg = Msg(
        "*Change the cluster* (runs only after an approver clicks Approve)", "*变更集群*（审批人点击“批准”后才会执行）"
    )
    ask_in_words: Msg = Msg(
        "Ask anything in words too: `@aksbot why is my node NotReady` or `/k8s kb 节点 NotReady 怎么办`.",
        "也可以直接用文字提问：`@aksbot 节点 NotReady 怎么办` 或 `/k8s kb why is my node NotReady`。",
    )
    your_role: Msg = Msg(
        "Your role: {role}. `/k8s help <command>` shows a command's usage and examples.",
        "你的角色：{role}。`/k8s help <命令>` 显示一个命令的用法和示例。",
    )
    count: Msg = Msg("{count} commands", "{count} 个命令")
    usage: Msg = Msg("Usage", "用法")
    examples: Msg = Msg("Examples", "示例")
    cluster_flag: Msg = Msg(
        "the cluster (default: the channel's, else the configured default)",
        "集群（默认：频道绑定的集群，否则为配置的默认集群）",
    )
    namespace_flag: Msg = Msg("one namespace, or all of them", "一个命名空间，或全部命名空间")
    risk: Msg = Msg("risk: {risk}", "风险：{risk}")
    risk_read: Msg = Msg("read", "只读")
    risk_disruptive: Msg = Msg("disruptive", "变更（需审批）")
    after_approval: Msg = Msg(
        "runs only after an approver (not you) clicks Approve", "审批人（不能是你自己）点击“批准”后才会执行"
    )
    aliases: Msg = Msg("aliases: {names}", "别名：{names}")


@dataclass(frozen=True)
class SlackWords:
    """What the Slack surface itself says: a button from an older message, a dialog, an answer it could not post."""

    old_button: Msg = Msg(
        ":warning: That button no longer runs anything (it is from an older message). Type the command instead; "
        "`/k8s help` lists them.",
        ":warning: 这个按钮已不再对应任何命令（它来自较早的消息）。请直接输入命令；`/k8s help` 列出所有命令。",
    )
    not_accepted: Msg = Msg(":warning: That {what} was not accepted.", ":warning: 输入的{what}没有被接受。")
    could_not_post: Msg = Msg(
        ":x: aksbot could not post its answer here ({error}). Invite the bot to this channel, or ask in a DM.",
        ":x: aksbot 无法在这里发出回答（{error}）。请把机器人邀请进这个频道，或在私信中提问。",
    )
    cancel: Msg = Msg("Cancel", "取消")


# What each command does, in Chinese: its docstring's first line is the English (a test keeps this complete).
COMMANDS_ZH: dict[str, str] = {
    "aks pools": "列出节点池：模式、VM 规格、节点数与自动缩放、版本、节点镜像和操作系统。",
    "aks reconcile": "重新应用集群当前的模型（修复 Failed 预配状态），需审批。",
    "aks scale-pool": "设置节点池的节点数（需审批；预览会显示对 SNAT 的影响）。",
    "aks show": "显示 Azure 眼中的 AKS 集群：版本、状态、网络、出站类型、标识、升级通道。",
    "aks snat": "显示 SNAT 端口预算：每个节点的端口数、最多可容纳的节点数，以及扩容的后果。",
    "aks upgrade-node-image": "把节点池升级到最新的节点镜像（按 surge 分批重装节点），需审批。",
    "aks upgrades": "显示可以升级到的 Kubernetes 版本，附升级前检查清单（PDB、surge、IP、常见坑）。",
    "alerts": "按集群列出正在触发的告警：持续时间、严重程度、谁已确认或静默，每条都有按钮。",
    "alerts ack": "确认一条正在触发的告警：告警消息会写明谁在处理、从何时开始。",
    "alerts history": "告警最近的经过（默认最近一天）：触发、恢复、再次触发、确认、静默。",
    "alerts show": "一条告警消息的当前样子：证据、处理手册、谁确认了它，以及它的按钮。",
    "alerts snooze": "把一条正在触发的告警静默 1h、4h 或直到恢复：在此之前不再更新它的消息。",
    "alerts unsnooze": "结束告警的静默：它的消息重新开始更新。",
    "approvals": "列出等待决定的审批请求，你可以批准的排在前面。",
    "approve": "批准一个待审批的请求（不能是你自己的）；批准人数足够后执行一次。",
    "audit": "审批请求的审计记录：谁申请、批准、拒绝，执行了什么，结果如何。",
    "cancel": "撤回你自己待审批的请求；不会执行任何操作。",
    "cordon": "把节点标记为不可调度（节点上的 Pod 继续运行），需审批。",
    "delete pod": "删除一个 Pod（由它的控制器重建），需审批。",
    "deny": "拒绝一个待审批的请求并说明理由；不会执行任何操作。",
    "deployments": "列出 Deployment，不可用和未完成滚动更新的排在前面：就绪、已更新、可用。",
    "diagnose cluster": "对整个集群运行所有诊断规则，按组汇总，每组附最严重的例子和处理手册。",
    "diagnose node": "节点为什么 NotReady 或出问题：lease、状况、污点、事件，以及接下来会发生什么。",
    "diagnose pod": "Pod 为什么失败：OOMKilled（检查 cgroup v2 运行时）、带最后日志的崩溃循环、镜像拉取、Pending。",
    "drain": "隔离节点并通过驱逐 API 驱逐它的 Pod，遵守 PodDisruptionBudget，需审批。",
    "events": "列出最近的事件，最新的在前，附按类型的计数和最常见的警告。",
    "health": "一屏看全集群：发现的所有问题，分组计数，每组附处理手册。",
    "help": "列出你可以运行的命令，或解释其中一个：`help <命令>`。",
    "incident archive": "归档已关闭故障的频道（故障指挥或该集群的审批人）；记录保留。",
    "incident close": "关闭故障并写下总结（故障指挥或该集群的审批人）。",
    "incident commander": "把故障交给新的指挥（故障指挥或该集群的操作员）；新指挥会被邀请进频道。",
    "incident export": "把故障及其完整时间线导出为 Markdown（复盘的起点）或 JSON lines。",
    "incident list": "列出你有角色的集群上进行中的故障（加 `--all` 也列出已关闭的）。",
    "incident note": "在故障时间线上添加一条记录（给频道里任意消息加 📌 表情效果相同）。",
    "incident severity": "更改故障的严重级别（故障指挥或该集群的操作员）；频道主题随之更新。",
    "incident show": "显示一个故障：严重级别、集群、指挥、频道、状态、总结和最新的时间线。",
    "incident start": "宣布故障：新建频道并邀请响应人，设置主题，置顶集群健康状况和处理手册。",
    "incident timeline": "故障的时间线，按顺序：宣布、告警、诊断、审批、记录、置顶、变更、关闭。",
    "kb": "向排障知识库提问（English 或中文）；用你提问的语言回答。",
    "kb asked": "这个对话里向知识库问过什么，哪些没答好（只有你看得到）。",
    "kb list": "列出知识库条目（可只列带某个标签的）。",
    "kb missed": "说明回复给出的条目都没有回答这个问题（“都不是”按钮）。",
    "kb show": "完整显示一个知识库条目：解释、检查、修复、错误信息和来源。",
    "logs": "显示容器最后的日志行（加 --previous 显示上次运行的）。",
    "node": "显示一个节点：状况、污点、lease 时间、容量/可分配/用量、它的 Pod、最近的事件。",
    "nodes": "列出节点，NotReady 的在前：状态、节点池、版本、存在时长、压力和问题状况、可分配资源。",
    "pdbs": "列出 PodDisruptionBudget，阻塞的在前：规则、允许的中断数、健康的 Pod、保护的对象。",
    "pod": "显示一个 Pod：容器的状态和上次状态、requests/limits、QoS、事件、最后的日志行。",
    "pods": "列出 Pod，有问题的在前：状态、就绪、重启次数、上次终止原因、节点、存在时长。",
    "request": "显示审批请求的卡片：它做什么、谁作了决定、结果如何。",
    "restart deployment": "用滚动更新重启 Deployment 的 Pod（`kubectl rollout restart`），需审批。",
    "scale deployment": "设置 Deployment 的副本数，需审批。",
    "top nodes": "显示节点的 CPU 和内存用量（相对可分配资源），最满的在前。",
    "top pods": "显示 Pod 的 CPU 和内存用量（相对 requests 和 limits），最高的在前。",
    "uncordon": "让被隔离的节点恢复调度，需审批。",
}

# What each argument is, in Chinese, keyed by its English help (the same words serve several commands).
PARAMS_ZH: dict[str, str] = {
    "the node pool": "节点池",
    "the new number of nodes": "新的节点数",
    "also show what this many nodes would do": "同时显示这么多节点会带来什么",
    "the version to check (default: the newest allowed)": "要检查的版本（默认：允许的最新版本）",
    "only this cluster": "只看这个集群",
    "the alert's id, as its message and `/k8s alerts` show it": "告警的 id（见告警消息和 `/k8s alerts`）",
    "how far back: 30m, 24h, 7d (at most 30d)": "回溯多久：30m、24h、7d（最多 30d）",
    "for how long: 1h, 4h, or until it resolves": "多久：1h、4h，或直到恢复",
    "the approval request's id (on its card)": "审批请求的 id（见卡片）",
    "how many of the latest entries": "显示最近多少条",
    "only what this user did": "只看这个用户的操作",
    "only this approval request": "只看这个审批请求",
    "as JSON lines (for export)": "输出为 JSON lines（用于导出）",
    "the node's name": "节点名",
    "the pod's name": "Pod 名",
    "why it is denied (shown on the card and kept in the audit)": "拒绝的理由（显示在卡片上并记入审计）",
    "label selector": "标签选择器",
    "which page of the list (40 rows each)": "列表的第几页（每页 40 行）",
    "the node's name (as in `/k8s nodes`)": "节点名（与 `/k8s nodes` 中一致）",
    "seconds to keep retrying evictions a PodDisruptionBudget refuses":
        "被 PodDisruptionBudget 拒绝的驱逐最多重试多少秒",
    "also evict pods no controller will recreate": "也驱逐没有控制器会重建的 Pod",
    "only this event type": "只看这种事件类型",
    "only this reason, e.g. BackOff, FailedScheduling, OOMKilling":
        "只看这个原因，例如 BackOff、FailedScheduling、OOMKilling",
    "only events about this object, e.g. pod/web-1 or node/NAME": "只看关于这个对象的事件，例如 pod/web-1 或 node/NAME",
    "a command to explain": "要解释的命令",
    "the incident (INC-7, or 7; default: the one whose channel this is)":
        "故障（INC-7 或 7；默认：当前频道所属的故障）",
    "the impact and what was done, for the summary": "影响和处理经过，用于总结",
    "which incident (default: the one whose channel this is)": "哪个故障（默认：当前频道所属的故障）",
    "the new incident commander (a @mention)": "新的故障指挥（@提及）",
    "as JSON lines instead of Markdown": "输出为 JSON lines 而不是 Markdown",
    "closed incidents too": "也列出已关闭的故障",
    "what to add to the timeline": "要加到时间线上的内容",
    "the new severity": "新的严重级别",
    "what is wrong, in a few words": "出了什么问题，简短描述",
    "how bad: sev1 (worst) to sev4": "严重程度：sev1（最严重）到 sev4",
    "the knowledge-base entry to pin (default: the best match for the title)":
        "要置顶的知识库条目（默认：与标题最匹配的）",
    "the alert it is about (set by an alert's Open incident button)": "相关的告警（由告警的“发起故障处理”按钮设置）",
    "declare it even when an open incident on the cluster has the same title or alert":
        "即使该集群上已有标题或告警相同的进行中故障，也另开一个",
    "a question, an error message or a log line": "一个问题、一条错误信息或一行日志",
    "questions of the last N days": "最近 N 天的问题",
    "only entries with this tag": "只看带这个标签的条目",
    "the kept question none of whose offered entries answered it": "给出的条目都没能回答的那个问题",
    "an entry id (see `kb list`)": "条目 id（见 `kb list`）",
    "the kept question whose reply offered this entry (the reply's buttons set it)":
        "给出了这个条目的那个问题（由回复的按钮设置）",
    "pod name": "Pod 名",
    "container (needed when the pod has several)": "容器（Pod 有多个容器时必须指定）",
    "the previous (crashed) run's log": "上次（崩溃的）运行的日志",
    "how many last lines (at most 500)": "最后多少行（最多 500）",
    "node name (as in `/k8s nodes`)": "节点名（与 `/k8s nodes` 中一致）",
    "label selector, e.g. agentpool=user": "标签选择器，例如 agentpool=user",
    "only this node pool": "只看这个节点池",
    "only nodes that are NotReady, cordoned or under pressure": "只看 NotReady、已隔离或有压力的节点",
    "pod name (in the -n namespace)": "Pod 名（在 -n 指定的命名空间中）",
    "label selector, e.g. app=web": "标签选择器，例如 app=web",
    "only pods on this node": "只看这个节点上的 Pod",
    "only pods that are not running and ready": "只看未运行或未就绪的 Pod",
    "the deployment's name": "Deployment 名",
    "the new number of replicas": "新的副本数",
    "sort by cpu or memory": "按 cpu 或 memory 排序",
}


def param_help(text: str, lang: str) -> str:
    """An argument's help (its English, as the command declares it) in `lang`."""
    return PARAMS_ZH.get(text, text) if lang == "zh" else text


@dataclass(frozen=True)
class FindingWords:
    """What the diagnosis rules say of a finding: its title, what happens next, its buttons, and the headings of the
    groups `health` and `diagnose cluster` show. The evidence quotes the cluster and stays as it says it, except the
    rules' own reading of it (a likely cause, a remedy, advice), which is said here."""

    # -- nodes
    node_unknown: Msg = Msg(
        "Node {name} is Unknown: the kubelet stopped posting node status",
        "节点 {name} 状态为 Unknown：kubelet 已停止上报节点状态",
    )
    node_notready: Msg = Msg("Node {name} is NotReady", "节点 {name} 处于 NotReady")
    # A time, not an age: an alert's title is kept while the problem lasts, and "stale for 50s" would stay 50 s.
    lease_stale_since: Msg = Msg("{title} (lease not renewed since {at})", "{title}（lease 自 {at} 起未续约）")
    evictions: Msg = Msg("NoExecute taint {key} since {at}: {parts}.", "NoExecute taint {key} 自 {at} 起：{parts}。")
    evicted_at: Msg = Msg(
        "{count} pod(s) are evicted at {at} (in {left}), when their {seconds} s toleration runs out",
        "{count} 个 Pod 将在 {at}（{left}后）被驱逐，届时其 {seconds} 秒的 toleration 到期",
    )
    eviction_overdue: Msg = Msg(
        "eviction was due at {at} ({ago}) for {count} pod(s) still bound to it — on an unreachable node they stay "
        "Terminating until the node returns or is deleted",
        "仍绑定在该节点上的 {count} 个 Pod 本应在 {at}（{ago}）被驱逐——节点不可达时，它们会一直处于 Terminating，"
        "直到节点恢复或被删除",
    )
    evicted_terminating: Msg = Msg(
        "{count} pod(s) were evicted and stay Terminating until the node returns or is deleted (their controllers "
        "start replacements elsewhere)",
        "{count} 个 Pod 已被驱逐，会一直处于 Terminating，直到节点恢复或被删除（其控制器会在别处启动替代 Pod）",
    )
    tolerate_forever: Msg = Msg(
        "{count} pod(s) tolerate it without a limit and stay (DaemonSets)",
        "{count} 个 Pod 无时限地容忍该 taint，会留在节点上（DaemonSet）",
    )
    nothing_to_evict: Msg = Msg(
        "no pod on it to evict (pods tolerate it {seconds} s by default)",
        "节点上没有要驱逐的 Pod（Pod 默认容忍 {seconds} 秒）",
    )
    ago: Msg = Msg("{duration} ago", "{duration}前")
    in_time: Msg = Msg("in {duration}", "{duration}后")
    unknown_time: Msg = Msg("at an unknown time", "时间未知")
    repair_skips: Msg = Msg(
        "AKS auto-repair skips this node (shutdown or autoscaler-deletion taint).",
        "AKS 自动修复会跳过该节点（它带有 shutdown 或 autoscaler 删除 taint）。",
    )
    repair_acting: Msg = Msg(
        "AKS auto-repair is acting: last event {reason} {ago}; it goes reboot → reimage → redeploy, up to 3 rounds "
        "(about an hour).",
        "AKS 自动修复正在处理：最近事件 {reason}（{ago}）；按 reboot → reimage → redeploy 的顺序，"
        "最多 3 轮（约一小时）。",
    )
    repair_default: Msg = Msg(
        "AKS auto-repair reboots a node that stays unhealthy for 5 minutes, then reimages and redeploys it if needed "
        "(events from aks-auto-repair).",
        "节点持续不健康 5 分钟后，AKS 自动修复会先重启它，必要时再 reimage 和 redeploy（事件来源 aks-auto-repair）。",
    )
    memory_pressure: Msg = Msg("Node {name} is under memory pressure", "节点 {name} 内存不足（MemoryPressure）")
    disk_pressure: Msg = Msg("Node {name} is under disk pressure", "节点 {name} 磁盘空间不足（DiskPressure）")
    pid_pressure: Msg = Msg("Node {name} is under process IDs pressure", "节点 {name} 进程 ID 不足（PIDPressure）")
    pressure_next: Msg = Msg(
        "The kubelet evicts pods (BestEffort first, then Burstable above their requests) until the pressure clears.",
        "kubelet 会驱逐 Pod（先 BestEffort，再是用量超出 requests 的 Burstable），直到压力解除。",
    )
    node_condition: Msg = Msg("Node {name}: {type} — {meaning}", "节点 {name}：{type}——{meaning}")
    kubelet_down: Msg = Msg("the kubelet is down (KubeletIsDown)", "kubelet 已停止运行（KubeletIsDown）")
    containerd_down: Msg = Msg(
        "containerd is down (ContainerRuntimeIsDown)", "containerd 已停止运行（ContainerRuntimeIsDown）"
    )
    kubelet_restarts: Msg = Msg("the kubelet keeps restarting", "kubelet 反复重启")
    containerd_restarts: Msg = Msg("containerd keeps restarting", "containerd 反复重启")
    dockerd_restarts: Msg = Msg("dockerd keeps restarting", "dockerd 反复重启")
    kernel_deadlock: Msg = Msg(
        "a kernel task is blocked (hung task / deadlock)", "有内核任务被阻塞（hung task / 死锁）"
    )
    readonly_filesystem: Msg = Msg("a filesystem was remounted read-only", "有文件系统被重新挂载为只读")
    filesystem_corruption: Msg = Msg("a filesystem reports corruption", "有文件系统报告损坏")
    unregister_net_device: Msg = Msg(
        "the kernel keeps failing to unregister a network device", "内核反复无法注销网络设备"
    )
    vm_event_scheduled: Msg = Msg(
        "Azure scheduled a maintenance event (reboot/redeploy/freeze) for the VM",
        "Azure 已为该 VM 安排了维护事件（reboot/redeploy/freeze）",
    )
    network_unavailable: Msg = Msg(
        "the node's network (routes) is not configured", "节点的网络（路由）尚未配置"
    )
    unknown_condition: Msg = Msg(
        "a condition this bot does not know is True", "一个本机器人不认识的 condition 为 True"
    )
    node_lease_stale: Msg = Msg(
        "Node {name} is still Ready but its heartbeat lease is stale",
        "节点 {name} 仍显示 Ready，但其心跳 lease 已过期",
    )
    lease_next: Msg = Msg(
        "The node controller marks it Unknown once the grace period passes without a heartbeat.",
        "超过 grace period 仍无心跳时，node controller 会把它标为 Unknown。",
    )
    node_cordoned: Msg = Msg(
        "Node {name} is cordoned (SchedulingDisabled)", "节点 {name} 已被隔离（SchedulingDisabled）"
    )
    node_cordoned_by_bot: Msg = Msg(
        "Node {name} is cordoned by aksbot (request `{request}`)", "节点 {name} 已由 aksbot 隔离（请求 `{request}`）"
    )
    node_cordon_forgotten: Msg = Msg(
        "Node {name} has stayed cordoned for {lasted} since aksbot request `{request}`",
        "节点 {name} 自 aksbot 请求 `{request}` 起已隔离 {lasted}",
    )
    bot_cordon_line: Msg = Msg(
        "cordoned by aksbot at {at} for approved request `{request}` (`/k8s request {request}` shows who asked and "
        "who approved)",
        "aksbot 于 {at} 按已批准的请求 `{request}` 隔离（`/k8s request {request}` 可查看申请人和审批人）",
    )
    bot_cordon_next: Msg = Msg(
        "Nothing is scheduled here until someone uncordons it; aksbot says so again if it stays cordoned past "
        "{hours} h.",
        "在有人取消隔离之前不会有新 Pod 调度到这里；若隔离超过 {hours} 小时，aksbot 会再次提醒。",
    )
    # -- pods
    container: Msg = Msg("Container", "容器")
    init_container: Msg = Msg("Init container", "Init 容器")
    oom_killed: Msg = Msg(
        "{which} {container} of {pod} was OOMKilled (exit 137)",
        "Pod {pod} 的{which} {container} 被 OOMKilled（exit 137）",
    )
    runtime_unaware_on_v2: Msg = Msg(
        "{title}: {runtime} predates cgroup v2 support on a cgroup v2 node",
        "{title}：{runtime} 早于 cgroup v2 支持，而节点使用 cgroup v2",
    )
    runtime_unaware: Msg = Msg(
        "{title}: {runtime} predates cgroup v2 support", "{title}：{runtime} 早于 cgroup v2 支持"
    )
    runtime_disputed: Msg = Msg(
        "{title}: {runtime} is cgroup v2 aware upstream but below AKS's 11.0.18",
        "{title}：{runtime} 在上游已支持 cgroup v2，但低于 AKS 要求的 11.0.18",
    )
    runtime_unknown: Msg = Msg(
        "{title}: {runtime} of unknown version, may predate cgroup v2 support",
        "{title}：{runtime} 版本未知，可能早于 cgroup v2 支持",
    )
    oom_next_limit: Msg = Msg(
        "The kubelet restarts it with a growing back-off (up to 5 minutes); it is killed again at the limit until "
        "its memory use (the heap) is sized below the limit or the limit is raised.",
        "kubelet 会以递增的 back-off（最长 5 分钟）重启它；在把内存用量（heap）调到 limit 以下或调高 limit 之前，"
        "它每次用到 limit 都会再被杀掉。",
    )
    oom_next_no_limit: Msg = Msg(
        "Without a limit the kernel killed it when the node ran out of memory; it can happen again at any time and "
        "take other pods with it. Set a memory limit and size the heap below it.",
        "它没有设置 limit，是节点内存耗尽时被内核杀掉的；随时可能再次发生，并连带其他 Pod。请设置内存 limit，"
        "并把 heap 调到 limit 以下。",
    )
    crash_looping: Msg = Msg(
        "{which} {container} of {pod} is crash-looping", "Pod {pod} 的{which} {container} 反复崩溃（CrashLoopBackOff）"
    )
    crash_looping_exit: Msg = Msg(
        "{which} {container} of {pod} is crash-looping (exit {code})",
        "Pod {pod} 的{which} {container} 反复崩溃（exit {code}）",
    )
    crashloop_next: Msg = Msg(
        "The kubelet keeps restarting it with a back-off doubling up to 5 minutes.",
        "kubelet 会持续重启它，back-off 时间逐次翻倍，最长 5 分钟。",
    )
    cannot_pull: Msg = Msg(
        "{which} {container} of {pod} cannot pull its image ({reason})",
        "Pod {pod} 的{which} {container} 无法拉取镜像（{reason}）",
    )
    unschedulable: Msg = Msg("Pod {name} cannot be scheduled", "Pod {name} 无法调度")
    unschedulable_why: Msg = Msg("Pod {name} cannot be scheduled: {why}", "Pod {name} 无法调度：{why}")
    evicted_disk: Msg = Msg(
        "Pod {name} was evicted by the kubelet (disk pressure)", "Pod {name} 被 kubelet 驱逐（磁盘压力）"
    )
    evicted_memory: Msg = Msg(
        "Pod {name} was evicted by the kubelet (memory pressure)", "Pod {name} 被 kubelet 驱逐（内存压力）"
    )
    on_lost_node: Msg = Msg(
        "Pod {name} runs on node {node}, which is {state}: what it last reported is stale",
        "Pod {name} 所在的节点 {node} 状态为 {state}：它最后上报的状态已经过时",
    )
    lost_node_evidence: Msg = Msg(
        "node {node} is {state}; the pod still shows {shown}, as last reported before the node fell silent",
        "节点 {node} 状态为 {state}；Pod 仍显示 {shown}，这是节点失联前最后上报的状态",
    )
    lost_node_evicted_at: Msg = Msg(
        "The node controller evicts it at {at} (in {left}), when its toleration of `{key}` runs out; its controller "
        "then starts a replacement elsewhere, and it stays Terminating until the node comes back or is deleted.",
        "节点控制器会在 {at}（{left}后）驱逐它，届时它对 `{key}` 的 toleration 到期；随后其控制器会在别处启动替代 Pod，"
        "而它会一直处于 Terminating，直到节点恢复或被删除。",
    )
    lost_node_overdue: Msg = Msg(
        "Its toleration of `{key}` ran out at {at}: it is being evicted, and stays Terminating until the node comes "
        "back or is deleted.",
        "它对 `{key}` 的 toleration 已于 {at} 到期：正在被驱逐，并会一直处于 Terminating，直到节点恢复或被删除。",
    )
    lost_node_stays: Msg = Msg(
        "It tolerates `{key}` for ever: nothing evicts it; it waits for the node.",
        "它永久容忍 `{key}`：不会被驱逐，只能等节点恢复。",
    )
    lost_node_next: Msg = Msg(
        "Nothing is known of it until the node comes back: see why the node is silent.",
        "在节点恢复之前无法得知它的真实状态：请先查明节点为何失联。",
    )
    evicted_next: Msg = Msg(
        "Evicted pods stay listed (phase Failed) until deleted; their controller already made replacements.",
        "被驱逐的 Pod 会一直留在列表里（phase Failed），直到被删除；其控制器已经创建了替代 Pod。",
    )
    waits_for_volume: Msg = Msg("Pod {name} waits for its volume ({reason})", "Pod {name} 在等待它的卷（{reason}）")
    cannot_start: Msg = Msg(
        "Container {container} of {pod} cannot start ({reason})", "Pod {pod} 的容器 {container} 无法启动（{reason}）"
    )
    log_cause: Msg = Msg(
        "Its last log lines point to a known cause: {title}", "它最后的日志指向一个已知原因：{title}"
    )
    # -- the scheduler's message in plain words (the title of a Pending pod)
    nodes_fit: Msg = Msg("{available} of {total} nodes fit", "{total} 个节点中有 {available} 个可用")
    no_node_fits: Msg = Msg("no node fits", "没有合适的节点")
    scheduling_summary: Msg = Msg("{head}: {parts}", "{head}：{parts}")
    on_nodes: Msg = Msg("{nodes} {plain}", "{plain}（{nodes} 个节点）")
    tainted: Msg = Msg(
        "node(s) {meaning} — taint {taint} that the pod does not tolerate",
        "节点{meaning}——带有 Pod 不容忍的 taint {taint}",
    )
    taint_unreachable: Msg = Msg("are unreachable (their kubelet stopped reporting)", "不可达（kubelet 已停止上报）")
    taint_not_ready: Msg = Msg("are not ready", "未就绪")
    taint_cordoned: Msg = Msg("are cordoned", "已被隔离")
    taint_memory: Msg = Msg("are under memory pressure", "内存不足（MemoryPressure）")
    taint_disk: Msg = Msg("are under disk pressure", "磁盘空间不足（DiskPressure）")
    taint_pid: Msg = Msg("are under PID pressure", "进程 ID 不足（PIDPressure）")
    taint_network: Msg = Msg("have no network", "没有网络")
    taint_shutdown: Msg = Msg("are shut down", "已关机")
    taint_uninitialized: Msg = Msg(
        "are not yet initialised by the cloud provider", "尚未被云提供商初始化"
    )
    taint_addons: Msg = Msg(
        "are reserved for system add-ons (CriticalAddonsOnly)", "保留给系统插件（CriticalAddonsOnly）"
    )
    taint_spot: Msg = Msg(
        "are spot nodes (the pod lacks the spot toleration)", "是 spot 节点（Pod 缺少 spot 的 toleration）"
    )
    taint_control_plane: Msg = Msg("are control-plane nodes", "是控制平面节点")
    taint_autoscaler: Msg = Msg(
        "are being removed by the cluster autoscaler", "正在被 cluster autoscaler 移除"
    )
    taint_other: Msg = Msg("carry a taint", "带有 taint")
    lack_cpu: Msg = Msg("node(s) lack free CPU for the pod's requests", "空闲 CPU 不足以满足 Pod 的 requests")
    lack_memory: Msg = Msg("node(s) lack free memory for the pod's requests", "空闲内存不足以满足 Pod 的 requests")
    lack_pods: Msg = Msg("node(s) lack free pod slots for the pod's requests", "没有空余的 Pod 位置")
    lack_ephemeral_storage: Msg = Msg(
        "node(s) lack free ephemeral storage for the pod's requests", "空闲临时存储不足以满足 Pod 的 requests"
    )
    lack_gpus: Msg = Msg("node(s) lack free GPUs for the pod's requests", "空闲 GPU 不足以满足 Pod 的 requests")
    lack_other: Msg = Msg(
        "node(s) lack free {resource} for the pod's requests", "空闲 {resource} 不足以满足 Pod 的 requests"
    )
    node_affinity: Msg = Msg(
        "node(s) don't match the pod's nodeSelector/affinity", "不匹配 Pod 的 nodeSelector/affinity"
    )
    anti_affinity: Msg = Msg("node(s) excluded by pod anti-affinity", "被 Pod 的 anti-affinity 排除")
    pod_affinity: Msg = Msg(
        "node(s) don't run the pods this one must be next to (pod affinity)",
        "没有运行本 Pod 必须与之相邻的 Pod（pod affinity）",
    )
    topology_spread: Msg = Msg(
        "node(s) would break a topology spread constraint", "会违反 topology spread constraint"
    )
    volume_zone: Msg = Msg(
        "node(s) are in a different zone than the pod's volume", "与 Pod 的卷不在同一个可用区"
    )
    max_volumes: Msg = Msg(
        "node(s) have the most data disks their VM size allows", "数据磁盘数已达 VM 规格允许的上限"
    )
    host_port: Msg = Msg("node(s) already use the requested hostPort", "所请求的 hostPort 已被占用")
    cordoned: Msg = Msg("node(s) are cordoned", "已被隔离")
    max_pods: Msg = Msg(
        "node(s) run their maximum number of pods (maxPods)", "运行的 Pod 数已达上限（maxPods）"
    )
    pvc_unbound: Msg = Msg(
        "the pod's PersistentVolumeClaim is not bound yet", "Pod 的 PersistentVolumeClaim 尚未绑定"
    )
    pvc_missing: Msg = Msg(
        "the pod's PersistentVolumeClaim does not exist", "Pod 的 PersistentVolumeClaim 不存在"
    )
    no_volume_fits: Msg = Msg(
        "no PersistentVolume fits the claim on these nodes", "这些节点上没有符合该 claim 的 PersistentVolume"
    )
    # -- workloads
    pdb_blocks: Msg = Msg(
        "PodDisruptionBudget {name} allows 0 disruptions: a drain or an upgrade will block",
        "PodDisruptionBudget {name} 允许的中断数为 0：drain 或升级会被卡住",
    )
    pdb_blocks_node: Msg = Msg(
        "PodDisruptionBudget {name} allows 0 disruptions: a drain of {node} or an upgrade will block",
        "PodDisruptionBudget {name} 允许的中断数为 0：drain {node} 或升级会被卡住",
    )
    pdb_next: Msg = Msg(
        "Evictions are refused (429); an AKS upgrade waits {minutes} minutes per node and then fails with a "
        "PodDrainFailure unless the budget allows a disruption (more replicas, or maxUnavailable 1).",
        "驱逐会被拒绝（429）；AKS 升级会在每个节点上等待 {minutes} 分钟，然后以 PodDrainFailure 失败，"
        "除非该 PDB 允许中断（增加副本数，或设置 maxUnavailable 1）。",
    )
    not_progressing: Msg = Msg(
        "Deployment {name} is not progressing ({reason})", "Deployment {name} 已停止推进（{reason}）"
    )
    not_progressing_stalled: Msg = Msg(
        "Deployment {name} is not progressing (stalled)", "Deployment {name} 已停止推进（卡住）"
    )
    # -- Azure
    snat_over: Msg = Msg(
        "SNAT ports: at peak {peak} nodes need more than the {max} the outbound IPs can serve",
        "SNAT 端口：峰值时有 {peak} 个节点，超过出站 IP 能支撑的 {max} 个",
    )
    snat_exceeded: Msg = Msg(
        "SNAT ports: {nodes} nodes already need more than the {max} the outbound IPs can serve",
        "SNAT 端口：现有 {nodes} 个节点，已超过出站 IP 能支撑的 {max} 个",
    )
    snat_close: Msg = Msg("SNAT ports close to exhaustion", "SNAT 端口接近耗尽")
    with_command: Msg = Msg("{text} (`{command}`)", "{text}（`{command}`）")
    ports_fit: Msg = Msg(
        "With {ips} IP(s), {ports:,} ports per node fit {nodes} nodes.",
        "使用 {ips} 个 IP 时，每节点 {ports:,} 个端口可支撑 {nodes} 个节点。",
    )
    more_ips: Msg = Msg(
        "Or keep {ports:,} ports per node for {nodes} nodes with {ips} outbound IPs.",
        "或者用 {ips} 个出站 IP，为 {nodes} 个节点保持每节点 {ports:,} 个端口。",
    )
    pool_connections: Msg = Msg(
        "Reuse and pool connections, lower the idle timeout (4 min), or move egress to a NAT gateway (16 IPs × "
        "64,512 ports, on demand).",
        "复用连接并使用连接池，调低空闲超时（4 分钟），或把出站改为 NAT gateway"
        "（16 个 IP × 64,512 个端口，按需分配）。",
    )
    explicit_ports: Msg = Msg(
        "Set an explicit allocatedOutboundPorts so that growing the cluster never cuts ports on running nodes.",
        "显式设置 allocatedOutboundPorts，这样集群扩容时就不会削减运行中节点的端口。",
    )
    nat_ips: Msg = Msg(
        "Give the NAT gateway {ips} IP(s) for about {ports:,} ports per node at peak.",
        "给 NAT gateway 配置 {ips} 个 IP，峰值时每节点约有 {ports:,} 个端口。",
    )
    reuse_connections: Msg = Msg(
        "Reuse connections and keep the idle timeout low (NAT gateway default: 4 min).",
        "复用连接并保持较低的空闲超时（NAT gateway 默认 4 分钟）。",
    )
    cluster_stuck: Msg = Msg(
        "AKS cluster {name} has been {state} for over {minutes} min",
        "AKS 集群 {name} 处于 {state} 状态已超过 {minutes} 分钟",
    )
    cluster_stuck_line: Msg = Msg(
        "managedCluster {name}: provisioningState={state} for {minutes} min (seen by the bot)",
        "managedCluster {name}：provisioningState={state} 已持续 {minutes} 分钟（机器人观察到）",
    )
    cluster_stuck_next: Msg = Msg(
        "An operation that does not finish usually ends Failed; `az aks show` names the operation.",
        "迟迟不结束的操作通常会以 Failed 告终；`az aks show` 会显示是哪个操作。",
    )
    cluster_failed: Msg = Msg("AKS cluster {name} is in the Failed state", "AKS 集群 {name} 处于 Failed 状态")
    cluster_failed_next: Msg = Msg(
        "Scale, upgrade and node-image operations are refused until a reconcile succeeds.",
        "在 reconcile 成功之前，扩缩容、升级和节点镜像操作都会被拒绝。",
    )
    service_principal: Msg = Msg(
        "The cluster reaches Azure with a service principal whose secret expires",
        "集群通过服务主体访问 Azure，而服务主体的密钥会过期",
    )
    # -- buttons
    node_details: Msg = Msg("Node details", "节点详情")
    cordon: Msg = Msg("Cordon", "隔离节点")
    drain: Msg = Msg("Drain", "排空节点")
    uncordon: Msg = Msg("Uncordon", "取消隔离节点")
    previous_logs: Msg = Msg("Previous logs", "上次运行的日志")
    restart_deployment: Msg = Msg("Restart deployment", "重启 Deployment")
    pod_details: Msg = Msg("Pod details", "Pod 详情")
    nodes: Msg = Msg("Nodes", "节点列表")
    delete_evicted: Msg = Msg("Delete evicted pod", "删除被驱逐的 Pod")
    snat_budget: Msg = Msg("SNAT budget", "SNAT 预算")
    reconcile: Msg = Msg("Reconcile", "Reconcile 集群")
    pdbs: Msg = Msg("PDBs", "查看 PDB")
    its_pods: Msg = Msg("Its pods", "它的 Pod")
    deployments: Msg = Msg("Deployments", "Deployment 列表")
    runbook: Msg = Msg("Runbook: {id}", "处理手册：{id}")
    diagnose: Msg = Msg("Diagnose {name}", "诊断 {name}")
    # -- how a finding and a group are shown
    more_lines: Msg = Msg("… {count} more line(s)", "… 另有 {count} 行")
    earlier_log_lines: Msg = Msg("… {count} earlier log line(s)", "… 另有 {count} 行更早的日志")
    cordoned_count: Msg = Msg(" ({count} cordoned)", "（{count} 个已隔离）")
    group_subjects: Msg = Msg(" ({names})", "（{names}）")
    group_repeated: Msg = Msg("{count}× {title}", "{title}（共 {count} 处）")
    in_one_namespace: Msg = Msg(" in {count} namespace", "，分布在 {count} 个命名空间")
    in_namespaces: Msg = Msg(" in {count} namespaces", "，分布在 {count} 个命名空间")
    group_notready: Msg = Msg("{count} nodes NotReady or Unknown{where}", "{count} 个节点 NotReady 或 Unknown{where}")
    group_lease: Msg = Msg(
        "{count} nodes Ready with a stale heartbeat lease{where}", "{count} 个节点显示 Ready 但心跳 lease 已过期{where}"
    )
    group_memory_pressure: Msg = Msg(
        "{count} nodes under memory pressure{where}", "{count} 个节点内存不足（MemoryPressure）{where}"
    )
    group_disk_pressure: Msg = Msg(
        "{count} nodes under disk pressure{where}", "{count} 个节点磁盘空间不足（DiskPressure）{where}"
    )
    group_pid_pressure: Msg = Msg(
        "{count} nodes under PID pressure{where}", "{count} 个节点进程 ID 不足（PIDPressure）{where}"
    )
    group_cordoned: Msg = Msg("{count} nodes cordoned{where}", "{count} 个节点已被隔离{where}")
    group_oom: Msg = Msg("{count} containers OOMKilled{where}", "{count} 个容器被 OOMKilled{where}")
    group_oom_cgroupv2: Msg = Msg(
        "{count} containers OOMKilled (runtime not cgroup v2 aware){where}",
        "{count} 个容器被 OOMKilled（运行时不支持 cgroup v2）{where}",
    )
    group_crashloop: Msg = Msg(
        "{count} containers in CrashLoopBackOff{where}", "{count} 个容器处于 CrashLoopBackOff{where}"
    )
    group_image_pull: Msg = Msg(
        "{count} containers failing to pull their image{where}", "{count} 个容器无法拉取镜像{where}"
    )
    group_config: Msg = Msg(
        "{count} containers unable to start (config error){where}", "{count} 个容器无法启动（配置错误）{where}"
    )
    group_pending: Msg = Msg(
        "{count} pods Pending, unschedulable{where}", "{count} 个 Pod 处于 Pending，无法调度{where}"
    )
    group_volume: Msg = Msg("{count} pods waiting for a volume{where}", "{count} 个 Pod 在等待卷{where}")
    group_evicted: Msg = Msg("{count} pods Evicted{where}", "{count} 个 Pod 已被驱逐（Evicted）{where}")
    group_pdb: Msg = Msg(
        "{count} PodDisruptionBudgets allowing 0 disruptions{where}",
        "{count} 个 PodDisruptionBudget 允许的中断数为 0{where}",
    )
    group_deployment: Msg = Msg(
        "{count} deployments not progressing{where}", "{count} 个 Deployment 已停止推进{where}"
    )
    # -- the rules' own reading of the evidence (the lines around them quote the cluster and stay as it says)
    # The words around what the evidence quotes (names, states, reasons, times, amounts stay as they are).
    container_word: Msg = Msg("container", "容器")
    init_container_word: Msg = Msg("init container", "Init 容器")
    state_now: Msg = Msg("state", "当前状态")
    state_last: Msg = Msg("last state", "上次状态")
    state_at: Msg = Msg("at {time}", "于 {time}")
    container_state: Msg = Msg("{which} {container}: {state}", "{which} {container}：{state}")
    container_state_restarts: Msg = Msg(
        "{which} {container}: {state}, restarts {restarts}", "{which} {container}：{state}，重启 {restarts} 次"
    )
    waiting_now: Msg = Msg("{which} {container} now {reason}", "{which} {container} 现在处于 {reason}")
    waiting_for_image: Msg = Msg(
        "{which} {container}: Waiting reason={reason}, image {image}",
        "{which} {container}：Waiting reason={reason}，镜像 {image}",
    )
    termination_message: Msg = Msg("termination message: {message}", "终止消息：{message}")
    previous_log: Msg = Msg("previous log: {line}", "上次运行的日志：{line}")
    previous_log_of: Msg = Msg("previous log, {line}", "上次运行的日志，{line}")
    memory_limit: Msg = Msg("memory limit {limit}", "内存 limit {limit}")
    memory_request: Msg = Msg("request {request}", "内存 request {request}")
    qos: Msg = Msg("QoS {qos}", "QoS 等级 {qos}")
    qos_unknown: Msg = Msg("unknown", "未知")
    pending_since: Msg = Msg("Pending since {at} ({ago})", "自 {at} 起处于 Pending（{ago}）")
    pod_requests: Msg = Msg("pod requests {amounts}", "Pod 请求 {amounts}")
    memory_amount: Msg = Msg("{amount} memory", "{amount} 内存")
    pdb_state: Msg = Msg(
        "PodDisruptionBudget {name}: {rule}, {healthy} healthy of {expected} expected (desired {desired}) → "
        "{allowed} disruptions allowed",
        "PodDisruptionBudget {name}：{rule}，预期 {expected} 个 Pod 中 {healthy} 个健康（要求 {desired} 个）→ "
        "允许 {allowed} 次中断",
    )
    pdb_selects: Msg = Msg("selects {selector}", "选择器 {selector}")
    lease_not_read: Msg = Msg(
        "Lease kube-node-lease/{node} not read: the heartbeat is unknown",
        "Lease kube-node-lease/{node} 未能读取：心跳情况未知",
    )
    lease_missing: Msg = Msg(
        "no Lease kube-node-lease/{node}: the kubelet never registered a heartbeat",
        "没有 Lease kube-node-lease/{node}：kubelet 从未注册过心跳",
    )
    lease_never_renewed: Msg = Msg(
        "Lease kube-node-lease/{node} has never been renewed", "Lease kube-node-lease/{node} 从未续约"
    )
    lease_timing: Msg = Msg(
        "{lease} (duration {seconds} s, renewed every {renew} s normally)",
        "{lease}（有效期 {seconds} 秒，正常每 {renew} 秒续约一次）",
    )
    likely_cause: Msg = Msg("likely cause: {cause}", "可能的原因：{cause}")
    vm_stopped_taint: Msg = Msg(
        "taint {taint}: the cloud provider reports the VM stopped or deallocated",
        "taint {taint}：云提供商报告该 VM 已停止或已释放（deallocated）",
    )
    cause_vm_stopped: Msg = Msg(
        "the VM is stopped or deallocated: start it (`az vmss start`) or the pool (`az aks nodepool start`)",
        "VM 已停止或已释放（deallocated）：启动该 VM（`az vmss start`）或整个节点池（`az aks nodepool start`）",
    )
    cause_no_heartbeat: Msg = Msg(
        "the kubelet stopped heartbeating (lease stale, status not posted for longer than the {grace} s grace "
        "period): kubelet down or hung, the VM hung, or the node cannot reach the API server",
        "kubelet 已停止心跳（lease 已过期，超过 {grace} 秒的 grace period 未上报状态）：kubelet 停止运行或卡死、"
        "VM 卡死，或节点无法访问 API server",
    )
    cause_pleg: Msg = Msg(
        "PLEG not healthy: the kubelet's pod lifecycle loop stalled, usually an overloaded or hung container "
        "runtime; restart containerd and the kubelet, or reimage",
        "PLEG 不健康：kubelet 的 Pod 生命周期循环停滞，通常是容器运行时过载或卡死；请重启 containerd 和 kubelet，"
        "或 reimage 节点",
    )
    cause_cni: Msg = Msg(
        "container network not ready (CNI plugin not initialised): check the CNI pods and routes",
        "容器网络未就绪（CNI 插件未初始化）：请检查 CNI 的 Pod 和路由",
    )
    cause_runtime_down: Msg = Msg(
        "container runtime down or not responding: restart containerd; reimage if it recurs",
        "容器运行时已停止或无响应：请重启 containerd；如果反复出现，请 reimage 节点",
    )
    cause_kubelet_not_ready: Msg = Msg(
        "the kubelet reports the node not ready (see its message)", "kubelet 报告节点未就绪（见它的消息）"
    )
    cause_npd: Msg = Msg("node-problem-detector says {meaning}", "node-problem-detector 报告：{meaning}")
    npd_condition_line: Msg = Msg(
        "{line} (node-problem-detector: {meaning})", "{line}（node-problem-detector：{meaning}）"
    )
    cause_starved: Msg = Msg(
        "{kind} is True: the node may be starved ({words})", "{kind} 为 True：节点可能缺少资源（{words}）"
    )
    starved_memory: Msg = Msg("memory", "内存")
    starved_disk: Msg = Msg("disk", "磁盘")
    starved_pids: Msg = Msg("process IDs", "进程 ID")
    cause_egress_blocked: Msg = Msg(
        "egress to the API server is blocked (NSG, UDR or firewall): allow TCP 443",
        "到 API server 的出站流量被阻止（NSG、UDR 或防火墙）：请放行 TCP 443",
    )
    pressure_taint: Msg = Msg(
        "taint {taint}: new pods are not scheduled here", "taint {taint}：新的 Pod 不会再调度到这里"
    )
    unschedulable_spec: Msg = Msg(
        "spec.unschedulable=true: no new pods are scheduled here", "spec.unschedulable=true：新的 Pod 不会再调度到这里"
    )
    pull_unauthorized: Msg = Msg(
        "the registry refused the node's credentials: attach the registry to the cluster "
        "(`az aks update --attach-acr`) or check that the cluster's identity or service principal is still valid",
        "镜像仓库拒绝了节点的凭据：把该仓库关联到集群（`az aks update --attach-acr`），"
        "或检查集群的托管标识或服务主体是否仍然有效",
    )
    pull_not_found: Msg = Msg(
        "the image or tag does not exist in the registry: check the name and tag",
        "镜像仓库中没有该镜像或 tag：请检查镜像名和 tag",
    )
    pull_unreachable: Msg = Msg(
        "the node cannot reach the registry: check egress (firewall, NSG, DNS) to it",
        "节点无法访问镜像仓库：请检查到它的出站网络（防火墙、NSG、DNS）",
    )
    pull_rate_limited: Msg = Msg(
        "the registry rate-limits pulls: mirror the image into your own registry",
        "镜像仓库限制了拉取频率：请把镜像同步到你自己的镜像仓库",
    )
    pull_see_message: Msg = Msg("see the message", "见上面的消息")
    no_memory_limit: Msg = Msg(
        "no memory limit (the node's memory is the limit)", "没有内存 limit（节点的内存就是上限）"
    )
    cgroup_not_checked: Msg = Msg(
        "node unknown (pod not scheduled or node gone): cgroup version not checked",
        "节点未知（Pod 尚未调度或节点已不存在）：未检查 cgroup 版本",
    )
    heap_at_limit: Msg = Msg(
        "{flag} is at least the {limit} limit: the heap alone can exceed it",
        "{flag} 不小于 {limit} 的 limit：仅 heap 就可能超出它",
    )
    no_heap_flags_jvm: Msg = Msg(
        "no heap flags in the command or JAVA_OPTS/JAVA_TOOL_OPTIONS/JDK_JAVA_OPTIONS",
        "命令和 JAVA_OPTS/JAVA_TOOL_OPTIONS/JDK_JAVA_OPTIONS 中都没有 heap 参数",
    )
    no_heap_flags_node: Msg = Msg(
        "no heap flags in the command or NODE_OPTIONS", "命令和 NODE_OPTIONS 中都没有 heap 参数"
    )
    no_heap_limit_dotnet: Msg = Msg(
        "no DOTNET_GCHeapHardLimit or DOTNET_GCHeapHardLimitPercent in the env (a limit set in runtimeconfig.json "
        "cannot be seen from here)",
        "环境变量中没有 DOTNET_GCHeapHardLimit 或 DOTNET_GCHeapHardLimitPercent（runtimeconfig.json 中设置的上限"
        "在这里看不到）",
    )
    heap_flags_set: Msg = Msg("heap flags set: {flags}", "已设置的 heap 参数：{flags}")
    heap_from_node_ram: Msg = Msg(
        "an unaware runtime sizes its heap from the node's RAM, not the container's limit, so the kernel kills it at "
        "the limit",
        "不支持 cgroup v2 的运行时按节点内存而不是容器的 limit 来确定 heap 大小，因此内核会在它达到 limit 时杀掉它",
    )
    heap_from_node_ram_if: Msg = Msg(
        "if unaware, the runtime sizes its heap from the node's RAM, not the container's limit, so the kernel kills it "
        "at the limit",
        "如果运行时不支持 cgroup v2，它会按节点内存而不是容器的 limit 来确定 heap 大小，因此内核会在它达到 limit 时"
        "杀掉它",
    )
    advice: Msg = Msg("advice: {advice}", "建议：{advice}")
    heap_no_limit: Msg = Msg(
        "The container has no memory limit, so the runtime sizes its heap from the node; set a limit and size the "
        "heap to about 75 % of it.",
        "容器没有内存 limit，运行时会按节点内存确定 heap 大小；请设置 limit，并把 heap 设为它的 75 % 左右。",
    )
    heap_jvm_aware: Msg = Msg(
        "-XX:MaxRAMPercentage=75.0 → ~{heap:,} MiB heap of the {limit} limit (or -Xmx{heap}m)",
        "-XX:MaxRAMPercentage=75.0 → heap 约 {heap:,} MiB，limit 为 {limit}（或 -Xmx{heap}m）",
    )
    heap_jvm_unaware: Msg = Msg(
        "-Xmx{heap}m (~75 % of the {limit} limit; an old JVM applies -XX:MaxRAMPercentage to the node's RAM, not the "
        "limit), or upgrade to a cgroup v2 aware JDK and use -XX:MaxRAMPercentage=75.0",
        "-Xmx{heap}m（约为 {limit} limit 的 75 %；旧版 JVM 会把 -XX:MaxRAMPercentage 套用到节点内存而不是 limit），"
        "或升级到支持 cgroup v2 的 JDK 并使用 -XX:MaxRAMPercentage=75.0",
    )
    heap_node: Msg = Msg(
        "NODE_OPTIONS=--max-old-space-size={heap} (~75 % of the {limit} limit)",
        "NODE_OPTIONS=--max-old-space-size={heap}（约为 {limit} limit 的 75 %）",
    )
    heap_dotnet: Msg = Msg(
        "COMPlus_GCHeapHardLimit={hard_limit} (~{heap:,} MiB, 75 % of the {limit} limit; .NET Core 3.x reads the "
        "COMPlus_ name only) or move to .NET 5+",
        "COMPlus_GCHeapHardLimit={hard_limit}（约 {heap:,} MiB，为 {limit} limit 的 75 %；.NET Core 3.x 只认 COMPlus_ "
        "前缀），或升级到 .NET 5+",
    )
    heap_dotnet_aware: Msg = Msg(
        "{prefix}GCHeapHardLimitPercent={percent_hex} ({percent} % of the {limit} limit, ~{heap:,} MiB; env values are "
        "hexadecimal) to leave more room outside the GC heap, which takes up to 75 % (~{default:,} MiB) when nothing "
        "is set; or raise the limit",
        "{prefix}GCHeapHardLimitPercent={percent_hex}（{limit} limit 的 {percent} %，约 {heap:,} MiB；环境变量的值是"
        "十六进制），给 GC heap 之外的内存多留些空间（不设置时 GC heap 最多占 75 %，约 {default:,} MiB）；"
        "或调高 limit",
    )
    scheduling_remedy: Msg = Msg("{reason} → {remedy}", "{reason}：{remedy}")
    remedy_taint: Msg = Msg(
        "wait for or fix those nodes; add a toleration only if the pod really belongs there",
        "等待或修复这些节点；只有当 Pod 确实应该运行在那里时才添加 toleration",
    )
    remedy_insufficient: Msg = Msg(
        "add nodes (or let the autoscaler), free {words}, or lower the pod's {resource} request",
        "增加节点（或交给 autoscaler）、释放资源（{words}），或调低 Pod 的 {resource} request",
    )
    free_memory: Msg = Msg("memory", "内存")
    free_pods: Msg = Msg("pod slots", "Pod 位置")
    free_ephemeral_storage: Msg = Msg("ephemeral storage", "临时存储")
    free_gpus: Msg = Msg("GPUs", "GPU")
    remedy_node_affinity: Msg = Msg(
        "check the pod's nodeSelector and affinity against the node labels",
        "对照节点标签检查 Pod 的 nodeSelector 和 affinity",
    )
    remedy_anti_affinity: Msg = Msg(
        "add nodes or relax the anti-affinity (preferred instead of required)",
        "增加节点，或放宽 anti-affinity（用 preferred 代替 required）",
    )
    remedy_pod_affinity: Msg = Msg("check the pod affinity's selector", "检查 pod affinity 的 selector")
    remedy_topology_spread: Msg = Msg(
        "add nodes in the missing zone or use whenUnsatisfiable: ScheduleAnyway",
        "在缺少节点的可用区增加节点，或使用 whenUnsatisfiable: ScheduleAnyway",
    )
    remedy_volume_zone: Msg = Msg(
        "add nodes in the disk's zone, or use a zone-redundant (ZRS) storage class",
        "在磁盘所在的可用区增加节点，或使用区域冗余（ZRS）的 storage class",
    )
    remedy_max_volumes: Msg = Msg(
        "use a VM size with more data disks or spread the pods", "换用支持更多数据磁盘的 VM 规格，或把 Pod 分散开"
    )
    remedy_host_port: Msg = Msg("drop the hostPort or add nodes", "去掉 hostPort，或增加节点")
    remedy_cordoned: Msg = Msg("uncordon them once they are healthy", "节点恢复健康后对它们取消隔离")
    remedy_max_pods: Msg = Msg(
        "add nodes or a pool with a higher maxPods", "增加节点，或增加一个 maxPods 更高的节点池"
    )
    remedy_pvc_unbound: Msg = Msg(
        "check the PVC's events (provisioning, storage class)", "检查 PVC 的事件（provisioning、storage class）"
    )
    remedy_pvc_missing: Msg = Msg(
        "create the PVC or fix its name in the pod spec", "创建该 PVC，或修正 Pod spec 中的 PVC 名称"
    )
    remedy_no_volume: Msg = Msg(
        "check the storage class and the volume's zone", "检查 storage class 和卷所在的可用区"
    )
    remedy_see_scheduler: Msg = Msg("see the scheduler message", "见调度器的消息")
    too_big_short: Msg = Msg(
        "no node is big enough for its {request} {resource} request ({largest} allocatable at most)",
        "它请求 {request} {resource}，没有节点装得下（可分配量最多 {largest}）",
    )
    never_fits: Msg = Msg(
        "no node can ever run it: it requests {request} {resource}, more than the largest allocatable {resource} of "
        "{scope}, {largest} ({where})",
        "没有任何节点能运行它：它请求 {request} {resource}，而{scope}中可分配量最大的也只有 {largest}（{where}）",
    )
    nodes_all: Msg = Msg("the {count} nodes", "全部 {count} 个节点")
    nodes_selected: Msg = Msg(
        "the {count} nodes its nodeSelector/affinity allows", "其 nodeSelector/affinity 允许的 {count} 个节点"
    )
    node_in_pool: Msg = Msg("{node}, pool {pool}", "{node}，节点池 {pool}")
    remedy_too_big: Msg = Msg(
        "lower the pod's {resource} request or add a node pool with a bigger VM size: no node is big enough, and "
        "neither more nodes nor the autoscaler can help (it adds nodes of the sizes the pools already have)",
        "调低 Pod 的 {resource} request，或增加一个 VM 规格更大的节点池：没有哪个节点够大，增加节点或交给 autoscaler "
        "都无济于事（它只会增加节点池现有规格的节点）",
    )
    pdb_pods_on: Msg = Msg("its pods run on {where}", "它的 Pod 运行在 {where}")
    pdb_pods_on_node: Msg = Msg("{node} ({count} pod)", "{node}（{count} 个 Pod）")
    pdb_pods_on_node_many: Msg = Msg("{node} ({count} pods)", "{node}（{count} 个 Pod）")
    pdb_degraded: Msg = Msg(
        "only {healthy} of the {desired} pods it requires are healthy: the workload itself is degraded",
        "它要求的 {desired} 个 Pod 中只有 {healthy} 个健康：工作负载本身已降级",
    )
    sp_client_secret: Msg = Msg(
        "servicePrincipalProfile.clientId={client_id} (not `msi`): a client secret, one year by default",
        "servicePrincipalProfile.clientId={client_id}（不是 `msi`）：使用客户端密钥，默认有效期一年",
    )
    sp_check_end_date: Msg = Msg(
        'check its end date: az ad app credential list --id {client_id} --query "[].endDateTime"',
        '查看它的到期时间：az ad app credential list --id {client_id} --query "[].endDateTime"',
    )


@dataclass(frozen=True)
class ActionWords:
    """The disruptive actions behind approval — `cordon`, `uncordon`, `drain`, `delete pod`, `restart deployment`,
    `scale deployment`, `aks scale-pool`, `aks reconcile`, `aks upgrade-node-image`: their previews (the approval
    card's title, what they will touch, their warnings, why one cannot run), the progress lines they post and their
    results. What the cluster and Azure say (Ready, SchedulingDisabled, provisioning states, errors, names) and the
    `/k8s` and `az` commands are quoted as they are; the facts a request is checked against again keep their English
    names in both languages (they are stored with the request and compared by name)."""

    needs_cluster: Msg = Msg("This command needs a cluster.", "该命令需要指定集群。")
    none: Msg = Msg("none", "无")
    unknown: Msg = Msg("unknown", "未知")
    two_sentences: Msg = Msg("{first} {second}", "{first}{second}")
    # -- the fields of a node and of a deployment
    node: Msg = Msg("Node", "节点")
    pool: Msg = Msg("Pool", "节点池")
    status: Msg = Msg("Status", "状态")
    scheduling: Msg = Msg("Scheduling", "调度")
    scheduling_enabled: Msg = Msg("enabled", "允许")
    namespace: Msg = Msg("Namespace", "命名空间")
    owner: Msg = Msg("Owner", "所属")
    replicas: Msg = Msg("Replicas", "副本数")
    ready: Msg = Msg("Ready", "就绪")
    strategy: Msg = Msg("Strategy", "更新策略")
    # -- cordon, uncordon
    cordon_action: Msg = Msg("Cordon node {node} on {cluster}", "隔离节点 {node}（集群 {cluster}）")
    uncordon_action: Msg = Msg("Uncordon node {node} on {cluster}", "取消隔离节点 {node}（集群 {cluster}）")
    already_cordoned: Msg = Msg(
        "Node `{node}` is already cordoned; nothing to do.", "节点 `{node}` 已经处于隔离状态，无需操作。"
    )
    already_schedulable: Msg = Msg(
        "Node `{node}` is already schedulable; nothing to do.", "节点 `{node}` 已经可以调度，无需操作。"
    )
    cordon_effect: Msg = Msg(
        "New pods will not be scheduled on it; its {count} pod(s) keep running.",
        "新的 Pod 不会再调度到该节点；节点上的 {count} 个 Pod 继续运行。",
    )
    uncordon_effect: Msg = Msg("New pods may be scheduled on it again.", "新的 Pod 可以再次调度到该节点。")
    cordoned: Msg = Msg(
        "Node {node} is cordoned (SchedulingDisabled): no new pods will be scheduled on it.",
        "节点 {node} 已隔离（SchedulingDisabled）：不会再有新的 Pod 调度到该节点。",
    )
    cordoned_hint: Msg = Msg(
        "Undo with `/k8s uncordon {node}`; move its pods away with `/k8s drain {node}`.",
        "撤销：`/k8s uncordon {node}`；把节点上的 Pod 迁走：`/k8s drain {node}`。",
    )
    uncordoned: Msg = Msg("Node {node} is schedulable again.", "节点 {node} 已恢复调度。")
    uncordoned_hint: Msg = Msg(
        "Pods already moved elsewhere stay where they are; new ones may land here.",
        "已经迁到别处的 Pod 不会迁回；新的 Pod 可以调度到这里。",
    )
    # -- drain: the preview
    drain_action: Msg = Msg(
        "Drain node {node} on {cluster}: cordon it and evict {count} pod(s)",
        "排空节点 {node}（集群 {cluster}）：隔离该节点并驱逐 {count} 个 Pod",
    )
    col_pod: Msg = Msg("pod", "Pod")
    col_owner: Msg = Msg("owner", "所属")
    pods_to_evict: Msg = Msg("Pods to evict", "要驱逐的 Pod")
    budget: Msg = Msg(
        "{namespace}/{name} ({allowed} disruption(s) allowed now)", "{namespace}/{name}（当前允许中断 {allowed} 个）"
    )
    skipped: Msg = Msg(
        "Skipped, as kubectl drain does: {daemonset} DaemonSet pod(s), {mirror} static (mirror) pod(s).",
        "与 kubectl drain 一样跳过：{daemonset} 个 DaemonSet Pod，{mirror} 个静态（mirror）Pod。",
    )
    budget_blocks: Msg = Msg(
        "PodDisruptionBudget {budget} allows no disruption now and guards {pods}: the drain retries for up to "
        "{timeout} s, then stops and leaves the node cordoned with those pods on it.",
        "PodDisruptionBudget {budget} 当前不允许任何中断，它保护着 {pods}：排空最多重试 {timeout} 秒，然后停止，"
        "节点保持隔离，这些 Pod 仍留在节点上。",
    )
    unmanaged: Msg = Msg(
        "Not evicted (no controller would recreate them; add --force to evict): {pods}.",
        "不会驱逐（没有控制器会重建它们；加 --force 才会驱逐）：{pods}。",
    )
    drain_node_unknown: Msg = Msg(
        "Node {node} is Unknown: its kubelet has stopped reporting, so nothing can confirm that an evicted pod "
        "stopped. The pods evicted will stay Terminating until the node comes back or is deleted (their controllers "
        "start replacements elsewhere meanwhile). Drain only if the kubelet is reachable; to release them, delete the "
        "machine through its node pool: `{command}` (not `kubectl delete node`).",
        "节点 {node} 的状态为 Unknown：它的 kubelet 已停止上报，没有谁能确认被驱逐的 Pod 已经停止。被驱逐的 Pod 会一直"
        "处于 Terminating，直到节点恢复或被删除（其控制器会先在别处启动替代 Pod）。只有 kubelet 还能响应时才应排空；"
        "要释放这些 Pod，请通过节点池删除这台机器：`{command}`（不要用 `kubectl delete node`）。",
    )
    drain_node_notready: Msg = Msg(
        "Node {node} is NotReady: its kubelet may be unable to stop the pods it is asked to evict, and those it "
        "cannot stop stay Terminating until the node recovers or is deleted. Drain only if the kubelet is reachable; "
        "to release them, delete the machine through its node pool: `{command}` (not `kubectl delete node`).",
        "节点 {node} 的状态为 NotReady：它的 kubelet 可能无法停止要驱逐的 Pod，停不掉的 Pod 会一直处于 Terminating，"
        "直到节点恢复或被删除。只有 kubelet 还能响应时才应排空；要释放这些 Pod，请通过节点池删除这台机器："
        "`{command}`（不要用 `kubectl delete node`）。",
    )
    # -- drain: its progress
    progress_cordoned: Msg = Msg("Cordoned {node}.", "已隔离 {node}。")
    progress_evicting: Msg = Msg(
        "Evicting {count} pod(s) from {node} (skipping {skipped} DaemonSet/static pod(s)); timeout {timeout} s.",
        "正在从 {node} 驱逐 {count} 个 Pod（跳过 {skipped} 个 DaemonSet/静态 Pod）；超时 {timeout} 秒。",
    )
    progress_retrying: Msg = Msg("{refusal} Retrying every {seconds:g} s.", "{refusal} 每 {seconds:g} 秒重试一次。")
    progress_evicted: Msg = Msg("Evicted {pod}.", "已驱逐 {pod}。")
    progress_not_waiting: Msg = Msg(
        "Not waiting for the {count} evicted pod(s) to leave: {node} is Unknown, and its kubelet cannot confirm that "
        "they stopped.",
        "不等待被驱逐的 {count} 个 Pod 离开：{node} 的状态为 Unknown，它的 kubelet 无法确认它们已经停止。",
    )
    # -- drain: how it ended
    drained: Msg = Msg("Node {node} drained: {count} pod(s) evicted", "节点 {node} 已排空：驱逐了 {count} 个 Pod")
    drained_stuck: Msg = Msg(
        "Node {node} drained: {count} pod(s) evicted, {stuck} still Terminating",
        "节点 {node} 已排空：驱逐了 {count} 个 Pod，其中 {stuck} 个仍处于 Terminating",
    )
    stays_cordoned: Msg = Msg("{summary}; it stays cordoned.", "{summary}；节点保持隔离。")
    drain_stopped: Msg = Msg(
        "Drain of {node} stopped: {evicted} of {tried} pod(s) evicted, {left} still on the node",
        "节点 {node} 的排空已停止：{tried} 个 Pod 中驱逐了 {evicted} 个，还有 {left} 个留在节点上",
    )
    drain_stopped_notice: Msg = Msg(
        "{summary}. The node stays cordoned (no new pods), and the pods below keep running on it.",
        "{summary}。节点保持隔离（不会调度新的 Pod），下面这些 Pod 继续在节点上运行。",
    )
    col_kept_by: Msg = Msg("kept by", "阻止原因")
    still_on_node: Msg = Msg("Still on the node after {timeout} s of retries", "重试 {timeout} 秒后仍在节点上")
    refused: Msg = Msg("refused", "被拒绝")
    not_evicted: Msg = Msg("Not evicted (no controller): {pods}", "未驱逐（没有控制器）：{pods}")
    evicted: Msg = Msg("Evicted", "已驱逐")
    still_terminating: Msg = Msg("Still terminating: {pods}", "仍在终止中：{pods}")
    stuck_terminating: Msg = Msg(
        "Still Terminating: {pods}. Node {node} is {status}, so its kubelet cannot confirm that they stopped: they "
        "stay until the node comes back or is deleted through its node pool (`{command}`). Their controllers start "
        "replacements elsewhere meanwhile.",
        "仍处于 Terminating：{pods}。节点 {node} 的状态为 {status}，它的 kubelet 无法确认这些 Pod 已经停止：它们会一直"
        "留着，直到节点恢复，或通过节点池删除该节点（`{command}`）。其控制器会先在别处启动替代 Pod。",
    )
    drained_hint: Msg = Msg(
        "{count} DaemonSet/static pod(s) were left in place. Uncordon with `/k8s uncordon {node}`.",
        "{count} 个 DaemonSet/静态 Pod 留在原处。取消隔离：`/k8s uncordon {node}`。",
    )
    drain_stopped_hint: Msg = Msg(
        "{count} DaemonSet/static pod(s) were left in place. Uncordon with `/k8s uncordon {node}`; once the budget "
        "allows it, run `/k8s drain {node}` again.",
        "{count} 个 DaemonSet/静态 Pod 留在原处。取消隔离：`/k8s uncordon {node}`；等 PodDisruptionBudget 允许中断后，"
        "再运行一次 `/k8s drain {node}`。",
    )
    # -- drain: a failure half-way, after the error's own words
    failed_after: Msg = Msg("{error}. {done}", "{error}。{done}")
    was_cordoned: Msg = Msg("the node stays cordoned (it already was)", "节点保持隔离（之前就已隔离）")
    left_cordoned: Msg = Msg(
        "the node is left cordoned (undo with `/k8s uncordon {node}`)", "节点保持隔离（撤销：`/k8s uncordon {node}`）"
    )
    stopped_before: Msg = Msg(
        "Drain of {node} stopped before evicting anything: {cordon}.",
        "节点 {node} 的排空在驱逐任何 Pod 之前就停止了：{cordon}。",
    )
    stopped_half_way: Msg = Msg(
        "Drain of {node} stopped half-way: {cordon}; {evicted} of {planned} pod(s) evicted",
        "节点 {node} 的排空中途停止：{cordon}；{planned} 个 Pod 中驱逐了 {evicted} 个",
    )
    evicted_pods: Msg = Msg(" ({pods})", "（{pods}）")
    left_on_node: Msg = Msg(", still on the node: {pods}.", "，仍在节点上：{pods}。")
    full_stop: Msg = Msg(".", "。")
    not_put_back: Msg = Msg(
        " Evicted pods are not put back (their controllers, if any, recreate them on other nodes).",
        "已驱逐的 Pod 不会放回（如果有控制器，会在其他节点上重建它们）。",
    )
    # -- delete pod
    delete_pod_action: Msg = Msg("Delete pod {pod} on {cluster}", "删除 Pod {pod}（集群 {cluster}）")
    pod_already_gone: Msg = Msg(
        "Pod `{pod}` no longer exists; nothing to do.", "Pod `{pod}` 已不存在，无需操作。"
    )
    no_controller: Msg = Msg(
        "This pod has no controller: once deleted, nothing recreates it.", "这个 Pod 没有控制器：删除后不会被重建。"
    )
    pod_deleted: Msg = Msg("Pod {pod} deleted.", "Pod {pod} 已删除。")
    pod_marked: Msg = Msg(
        "Pod {pod} is marked for deletion but stays Terminating: its node {node} is Unknown, and nothing there can"
        " confirm it stopped, until the node comes back or is deleted through its pool.",
        "Pod {pod} 已标记删除，但会一直处于 Terminating：它的节点 {node} 状态为 Unknown，在节点恢复或通过节点池"
        "删除之前，没有谁能确认它已停止。",
    )
    delete_on_lost_node: Msg = Msg(
        "Node {node} is Unknown: its kubelet has stopped reporting, so {pod} will only be marked for deletion and stay"
        " Terminating until the node comes back or is deleted (its controller starts a replacement elsewhere"
        " meanwhile). To release it, delete the machine through its node pool: `{command}`.",
        "节点 {node} 的状态为 Unknown：它的 kubelet 已停止上报，{pod} 只会被标记删除，并一直处于 Terminating，直到节点"
        "恢复或被删除（其控制器会先在别处启动替代 Pod）。要释放它，请通过节点池删除这台机器：`{command}`。",
    )
    replacement: Msg = Msg("Its {owner} will create a replacement.", "它的 {owner} 会创建一个新的 Pod 来替代。")
    not_recreated: Msg = Msg("Nothing will recreate it.", "不会有任何控制器重建它。")
    # -- restart deployment, scale deployment
    restart_action: Msg = Msg(
        "Restart deployment {deployment} on {cluster} (rollout restart of {count} pod(s))",
        "滚动重启 Deployment {deployment}（集群 {cluster}；rollout restart，共 {count} 个 Pod）",
    )
    one_replica: Msg = Msg(
        "It has 1 replica: it is unavailable while the new pod starts.", "它只有 1 个副本：新 Pod 启动期间服务不可用。"
    )
    restarting: Msg = Msg(
        "Deployment {deployment} restarting: its pods are replaced by a rolling update.",
        "Deployment {deployment} 正在滚动重启：它的 Pod 会通过滚动更新逐个替换。",
    )
    scale_action: Msg = Msg(
        "Scale deployment {deployment} on {cluster} from {before} to {after} replicas",
        "扩缩容 Deployment {deployment}（集群 {cluster}）：副本数 {before} → {after}",
    )
    already_replicas: Msg = Msg(
        "Deployment `{name}` already has {count} replicas; nothing to do.",
        "Deployment `{name}` 已经是 {count} 个副本，无需操作。",
    )
    scale_to_zero: Msg = Msg(
        "Scaling to 0 stops every pod of it: the service has no backend until scaled up again.",
        "缩容到 0 会停止它的所有 Pod：重新扩容之前，服务没有任何后端。",
    )
    pods_terminated: Msg = Msg("{count} pod(s) will be terminated.", "将终止 {count} 个 Pod。")
    scale_budget_blocks: Msg = Msg(
        "PodDisruptionBudget {namespace}/{name} ({rule}) will allow no disruption with {replicas} replica(s): a"
        " drain, or an AKS node-pool upgrade, will wait on any node running them until it is scaled up again or the"
        " budget is changed.",
        "PodDisruptionBudget {namespace}/{name}（{rule}）在 {replicas} 个副本时将不允许任何中断：排空节点或 AKS"
        " 节点池升级会卡在运行这些 Pod 的节点上，直到重新扩容或修改该预算。",
    )
    bounds_snat: Msg = Msg(
        "Mind the SNAT budget: with a maximum of {max}, the cluster's peak (every autoscaler at its maximum, plus"
        " upgrade surge) would be {peak} nodes: {detail}",
        "注意 SNAT 预算：最大值设为 {max} 后，集群峰值（所有自动缩放器到达上限再加升级 surge）将是 {peak} 个节点："
        "{detail}",
    )
    remedies_at_peak: Msg = Msg(
        "Sized for the cluster's peak, {peak} nodes (every autoscaler at its maximum, plus upgrade surge):",
        "按集群峰值 {peak} 个节点（所有自动缩放器到达上限再加升级 surge）计算：",
    )
    scale_no_node_big_enough: Msg = Msg(
        "None of the {nodes} node(s) its pods may run on is big enough for one of them by their requests, even"
        " empty: all {more} new pod(s) stay Pending, and neither more nodes of these sizes nor the cluster autoscaler"
        " can help. It needs a pool of bigger nodes, or smaller requests.",
        "它的 Pod 能调度到的 {nodes} 个节点按 request 计算即使空着也放不下一个：{more} 个新 Pod 会全部 Pending，"
        "增加同样大小的节点或集群自动缩放器都无济于事。需要一个更大节点的节点池，或者减小 request。",
    )
    scale_no_room: Msg = Msg(
        "The {nodes} node(s) its pods may run on have room for {fits} more of them by their requests ({limit} runs "
        "out first): the other {pending} of the {more} new pod(s) stay Pending until the cluster autoscaler adds "
        "nodes, if their pool has it and is below its maximum.",
        "它的 Pod 能调度到的 {nodes} 个节点按 request 计算只够再放 {fits} 个（{limit} 最先用完）：{more} 个新 Pod "
        "中其余 {pending} 个会一直 Pending，直到集群自动缩放器添加节点（前提是其节点池开启了自动缩放且未到上限）。",
    )
    scaled: Msg = Msg(
        "Deployment {deployment} scaled from {before} to {after} replicas.",
        "Deployment {deployment} 已完成扩缩容：副本数 {before} → {after}。",
    )
    # -- aks: a node pool's fields
    no_pool: Msg = Msg(
        "Cluster `{cluster}` has no node pool `{pool}` (pools: {pools}).",
        "集群 `{cluster}` 没有节点池 `{pool}`（现有节点池：{pools}）。",
    )
    mode: Msg = Msg("Mode", "模式")
    vm_size: Msg = Msg("VM size", "VM 规格")
    nodes: Msg = Msg("Nodes", "节点数")
    autoscaler: Msg = Msg("Autoscaler", "自动缩放")
    autoscaler_on: Msg = Msg("on ({min}–{max})", "开启（{min}–{max}）")
    autoscaler_off: Msg = Msg("off", "关闭")
    node_image: Msg = Msg("Node image", "节点镜像")
    state: Msg = Msg("State", "状态")
    pool_busy: Msg = Msg(
        "Pool `{pool}` is {state}; wait for that operation to finish.",
        "节点池 `{pool}` 处于 {state} 状态；请等该操作完成。",
    )
    other_pool_busy: Msg = Msg(
        "Pool `{pool}` of `{cluster}` is {state}: while that operation runs, AKS may refuse this one"
        " (OperationNotAllowed, \"another operation is in progress\"); `/k8s aks pools` shows when it is done.",
        "集群 `{cluster}` 的节点池 `{pool}` 处于 {state} 状态：该操作进行期间，AKS 可能拒绝这次操作"
        "（OperationNotAllowed，“另一个操作正在进行”）；用 `/k8s aks pools` 查看它何时完成。",
    )
    pool_state: Msg = Msg("{summary} (state {state}).", "{summary}（状态 {state}）。")
    # -- aks scale-pool
    scale_pool_action: Msg = Msg(
        "Scale pool {pool} of {cluster} from {before} to {after} nodes",
        "扩缩容集群 {cluster} 的节点池 {pool}：节点数 {before} → {after}",
    )
    autoscaled: Msg = Msg(
        "The cluster autoscaler manages pool `{pool}` ({min}–{max} nodes); change its minimum and maximum instead of "
        "its count: `{command}` (or `--disable-cluster-autoscaler` to set the count by hand).",
        "节点池 `{pool}` 由 cluster autoscaler 管理（{min}–{max} 个节点）；请修改它的最小和最大节点数，而不是节点数："
        "`{command}`（或者用 `--disable-cluster-autoscaler` 关闭自动缩放，再手动设置节点数）。",
    )
    already_nodes: Msg = Msg(
        "Pool `{pool}` already has {count} nodes; nothing to do.", "节点池 `{pool}` 已经有 {count} 个节点，无需操作。"
    )
    goal_not_met: Msg = Msg(
        "Pool `{pool}` is already set to {count} nodes, but {have} are in the cluster (state {state}): the last "
        "operation did not reach its goal. Remove its cause (`/k8s aks show` names the error), then `/k8s aks "
        "reconcile` re-applies it.",
        "节点池 `{pool}` 已设为 {count} 个节点，但集群中只有 {have} 个（状态 {state}）：上一次操作没有达到目标。"
        "先消除原因（`/k8s aks show` 会列出错误），再用 `/k8s aks reconcile` 重新应用。",
    )
    pool_failed_warning: Msg = Msg(
        "Pool `{pool}` is Failed: this operation re-applies its model and may fail the same way. Remove the cause "
        "first (`/k8s aks show` names the error), or reconcile with `/k8s aks reconcile`.",
        "节点池 `{pool}` 处于 Failed 状态：这次操作会重新应用其模型，可能以同样的原因失败。请先消除原因"
        "（`/k8s aks show` 会列出错误），或用 `/k8s aks reconcile` 修复。",
    )
    reimage_budget_blocks: Msg = Msg(
        "PodDisruptionBudget {budget} allows no disruption now and guards {pods} on pool {pool}: the reimage's drain "
        "stops there and the operation fails after the drain timeout (30 min by default). Scale the workload up or "
        "relax the budget first.",
        "PodDisruptionBudget {budget} 当前不允许任何中断，它保护着节点池 {pool} 上的 {pods}："
        "重装镜像时的排空会卡在这里，超过排空超时（默认 30 分钟）后操作失败。请先扩容该工作负载或放宽这个 PDB。",
    )
    reimage_nodes_not_ready: Msg = Msg(
        "Pool {pool} has node(s) that are not Ready ({nodes}): their pods cannot be drained gracefully and the "
        "reimage may stall on them. Find out why first: `/k8s diagnose node {first}`.",
        "节点池 {pool} 中有未就绪的节点（{nodes}）：其上的 Pod 无法正常排空，重装镜像可能卡在这些节点上。"
        "请先查明原因：`/k8s diagnose node {first}`。",
    )
    system_pool_empty: Msg = Msg(
        "Pool `{pool}` is a System pool; AKS does not scale it to 0 nodes.",
        "节点池 `{pool}` 是 System 节点池，AKS 不会把它缩到 0 个节点。",
    )
    snat_at: Msg = Msg("SNAT at {nodes} nodes ({mode}): {detail}", "{nodes} 个节点时的 SNAT（{mode}）：{detail}")
    snat_peak_warning: Msg = Msg(
        "SNAT: this fits now, but not at the cluster's peak of {peak} nodes (every autoscaler at its maximum, plus "
        "upgrade surge): {detail}",
        "SNAT：现在够用，但在集群峰值 {peak} 个节点时不够（所有 autoscaler 达到上限，再加上升级 surge）：{detail}",
    )
    snat_warning: Msg = Msg(
        "SNAT: {detail}. Azure may refuse the scale, or nodes may run out of ports.",
        "SNAT：{detail}。Azure 可能拒绝这次扩缩容，或者节点的 SNAT 端口可能耗尽。",
    )
    nodes_removed: Msg = Msg(
        "{count} node(s) will be removed; AKS cordons and drains them, honouring PodDisruptionBudgets.",
        "将移除 {count} 个节点；AKS 会先隔离并排空它们，遵守 PodDisruptionBudget。",
    )
    progress_scaling: Msg = Msg(
        "Scaling pool {pool} from {before} to {after} nodes…", "正在扩缩容节点池 {pool}：节点数 {before} → {after}…"
    )
    pool_scaled: Msg = Msg(
        "Pool {pool} on {cluster} scaled from {before} to {after} nodes",
        "集群 {cluster} 的节点池 {pool} 已完成扩缩容：节点数 {before} → {after}",
    )
    # -- aks reconcile
    reconcile_action: Msg = Msg(
        "Reconcile cluster {cluster} (a PUT of its current model, as `az aks update` with no arguments)",
        "reconcile 集群 {cluster}（把它当前的模型原样 PUT 回去，相当于不带参数的 `az aks update`）",
    )
    cluster_busy: Msg = Msg(
        "Cluster `{cluster}` is {state}; wait for that operation to finish.",
        "集群 `{cluster}` 处于 {state} 状态；请等该操作完成。",
    )
    provisioning_state: Msg = Msg("Provisioning state", "预配状态")
    pools: Msg = Msg("Pools", "节点池")
    last_error: Msg = Msg("Last error: {code}: {message}", "上次的错误：{code}：{message}")
    not_failed: Msg = Msg(
        "The cluster is {state}, not Failed: a reconcile is usually needed only after a failure.",
        "集群处于 {state} 状态，而不是 Failed：通常只有失败之后才需要 reconcile。",
    )
    progress_reconciling: Msg = Msg(
        "Reconciling cluster {cluster} (state {state})…", "正在 reconcile 集群 {cluster}（状态 {state}）…"
    )
    reconciled: Msg = Msg(
        "Cluster {cluster} reconciled: provisioning state {before} → {after}",
        "集群 {cluster} 已完成 reconcile：预配状态 {before} → {after}",
    )
    reconcile_changes_nothing: Msg = Msg(
        "A reconcile re-applies the cluster's model; it does not change versions or sizes.",
        "reconcile 只是把集群的模型重新应用一遍，不会改变版本或规模。",
    )
    # -- aks upgrade-node-image
    upgrade_image_action: Msg = Msg(
        "Upgrade the node image of pool {pool} on {cluster} from {current} to {latest}",
        "升级集群 {cluster} 节点池 {pool} 的节点镜像：{current} → {latest}",
    )
    latest_image: Msg = Msg(
        "Pool `{pool}` already runs the latest node image ({image}).",
        "节点池 `{pool}` 已经在用最新的节点镜像（{image}）。",
    )
    reimaged: Msg = Msg(
        "Nodes are reimaged {surge} at a time (max surge {max_surge}): each is cordoned and drained first, honouring "
        "PodDisruptionBudgets.",
        "节点每次重装 {surge} 个（max surge {max_surge}）：每个节点都先隔离、排空，遵守 PodDisruptionBudget。",
    )
    surge_default: Msg = Msg("default", "默认")
    no_latest_image: Msg = Msg(
        "Azure did not report the latest node image; the upgrade takes whatever is newest.",
        "Azure 没有报告最新的节点镜像；升级会采用届时最新的镜像。",
    )
    progress_upgrading: Msg = Msg(
        "Upgrading the node image of pool {pool} ({image})…", "正在升级节点池 {pool} 的节点镜像（当前 {image}）…"
    )
    image_upgraded: Msg = Msg(
        "Pool {pool} on {cluster}: node image {before} → {after}",
        "集群 {cluster} 的节点池 {pool}：节点镜像 {before} → {after}",
    )


@dataclass(frozen=True)
class ReadWords:
    """The everyday read views — `nodes`, `node`, `pods`, `pod`, `logs`, `events`, `deployments`, `pdbs`, `top nodes`,
    `top pods` — and the list of approval requests waiting: their headings, summaries, notices, labels and column
    titles. What the cluster says (statuses, reasons, conditions, names, ages, quantities) is quoted as it says it;
    English counts things in the singular or the plural (`one_pod`, `many_pods`), Chinese needs one form."""

    # -- where a list looked and the filters it was asked with: "in shop -l app=web" / "命名空间 shop 中（-l app=web）"
    in_namespace: Msg = Msg("in {namespace}", "命名空间 {namespace} 中")
    in_all_namespaces: Msg = Msg("in all namespaces", "所有命名空间中")
    namespace_title: Msg = Msg("in {namespace}", "命名空间 {namespace}")
    all_namespaces_title: Msg = Msg("in all namespaces", "所有命名空间")
    filtered: Msg = Msg("{where} {filters}", "{where}（{filters}）")
    next_filter: Msg = Msg("{filters} {filter}", "{filters}，{filter}")
    by_selector: Msg = Msg("-l {value}", "-l {value}")
    on_node: Msg = Msg("on {value}", "节点 {value}")
    with_problems: Msg = Msg("with problems", "只看有问题的")
    of_type: Msg = Msg("of type {value}", "类型 {value}")
    with_reason: Msg = Msg("with reason {value}", "原因 {value}")
    about_object: Msg = Msg("for {value}", "对象 {value}")
    in_pool: Msg = Msg("pool {value}", "节点池 {value}")
    cluster_filtered: Msg = Msg("{cluster} ({filters})", "{cluster}（{filters}）")
    list_sep: Msg = Msg(", ", "，")
    # -- a `--page` past the last page of a list: the last page is shown under this
    one_page: Msg = Msg("{count} page", "{count} 页")
    many_pages: Msg = Msg("{count} pages", "{count} 页")
    one_row: Msg = Msg("{count} row", "{count} 行")
    many_rows: Msg = Msg("{count} rows", "{count} 行")
    past_last_page: Msg = Msg(
        "There is no page {asked}: the list has only {pages} ({rows}). This is the last one.",
        "没有第 {asked} 页：列表只有 {pages}（共 {rows}）。下面是最后一页。",
    )
    # -- column titles and labels several views share
    col_node: Msg = Msg("Node", "节点")
    col_pod: Msg = Msg("Pod", "Pod")
    col_status: Msg = Msg("Status", "状态")
    col_pool: Msg = Msg("Pool", "节点池")
    col_version: Msg = Msg("Version", "版本")
    col_age: Msg = Msg("Age", "存在时长")
    col_restarts: Msg = Msg("Restarts", "重启次数")
    col_ready: Msg = Msg("Ready", "就绪")
    col_last_seen: Msg = Msg("Last seen", "最近发生")
    col_type: Msg = Msg("Type", "类型")
    col_reason: Msg = Msg("Reason", "原因")
    col_object: Msg = Msg("Object", "对象")
    col_count: Msg = Msg("Count", "次数")
    col_message: Msg = Msg("Message", "消息")
    ago: Msg = Msg("{age} ago", "{age} 前")
    # -- nodes
    one_node: Msg = Msg("{count} node", "{count} 个节点")
    many_nodes: Msg = Msg("{count} nodes", "{count} 个节点")
    nodes_heading: Msg = Msg("Nodes — {cluster}", "节点 — {cluster}")
    nodes_summary: Msg = Msg("{counted} in {where}: {parts}", "{where}：{counted}，{parts}")
    cordoned: Msg = Msg("{count} cordoned", "{count} 个已隔离")
    with_pressure: Msg = Msg(
        "{count} with pressure or problem conditions", "{count} 个有压力或问题状况"
    )
    no_nodes: Msg = Msg("No nodes in {where}.", "{where}：没有节点。")
    no_node_matched: Msg = Msg("No nodes matched.", "没有匹配的节点。")
    col_conditions: Msg = Msg("Conditions", "问题状况")
    # A long table's footer, in the language of its column names (the renderers know no other).
    table_rows: Msg = Msg("rows {first}–{last} of {total}", "第 {first}–{last} 行，共 {total} 行")
    table_next: Msg = Msg("next", "下一页")
    status_not_ready: Msg = Msg("{status} (not ready)", "{status}（未就绪）")
    status_node_lost: Msg = Msg("{status} (node {state})", "{status}（节点 {state}）")
    col_allocatable_cpu_mem: Msg = Msg("Allocatable cpu/mem", "可分配 cpu/内存")
    # -- node <name>
    node_heading: Msg = Msg("Node {name}", "节点 {name}")
    node_is: Msg = Msg("Node {name} is {status}", "节点 {name} 的状态为 {status}")
    node_with: Msg = Msg(" with {conditions}", "，存在 {conditions}")
    lease: Msg = Msg("Lease", "心跳 lease")
    lease_none: Msg = Msg("none", "无")
    lease_not_read: Msg = Msg("not read", "未读取")
    lease_renewed: Msg = Msg("renewed {age} ago", "{age} 前续约")
    lease_stale: Msg = Msg(" (stale: the kubelet stopped heartbeating)", "（已过期：kubelet 已停止心跳）")
    os_image: Msg = Msg("OS image", "OS 镜像")
    kernel: Msg = Msg("Kernel", "内核")
    runtime: Msg = Msg("Runtime", "容器运行时")
    internal_ip: Msg = Msg("Internal IP", "内网 IP")
    conditions: Msg = Msg("Conditions", "状况（Conditions）")
    col_condition: Msg = Msg("Condition", "类型")
    col_since: Msg = Msg("Since", "持续")
    taints: Msg = Msg("*Taints:* {taints}", "*污点：* {taints}")
    capacity_and_usage: Msg = Msg("Capacity and usage", "容量与用量")
    col_resource: Msg = Msg("Resource", "资源")
    col_capacity: Msg = Msg("Capacity", "容量")
    col_allocatable: Msg = Msg("Allocatable", "可分配")
    col_requested: Msg = Msg("Requested", "已请求")
    col_limits: Msg = Msg("Limits", "已设上限")
    col_used: Msg = Msg("Used", "已使用")
    usage_unavailable: Msg = Msg("usage unavailable: {reason}", "用量不可用：{reason}")
    pods_on_node: Msg = Msg("Pods on this node ({count})", "节点上的 Pod（{count}）")
    recent_events: Msg = Msg("Recent events", "最近的事件")
    diagnose_node: Msg = Msg("Diagnose this node", "诊断该节点")
    # -- pods
    one_pod: Msg = Msg("{count} pod", "{count} 个 Pod")
    many_pods: Msg = Msg("{count} pods", "{count} 个 Pod")
    pods_heading: Msg = Msg("Pods — {where}", "Pod — {where}")
    pods_summary: Msg = Msg("{counted} {where}: {statuses}", "{where}有 {counted}：{statuses}")
    no_pods: Msg = Msg("No pods {where}.", "{where}没有 Pod。")
    col_last_termination: Msg = Msg("Last termination", "上次终止")
    # -- pod <name>
    pod_heading: Msg = Msg("Pod {name}", "Pod {name}")
    pod_is: Msg = Msg(
        "Pod {name} is {status}, {ready} ready, {restarts} restarts",
        "Pod {name}：{status}，{ready} 就绪，重启 {restarts} 次",
    )
    not_scheduled: Msg = Msg("(not scheduled)", "（未调度）")
    phase: Msg = Msg("Phase", "阶段")
    qos: Msg = Msg("QoS", "QoS 类")
    owner: Msg = Msg("Owner", "所属")
    pod_ip: Msg = Msg("Pod IP", "Pod IP")
    started: Msg = Msg("Started", "启动于")
    priority_class: Msg = Msg("Priority class", "优先级类")
    service_account: Msg = Msg("Service account", "服务账号")
    containers: Msg = Msg("Containers", "容器")
    col_container: Msg = Msg("Container", "容器")
    col_image: Msg = Msg("Image", "镜像")
    col_state: Msg = Msg("State", "状态")
    col_last_state: Msg = Msg("Last state", "上次状态")
    col_resources: Msg = Msg("Resources", "资源")
    init_container: Msg = Msg("{name} (init)", "{name}（init 容器）")
    not_started: Msg = Msg("not started", "未启动")
    ended_at: Msg = Msg("{state} at {time}", "{state}，于 {time}")
    resources: Msg = Msg(
        "req {request_cpu}/{request_memory} · lim {limit_cpu}/{limit_memory}",
        "请求 {request_cpu}/{request_memory} · 上限 {limit_cpu}/{limit_memory}",
    )
    environment: Msg = Msg("Environment (values from Secrets are never shown)", "环境变量（不显示来自 Secret 的值）")
    pod_conditions: Msg = Msg("Conditions: {conditions}", "状况：{conditions}")
    events_title: Msg = Msg("Events", "事件")
    last_log_lines: Msg = Msg("Last log lines of {container}", "{container} 最后的日志")
    previous_run: Msg = Msg(" (previous run)", "（上次运行）")
    logs_of: Msg = Msg("Logs of {container}: {reason}", "{container} 的日志：{reason}")
    workload_pod: Msg = Msg(
        "`{name}` is a workload, not a pod: its worst of {count} pod(s), `{worst}`.",
        "`{name}` 是工作负载而不是 Pod：这是它 {count} 个 Pod 中最差的 `{worst}`。",
    )
    # -- logs
    one_log_line: Msg = Msg("{count} log line", "{count} 行日志")
    many_log_lines: Msg = Msg("{count} log lines", "{count} 行日志")
    logs_summary: Msg = Msg("Last {lines} of {which}", "{which}：最后 {lines}")
    nothing_written: Msg = Msg("{which} has written nothing yet.", "{which}：还没有写出任何日志。")
    wrote_nothing: Msg = Msg("{which} wrote nothing.", "{which}：没有写出任何日志。")
    no_log_lines: Msg = Msg("No log lines from {which}.", "{which}：没有日志。")
    previous_run_ended: Msg = Msg(
        "{said} Its previous run ended: {ended}. `{command}` shows its last lines.",
        "{said}上次运行的结束方式：{ended}。`{command}` 会显示那次运行最后的日志。",
    )
    # -- events
    one_event: Msg = Msg("{count} event", "{count} 个事件")
    many_events: Msg = Msg("{count} events", "{count} 个事件")
    events_heading: Msg = Msg("Events — {where}", "事件 — {where}")
    events_summary: Msg = Msg("{counted} {where}: {types}", "{where}有 {counted}：{types}")
    top_warnings: Msg = Msg("; top warnings: {reasons}", "；最多的警告：{reasons}")
    no_events: Msg = Msg("No events {where}.", "{where}没有事件。")
    # -- deployments
    one_deployment: Msg = Msg("{count} deployment", "{count} 个 Deployment")
    many_deployments: Msg = Msg("{count} deployments", "{count} 个 Deployment")
    deployments_heading: Msg = Msg("Deployments — {where}", "Deployment — {where}")
    deployments_summary: Msg = Msg(
        "{counted} {where}: {rolled_out} rolled out", "{where}有 {counted}：{rolled_out} 个已完成发布"
    )
    not_fully_available: Msg = Msg(", {count} not fully available", "，{count} 个未完全可用")
    no_available_replica: Msg = Msg(", {count} with no available replica", "，{count} 个没有可用副本")
    no_deployments: Msg = Msg("No deployments {where}.", "{where}没有 Deployment。")
    col_deployment: Msg = Msg("Deployment", "Deployment")
    col_up_to_date: Msg = Msg("Up-to-date", "已更新")
    col_available: Msg = Msg("Available", "可用")
    col_note: Msg = Msg("Note", "说明")
    rollout_stuck: Msg = Msg("rollout stuck: progress deadline exceeded", "发布卡住：超过了 progress deadline")
    paused: Msg = Msg("paused", "已暂停")
    change_not_seen: Msg = Msg("controller has not seen the latest change", "控制器还没有处理最新的改动")
    unavailable: Msg = Msg("{count} unavailable", "{count} 个不可用")
    rolling_out: Msg = Msg("rolling out", "发布中")
    # -- pdbs
    one_pdb: Msg = Msg("{count} PodDisruptionBudget", "{count} 个 PodDisruptionBudget")
    many_pdbs: Msg = Msg("{count} PodDisruptionBudgets", "{count} 个 PodDisruptionBudget")
    pdbs_heading: Msg = Msg("PodDisruptionBudgets — {where}", "PodDisruptionBudget — {where}")
    pdbs_summary: Msg = Msg("{counted} {where}", "{where}有 {counted}")
    pdbs_blocking: Msg = Msg(
        ", {count} allowing no disruption (they block drains and evictions)",
        "，其中 {count} 个不允许中断（会卡住 drain 和驱逐）",
    )
    no_pdbs: Msg = Msg("No PodDisruptionBudgets {where}.", "{where}没有 PodDisruptionBudget。")
    col_budget: Msg = Msg("Budget", "PDB")
    col_rule: Msg = Msg("Rule", "规则")
    col_allowed: Msg = Msg("Allowed", "允许中断")
    col_healthy: Msg = Msg("Healthy", "健康")
    col_guards: Msg = Msg("Guards", "保护的 Pod")
    healthy_of: Msg = Msg(
        "{healthy} of {expected} (needs {desired})", "{healthy}/{expected}（需要 {desired}）"
    )
    no_running_pod: Msg = Msg("no running pod ({selector})", "没有运行中的 Pod（{selector}）")
    all_pods: Msg = Msg("all pods", "所有 Pod")
    # -- top nodes, top pods
    node_usage_heading: Msg = Msg("Node usage — {cluster}", "节点用量 — {cluster}")
    nodes_reporting: Msg = Msg("{count} nodes reporting usage in {cluster}", "{cluster} 有 {count} 个节点报告了用量")
    nodes_hot: Msg = Msg(", {count} at 90% or more of allocatable", "，其中 {count} 个达到可分配量的 90% 或以上")
    nodes_without_metrics: Msg = Msg(
        "{count} node(s) report no metrics (often NotReady): {names}",
        "{count} 个节点没有报告指标（通常是因为 NotReady）：{names}",
    )
    no_node_metrics: Msg = Msg("No node metrics in {cluster}.", "{cluster} 没有节点指标。")
    no_nodes_reported: Msg = Msg("metrics-server reported no nodes.", "metrics-server 没有报告任何节点。")
    col_cpu: Msg = Msg("CPU", "CPU")
    col_cpu_share: Msg = Msg("CPU %", "CPU %")
    col_memory: Msg = Msg("Memory", "内存")
    col_memory_share: Msg = Msg("Memory %", "内存 %")
    pod_usage_heading: Msg = Msg("Pod usage — {where}", "Pod 用量 — {where}")
    pods_use: Msg = Msg(
        "{count} pods {where} use {cpu} CPU and {memory} memory",
        "{where}的 {count} 个 Pod 共使用 {cpu} CPU、{memory} 内存",
    )
    near_memory_limit: Msg = Msg("; {count} near their memory limit", "；其中 {count} 个接近内存 limit")
    no_pod_metrics: Msg = Msg("No pod metrics {where}.", "{where}没有 Pod 指标。")
    no_pods_report: Msg = Msg("No running pods report usage {where}.", "{where}没有运行中的 Pod 报告用量。")
    col_of_request: Msg = Msg("of request", "占 request")
    col_memory_limit: Msg = Msg("Memory limit", "内存 limit")
    # -- approvals: the list of requests waiting (a request's card speaks the workflow's words)
    no_requests: Msg = Msg("No approval requests are waiting.", "没有等待审批的请求。")
    no_requests_on: Msg = Msg("No approval requests are waiting on {cluster}.", "集群 {cluster} 上没有等待审批的请求。")
    requests_waiting: Msg = Msg("{count} approval request(s) waiting", "有 {count} 个审批请求在等待")
    requests_waiting_on: Msg = Msg(
        "{count} approval request(s) waiting on {cluster}", "集群 {cluster} 上有 {count} 个审批请求在等待"
    )
    you_may_approve: Msg = Msg(", {count} you may approve", "，其中 {count} 个你可以批准")
    none_you_may_approve: Msg = Msg(", none you may approve", "，没有你可以批准的")
    requests_heading: Msg = Msg("Approval requests waiting", "等待审批的请求")
    request_line: Msg = Msg(
        "• `{id}` on {cluster}: {action} — requested by ", "• `{id}`（集群 {cluster}）：{action} — 申请人 "
    )
    request_progress: Msg = Msg(
        ", {have}/{need} approvals, expires {expires}", "，已批准 {have}/{need}，到期时间 {expires}"
    )
    may_approve_it: Msg = Msg("you may approve it", "你可以批准")
    yours_may_cancel: Msg = Msg("yours: you may cancel it", "你的请求：可以撤回")
    open_request: Msg = Msg("Open {id}", "打开 {id}")
    # The words of the card's own buttons (`APPROVAL.approve`, `deny`, `cancel`): 批准、拒绝、撤回.
    open_to_decide: Msg = Msg(
        "Open a request to read its card in full and approve, deny or cancel it there.",
        "打开请求可查看完整的审批卡片，并在卡片上批准、拒绝或撤回。",
    )
    open_to_cancel: Msg = Msg(
        "Open your request to read its card in full or cancel it there.",
        "打开你的请求可查看完整的审批卡片，并在卡片上撤回。",
    )
    open_to_read: Msg = Msg(
        "`/k8s request ID` shows a request's card in full.", "`/k8s request ID` 可查看请求的完整审批卡片。"
    )
    open_shown: Msg = Msg(
        "Buttons open the first {shown} of {count}; for the others, type `/k8s request ID` with an id from the list.",
        "按钮只对应前 {shown} 个（共 {count} 个）；其余的请输入 `/k8s request ID`，ID 取自上面的列表。",
    )


DIAGNOSE = DiagnoseWords()
AKS = AksWords()
SNAT = SnatWords()
UPGRADE = UpgradeWords()
KB = KbWords()
INCIDENT = IncidentWords()
ALERT = AlertWords()
FINDING = FindingWords()
PEOPLE = PeopleWords()
APPROVAL = ApprovalWords()
ERRORS = ErrorWords()
HELP = HelpWords()
SLACK = SlackWords()
ACTIONS = ActionWords()
READ = ReadWords()
CATALOG: dict[str, object] = {
    "diagnose": DIAGNOSE,
    "aks": AKS,
    "snat": SNAT,
    "upgrade": UPGRADE,
    "kb": KB,
    "incident": INCIDENT,
    "alert": ALERT,
    "finding": FINDING,
    "people": PEOPLE,
    "approval": APPROVAL,
    "error": ERRORS,
    "help": HELP,
    "slack": SLACK,
    "actions": ACTIONS,
    "read": READ,
}


def messages() -> Iterator[tuple[str, Msg]]:
    """Every message of the catalog with its name (`diagnose.node_heading`), for checks."""
    for group, words in CATALOG.items():
        for f in fields(words):  # type: ignore[arg-type]
            value = getattr(words, f.name)
            if isinstance(value, Msg):
                yield f"{group}.{f.name}", value
