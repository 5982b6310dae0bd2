"""A team's own labelled questions: what its people asked the bot and the entry each one opened from the reply,
exported by `aksbot kb asked --export` and reviewed by a person. `aksbot kb eval --questions FILE` measures the
search on them, beside the hand-written and the public real questions.

The file is the real questions' format with `part: team`, a `slack://` source (the channel and the kept question's
number) and, for the reviewer, `reply`: what the reply offered and whose verdict the label is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.evaluation import RealQuery
from knowledge.loader import YAML_LOADER


class TeamQuery(RealQuery):
    source: str = Field(pattern=r"^(https?|slack)://")
    reply: str | None = None


class TeamSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    part: Literal["team"]
    queries: tuple[TeamQuery, ...]


def load_team(path: Path, known: set[str]) -> tuple[TeamQuery, ...]:
    """The questions of a team file; ValueError naming the file and what is wrong (including an `expect` that is no
    entry's id: an entry renamed since the export, or a typo in the review)."""
    try:
        loaded = TeamSet.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    unknown = sorted({q.expect for q in loaded.queries if q.expect is not None and q.expect not in known})
    if unknown:
        raise ValueError(f"{path}: expect names no entry: {', '.join(unknown)}")
    return loaded.queries
