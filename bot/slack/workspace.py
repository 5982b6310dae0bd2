"""The incident channels' workspace over Slack's Web API (`bot.incidents.ports.Workspace`).

Each method is one Web API call (`conversations.create`, `conversations.invite`, `conversations.setTopic`,
`chat.postMessage`, `pins.add`, `bookmarks.add`, `conversations.archive`, `conversations.join`, and
`conversations.history` / `conversations.replies` to read a message), and every Slack error becomes one of the
project's errors with a message a workspace admin can act on:

    missing_scope        NotConfigured  names the scope Slack says is `needed`, and where to add it
    restricted_action    NotConfigured  a workspace setting forbids the bot this (who may create / archive channels)
    name_taken           NameTaken      the caller tries the next name
    not_in_channel       NotInChannel   the bot is not a member (it may join a public channel)
    is_archived, …       Refused        the channel cannot take it
    anything else        Upstream       with Slack's error code

A partially failed `conversations.invite` (Slack invites whom it can and answers with an `errors` list) is not a
failure: the users it refused come back with Slack's reason. Pinning an already pinned message, archiving an
archived channel and inviting someone already there are what was asked for, not errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse, WebClient

from bot.blocks import Rich, View
from bot.errors import AksbotError, NotConfigured, NotFound, Refused, Upstream
from bot.incidents.ports import NO_SUCH_USER, Channel, Invited, NameTaken, NotInChannel
from bot.render_slack import clip, inline, render_slack
from bot.surface import MessageRef

log = logging.getLogger("aksbot.slack.workspace")

# Slack's limit on a channel topic.
MAX_TOPIC = 250
# Per-user invite errors that leave the user where they should be.
_INVITED_ANYWAY = frozenset({"already_in_channel", "cant_invite_self"})
_REFUSED = {
    "is_archived": "the channel is archived",
    "channel_not_found": "the channel does not exist (or the bot cannot see it)",
    "too_many_convos_for_team": "the workspace has reached its limit of channels",
    "too_many_convos_for_app_on_team": "this app has reached its per-workspace limit of channels",
    "too_many_bookmarks": "the channel has the most bookmarks Slack allows",
    "too_many_pins": "the channel has the most pins Slack allows",
    "not_pinnable": "that message cannot be pinned",
    "message_not_found": "the message is gone",
    "thread_not_found": "the message is gone",
    "cant_archive_general": "the workspace's general channel cannot be archived",
    "method_not_supported_for_channel_type": "Slack does not allow it in this kind of conversation",
    "user_is_restricted": "the bot's user is restricted in this workspace",
    "ekm_access_denied": "the workspace's administrators have suspended this",
}
_RESTRICTED = {
    "creating the channel": "who may create channels (Workspace settings → Permissions → Channel Management)",
    "archiving the channel": "who may archive channels (Workspace settings → Permissions → Channel Management)",
}


def translate(what: str, exc: SlackApiError) -> AksbotError:
    """One Slack API error, while doing `what`, as the project's error."""
    data: dict[str, Any] = dict(exc.response.data) if isinstance(exc.response.data, dict) else {}
    error = str(data.get("error") or exc.response.status_code)
    if error == "missing_scope":
        needed = str(data.get("needed") or "?")
        return NotConfigured(
            f"Slack refused {what}: the aksbot app lacks the `{needed}` scope. Add it under the app's OAuth & "
            "Permissions → Bot Token Scopes (or in deploy/slack-manifest.yaml), reinstall the app to the workspace, "
            "and try again."
        )
    if error == "restricted_action":
        setting = _RESTRICTED.get(what, "what apps may do in channels (Workspace settings → Permissions)")
        return NotConfigured(
            f"Slack refused {what}: a workspace setting does not allow the bot to do it (restricted_action). "
            f"A workspace admin can change {setting}."
        )
    if error == "name_taken":
        return NameTaken(f"Slack refused {what}: the name is taken.")
    if error == "not_in_channel":
        return NotInChannel(f"Slack refused {what}: the bot is not a member of the channel; invite it there.")
    if error in ("channel_not_found", "message_not_found", "thread_not_found"):
        return NotFound(f"Slack refused {what}: {_REFUSED[error]}.", kind="channel", name="")
    if error in _REFUSED:
        return Refused(f"Slack refused {what}: {_REFUSED[error]} ({error}).")
    if error in ("ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"):
        return Upstream(f"Slack failed {what} ({error}).")
    return Upstream(f"Slack refused {what} ({error}).", temporary=False)


class SlackWorkspace:
    """`Workspace` over a `WebClient` (the bot token; rate limits honoured by its retry handlers)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, what: str, method: Callable[..., SlackResponse], **params: Any) -> SlackResponse:
        try:
            return method(**params)
        except SlackApiError as exc:
            raise translate(what, exc) from None
        except (SlackClientError, OSError) as exc:
            raise Upstream(f"Slack could not be reached while {what} ({type(exc).__name__}).") from None

    def _done_unless(self, what: str, already: set[str], method: Callable[..., SlackResponse], **params: Any) -> None:
        """A call whose `already` errors mean it was done before (an already pinned message): not errors."""
        try:
            method(**params)
        except SlackApiError as exc:
            if str(exc.response.get("error")) not in already:
                raise translate(what, exc) from None
        except (SlackClientError, OSError) as exc:
            raise Upstream(f"Slack could not be reached while {what} ({type(exc).__name__}).") from None

    def create_channel(self, name: str, *, private: bool) -> Channel:
        response = self._call("creating the channel", self.client.conversations_create, name=name, is_private=private)
        channel = response.get("channel") or {}
        return Channel(str(channel.get("id")), str(channel.get("name") or name))

    def invite(self, channel: str, users: Sequence[str]) -> Invited:
        if not users:
            return Invited(())
        try:
            self.client.conversations_invite(channel=channel, users=",".join(users))
            return Invited(tuple(users))
        except SlackApiError as exc:
            per_user = exc.response.get("errors") if isinstance(exc.response.data, dict) else None
            error = str(exc.response.get("error"))
            if not isinstance(per_user, list) and len(users) == 1 and error in NO_SUCH_USER:
                per_user = [{"user": users[0], "error": error}]  # one person, refused without the per-user list
            if not isinstance(per_user, list):
                raise translate("inviting the responders", exc) from None
            # Slack invited everyone it could; only the refused come back.
            refused = {
                str(e.get("user")): str(e.get("error"))
                for e in per_user
                if isinstance(e, dict) and str(e.get("error")) not in _INVITED_ANYWAY
            }
            return Invited(tuple(u for u in users if u not in refused), tuple(refused.items()))
        except (SlackClientError, OSError) as exc:
            raise Upstream(
                f"Slack could not be reached while inviting the responders ({type(exc).__name__})."
            ) from None

    def set_topic(self, channel: str, topic: Rich) -> None:
        self._call(
            "setting the channel's topic",
            self.client.conversations_setTopic,
            channel=channel,
            topic=clip(inline(topic), MAX_TOPIC),
        )

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef:
        message = render_slack(view)
        response = self._call(
            "posting in the channel",
            self.client.chat_postMessage,
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread.ts if thread else None,
        )
        return MessageRef(str(response["channel"]), str(response["ts"]))

    def pin(self, message: MessageRef) -> None:
        self._done_unless(
            "pinning a message", {"already_pinned"}, self.client.pins_add, channel=message.channel, timestamp=message.ts
        )

    def bookmark(self, channel: str, title: str, link: str) -> None:
        self._call(
            "adding a bookmark", self.client.bookmarks_add, channel_id=channel, title=title, type="link", link=link
        )

    def archive(self, channel: str) -> None:
        self._done_unless(
            "archiving the channel", {"already_archived"}, self.client.conversations_archive, channel=channel
        )

    def join(self, channel: str) -> None:
        self._call("joining the channel", self.client.conversations_join, channel=channel)

    def message_text(self, message: MessageRef) -> str | None:
        """The message at `message.ts`: from the channel's history, else (a reply in a thread) from its thread."""
        bounds = {"channel": message.channel, "latest": message.ts, "oldest": message.ts, "inclusive": True, "limit": 1}
        response = self._call("reading the pinned message", self.client.conversations_history, **bounds)
        found = _find(response.get("messages"), message.ts)
        if found is None:
            try:
                replies = self._call(
                    "reading the pinned message", self.client.conversations_replies, ts=message.ts, **bounds
                )
            except NotFound:
                return None
            found = _find(replies.get("messages"), message.ts)
        return str(found.get("text") or "") if found is not None else None


def _find(messages: Any, ts: str) -> dict[str, Any] | None:
    for m in messages if isinstance(messages, list) else []:
        if isinstance(m, dict) and str(m.get("ts")) == ts:
            return m
    return None
