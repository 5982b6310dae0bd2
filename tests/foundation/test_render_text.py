from __future__ import annotations

import json

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


def test_chinese_columns_line_up_as_a_monospace_font_draws_them() -> None:
    """A Chinese character takes two columns in a terminal or a Slack code block: padding by characters left every
    value after a Chinese title or label one column short per character."""
    view = View(
        "x",
        (
            Heading("节点"),
            Fields((("节点池", "userpool"), ("Kubernetes", "1.31.5"))),
            Table(("节点", "状态", "节点池"), (("aks-1", "Ready", "system"), ("aks-22", "NotReady", "userpool"))),
        ),
    )
    lines = render_text(view).splitlines()
    assert lines[:2] == ["节点", "===="]
    assert lines[2:4] == ["节点池     : userpool", "Kubernetes : 1.31.5"]
    # Every row's columns start where the header's do, counted in display columns.
    assert lines[4:] == ["节点    状态      节点池", "aks-1   Ready     system", "aks-22  NotReady  userpool"]


def test_a_clipped_chinese_cell_keeps_its_width() -> None:
    from bot.render_slack import fit_columns
    from bot.render_text import clip_width, display_width

    assert display_width("节点 aks-1") == 10 and clip_width("节点池的节点", 7) == "节点池…"
    rows = (("aks-1", "节点上的 kubelet 已停止上报状态，lease 已过期很久"),)
    (clipped,) = fit_columns(("节点", "说明"), rows, 30)
    assert display_width(clipped[0]) + 2 + display_width(clipped[1]) <= 30


def test_a_chinese_table_s_footer_is_chinese() -> None:
    """The renderers know no language; a table whose column names are Chinese gets a Chinese footer."""
    from bot.render_slack import render_slack

    table = Table(("节点", "状态"), (("aks-1", "Ready"), ("aks-22", "NotReady")), total=5,
                  more=CommandRef("nodes", PodsArgs(selector="pool=user")))
    assert "(第 1–2 行，共 5 行; 下一页: /k8s nodes -l pool=user)" in render_text(View("节点", (table,)))
    wide = Table(("节点", "状态"), tuple((f"aks-{i}", "Ready" * 30) for i in range(400)), total=2000)
    assert "第 1–" in json.dumps(render_slack(View("节点", (wide,))).blocks, ensure_ascii=False)
