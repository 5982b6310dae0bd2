"""Telling an empty answer from a wrong question: a list that came back empty because what it was filtered by does
not exist — a typo in `-n`, `--node` or `--pool` — is answered with the names that are close, as kubectl never does;
and finding one node by name, with the close names when it is not there.

The checks run only on an empty result, so a normal answer costs no extra request. A check the bot may not make
(not allowed to list namespaces, read nodes, or ask Azure) leaves the empty answer as it is: an empty answer is never
turned into an error on a guess."""

from __future__ import annotations

from bot.cluster.model import Lease, Node
from bot.cluster.ports import ClusterReader
from bot.cluster.reads import SIDE_FAILURES, omitted
from bot.deps import Deps
from bot.errors import AksbotError, Forbidden, NotFound
from bot.i18n import AKS, ERRORS, Said, joined, said
from handlers._format import closest, did_you_mean


def ensure_namespace(deps: Deps, cluster: str, namespace: str | None) -> None:
    """Raise `NotFound` naming the closest namespaces when `namespace` does not exist; call it only on an empty
    result, so a normal answer costs no extra request. A bot not allowed to list namespaces keeps the empty answer."""
    if namespace is None:
        return
    try:
        names = deps.clusters.reader(cluster).namespaces()
    except Forbidden:
        return
    if namespace in names:
        return
    hint = did_you_mean(closest(namespace, names))
    raise NotFound(
        said(ERRORS.namespace_not_found, namespace=namespace, cluster=cluster, hint=hint),
        kind="namespace",
        name=namespace,
    )


def read_lease(reader: ClusterReader, node: str) -> tuple[Lease | None, bool]:
    """The node's heartbeat Lease (None: it has none) and whether it could be read at all — a bot not allowed to
    read leases answers without them, and concludes nothing from a Lease it did not see."""
    try:
        return reader.lease(node), True
    except SIDE_FAILURES as exc:
        omitted("heartbeat Lease", exc)
        return None, False


def find_node(deps: Deps, cluster: str, name: str) -> Node:
    """The node, or `NotFound` naming the closest node names."""
    reader = deps.clusters.reader(cluster)
    try:
        return reader.node(name)
    except NotFound as exc:
        names = closest(name, (n.name for n in reader.nodes()))
        raise NotFound(
            said(ERRORS.node_not_found, name=name, cluster=cluster, hint=did_you_mean(names)),
            kind="node",
            name=name,
        ) from exc


def ensure_node(deps: Deps, cluster: str, name: str) -> None:
    """Raise `NotFound` naming the closest nodes when `name` is no node of the cluster (`--node` of a list that came
    back empty). A bot not allowed to read nodes keeps the empty answer."""
    try:
        find_node(deps, cluster, name)
    except Forbidden:
        return


def ensure_pool(deps: Deps, cluster: str, pool: str) -> None:
    """Raise `NotFound` naming the pools there are when `pool` is none of the cluster's (`--pool` of a node list that
    came back empty). Azure's list of pools is the truth, a pool scaled to zero included; without Azure (not
    configured for this cluster, or not answering) the pools are the ones the nodes carry, and the answer says only
    that no node is in such a pool."""
    try:
        pools = [p.name for p in deps.azure.client(cluster).pools()]
        words = ERRORS.pool_not_found
    except AksbotError:
        try:
            pools = sorted({n.pool for n in deps.clusters.reader(cluster).nodes() if n.pool})
        except Forbidden:
            return
        words = ERRORS.pool_without_nodes
    if pool in pools:
        return
    names = joined([f"`{p}`" for p in pools], ", ", "、") if pools else Said(AKS.none("en"), AKS.none("zh"))
    hint = did_you_mean(closest(pool, pools))
    raise NotFound(said(words, cluster=cluster, pool=pool, pools=names, hint=hint), kind="AgentPool", name=pool)
