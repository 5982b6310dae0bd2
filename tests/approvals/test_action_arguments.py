"""A number typed out of range or not a number at all, for the disruptive actions' arguments, through the real
registry and dispatcher: the answer says plainly what the argument takes ("`--replicas` must be a whole number
from 0 to 10000"), in the asker's language, with the usage — never the validator's own wording — and nothing is
requested."""

from __future__ import annotations

import pytest

import handlers.actions
import handlers.aks_actions
import handlers.approvals  # noqa: F401
from bot.approvals.store import SqliteApprovalStore
from bot.blocks import Code, Level, Notice
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.errors import UserError
from bot.parser import Parser
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind
from tests.support.approvals import NoAzure, RecordingNotifier, approval_dispatcher
from tests.support.fakes import NoClusters
from tests.support.foundation import Conversation

WRONG_NUMBERS = {
    "/k8s scale deployment web --replicas -1 -n shop": (
        "`--replicas` must be a whole number from 0 to 10000 (not `-1`)."
    ),
    "/k8s scale deployment web --replicas abc -n shop": (
        "`--replicas` must be a whole number from 0 to 10000 (not `abc`)."
    ),
    "/k8s scale deployment web --replicas 2.5 -n shop": (
        "`--replicas` must be a whole number from 0 to 10000 (not `2.5`)."
    ),
    "/k8s scale deployment web --replicas 10001 -n shop": (
        "`--replicas` must be a whole number from 0 to 10000 (not `10001`)."
    ),
    "/k8s drain aks-1 --timeout 0": "`--timeout` must be a whole number from 1 to 3600 (not `0`).",
    "/k8s aks scale-pool userpool --count many": "`--count` must be a whole number from 0 to 1000 (not `many`).",
    "/k8s audit --last 0": "`--last` must be a whole number from 1 to 1000 (not `0`).",
}


@pytest.fixture
def dispatcher() -> Dispatcher:
    settings = from_mapping(
        {
            "default_cluster": "sandbox",
            "clusters": [{"name": "sandbox", "kubeconfig": "/dev/null"}],
            "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
        },
        source=None,
        environ={},
    )
    store = SqliteApprovalStore(":memory:")
    return approval_dispatcher(Deps(settings, ManualClock(), NoClusters(), NoAzure()), store, RecordingNotifier())


@pytest.mark.parametrize("typed", WRONG_NUMBERS)
def test_a_wrong_number_is_answered_with_what_the_argument_takes(typed: str, dispatcher: Dispatcher) -> None:
    out = dispatcher.handle(Incoming(typed, "alice", InputKind.SLASH, "C0OPS"), Conversation())
    assert out.status == "user_error"
    assert out.view.blocks[0] == Notice(WRONG_NUMBERS[typed], Level.WARN)
    assert isinstance(out.view.blocks[1], Code) and out.view.blocks[1].text.startswith("/k8s ")
    text = render_text(out.view)
    for pydantic in ("Input should", "unable to parse", "greater than", "less than"):
        assert pydantic not in text


def test_the_same_answer_in_chinese() -> None:
    with pytest.raises(UserError) as wrong:
        Parser().parse("/k8s scale deployment web --replicas -1 -n shop")
    assert wrong.value.view("zh").summary == "`--replicas` 必须是 0 到 10000 之间的整数（而不是 `-1`）。"
    with pytest.raises(UserError) as wrong:
        Parser().parse("/k8s drain aks-1 --timeout soon")
    assert wrong.value.view("zh").summary == "`--timeout` 必须是 1 到 3600 之间的整数（而不是 `soon`）。"
    # The English stays the message everywhere a string is wanted (logs).
    assert wrong.value.message == "`--timeout` must be a whole number from 1 to 3600 (not `soon`)."
