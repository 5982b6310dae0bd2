"""Which objects of a cluster a line of people's words names: an incident's title ("checkout is down" and the
crash-looping `shop/checkout-worker-…` pods) or a question to the knowledge base ("why does ledger-api keep
restarting").

Words are matched whole, never as substrings (`pay` names nothing), and words too common in workload, namespace
and node names to say which one is meant (`api`, `web`, `prod`, `node` …) name nothing.
"""

from __future__ import annotations

import re

from bot.refs import ObjectRef

COMMON = frozenset({
    "the", "and", "for", "with", "from", "not", "but", "all", "any", "our", "its", "are", "was", "has", "have", "had",
    "been", "down", "up", "out", "slow", "high", "low", "api", "apis", "app", "apps", "web", "svc", "service",
    "services", "server", "pod", "pods", "node", "nodes", "pool", "cluster", "clusters", "prod", "production",
    "staging", "test", "dev", "error", "errors", "fail", "failed", "failing", "failure", "broken", "outage", "issue",
    "issues", "problem", "problems", "incident", "latency", "timeout", "timeouts", "users", "customers", "request",
    "requests", "returns", "returning", "return", "http", "https", "5xx", "4xx", "working", "work", "works", "can",
    "cannot", "after", "before", "since", "again", "still", "azure", "aks", "kube", "vmss", "agent", "default",
    "old", "new", "this", "that", "today", "now", "morning", "night", "why", "how", "what", "when", "does", "keep",
    "keeps", "my", "restart", "restarts", "restarting", "crash", "crashes", "crashing", "memory", "cpu", "disk",
})


def title_words(text: str, cluster: str) -> dict[str, str]:
    """The words of `text` that can name a workload, namespace or node pool (`checkout`, `payments`, `userpool`),
    each as it is matched (without a plural's "s") and as it was typed."""
    found = (w for w in re.findall(r"[a-z][a-z0-9]{2,}", text.lower()) if w not in COMMON and w != cluster.lower())
    return {w.removesuffix("s"): w for w in found}


def name_parts(subject: ObjectRef) -> frozenset[str]:
    """The whole parts of an object's namespace and name, as `title_words` matches them."""
    parts = re.split(r"[-_./]", f"{subject.namespace}/{subject.name}".lower())
    return frozenset(p.removesuffix("s") for p in parts if p)


def names_in(text: str) -> frozenset[str]:
    """The words of `text` that may be an object's whole name: `ledger-api`, `aks-userpool-11974196-vmss000003`,
    `redis` — a name with a dash, or a single word of four letters or more that is not a common one."""
    tokens = re.findall(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", text.lower())
    return frozenset(t for t in tokens if ("-" in t and len(t) >= 3) or (len(t) >= 4 and t not in COMMON
                                                                         and not t.isdigit()))
