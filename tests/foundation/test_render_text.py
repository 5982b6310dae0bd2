from __future__ import annotations

from bot.blocks import Actions, Button, Code, Fields, Heading, Level, Notice, Table, View
from bot.render_text import render_text


def test_text_rendering_aligns_tables_and_lists_buttons() -> None:
    view = View(
        "x",
        (
            Heading("Nodes"),
            Notice("1 NotReady", Level.ERROR),
            Fields((("cluster", "prod"),)),
            Table(("name", "status"), (("aks-1", "Ready"), ("aks-22", "NotReady")), total=5, more="/k8s nodes --all"),
            Code("kubectl get nodes", "Run"),
            Actions((Button("Approve", "/k8s approve 1"),)),
        ),
    )
    text = render_text(view)
    assert "NAME    STATUS" in text
    assert "aks-22  NotReady" in text
    assert "(showing 2 of 5; more: /k8s nodes --all)" in text
    assert "[error] 1 NotReady" in text
    assert "[Approve]" in text and ":click" in text
