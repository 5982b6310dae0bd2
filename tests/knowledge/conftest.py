"""Small, realistic entries written on the fly, and a notes folder for them to cite.

Tests of the loader, the linter and the search use these rather than the shipped entries, so each rule and
behaviour is checked on an input whose every line the test controls.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.loader import parse_entry
from knowledge.search import KnowledgeIndex, Thresholds

NOTE_FILE = "000_team_notes.md"
NOTE_TEXT = """# 架构和组件

## Node状态

节点状态说明。

### PLEG

PLEG 说明。

## SNAT

出站端口。

```bash
# 这是代码里的注释
```
"""


def _base(entry_id: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "title": {"en": f"Title of {entry_id}", "zh": f"{entry_id} 的标题"},
        "summary": {"en": "What it is and the first thing to do.", "zh": "是什么，先做什么。"},
        "symptoms": {
            "en": ["first symptom", "second symptom", "third symptom", "fourth symptom", "fifth symptom"],
            "zh": ["症状一", "症状二", "症状三", "症状四", "症状五"],
        },
        "errors": [],
        "tags": [],
        "checks": [{"en": "Look at the node.", "zh": "查看节点。", "command": "/k8s diagnose node <node>"}],
        "fixes": [{"en": "Cordon the node.", "zh": "先 cordon 节点。", "risk": "low", "action": "/k8s cordon <node>"}],
        "signals": [],
        "related": [],
        "sources": {
            "notes": [{"file": NOTE_FILE, "heading": "Node状态"}],
            "docs": [{"title": "Node status", "url": "https://kubernetes.io/docs/reference/node/node-status/"}],
        },
    }


SEARCH_ENTRIES: dict[str, dict[str, Any]] = {
    "node-notready": {
        "title": {"en": "Node NotReady or Unknown", "zh": "节点 NotReady 或 Unknown"},
        "symptoms": {
            "en": ["node shows NotReady", "node status Unknown", "pods stuck Terminating on one node",
                   "node flaps between Ready and NotReady", "kubelet not reporting"],
            "zh": ["节点状态 NotReady", "节点突然不可用", "节点上的 Pod 一直 Terminating", "节点心跳丢失",
                   "kubelet 没有上报状态"],
        },
        "errors": ["Kubelet stopped posting node status.", "PLEG is not healthy", "NodeStatusUnknown"],
        "tags": ["node", "kubelet", "lease"],
        "body": ("The kubelet renews a Lease every 10 seconds; when it stops, the node controller marks the node "
                 "Unknown after the grace period.", "kubelet 每 10 秒续约 Lease；停止后节点被标记为 Unknown。"),
    },
    "snat-exhaustion": {
        "title": {"en": "SNAT port exhaustion", "zh": "SNAT 端口耗尽"},
        "symptoms": {
            "en": ["outbound connections time out", "intermittent timeouts to external services",
                   "too few allocated outbound ports", "load balancer outbound rules", "egress failures under load"],
            "zh": ["出站连接超时", "访问外部服务间歇性失败", "出站端口不够", "负载均衡出站规则",
                   "高并发时外部调用失败"],
        },
        "errors": ["InvalidLoadBalancerProfileAllocatedOutboundPorts", "SNAT port exhaustion"],
        "tags": ["snat", "egress", "load-balancer", "nat-gateway"],
        "body": ("Each public IP gives 64,000 SNAT ports shared by the nodes; a NAT gateway gives more.",
                 "每个公网 IP 提供 64,000 个 SNAT 端口，由节点共享；NAT 网关可以提供更多。"),
    },
    "java-oom-cgroupv2": {
        "title": {
            "en": "Java pods OOMKilled after the move to cgroup v2",
            "zh": "迁移到 cgroup v2 后 Java Pod 被 OOMKilled",
        },
        "symptoms": {
            "en": ["java pods OOMKilled after the upgrade", "JVM ignores the container memory limit",
                   "heap bigger than the limit", "container killed with exit code 137 after upgrade",
                   "node.js memory grows past the limit"],
            "zh": ["升级后 Java Pod 被 OOMKilled", "JVM 不识别容器内存限制", "堆内存超过 limit", "退出码 137",
                   "Node.js 内存超限"],
        },
        "errors": ["OOMKilled", "exit code 137"],
        "tags": ["java", "jvm", "cgroup", "oom", "memory"],
        "versions": [{"version": "1.25", "en": "Ubuntu nodes use cgroup v2.", "zh": "Ubuntu 节点改用 cgroup v2。"}],
        "body": ("JDK versions before 8u372 read cgroup v1 only and size the heap from the node's memory.",
                 "8u372 之前的 JDK 只识别 cgroup v1，按节点内存计算堆大小。"),
    },
    "dns-timeout": {
        "title": {"en": "DNS lookups time out after 5 seconds", "zh": "DNS 解析 5 秒超时"},
        "symptoms": {
            "en": ["dns lookups take 5 seconds", "intermittent name resolution failures", "coredns timeouts",
                   "conntrack race on udp", "slow service discovery"],
            "zh": ["域名解析超时", "DNS 偶尔失败", "coredns 超时", "解析要 5 秒", "服务名解析慢"],
        },
        "errors": ["i/o timeout", "no such host"],
        "tags": ["dns", "coredns", "conntrack"],
        "body": ("A conntrack race drops one of two parallel UDP queries; NodeLocal DNSCache avoids it.",
                 "conntrack 竞争会丢弃并行 UDP 查询中的一个；NodeLocal DNSCache 可以避免。"),
    },
    "cert-expired": {
        "title": {"en": "Cluster certificates expired", "zh": "集群证书过期"},
        "symptoms": {
            "en": ["kubectl says certificate expired", "cannot connect to the API server",
                   "rotate cluster certificates", "certificates expire soon", "x509 errors from kubectl"],
            "zh": ["证书过期", "kubectl 连不上 API server", "轮换集群证书", "证书快到期", "kubectl 报 x509 错误"],
        },
        "errors": ["x509: certificate has expired or is not yet valid"],
        "tags": ["certificate", "x509", "rotation"],
        "body": ("AKS cluster certificates are valid for years; az aks rotate-certs replaces them.",
                 "AKS 集群证书有效期数年；az aks rotate-certs 可以更换。"),
    },
}


def render_entry(data: dict[str, Any]) -> str:
    """An entry file's text: front matter from `data` (its "body" becomes the two sections)."""
    front = dict(data)
    body_en, body_zh = front.pop("body", ("How it works.", "原理说明。"))
    return (
        "---\n"
        + yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        + f"---\n\n## English\n\n{body_en}\n\n## 中文\n\n{body_zh}\n"
    )


def entry_data(entry_id: str, **overrides: Any) -> dict[str, Any]:
    data = _base(entry_id)
    data.update(copy.deepcopy(SEARCH_ENTRIES.get(entry_id, {})))
    data.update(overrides)
    return data


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / NOTE_FILE).write_text(NOTE_TEXT, encoding="utf-8")
    return folder


@pytest.fixture
def write_entries(tmp_path: Path) -> Callable[..., Path]:
    """Write entries (id -> data, or id -> raw text) into a fresh folder and return it."""
    counter = iter(range(1000))

    def write(entries: dict[str, dict[str, Any] | str]) -> Path:
        folder = tmp_path / f"entries{next(counter)}"
        folder.mkdir()
        for name, data in entries.items():
            text = data if isinstance(data, str) else render_entry(data)
            (folder / f"{name}.md").write_text(text, encoding="utf-8")
        return folder

    return write


@pytest.fixture
def make_entry() -> Callable[..., dict[str, Any]]:
    return entry_data


@pytest.fixture(scope="session")
def small_index() -> KnowledgeIndex:
    """An index over the five entries above: enough neighbours for ranking to mean something.

    Word evidence is IDF-weighted, and IDFs over five entries are a fraction of those over the shipped ones, so the
    confidence thresholds are scaled to this index (the shipped thresholds are calibrated on the shipped entries).
    """
    thresholds = Thresholds(suggest=3.0, answer=15.0, coverage=0.8, covered_answer=4.0, margin=0.85)
    return KnowledgeIndex((parse_entry(f"{i}.md", render_entry(entry_data(i))) for i in SEARCH_ENTRIES), thresholds)


def rules_of(index: KnowledgeIndex) -> KnowledgeIndex:
    """`index` with its levels decided by the rules alone (`search.Thresholds`), without the model of confidence:
    what an index over other entries does, and what tests of each rule look at."""
    return index.with_confidence(None)
