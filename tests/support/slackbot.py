"""A Slack app under test, driven through the real protocol: signed slash commands, events and interactions POSTed
to `aksbot`'s HTTP endpoint, answers read back from the local Slack Web API double (`tests.support.slack`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.slack import ApiCall, WebApiServer, interaction_body, signed_post, slash_body


@dataclass
class Bot:
    url: str
    api: WebApiServer
    kube: Any

    def slash(self, text: str, *, user: str, channel: str, **sign: Any) -> tuple[int, str]:
        response_url = self.api.response_url()
        status = signed_post(self.url, slash_body(text, user=user, channel=channel, response_url=response_url), **sign)
        return status, response_url

    def event(self, payload: dict[str, Any]) -> int:
        return signed_post(self.url, json.dumps(payload), "application/json")

    def interact(self, payload: dict[str, Any]) -> int:
        return signed_post(self.url, interaction_body(payload))

    def posts_in(self, channel: str, count: int = 1) -> list[ApiCall]:
        self.api.wait_for(lambda s: len(in_channel(s.of("chat.postMessage"), channel)) >= count)
        return in_channel(self.api.of("chat.postMessage"), channel)

    def answer_at(self, response_url: str) -> dict[str, Any]:
        path = response_url[len(self.api.base) :]
        self.api.wait_for(lambda s: any(p == path for p, _ in s.responses))
        return next(body for p, body in self.api.responses if p == path)


def in_channel(calls: list[ApiCall], channel: str) -> list[ApiCall]:
    return [c for c in calls if c.params.get("channel") == channel]


def text_of(call_params: dict[str, Any]) -> str:
    return json.dumps(call_params.get("blocks") or [], ensure_ascii=False) + str(call_params.get("text") or "")


def new_channel() -> str:
    return "C" + uuid.uuid4().hex[:9].upper()


def spare_node(kube: Any) -> str:
    """A Ready, schedulable node of the minicluster `kube` that no sandbox scenario gave a role: safe to cordon."""
    for node in sorted(kube.objects("nodes"), key=lambda n: n["metadata"]["name"]):
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions") or [])
        labels = node["metadata"].get("labels") or {}
        if ready and not node["spec"].get("unschedulable") and "aksbot.io/sandbox-role" not in labels:
            return str(node["metadata"]["name"])
    raise AssertionError("no spare node in the minicluster")
