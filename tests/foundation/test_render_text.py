from __future__ import annotations

from bot.approvals.commands import approve_ref
from bot.blocks import Actions, Button, Code, Fields, Heading, Level, Notice, Table, View
from bot.refs import CommandRef
from bot.render_text import render_text
from tests.support.foundation import PodsArgs


def test_text_rendering_aligns_tables_and_lists_buttons() -> None:
    view = View(
        "x",
        (
            Heading("Nodes"),
            Notice("1 NotReady", Level.ERROR),
            Fields((("cluster", "prod"),)),
            Table(("name", "status"), (("aks-1", "Ready"), ("aks-22", "NotReady")), total=5,
                  more=CommandRef("nodes", PodsArgs(selector="pool=user"))),
            Code("kubectl get nodes", "Run"),
            Actions((Button("Approve", approve_ref("1")),)),
        ),
    )
    text = render_text(view)
    assert "NAME    STATUS" in text
    assert "aks-22  NotReady" in text
    assert "(rows 1–2 of 5; next: /k8s nodes -l pool=user)" in text
    assert "[error] 1 NotReady" in text
    assert "[Approve]" in text and ":click" in text
