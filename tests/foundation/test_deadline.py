"""`bot.deadline`: once a command's time is used up, the next call is not made, and the answer is one sentence in
the asker's language."""

from __future__ import annotations

import pytest

from bot.deadline import MIN_CALL_S, call_bound, within
from bot.errors import Upstream
from bot.i18n import in_lang
from bot.render_text import render_text


def test_a_call_with_time_left_gets_what_is_left_or_its_own_bound() -> None:
    assert call_bound(10.0, "nodes") == 10.0  # outside any command: its own bound
    with within(3.0):
        assert 2.5 <= call_bound(10.0, "nodes") <= 3.0
        assert call_bound(1.0, "nodes") == 1.0


def test_a_command_out_of_time_says_so_in_one_sentence_in_either_language() -> None:
    with within(MIN_CALL_S / 2), pytest.raises(Upstream) as out:
        call_bound(10.0, "pods on cluster 'prod'")
    english = render_text(out.value.view("en"))
    assert "Stopped before asking for pods on cluster 'prod': this command's 0.25 s were used up (the cluster or " \
           "Azure is answering slowly). It may be temporary; try again in a minute." in english
    chinese = render_text(out.value.view("zh"))
    assert "本命令的 0.25 秒已经用完（集群或 Azure 响应缓慢）。可能是暂时的，请一分钟后再试。" in chinese
    assert "were used up" not in in_lang(out.value.text(), "zh")
