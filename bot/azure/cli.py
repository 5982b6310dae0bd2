"""`aksbot aks snat --cluster-json FILE [--nodes N] [--json]`: the SNAT budget offline, with no Azure access.

FILE is `az aks show -o json` output (properties flattened to the top) or an ARM body (fields under
`properties`); `-` reads standard input. The arithmetic is `handlers.rules.snat`, the same the chat command uses.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from bot.azure.model import ManagedCluster
from handlers.rules.snat import SnatBudget, cluster_budget


def _read(path: str) -> ManagedCluster:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object (one managed cluster)")
    body = (data.get("responses") or {}).get("200", {}).get("body") if "parameters" in data else None
    if isinstance(body, dict):
        data = body  # an Azure REST API example file: its 200 response is the cluster
    if not data.get("properties") and not data.get("networkProfile"):
        raise ValueError("no `networkProfile` found: is this `az aks show -o json` output or an ARM body?")
    return ManagedCluster.from_arm(data)


def render(cluster: ManagedCluster, budget: SnatBudget) -> str:
    lines = [f"SNAT budget of {cluster.name or 'the cluster'} (outbound type {budget.inputs.outbound_type})"]
    lines.append(f"  outbound IPs: {budget.inputs.outbound_ips} ({budget.inputs.ip_source})")
    if budget.ports_per_node is not None:
        lines.append(f"  ports per node: {budget.ports_per_node:,}")
    if budget.max_nodes is not None:
        lines.append(f"  maximum nodes: {budget.max_nodes:,}")
    lines.append(f"  nodes now: {budget.current_nodes}, at peak: {budget.peak_nodes}")
    if budget.headroom is not None:
        lines.append(f"  headroom at peak: {budget.headroom} node(s)")
    lines.extend(f"- {f}" for f in budget.findings)
    if budget.what_if is not None:
        lines.append(f"With {budget.what_if.nodes} nodes: {budget.what_if.detail}")
    if budget.recommendations:
        lines.append("Recommended:")
        for r in budget.recommendations:
            lines.append(f"- {r.text}" + (f"\n    {r.command}" if r.command else ""))
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="aksbot aks", description="Azure-side tools that work offline.")
    sub = parser.add_subparsers(dest="command", required=True)
    snat = sub.add_parser("snat", help="SNAT capacity from `az aks show -o json` output or an ARM body")
    snat.add_argument("--cluster-json", required=True, metavar="FILE", help="the cluster document ('-' for stdin)")
    snat.add_argument("--nodes", type=int, metavar="N", help="also show what N nodes would do")
    snat.add_argument("--json", action="store_true", help="print the budget as JSON")
    args = parser.parse_args(argv)
    if args.nodes is not None and args.nodes < 1:
        parser.error("--nodes must be at least 1")
    try:
        cluster = _read(args.cluster_json)
    except (OSError, ValueError) as exc:
        print(f"aksbot aks snat: {args.cluster_json}: {exc}", file=sys.stderr)
        return 2
    budget = cluster_budget(cluster, args.nodes)
    if args.json:
        print(json.dumps(dataclasses.asdict(budget), indent=2))
    else:
        sys.stdout.write(render(cluster, budget))
    return 1 if budget.what_if is not None and not budget.what_if.fits else 0
