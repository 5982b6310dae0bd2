"""The one catalog of the bot's words: every message in both languages, with the same placeholders."""

from __future__ import annotations

from bot.i18n import DIAGNOSE, messages

# Words that are the same in both languages (names of things, and a kubectl flag).
SAME_IN_BOTH = {
    "diagnose.kubernetes",
    "aks.kubernetes",
    "read.by_selector",
    "read.col_pod",
    "read.col_deployment",
    "read.col_cpu",
    "read.col_cpu_share",
    "read.pod_heading",
    "read.pod_ip",
}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    seen = 0
    for name, msg in messages():
        seen += 1
        assert msg.en.strip() and msg.zh.strip(), name
        assert msg.placeholders("en") == msg.placeholders("zh"), name
        if name not in SAME_IN_BOTH:
            assert msg.en != msg.zh, f"{name} is not translated"
    assert seen > 40


def test_a_message_reads_in_the_language_asked_for() -> None:
    assert DIAGNOSE.node_heading("en", name="aks-1") == "Diagnosis: node aks-1"
    assert DIAGNOSE.node_heading("zh", name="aks-1") == "诊断：节点 aks-1"
    assert DIAGNOSE.pods_detail("en", total=1200, running=1000, pending=150, failed=50) == (
        "1,200 (1,000 running, 150 pending, 50 failed)"
    )


def test_a_value_is_said_in_the_message_language_and_ends_its_sentence_once() -> None:
    """A `Said` value (a finding's title in both languages) reads in the message's language, in plain and rich
    messages; a reason that ends its own sentence is not followed by the message's full stop too."""
    from bot.blocks import Person
    from bot.i18n import ALERT, APPROVAL, Said

    title = Said("Node aks-1 is NotReady", "节点 aks-1 未就绪")
    assert "节点 aks-1 未就绪" in ALERT.acked_now("zh", id="abc", title=title)
    assert "Node aks-1 is NotReady" in ALERT.acked_now("en", id="abc", title=title)
    denied = APPROVAL.denied.rich("zh", by=Person("U1"), when="10:00", reason="先修堆参数。")
    assert isinstance(denied, tuple) and "先修堆参数。未执行" in "".join(p for p in denied if isinstance(p, str))
    assert "。。" not in "".join(p for p in denied if isinstance(p, str))
    assert APPROVAL.expired("en", at="10:00") == "Expired at 10:00, nothing ran."
