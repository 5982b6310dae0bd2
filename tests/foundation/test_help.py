"""`help`, asked in English or in Chinese, through the real dispatcher and registry: every command the caller may run,
with what it does in the asker's language, and `help <command>` with its arguments explained. The Chinese catalog of
command summaries and argument help is complete: a command added without its Chinese fails here."""

from __future__ import annotations

import re

import pytest

import handlers
from bot.clock import SystemClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.i18n import COMMANDS_ZH, HELP, PARAMS_ZH
from bot.registry import REGISTRY
from bot.settings import from_mapping
from tests.support.fakes import NoAzure, NoClusters
from tests.support.foundation import ok_text
from tests.support.language import english_prose

handlers.load_all()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def dispatcher() -> Dispatcher:
    settings = from_mapping(
        {"clusters": [{"name": "prod", "kubeconfig": "/dev/null"}],
         "roles": {"viewer": ["carol"], "operator": ["alice"]}},
        source=None,
        environ={},
    )
    return Dispatcher(Deps(settings, SystemClock(), NoClusters(), NoAzure()))


def test_every_command_and_every_argument_has_its_chinese() -> None:
    names = {spec.name for spec in REGISTRY}
    assert names - COMMANDS_ZH.keys() == set(), "commands without a Chinese summary"
    assert COMMANDS_ZH.keys() - names == set(), "Chinese summaries of commands that do not exist"
    helps = {p.help for spec in REGISTRY for p in spec.params}
    assert helps - PARAMS_ZH.keys() == set(), "arguments without a Chinese help"
    assert PARAMS_ZH.keys() - helps == set(), "Chinese help of arguments no command has"
    for text in (*COMMANDS_ZH.values(), *PARAMS_ZH.values()):
        assert CJK.search(text), text


def test_help_in_chinese_lists_what_each_command_does_in_chinese(dispatcher: Dispatcher) -> None:
    said = ok_text(dispatcher, "/k8s 帮助", user="alice")
    assert said.startswith("aksbot 命令") and "*查询与查看*" in said and "*变更集群*" in said
    for spec in REGISTRY:
        if spec.hidden:
            continue
        assert f"• `/k8s {spec.name}` — {COMMANDS_ZH[spec.name]}" in said, spec.name
        assert spec.help not in said, spec.name
    assert not [p for p in english_prose(HELP) if p in said]
    assert "你的角色：operator" in said
    # A viewer is shown only what a viewer may run.
    viewer = ok_text(dispatcher, "/k8s 帮助", user="carol")
    assert "`/k8s cordon`" not in viewer and "`/k8s nodes`" in viewer


def test_help_for_one_command_in_chinese_and_in_english(dispatcher: Dispatcher) -> None:
    said = ok_text(dispatcher, "/k8s 帮助 drain", user="alice")
    assert "隔离节点并通过驱逐 API 驱逐它的 Pod" in said
    assert "用法" in said and "示例" in said and "/k8s drain <node> [--timeout SECONDS]" in said
    assert re.search(r"--timeout\s+: 被 PodDisruptionBudget 拒绝的驱逐最多重试多少秒", said)
    assert "风险：变更（需审批）；审批人（不能是你自己）点击“批准”后才会执行" in said
    english = ok_text(dispatcher, "/k8s help drain", user="alice")
    assert "Cordon a node and evict its pods through the eviction API" in english
    assert re.search(r"--timeout\s+: seconds to keep retrying evictions a PodDisruptionBudget refuses", english)
    assert "risk: disruptive; runs only after an approver (not you) clicks Approve" in english
    assert not CJK.search(english)


def test_help_about_a_command_that_is_not_there_says_so_in_the_askers_language(dispatcher: Dispatcher) -> None:
    from tests.support.foundation import run_slash

    _, nothing = run_slash(dispatcher, "/k8s 帮助 xyzzy", user="alice")
    assert "没有 `xyzzy` 这个命令。试试 `/k8s help`。" in nothing and "没有相近的命令" in nothing
    _, english = run_slash(dispatcher, "/k8s help diagnos", user="alice")
    assert "Unknown command `diagnos`. Did you mean: `diagnose cluster`, `diagnose node`, `diagnose pod`?" in english


def test_help_for_a_command_group_lists_only_its_commands(dispatcher: Dispatcher) -> None:
    said = ok_text(dispatcher, "/k8s help aks", user="alice")
    assert said.startswith("aksbot commands: `/k8s aks …`")
    listed = re.findall(r"• `/k8s ([^`]+)`", said)
    assert listed and all(name.startswith("aks ") for name in listed) and "aks scale-pool" in listed
    carol = ok_text(dispatcher, "/k8s 帮助 aks", user="carol")  # a viewer: only what she may run, in Chinese
    assert carol.startswith("aksbot 命令：`/k8s aks …`") and "aks scale-pool" not in carol and "aks pools" in carol
    # A group named by its Chinese alias lists the same commands.
    chinese = ok_text(dispatcher, "/k8s 帮助 诊断", user="alice")
    assert chinese.startswith("aksbot 命令：`/k8s diagnose …`")
    assert re.findall(r"• `/k8s ([^`]+)`", chinese) == ["diagnose cluster", "diagnose node", "diagnose pod"]
