"""On a cluster at AKS's node limit (the sandbox's `large`: 5,000 nodes, 50,000 pods), every list's "Show more"
button shows the next rows of the same list, with the same filters, and never an error.

The bot reads through its watch cache here, as it does in production once synced; each button is pressed as a
click (its command reference, no text parsed), twice in a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.app import Assembly, assemble
from bot.blocks import SHOW_MORE, Button, Table, View
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind, MessageRef, Reply
from sandbox import Sandbox

LISTS = (
    "/k8s nodes",
    "/k8s nodes --pool user01",
    "/k8s pods -A",
    "/k8s pods -n team-007",
    "/k8s deployments -A",
    "/k8s pdbs -A",
    "/k8s events -A",
    "/k8s top nodes",
    "/k8s top pods -A --sort memory",
)


class Last:
    def __init__(self) -> None:
        self.view: View | None = None

    def send(self, reply: Reply) -> MessageRef:
        self.view = reply.view
        return MessageRef("C0LARGE", "1.0")


class Quiet:
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        return None

    def update(self, ref: MessageRef, view: View) -> None:
        return None

    def tell(self, user: str, view: View) -> None:
        return None


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assembly]:
    folder: Path = tmp_path_factory.mktemp("large")
    with Sandbox("large", arm=False) as sandbox:
        config = yaml.safe_load(sandbox.write_config(folder).read_text())
        config["roles"] = {"viewer": ["*"]}
        settings = from_mapping(config, source=str(folder / "aksbot.yaml"), environ={})
        assembly = assemble(settings, Quiet()).start()
        try:
            assert assembly.deps.clusters.wait_synced(300)  # type: ignore[attr-defined]
            yield assembly
        finally:
            assembly.stop()


def _paged(view: View) -> Table | None:
    return next((b for b in view.blocks if isinstance(b, Table) and b.total is not None and b.more is not None), None)


def _more(view: View) -> Button:
    return next(b for b in view.buttons() if b.label == SHOW_MORE)


def test_every_show_more_shows_the_next_rows_of_the_same_list(large: Assembly) -> None:
    paged = []
    for text in LISTS:
        answer = Last()
        outcome = large.dispatcher.handle(Incoming(text, "carol", InputKind.SLASH, "C0LARGE"), answer)
        assert outcome.status == "ok" and answer.view is not None, f"{text}: {outcome.view.summary}"
        first = _paged(answer.view)
        if first is None:
            continue  # the whole list fits on one page here: no button to press
        paged.append(text)
        seen = set(first.rows)
        for _ in range(2):
            button = _more(answer.view)
            outcome = large.dispatcher.handle(
                Incoming.click(button.ref, "carol", "C0LARGE", MessageRef("C0LARGE", "1.0")), answer
            )
            assert outcome.status == "ok", f"{button.ref.text()}: {outcome.view.summary}"
            page = next(b for b in answer.view.blocks if isinstance(b, Table) and b.total is not None)
            assert page.offset == first.offset + len(first.rows), button.ref.text()
            assert page.total == first.total and page.rows, button.ref.text()
            assert not seen & set(page.rows), f"{button.ref.text()} repeated rows of the page before"
            seen |= set(page.rows)
            first = page
    assert len(paged) >= 7, f"lists with a next page on 5,000 nodes: {paged}"
