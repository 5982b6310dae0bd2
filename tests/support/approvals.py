"""A private registry with one disruptive command over a tiny in-memory world, and a recording notifier.

The command (`switch off <lamp>`) counts its executions and can be slowed down, so tests can see exactly how
many times an approved action ran when many clicks race; its preview reads the world, so changing the world
between request and approval exercises the re-check.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import handlers.approvals  # noqa: F401  (registers approve, deny, cancel, request, audit in REGISTRY)
from bot.approvals.model import NewRequest, new_request_id
from bot.approvals.store import ApprovalStore, PostgresApprovalStore, SqliteApprovalStore
from bot.approvals.workflow import ApprovalWorkflow, Executor, run_inline
from bot.blocks import Message, Notice, View, plain
from bot.clock import ManualClock, SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.errors import NotFound
from bot.groups import GroupDirectory, SettingsGroups
from bot.preview import Preview
from bot.registry import REGISTRY, Args, ClusterCall, Registry, Risk, arg
from bot.render_text import render_text
from bot.settings import Settings, from_mapping
from bot.surface import MessageRef
from sandbox.kube import KubeServer
from tests.support.fakes import NoAzure, NoClusters
from tests.support.kubectl import write_kubeconfig

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class World:
    """Lamps that are on, off or dimmed; and a log of every time the action ran."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lamps: dict[str, str] = {}
        self.executions: list[str] = []
        self.delay = 0.0

    def reset(self) -> None:
        with self.lock:
            self.lamps = {"hall": "on", "porch": "on"}
            self.executions = []
            self.delay = 0.0


WORLD = World()
registry = Registry()


class LampArgs(Args):
    lamp: str = arg(help="which lamp")


def preview_switch_off(call: ClusterCall[LampArgs], deps: Deps) -> Preview:
    with WORLD.lock:
        state = WORLD.lamps.get(call.args.lamp)
    if state is None:
        raise NotFound(f"no lamp {call.args.lamp}", kind="Lamp", name=call.args.lamp)
    if state == "off":
        return Preview(f"Switch off {call.args.lamp}", blocked=f"{call.args.lamp} is already off")
    return Preview(
        f"Switch off {call.args.lamp}",
        blocks=(Notice(f"{call.args.lamp} goes dark"),),
        expect=(("lamp state", state),),
    )


@registry.command("switch off", args=LampArgs, risk=Risk.DISRUPTIVE, preview=preview_switch_off)
def switch_off(call: ClusterCall[LampArgs], deps: Deps) -> Message:
    """Switch a lamp off."""
    call.progress(f"switching {call.args.lamp} off")
    time.sleep(WORLD.delay)  # widens the window in which a second execution would show
    with WORLD.lock:
        WORLD.executions.append(f"{call.args.lamp} by {call.caller.id}")
        WORLD.lamps[call.args.lamp] = "off"
    return Message(f"{call.args.lamp} is off")


for _name in ("approve", "deny", "cancel", "request", "audit", "approvals"):
    _spec = REGISTRY.get(_name)
    assert _spec is not None
    registry.add(_spec)


CONFIG: dict[str, Any] = {
    "default_cluster": "home",
    "clusters": [
        {"name": "home", "kubeconfig": "/dev/null"},
        {
            "name": "vault",
            "kubeconfig": "/dev/null",
            "approvals": {"required_approvals": 2, "expiry_minutes": 5},
        },
        {
            "name": "garden",
            "kubeconfig": "/dev/null",
            "actions": {"switch off": {"approvers": ["S0LEADS"]}},
        },
    ],
    "roles": {"viewer": ["carol"], "operator": ["alice", "bob"], "approver": ["bob", "dave", "erin"]},
    "groups": {"S0LEADS": ["erin"]},
}


def settings(config: dict[str, Any] | None = None) -> Settings:
    return from_mapping(CONFIG if config is None else config, source=None, environ={})


@dataclass
class RecordingNotifier:
    """A surface's notifier that remembers every post and card update, thread-safely."""

    posts: list[tuple[str, View, MessageRef | None]] = field(default_factory=list)
    updates: list[tuple[MessageRef, View]] = field(default_factory=list)
    told: list[tuple[str, View]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        with self.lock:
            self.seq += 1
            self.posts.append((channel, view, thread))
            return MessageRef(channel, f"p{self.seq}")

    def update(self, ref: MessageRef, view: View) -> None:
        with self.lock:
            self.updates.append((ref, view))

    def tell(self, user: str, view: View) -> None:
        with self.lock:
            self.told.append((user, view))

    def latest(self, ref: MessageRef) -> View | None:
        with self.lock:
            views = [v for r, v in self.updates if r == ref]
        return views[-1] if views else None


def make_workflow(
    store: ApprovalStore,
    clock: ManualClock,
    notifier: RecordingNotifier | None = None,
    *,
    config: dict[str, Any] | None = None,
    executor: Executor = run_inline,
    groups: GroupDirectory | None = None,
) -> ApprovalWorkflow:
    deps = Deps(settings=settings(config), clock=clock, clusters=NoClusters(), azure=NoAzure())
    directory = groups or SettingsGroups(deps.settings)
    return ApprovalWorkflow(
        deps, store, notifier or RecordingNotifier(), directory, registry=registry, executor=executor
    )


def make_dispatcher(workflow: ApprovalWorkflow) -> Dispatcher:
    deps = dataclasses.replace(workflow.deps, approvals=workflow)
    return Dispatcher(deps, registry=registry, groups=workflow.groups)


def approval_dispatcher(deps: Deps, store: ApprovalStore, notifier: RecordingNotifier) -> Dispatcher:
    """The registry's real commands, the risky ones through an approval workflow on `store` (the settings'
    groups, commands run inline)."""
    groups = SettingsGroups(deps.settings)
    workflow = ApprovalWorkflow(deps, store, notifier, groups)
    return Dispatcher(dataclasses.replace(deps, approvals=workflow), groups=groups)


def request_id_of(requested: Outcome) -> str:
    """The id of the approval request an outcome made (its card's first button names it)."""
    assert requested.status == "requested", render_text(requested.view)
    request_id: str = requested.view.buttons()[0].ref.args.request_id
    return request_id


def notices(view: View) -> str:
    """The text of a view's notices, the lines that say how an action went."""
    return " ".join(plain(b.text) for b in view.blocks if isinstance(b, Notice))


def sqlite_store(tmp: Path) -> SqliteApprovalStore:
    return SqliteApprovalStore(tmp / "approvals.sqlite3")


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A store benchmark's command line: its docstring's first line, and `--postgres URL` (the test database)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--postgres", default=POSTGRES_URL)
    return parser


def unique_schema() -> str:
    return f"t_approvals_{uuid.uuid4().hex[:12]}"


def postgres_stores(schema: str, count: int) -> Iterator[PostgresApprovalStore]:
    for _ in range(count):
        yield PostgresApprovalStore(POSTGRES_URL, schema=schema)


def cordon_request(channel: str, *, at: datetime, node: str = "aks-1", request_id: str | None = None,
                   correlation_id: str = "c0ffee00") -> NewRequest:
    """A pending `cordon` request by U0ALICE on prod made in `channel`, expiring 15 minutes after `at`."""
    return NewRequest(
        id=request_id or new_request_id(),
        command="cordon",
        text=f"/k8s cordon {node}",
        args_json=f'{{"node": "{node}"}}',
        cluster="prod",
        namespace="default",
        all_namespaces=False,
        requester="U0ALICE",
        requester_groups=(),
        channel=channel,
        lang="en",
        correlation_id=correlation_id,
        preview=Preview(f"Cordon node {node} on prod"),
        required_approvals=1,
        created_at=at,
        expires_at=at + timedelta(minutes=15),
    )


@dataclass
class SandboxApprovals:
    """The approval workflow over a sandbox API server through the official client: what a test drives and reads."""

    dispatcher: Dispatcher
    clusters: KubeClusterProvider
    store: SqliteApprovalStore
    notifier: RecordingNotifier


@contextlib.contextmanager
def sandbox_approvals(folder: Path, server: KubeServer, roles: dict[str, list[str]], *, context: str = "sandbox",
                      notifier: RecordingNotifier | None = None) -> Iterator[SandboxApprovals]:
    """Cluster `sandbox` (the server, as the kubeconfig `context` reaches it), these roles, a SQLite store in
    `folder`: closed on the way out."""
    settings = from_mapping(
        {"clusters": [{"name": "sandbox", "kubeconfig": str(write_kubeconfig(folder, server)), "context": context}],
         "roles": roles},
        source=str(folder / "aksbot.yaml"),
        environ={},
    )
    clusters = KubeClusterProvider(settings)
    store = SqliteApprovalStore(folder / "approvals.sqlite3")
    told = notifier if notifier is not None else RecordingNotifier()
    try:
        deps = Deps(settings, SystemClock(), clusters, NoAzure())
        yield SandboxApprovals(approval_dispatcher(deps, store, told), clusters, store, told)
    finally:
        store.close()
        clusters.close()
