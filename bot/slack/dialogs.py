"""Dialogs the Slack surface opens: asking the person who clicked for an argument their command still needs.

The command itself says when it needs one (`bot.errors.NeedsInput`, e.g. Deny's reason on a request that still
waits), so a click on a finished card never opens a dialog.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import SLACK, param_help
from bot.refs import CommandRef
from bot.registry import Lang, ParamSpec

ASK_MODAL = "aksbot_ask"
ASK_BLOCK = "asked"
ASK_INPUT = "value"


def ask_modal(ref: CommandRef, param: ParamSpec, private_metadata: str, lang: Lang = "en") -> dict[str, Any]:
    """The dialog that asks for the argument `param` a clicked command still needs (Deny's reason), in the clicked
    message's language; `private_metadata` carries the reference and the clicked message."""
    first = next((str(v) for v in ref.args.model_dump().values() if v not in (None, "")), "")
    title = f"{ref.command.capitalize()} {first}".strip()
    label = param_help(param.help, lang)
    label = label[:1].upper() + label[1:]
    return {
        "type": "modal",
        "callback_id": ASK_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": ref.command.capitalize()[:24]},
        "close": {"type": "plain_text", "text": SLACK.cancel(lang)},
        "blocks": [
            {
                "type": "input",
                "block_id": ASK_BLOCK,
                "label": {"type": "plain_text", "text": label[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ASK_INPUT,
                    "multiline": param.greedy,
                    "min_length": 3,
                    "max_length": 500,
                },
            }
        ],
    }
