"""The Slack workspace adapter over the real `WebClient` against the Slack double: each method's call, and each
Slack error as the project's error with a message that names what to fix."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from slack_sdk.web import WebClient

from bot.blocks import Notice, Person, View
from bot.errors import NotConfigured, NotFound, Refused
from bot.incidents.ports import NameTaken, NotInChannel
from bot.slack.workspace import SlackWorkspace
from bot.surface import MessageRef
from tests.support.slack import ALL_SCOPES, BOT_TOKEN, BOT_USER, WebApiServer


@pytest.fixture
def api() -> Iterator[WebApiServer]:
    server = WebApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def workspace(api: WebApiServer) -> SlackWorkspace:
    return SlackWorkspace(WebClient(token=BOT_TOKEN, base_url=api.api_url))


def _name() -> str:
    return f"inc-20261122-{uuid.uuid4().hex[:8]}"


def test_a_channel_is_made_invited_to_topicked_pinned_bookmarked_and_archived(
    api: WebApiServer, workspace: SlackWorkspace
) -> None:
    name = _name()
    channel = workspace.create_channel(name, private=False)
    made = api.channels[channel.id]
    assert channel.name == name and made.members == [BOT_USER]
    api.known_users = {"U0ALICE", "U0BOB"}
    invited = workspace.invite(channel.id, ("U0ALICE", "U0GHOST", BOT_USER, "U0BOB"))
    # Slack invites whom it can and names the others; being there already (the bot) is not a failure.
    assert invited.users == ("U0ALICE", BOT_USER, "U0BOB") and invited.refused == (("U0GHOST", "user_not_found"),)
    assert made.members == [BOT_USER, "U0ALICE", "U0BOB"]
    workspace.set_topic(channel.id, ("🚨 SEV2 · a & b · commander ", Person("U0ALICE")))
    assert made.topic == "🚨 SEV2 · a &amp; b · commander <@U0ALICE>"
    workspace.set_topic(channel.id, "x" * 400)
    assert len(made.topic) == 250  # Slack's limit: clipped, not refused
    posted = workspace.post(channel.id, View("snapshot", (Notice("snapshot"),)))
    workspace.pin(posted)
    workspace.pin(posted)  # already pinned: what was asked for
    assert made.pins == [posted.ts]
    workspace.bookmark(channel.id, "Runbook: node-notready", "https://example.com/node-notready")
    assert made.bookmarks[0]["title"] == "Runbook: node-notready" and made.bookmarks[0]["type"] == "link"
    workspace.archive(channel.id)
    workspace.archive(channel.id)  # already archived: what was asked for
    assert made.archived
    with pytest.raises(Refused, match="archived"):
        workspace.post(channel.id, View("late", (Notice("late"),)))


def test_slack_errors_become_answers_that_name_the_fix(api: WebApiServer, workspace: SlackWorkspace) -> None:
    name = _name()
    workspace.create_channel(name, private=False)
    with pytest.raises(NameTaken):
        workspace.create_channel(name, private=False)
    api.scopes = set(ALL_SCOPES - {"groups:write"})
    with pytest.raises(NotConfigured, match=r"lacks the `groups:write` scope.*OAuth & Permissions"):
        workspace.create_channel(_name(), private=True)
    api.scopes = None
    api.restricted.add("conversations.archive")
    channel = workspace.create_channel(_name(), private=False)
    with pytest.raises(NotConfigured, match="who may archive channels"):
        workspace.archive(channel.id)
    api.channels[channel.id].members.remove(BOT_USER)
    with pytest.raises(NotInChannel, match="not a member"):
        workspace.set_topic(channel.id, "topic")
    workspace.join(channel.id)
    workspace.set_topic(channel.id, "topic")
    with pytest.raises(NotFound):
        workspace.pin(MessageRef(channel.id, "1.000001"))


def test_the_text_of_a_message_or_a_thread_reply(api: WebApiServer, workspace: SlackWorkspace) -> None:
    channel = workspace.create_channel(_name(), private=False)
    top = api.say(channel.id, "U0CAROL", "error rate is back to <@U0BOB>'s baseline")
    reply = api.say(channel.id, "U0DAVE", "confirmed on the dashboard", thread_ts=top)
    assert workspace.message_text(MessageRef(channel.id, top)) == "error rate is back to <@U0BOB>'s baseline"
    assert workspace.message_text(MessageRef(channel.id, reply)) == "confirmed on the dashboard"
    history = [c.method for c in api.calls if c.method.startswith("conversations.") and "history" in c.method]
    assert history == ["conversations.history", "conversations.history"]
    assert [c.method for c in api.calls][-1] == "conversations.replies"  # a reply is not in the channel's history
    assert workspace.message_text(MessageRef(channel.id, "1.000009")) is None
