"""Telling an empty answer from a wrong question: a namespace list that came back empty because the namespace
does not exist (a typo in `-n`) is answered with the names that are close, as kubectl never does."""

from __future__ import annotations

from bot.cluster.model import Lease
from bot.cluster.ports import ClusterReader
from bot.cluster.reads import SIDE_FAILURES, omitted
from bot.deps import Deps
from bot.errors import Forbidden, NotFound
from bot.i18n import ERRORS, said
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
