"""A request asked in Chinese is handled in Chinese from the card to the last click: the card, its buttons, its status
line at every step, the requester's notice, the answers to Approve, Deny and Cancel, the refusals (four eyes, not an
approver), and the reasons a run failed for. People stay mentions wherever Chinese puts them; the audit trail keeps
one language (English) for every admin. Through the real dispatcher and workflow, on the SQLite store.

The request is made the way a Chinese request is made in Slack: a click on a button of a Chinese message
(`Incoming.lang`), so the lamp's name and the command stay as they are.
"""

from __future__ import annotations

import pytest

from bot.approvals.commands import approve_ref, cancel_ref, deny_ref
from bot.approvals.model import State
from bot.approvals.workflow import ApprovalWorkflow
from bot.blocks import Notice, Person, View, plain
from bot.dispatch import Dispatcher, Outcome
from bot.i18n import APPROVAL, Msg
from bot.refs import CommandRef
from bot.render_text import render_text
from bot.surface import Incoming, InputKind
from tests.support.approvals import WORLD, LampArgs, RecordingNotifier, make_dispatcher
from tests.support.foundation import Captured, Conversation
from tests.support.language import english_left, english_prose

ENGLISH = english_prose(APPROVAL)


@pytest.fixture(autouse=True)
def world() -> None:
    WORLD.reset()


def click(d: Dispatcher, user: str, ref: CommandRef, channel: Conversation | None = None) -> Outcome:
    """A click on a button of a Chinese message."""
    return d.handle(Incoming.click(ref, user, "C0OPS", None, lang="zh"), channel or Conversation())


def ask_in_chinese(d: Dispatcher, lamp: str = "hall", cluster: str = "home") -> tuple[str, Outcome]:
    out = click(d, "alice", CommandRef("switch off", LampArgs(lamp=lamp), cluster))
    assert out.status == "requested", render_text(out.view)
    return str(out.view.buttons()[0].ref.args.request_id), out


def chinese(view: View) -> str:
    """The view as text, checked to be Chinese with none of the approval catalog's English in it."""
    text = render_text(view)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    left = english_left(text, ENGLISH)
    assert not left, f"English left in a Chinese approval view: {left}\n{text}"
    return text


def test_the_card_of_a_chinese_request_is_chinese_and_its_buttons_still_run_the_commands(
    workflow: ApprovalWorkflow,
) -> None:
    rid, out = ask_in_chinese(make_dispatcher(workflow))
    text = chinese(out.view)
    assert f"审批请求 {rid}：Switch off hall" in text  # the preview's action is the command's own words
    assert "等待一位审批人批准" in text and "申请人" in text and "可审批者" in text
    assert "1（不含申请人）" in text and "执行前会再次核对：lamp state = on" in text
    assert [b.label for b in out.view.buttons()] == ["批准", "拒绝", "撤回"]
    assert [b.ref for b in out.view.buttons()] == [approve_ref(rid), deny_ref(rid), cancel_ref(rid)]
    assert "状态 等待审批" in text
    assert workflow.store.get(rid) is not None and workflow.store.get(rid).lang == "zh"  # type: ignore[union-attr]


def test_approved_in_chinese_the_card_the_clicker_and_the_requester_read_chinese_and_people_stay_mentions(
    workflow: ApprovalWorkflow, notifier: RecordingNotifier
) -> None:
    d = make_dispatcher(workflow)
    rid, _ = ask_in_chinese(d)

    own = click(d, "alice", approve_ref(rid))
    assert "已拒绝：这是你自己的请求" in chinese(own.view)
    stranger = click(d, "carol", approve_ref(rid))
    who = "可审批者：审批人角色（@bob、@dave 和 @erin）。"
    assert f"已拒绝：你不是 `home` 上 `switch off` 的审批人。{who}" in chinese(stranger.view)

    approved = click(d, "bob", approve_ref(rid))
    assert approved.status == "ok", render_text(approved.view)
    assert "你已批准，已执行：hall is off" in chinese(approved.view)
    assert WORLD.executions == ["hall by alice"]

    request = workflow.store.get(rid)
    assert request is not None and request.state is State.SUCCEEDED
    card = workflow.status(rid).view()
    status = next(b for b in card.blocks if isinstance(b, Notice))
    assert isinstance(status.text, tuple) and Person("bob") in status.text  # a mention, inside the Chinese
    assert plain(status.text).startswith("@bob 已于 ") and "批准，已执行，" in plain(status.text)
    assert [b.label for b in card.buttons()] == ["审计记录"]
    assert "状态 已成功" in chinese(card)

    told = [v for _, v, thread in notifier.posts if thread is not None and "你的请求" in v.summary + render_text(v)]
    assert told, "the requester is told in the card's thread"
    notice = next(b for b in told[-1].blocks if isinstance(b, Notice))
    assert isinstance(notice.text, tuple) and notice.text[0] == Person("alice")
    assert f"：你的请求 `{rid}`（Switch off hall）— " in plain(notice.text)

    again = click(d, "dave", approve_ref(rid))
    assert "不会再次执行" in chinese(again.view) and "@bob 已于 " in render_text(again.view)
    assert WORLD.executions == ["hall by alice"]

    # The audit trail is one record for every admin, in English whatever the request's language.
    trail = workflow.audit(request=rid)
    assert [e.detail for e in trail.entries][-1] == "hall is off"


def test_deny_cancel_and_two_approvals_answer_in_chinese(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid, _ = ask_in_chinese(d)
    asked = click(d, "bob", deny_ref(rid))
    assert "请说明拒绝的理由" in render_text(asked.view)
    own = click(d, "alice", deny_ref(rid))
    assert "这是你自己的请求；要撤回，请用 `/k8s cancel" in chinese(own.view)
    denied = d.handle(Incoming(f"/k8s deny {rid} 窗口期外", "bob", InputKind.SLASH, "C0OPS"), Conversation())
    assert "你已拒绝：窗口期外。未执行任何操作。" in chinese(denied.view)
    card = chinese(workflow.status(rid).view())
    assert "@bob 已于 " in card and "拒绝：窗口期外。未执行任何操作。" in card
    # A reason that ends its own sentence is not given a second full stop; a request that is not there is said so.
    rid_b, _ = ask_in_chinese(d, lamp="porch")
    stop = d.handle(Incoming(f"/k8s deny {rid_b} 先修堆参数。", "bob", InputKind.SLASH, "C0OPS"), Conversation())
    assert "你已拒绝：先修堆参数。未执行任何操作。" in chinese(stop.view)
    missing = d.handle(Incoming("/k8s 审批 --cluster home", "bob", InputKind.SLASH, "C0OPS"), Conversation())
    assert missing.status == "ok"
    nothing = d.handle(Incoming("/k8s deny abcd1234 不需要", "bob", InputKind.SLASH, "C0OPS"), Conversation())
    assert "没有审批请求 `abcd1234`。" in chinese(nothing.view)

    rid2, _ = ask_in_chinese(d, lamp="porch")
    not_yours = click(d, "bob", cancel_ref(rid2))
    assert "只有申请人 @alice 可以撤回" in chinese(not_yours.view)
    cancelled = click(d, "alice", cancel_ref(rid2))
    assert "已撤回。未执行任何操作。" in chinese(cancelled.view)

    WORLD.reset()
    rid3, out = ask_in_chinese(d, cluster="vault")  # two distinct approvers
    assert "等待2 位不同的审批人批准" in chinese(out.view)
    first = click(d, "bob", approve_ref(rid3))
    assert "已记录你的批准（1/2）" in chinese(first.view)
    twice = click(d, "bob", approve_ref(rid3))
    assert "你已批准过" in chinese(twice.view)
    assert "（已有 1/2 个批准：@bob）" in chinese(workflow.status(rid3).view())


def test_a_world_that_changed_fails_the_run_in_chinese_on_the_card_and_in_english_in_the_audit(
    workflow: ApprovalWorkflow,
) -> None:
    d = make_dispatcher(workflow)
    rid, _ = ask_in_chinese(d)
    with WORLD.lock:
        WORLD.lamps["hall"] = "dimmed"
    failed = click(d, "bob", approve_ref(rid))
    refused = "未执行：申请之后，它核对的内容已发生变化（lamp state 原为 on，现为 dimmed）。如果仍然需要，请重新申请："
    assert f"你已批准，执行失败：{refused}`/k8s switch off hall --cluster home`" in chinese(failed.view)
    assert WORLD.executions == []
    card = chinese(workflow.status(rid).view())
    assert f"失败：{refused}" in card
    trail = workflow.audit(request=rid)
    assert trail.entries[-1].detail == (
        "not run: what it was checked against changed since it was requested (lamp state was on, now dimmed). "
        "If it is still needed, request it again: `/k8s switch off hall --cluster home`"
    )


def test_an_english_request_reads_as_it_always_did(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    out = d.handle(Incoming("/k8s switch off hall", "alice", InputKind.SLASH, "C0OPS"), Conversation())
    text = render_text(out.view)
    assert "Waiting for an approver. Expires at " in text and "1 (not the requester)" in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_rich_message_keeps_people_and_channels_as_they_are_where_each_language_puts_them() -> None:
    msg = Msg("Approved by {by} at {when}.", "{by} 已于 {when} 批准。")
    by = (Person("U1"), " and ", Person("U2"))
    assert msg.rich("en", by=by, when="09:14") == ("Approved by ", Person("U1"), " and ", Person("U2"), " at 09:14.")
    assert msg.rich("zh", by=Person("U1"), when="09:14") == (Person("U1"), " 已于 09:14 批准。")
    assert msg.rich("en", by="nobody", when="09:14") == "Approved by nobody at 09:14."  # all words: a plain string


def test_a_card_that_reached_nobody_fails_its_request_in_its_language(workflow: ApprovalWorkflow) -> None:
    """The requester's conversation took no card (the responder posted nothing): the request is failed at once, its
    reason in the request's language, the audit's in English."""
    d = make_dispatcher(workflow)
    outcome = d.handle(Incoming.click(CommandRef("switch off", LampArgs(lamp="hall"), "home"), "alice", "C0OPS", None,
                                      lang="zh"), Captured())
    assert outcome.status == "failed"
    (failed,) = workflow.store.in_states((State.FAILED,))
    assert failed.reason == "审批卡片无法发到申请它的地方"
    assert "失败，未执行任何操作：审批卡片无法发到申请它的地方" in chinese(workflow.status(failed.id).view())
    assert workflow.audit(request=failed.id).entries[-1].detail == "the card could not be posted where it was asked for"


def test_the_audit_trail_button_of_a_chinese_card_opens_a_chinese_frame_around_the_record(
    workflow: ApprovalWorkflow,
) -> None:
    d = make_dispatcher(workflow)
    rid, _ = ask_in_chinese(d)
    click(d, "bob", approve_ref(rid))
    (audit_button,) = workflow.status(rid).view().buttons()
    trail = click(d, "carol", audit_button.ref)
    text = chinese(trail.view)
    assert "审计记录" in text and f"条审计记录（请求 {rid}）" in trail.view.summary
    assert "时间（UTC）" in text and "执行人" in text and "已成功" in text and "申请" in text
    assert "hall is off" in text  # the record as written
    english = d.handle(Incoming(f"/k8s audit --request {rid}", "carol", InputKind.SLASH, "C0OPS"), Conversation())
    assert f"audit entries of request {rid}" in english.view.summary and "TIME (UTC)" in render_text(english.view)


def test_the_list_of_requests_asked_in_chinese_uses_the_card_s_own_words(workflow: ApprovalWorkflow) -> None:
    """What the list says to do on a card is what the card's buttons say (批准、拒绝、撤回), and only to whom may."""
    d = make_dispatcher(workflow)
    ask_in_chinese(d)

    def listed(user: str) -> str:
        return render_text(d.handle(Incoming("/k8s 审批", user, InputKind.SLASH, "C0OPS"), Conversation()).view)

    card_words = [APPROVAL.approve("zh"), APPROVAL.deny("zh"), APPROVAL.cancel("zh")]
    assert "打开请求可查看完整的审批卡片，并在卡片上{}、{}或{}。".format(*card_words) in listed("bob")
    own = listed("alice")
    assert f"*你的请求：可以{APPROVAL.cancel('zh')}*" in own and "取消" not in own
    assert "打开你的请求可查看完整的审批卡片，并在卡片上撤回。" in own
    viewer = listed("carol")
    assert "`/k8s request ID` 可查看请求的完整审批卡片。" in viewer and "批准、拒绝" not in viewer
