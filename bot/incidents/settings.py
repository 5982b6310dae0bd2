"""Incident settings (a part of `bot.settings`): how incident channels are made.

    incidents:
      private: false          # create private channels (needs the `groups:write` scope) instead of public ones
      runbook_url: https://git.example.com/ops/aksbot/-/blob/main/knowledge/entries/{id}.md
    clusters:
      - name: prod
        oncall: [S0PRODONCALL]  # user groups (or users) invited to every incident channel of this cluster

`runbook_url` is where a knowledge-base entry can be read in a browser (the channel's runbook bookmark); without
it the bookmark points to the entry's first official documentation page.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class IncidentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    private: bool = False
    runbook_url: str | None = Field(default=None, min_length=1)

    @field_validator("runbook_url")
    @classmethod
    def _names_the_entry(cls, value: str | None) -> str | None:
        if value is not None and ("{id}" not in value or not value.startswith(("https://", "http://"))):
            raise ValueError("an http(s) URL with `{id}` where the knowledge-base entry's id goes")
        return value
