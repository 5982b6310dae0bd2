"""The Slack app manifest asks for every scope and event the bot's Web API calls and listeners need, and the
connection guide says why each scope is there."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.slack import NEEDS

ROOT = Path(__file__).resolve().parents[2]
# The methods the bot calls beyond answering (incident channels), as the Slack workspace adapter makes them.
CALLED = (
    "conversations.create",
    "conversations.invite",
    "conversations.setTopic",
    "conversations.archive",
    "conversations.join",
    "conversations.history",
    "conversations.replies",
    "pins.add",
    "bookmarks.add",
    "chat.postMessage",
)


def _manifest() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_scope_the_bot_uses_is_asked_for_and_explained() -> None:
    manifest = _manifest()
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])  # type: ignore[index]
    needed = {scope for method in CALLED for scope in NEEDS[method]}
    assert needed <= scopes, needed - scopes
    assert {"reactions:read", "usergroups:read", "commands", "chat:write"} <= scopes
    guide = (ROOT / "deploy" / "CONNECT_SLACK.md").read_text(encoding="utf-8")
    for scope in scopes:
        assert f"| `{scope}` |" in guide, f"CONNECT_SLACK.md does not say why the bot needs {scope}"


def test_the_events_and_the_slash_command_are_as_the_listeners_expect() -> None:
    manifest = _manifest()
    events = manifest["settings"]["event_subscriptions"]["bot_events"]  # type: ignore[index]
    assert {"app_mention", "message.im", "reaction_added"} <= set(events)
    (slash,) = manifest["features"]["slash_commands"]  # type: ignore[index]
    assert slash["command"] == "/k8s" and slash["should_escape"] is True  # mentions arrive as <@U…>
