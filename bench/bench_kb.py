"""How fast the knowledge-base search answers, over the shipped entries.

Runs every labelled evaluation question plus long pasted log lines (a `kubectl describe` dump, a kubelet
journal excerpt) through `KnowledgeIndex.search`, several rounds, and prints the index build time and the
p50 / p90 / p99 / max latency per question. The target is p99 under 5 ms.

    PYTHONPATH=. python bench/bench_kb.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from knowledge.evaluation import load_queries
from knowledge.loader import load_entries
from knowledge.search import KnowledgeIndex

LONG_LINES = (
    "Nov 22 10:14:03 aks-nodepool1-38212793-vmss000002 kubelet[2384]: E1122 10:14:03.123456    2384 "
    'kubelet.go:2412] "Skipping pod synchronization" err="[container runtime status check may not have completed '
    'yet, PLEG is not healthy: pleg was last seen active 3m12.5s ago; threshold is 3m0s]" '
    "node=aks-nodepool1-38212793-vmss000002 uid=9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "Name: api-6d8f7b9c4-x2x4z Namespace: prod Priority: 0 Node: aks-nodepool1-38212793-vmss000001/10.224.0.5 "
    "Start Time: Sun, 22 Nov 2026 09:58:11 +0000 Status: Running IP: 10.244.1.17 Containers: api: Container ID: "
    "containerd://4f9c2d1e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d Image: myacr.azurecr.cn/api:1.4.2 "
    "State: Running Started: Sun, 22 Nov 2026 10:02:44 +0000 Last State: Terminated Reason: OOMKilled Exit Code: "
    "137 Started: Sun, 22 Nov 2026 09:58:20 +0000 Finished: Sun, 22 Nov 2026 10:02:43 +0000 Ready: True Restart "
    "Count: 4 Limits: memory: 1Gi Requests: cpu: 250m memory: 512Mi Environment: JAVA_OPTS: -Xmx768m "
    "Events: Type Reason Age From Message Warning BackOff 3m (x4 over 12m) kubelet Back-off restarting failed "
    "container",
    "E1122 10:20:31.000412 1 reflector.go:147] failed to list *v1.Service: Get "
    '"https://aks-prod-dns-1a2b3c4d.hcp.chinaeast2.cx.prod.service.azk8s.cn:443/api/v1/services?limit=500": '
    "dial tcp: lookup aks-prod-dns-1a2b3c4d.hcp.chinaeast2.cx.prod.service.azk8s.cn on 10.0.0.10:53: read udp "
    "10.244.1.17:43512->10.0.0.10:53: i/o timeout",
    "(InvalidLoadBalancerProfileAllocatedOutboundPorts) Load balancer profile allocated ports 1024 is not in an "
    "allowable range given the number of outbound ips and nodes. Code: InvalidLoadBalancerProfileAllocatedOutbound"
    "Ports Message: Load balancer profile allocated ports 1024 is not in an allowable range given the number of "
    "outbound ips and nodes. Target: allocatedOutboundPorts",
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    entries = load_entries()
    loaded = time.perf_counter()
    index = KnowledgeIndex(entries)
    built = time.perf_counter()

    questions = [q.q for q in load_queries()] + list(LONG_LINES)
    for question in questions:  # warm up: first calls pay for imports and allocator growth
        index.search(question)
    per_question: list[float] = []
    long_lines: list[float] = []
    for _ in range(args.rounds):
        for question in questions:
            t0 = time.perf_counter()
            index.search(question)
            elapsed = (time.perf_counter() - t0) * 1000
            per_question.append(elapsed)
            if question in LONG_LINES:
                long_lines.append(elapsed)

    print(f"entries {len(entries)}, questions {len(questions)} ({len(LONG_LINES)} long pasted lines), "
          f"rounds {args.rounds}, searches {len(per_question)}")
    print(f"load entries {1000 * (loaded - started):.1f} ms, build index {1000 * (built - loaded):.1f} ms")
    print(
        f"search all   p50 {percentile(per_question, 50):.3f} ms  p90 {percentile(per_question, 90):.3f} ms  "
        f"p99 {percentile(per_question, 99):.3f} ms  max {max(per_question):.3f} ms  "
        f"mean {statistics.fmean(per_question):.3f} ms"
    )
    print(
        f"long lines   p50 {percentile(long_lines, 50):.3f} ms  p99 {percentile(long_lines, 99):.3f} ms  "
        f"max {max(long_lines):.3f} ms"
    )
    verdict = "meets" if percentile(per_question, 99) < 5.0 else "MISSES"
    print(f"target p99 < 5 ms: {verdict}")


if __name__ == "__main__":
    main()
