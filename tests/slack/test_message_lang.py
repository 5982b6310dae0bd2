"""Which language a clicked message is in, so the click is answered in it."""

from __future__ import annotations

from bot.slack.listeners import message_lang


def test_a_message_reads_as_the_language_of_its_words_not_of_its_names() -> None:
    """A click is answered in the clicked message's language. A Chinese card names nodes, commands and people in
    Latin letters; an English runbook quotes the team's Chinese notes by their headings."""
    node = "aks-nodepool1-31415926-vmss000001"
    card = {"text": "", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": f"审批请求 abcd1234：隔离节点 {node}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*命令*\n`/k8s cordon {node} --cluster sandbox`"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*申请人*\n<@U0ALICE> · node uid = 19e2d8f0-d42e"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*节点*\n{node}\n*节点池*\nnodepool1\n*状态*\nReady"}},
    ]}
    assert message_lang(card) == "zh"
    runbook = {"text": "Node NotReady or Unknown (kubelet stopped posting status)", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "The control plane stopped hearing from a node's "
                                                                 "kubelet; cordon the node first, then find which "
                                                                 "component broke."}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "team notes: 节点 NotReady 排查 · 手动轮换证书"}]},
    ]}
    assert message_lang(runbook) == "en"
    assert message_lang({"text": "", "blocks": []}) == "en"


def test_words_before_a_full_stop_still_count_as_english() -> None:
    """An English answer that quotes a Chinese heading or two stays English though its sentences end in full stops."""
    answer = {"text": "", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Cordon the node. Drain it. Restart the kubelet. "
                                                                 "Check the lease. See the notes: "
                                                                 "节点排查 手动处理步骤"}},
    ]}
    assert message_lang(answer) == "en"
