"""Which objects of a cluster a line of people's words names: an incident's title ("checkout is down" and the
crash-looping `shop/checkout-worker-…` pods) or a question to the knowledge base ("why does ledger-api keep
restarting").

Words are matched whole, never as substrings (`pay` names nothing), and words too common in workload, namespace
and node names to say which one is meant (`api`, `web`, `prod`, `node` …) name nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.cluster.model import Deployment, Pod
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
    `redis` — a name with a dash, or a single word of four letters or more that is not a common one. Two or three
    words with only spaces between them are also read as the dashed name people meant ("ledger api" → `ledger-api`,
    as chat and phones turn a dash into a space)."""
    lowered = text.lower()
    found = list(re.finditer(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", lowered))
    tokens = [m.group() for m in found]
    for i in range(len(found)):
        for j in range(i + 1, min(i + 3, len(found))):
            if not lowered[found[j - 1].end() : found[j].start()].isspace():
                break
            tokens.append("-".join(m.group() for m in found[i : j + 1]))
    return frozenset(t for t in tokens if ("-" in t and len(t) >= 3) or (len(t) >= 4 and t not in COMMON
                                                                         and not t.isdigit()))


NAMES_ANNOTATION = "aksbot.io/names"
"""A workload's names in its team's words, on the Deployment: `aksbot.io/names: "支付接口, 账本, payment ledger"`."""

_HAN = re.compile(r"[\u3400-\u9fff]")
_NAME_SEPARATORS = re.compile(r"[,，、;；\n]")


def given_names(annotations: Mapping[str, str]) -> tuple[str, ...]:
    """The names an object's `aksbot.io/names` annotation gives it, as written; a Latin name of fewer than three
    letters or a Chinese one of a single character is too short to say which workload is meant and is left out."""
    names = (" ".join(n.split()) for n in _NAME_SEPARATORS.split(annotations.get(NAMES_ANNOTATION, "")))
    return tuple(n for n in names if len(n) >= (2 if _HAN.search(n) else 3))


def called_in(text: str, workloads: Iterable[Deployment]) -> dict[tuple[str, str], str]:
    """The workloads (namespace, name) that `text` calls by a name their `aksbot.io/names` annotation gives them
    ("支付接口 5xx" and `payments/ledger-api`), each with the name as the annotation writes it.

    Chinese is written without spaces, so a Chinese name is found anywhere in the text; a Latin one only as whole
    words. Where two names overlap in the text ("支付" of one workload inside "支付接口" of another), the longer
    is meant."""
    said = " ".join(text.lower().split())
    spans: list[tuple[int, int, tuple[str, str], str]] = []
    for workload in workloads:
        for name in given_names(workload.annotations):
            key = (workload.namespace, workload.name)
            word = re.escape(name.lower())
            pattern = word if _HAN.search(name) else rf"(?<![A-Za-z0-9_-]){word}(?![A-Za-z0-9_-])"
            spans += [(m.start(), m.end(), key, name) for m in re.finditer(pattern, said)]
    found: dict[tuple[str, str], str] = {}
    for start, end, workload_key, name in spans:
        inside = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _, _ in spans)
        if not inside:
            found.setdefault(workload_key, name)
    return found


def members_of(called: Mapping[tuple[str, str], str], pods: Iterable[Pod]) -> dict[tuple[str, str], str]:
    """The workloads `called_in` found and their pods, as (namespace, name), each with the name its workload was
    called by: what a finding about one of them names as its subject."""
    members = dict(called)
    for pod in pods:
        owner = pod.workload
        if owner is not None and owner.kind == "Deployment" and (name := called.get((pod.namespace, owner.name))):
            members[(pod.namespace, pod.name)] = name
    return members
