"""How long the Azure side takes: reads and long-running writes through the real SDK, and the pure arithmetic.

Against the local ARM server (HTTPS, a real token from its authority): p50 / p99 of `cluster()`, `pools()` and
`upgrade_profile()` over `--reads` calls each, and of `scale_pool()` (a PUT, Azure-AsyncOperation polling, the
final GET) over `--writes` calls; then the SNAT budget and the upgrade checklist per call on the REST examples.

    PYTHONPATH=. python bench/bench_azure.py [--reads N] [--writes N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.azure.model import ManagedCluster, UpgradeProfile
from bot.azure.sdk import SdkAksClient, build_client
from bot.azure.settings import AzureSettings
from handlers.rules.snat import cluster_budget
from handlers.rules.upgrade import plan_upgrade
from sandbox.arm import ArmServer

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "azure"


def _body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))["responses"]["200"]["body"]
    return body


def _times(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    state = {
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "resourceGroup": "rg1",
        "managedCluster": _body("ManagedClustersGet.json"),
        "upgradeProfile": _body("ManagedClustersGetUpgradeProfile.json"),
    }
    with tempfile.TemporaryDirectory() as tmp, ArmServer(state) as srv:
        az = AzureSettings(**srv.settings_fragment(Path(tmp)))
        start = time.perf_counter()
        aks = SdkAksClient(az, build_client(az, srv.environment()))
        aks.cluster()
        print(f"first call incl. OpenID discovery and token: {(time.perf_counter() - start) * 1000:.1f} ms")
        for name, fn in (
            ("cluster()", aks.cluster),
            ("pools()", aks.pools),
            ("upgrade_profile()", aks.upgrade_profile),
        ):
            p50, p99 = _times(fn, args.reads)
            print(f"{name:<20} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({args.reads} calls)")
        counts = iter(range(args.writes * 2))
        p50, p99 = _times(lambda: aks.scale_pool("nodepool1", 3 + next(counts) % 3, timeout=30), args.writes)
        print(f"{'scale_pool() LRO':<20} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({args.writes} calls)")
    cluster = ManagedCluster.from_arm(_body("ManagedClustersGet.json"))
    profile = UpgradeProfile.from_arm(_body("ManagedClustersGetUpgradeProfile.json"))
    p50, p99 = _times(lambda: cluster_budget(cluster, 70), 10_000)
    print(f"{'SNAT budget':<20} p50 {p50 * 1000:6.1f} µs   p99 {p99 * 1000:6.1f} µs")
    p50, p99 = _times(lambda: plan_upgrade(cluster, cluster.pools, profile, {}, None), 10_000)
    print(f"{'upgrade checklist':<20} p50 {p50 * 1000:6.1f} µs   p99 {p99 * 1000:6.1f} µs")


if __name__ == "__main__":
    main()
