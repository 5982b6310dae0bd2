from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UnknownCommand, UserError
from bot.i18n import in_lang
from bot.parser import FreeText, ParsedCommand, Parser, detect_lang, normalise
from bot.surface import InputKind
from tests.support.foundation import registry

parser = Parser(registry)


def parse(text: str, surface: InputKind = InputKind.SLASH) -> ParsedCommand:
    result = parser.parse(text, surface)
    assert isinstance(result, ParsedCommand), result
    return result


def test_positional_options_and_scope_flags() -> None:
    p = parse("scale deployment web --replicas 5 -n shop --cluster prod")
    assert p.spec.name == "scale deployment"
    assert p.args.model_dump() == {"name": "web", "replicas": 5}
    assert (p.ref.namespace, p.ref.cluster, p.ref.all_namespaces) == ("shop", "prod", False)


def test_equals_form_and_short_flags() -> None:
    p = parse("pods -A -l app=web --kind=pods -w --cluster=test")
    assert p.ref.all_namespaces and p.ref.cluster == "test"
    assert p.args.model_dump() == {"selector": "app=web", "watch": True, "kind": "pods"}


def test_slack_markup_and_autocorrect_are_normalised() -> None:
    assert normalise("<@U123ABC> nodes") == "@U123ABC nodes"
    assert (
        normalise("see <#C0PROD|prod-alerts> and <https://x.example/a|the doc>")
        == "see #prod-alerts and https://x.example/a"
    )
    assert normalise("pods \u2014cluster prod \u2013n shop") == "pods --cluster prod -n shop"
    assert normalise("kb \u201cPLEG is not healthy\u201d &amp; &lt;b&gt;") == 'kb "PLEG is not healthy" & <b>'
    p = parse("pods \u2014cluster prod \u2013n shop")
    assert (p.ref.cluster, p.ref.namespace) == ("prod", "shop")


def test_mention_prefix_and_slash_prefix_are_stripped() -> None:
    assert parse("<@U0BOT> node aks-1", InputKind.MENTION).args.model_dump() == {"node": "aks-1"}
    assert parse("/k8s node aks-1", InputKind.MESSAGE).spec.name == "node"
    assert parse("@aksbot node aks-1", InputKind.MESSAGE).spec.name == "node"


def test_missing_argument_gives_usage() -> None:
    with pytest.raises(UserError) as err:
        parser.parse("node")
    assert "needs <node>" in err.value.message
    assert err.value.usage == "/k8s node <node> [--cluster NAME]"


def test_unknown_flag_and_bad_value_and_extra_argument() -> None:
    with pytest.raises(UserError, match="Unknown flag `--force`") as err:
        parser.parse("node aks-1 --force")
    assert err.value.usage
    with pytest.raises(UserError, match="`--replicas` must be a whole number from 0 to 1000 \\(not `lots`\\)"):
        parser.parse("scale deployment web --replicas lots")
    with pytest.raises(UserError, match="`--replicas` must be a whole number from 0 to 1000 \\(not `-1`\\)"):
        parser.parse("scale deployment web --replicas -1")
    with pytest.raises(UserError, match="expected one of nodes, pods"):
        parser.parse("pods --kind volumes")
    with pytest.raises(UserError, match="Unexpected argument `extra`"):
        parser.parse("node aks-1 extra")
    # A bare number where the command wants its count as a flag says which flag.
    with pytest.raises(UserError, match=r"`3` for `scale deployment`: did you mean `--replicas 3`\?"):
        parser.parse("scale deployment web 3")
    with pytest.raises(UserError, match=r"Unexpected argument `4` for `scale deployment`\.$"):
        parser.parse("scale deployment web --replicas 3 4")
    with pytest.raises(UserError, match="needs a value"):
        parser.parse("pods -n")
    with pytest.raises(UserError, match="either `-n NAMESPACE` or `-A`"):
        parser.parse("pods -n a -A")


def test_a_flag_given_twice_with_different_values_is_refused_not_the_last_one_taken() -> None:
    """`--cluster test --cluster prod` must not quietly act on prod; the same value twice is harmless."""
    with pytest.raises(UserError, match="`--cluster` is given twice, as `test` and as `prod`") as err:
        parser.parse("scale deployment web --replicas 4 --cluster test --cluster=prod")
    assert err.value.usage and in_lang(err.value.message, "zh").startswith("`--cluster` 给了两次")
    with pytest.raises(UserError, match="`--replicas` is given twice, as `4` and as `5`"):
        parser.parse("scale deployment web --replicas 4 --replicas=5")
    with pytest.raises(UserError, match="`-n` is given twice, as `shop` and as `web`"):
        parser.parse("pods -n shop -nweb")
    p = parse("scale deployment web --replicas 4 --cluster prod --cluster prod -n shop --namespace shop")
    assert (p.ref.cluster, p.ref.namespace, p.args.model_dump()["replicas"]) == ("prod", "shop", 4)


def test_scope_flags_only_where_they_apply() -> None:
    with pytest.raises(UserError, match="Unknown flag `-n`"):
        parser.parse("node aks-1 -n shop")


def test_unknown_command_suggests_close_names() -> None:
    with pytest.raises(UnknownCommand) as err:
        parser.parse("nods")
    assert "nodes" in err.value.suggestions
    with pytest.raises(UnknownCommand) as err2:
        parser.parse("nosuchcmd")
    assert "Unknown command `nosuchcmd`" in err2.value.message


def test_a_mistake_in_a_command_is_told_in_both_languages_and_kubectl_flags_say_why() -> None:
    """The parser's refusals carry both languages (the dispatcher shows the asker's); kubectl's output and follow
    flags are told why a chat answer cannot honour them, not just "unknown"."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    for typed, en, zh in (
        ("pods -o wide", "Unknown flag `-o` for `pods`: kubectl's output formats are not for chat",
         "`pods` 没有参数 `-o`：kubectl 的输出格式不适合聊天"),
        ("logs web-1 -f", "a chat message cannot follow a stream; ask again, or `--tail N` for more lines",
         "聊天消息无法持续跟随输出"),
        ("pods --colour", "Unknown flag `--colour` for `pods`.", "`pods` 没有参数 `--colour`。"),
        ("pods -n shop -A", "Use either `-n NAMESPACE` or `-A`, not both.", "`-n 命名空间` 和 `-A` 只能用一个。"),
        ("cordon", "`cordon` needs <node>: the node's name.", "`cordon` 需要 <node>："),
        ("node a b", "Unexpected argument `b` for `node`.", "`node` 不接受参数 `b`。"),
        ("pods -l", "`-l` needs a value.", "`-l` 后面需要一个值。"),
    ):
        with pytest.raises(UserError) as err:
            real.parse(f"/k8s {typed}", InputKind.SLASH)
        assert en in err.value.message and zh in in_lang(err.value.message, "zh"), typed
    # In Chinese too a flag says a command was meant: not a question for the knowledge base.
    with pytest.raises(UserError) as chinese:
        real.parse("/k8s 节点 -o wide", InputKind.SLASH)
    assert "没有参数 `-o`" in in_lang(chinese.value.message, "zh")
    assert isinstance(real.parse("/k8s 节点 NotReady 怎么办", InputKind.SLASH), FreeText)


def test_a_slip_of_the_keyboard_is_suggested_the_command_it_missed() -> None:
    """A letter missing, extra or two swapped (`lsit`, `nodse`): the command one slip away comes first, also where a
    fuzzy score finds other names closer; and a slip in a group's word before a real second word is that command
    even in a sentence (`dignose pod web-1 again` is not a question)."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    for typed, meant in (("nodse", ("nodes", "node")), ("incident lsit", ("incident list",)),
                         ("incdent list", ("incident list",)), ("dignose pod web-1 again", ("diagnose pod",)),
                         ("cordn aks-1", ("cordon",))):
        with pytest.raises(UnknownCommand) as err:
            real.parse(f"/k8s {typed}", InputKind.SLASH)
        assert err.value.suggestions == meant, typed
    assert isinstance(real.parse("@aksbot dignose pods pending after upgrade?", InputKind.MENTION), FreeText)


def test_a_mistyped_command_of_a_group_is_not_taken_for_a_question() -> None:
    """`scale deploy web --replicas 3` names the group `scale` and a close second word: suggest, don't ask the KB."""
    with pytest.raises(UnknownCommand) as err:
        parser.parse("scale deploy web --replicas 3 -n shop")
    assert err.value.suggestions == ("scale deployment",)
    assert "Unknown command `scale deploy`" in err.value.message
    # A flag says a command was meant, however many words: `nodse --cluster test` is a typo, not a question.
    with pytest.raises(UnknownCommand) as typo:
        parser.parse("nodse --cluster test")
    assert "nodes" in typo.value.suggestions
    # Long lines, questions and Chinese stay questions.
    assert isinstance(parser.parse("scale deploy keeps failing with quota errors today"), FreeText)
    assert isinstance(parser.parse("scale deploy broken?"), FreeText)


def test_free_text_goes_to_the_knowledge_base() -> None:
    q = parser.parse("@aksbot why is my node NotReady", InputKind.MENTION)
    assert isinstance(q, FreeText) and q.text == "why is my node NotReady" and q.lang == "en"
    zh = parser.parse("节点 NotReady 怎么办", InputKind.MESSAGE)
    assert isinstance(zh, FreeText) and zh.lang == "zh"
    assert isinstance(parser.parse("/k8s why are pods pending here", InputKind.MESSAGE), FreeText)


def test_a_question_that_starts_with_a_command_word_is_still_a_question() -> None:
    """People name the object first: "pods 一直 Pending 怎么办" is not `pods` with three more words."""
    for text, kind in (
        ("pods 一直 Pending 怎么办", InputKind.MESSAGE),
        ("@aksbot node NotReady 了怎么处理", InputKind.MENTION),
        ("/k8s pods stuck pending after the upgrade, why?", InputKind.SLASH),
        ("/k8s nodes 里有一个一直 NotReady", InputKind.SLASH),
    ):
        assert isinstance(parser.parse(text, kind), FreeText), text
    # A sentence after the command's name is a question too, which says how the command is typed …
    prose = parser.parse("@aksbot pods evicted because of disk pressure", InputKind.MENTION)
    assert isinstance(prose, FreeText) and prose.text == "pods evicted because of disk pressure"
    assert prose.aside is not None and prose.aside.startswith("Read as a question. To run `pods` instead: `/k8s pods")
    # … a command with a word it cannot take is still a command with a wrong argument …
    with pytest.raises(UserError, match="Unexpected argument `extra` for `nodes`"):
        parser.parse("/k8s nodes extra", InputKind.SLASH)
    # … and so is one with a flag among the words, however many there are.
    with pytest.raises(UserError, match="Unexpected argument `evicted` for `pods`"):
        parser.parse("@aksbot pods -n shop evicted because of disk pressure", InputKind.MENTION)
    # … and a command that binds stays a command.
    assert isinstance(parser.parse("/k8s node aks-nodepool1-0", InputKind.SLASH), ParsedCommand)


def test_greedy_argument_keeps_dashes_of_pasted_lines() -> None:
    p = parse('kb E1122 kubelet.go:2412] "Skipping pod synchronization" err="PLEG is not healthy" -n x')
    assert p.args.model_dump()["question"] == (
        'E1122 kubelet.go:2412] "Skipping pod synchronization" err="PLEG is not healthy" -n x'
    )


def test_unbalanced_quotes_do_not_break_parsing() -> None:
    p = parse("kb don't know why it's broken")
    assert p.args.model_dump()["question"] == "don't know why it's broken"


def test_language_detection() -> None:
    assert detect_lang("节点 NotReady") == "zh"
    assert detect_lang("node NotReady") == "en"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_an_answer_never_an_exception(text: str) -> None:
    for kind in (InputKind.SLASH, InputKind.MENTION, InputKind.MESSAGE):
        try:
            result = parser.parse(text, kind)
        except UserError as exc:
            assert exc.message
        else:
            assert isinstance(result, ParsedCommand | FreeText)


words = st.sampled_from(
    [
        "nodes",
        "node",
        "pods",
        "-n",
        "-A",
        "--cluster",
        "--replicas",
        "scale",
        "deployment",
        "kb",
        "<@U1>",
        "\u2014cluster",
        "\u201c",
        "'",
        '"',
        "=",
        "--",
        "-l",
        "app=web",
        "5",
        "x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(words, max_size=12))
def test_command_like_garbage_gets_an_answer(tokens: list[str]) -> None:
    try:
        parser.parse(" ".join(tokens), InputKind.SLASH)
    except UserError as exc:
        assert exc.message


def test_the_everyday_read_commands_answer_to_their_chinese_names() -> None:
    """A team that asks in Chinese types `/k8s 节点` for the nodes, not a question about nodes; a Chinese sentence
    that starts with the same word is still a question for the knowledge base."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    for typed, name in (("节点", "nodes"), ("健康 --cluster test", "health"), ("事件 -n payments", "events"),
                        ("审批", "approvals"), ("告警", "alerts"), ("帮助", "help"), ("知识库 节点 NotReady", "kb"),
                        ("诊断 节点 aks-userpool-1-vmss000003", "diagnose node"), ("诊断 集群", "diagnose cluster"),
                        ("诊断 Pod ledger-api -n payments", "diagnose pod")):
        parsed = real.parse(f"/k8s {typed}", InputKind.SLASH)
        assert isinstance(parsed, ParsedCommand) and parsed.spec.name == name, typed
        assert parsed.lang == "zh"
    assert isinstance(real.parse("/k8s 节点 NotReady 怎么办", InputKind.SLASH), FreeText)
    assert isinstance(real.parse("@aksbot 事件 里一直 FailedScheduling", InputKind.MENTION), FreeText)


def test_kubectl_habits_reach_the_actions() -> None:
    """`scale deploy web`, `rollout restart deploy/web`, `drain node/…`: the words and the `KIND/NAME` form people
    type into kubectl run the same command; a slash elsewhere is left as it is."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    for typed, name, args in (
        ("scale deploy web --replicas 3", "scale deployment", {"name": "web", "replicas": 3}),
        ("scale deployment/web --replicas=3 -n shop", "scale deployment", {"name": "web", "replicas": 3}),
        ("scale deploy/web --replicas 0", "scale deployment", {"name": "web", "replicas": 0}),
        ("rollout restart deployment/ledger-api -n payments", "restart deployment", {"name": "ledger-api"}),
        ("rollout restart deploy web", "restart deployment", {"name": "web"}),
        ("restart deploy/web", "restart deployment", {"name": "web"}),
        ("describe pod/web-7d9f-abcde", "pod", {"name": "web-7d9f-abcde"}),
        ("logs deploy/web -n shop", "logs", {"pod": "web", "container": None, "previous": False, "tail": 50}),
        ("logs po/web-7d9f-abcde -p", "logs", {"pod": "web-7d9f-abcde", "container": None, "previous": True,
                                              "tail": 50}),
        ("diagnose pod sts/redis", "diagnose pod", {"name": "redis"}),
        ("cordon node/aks-user-1", "cordon", {"node": "aks-user-1"}),
        ("get po -A", "pods", {"selector": None, "node": None, "problems": False, "page": 1}),
        ("get deploy -n shop", "deployments", None),
        ("get no", "nodes", None),
    ):
        parsed = real.parse(f"/k8s {typed}", InputKind.SLASH)
        assert isinstance(parsed, ParsedCommand) and parsed.spec.name == name, typed
        assert args is None or parsed.args.model_dump() == args, typed
    # A kind the command's argument does not name is left as it was typed.
    drain = real.parse("/k8s drain deploy/web", InputKind.SLASH)
    assert isinstance(drain, ParsedCommand) and drain.args.model_dump()["node"] == "deploy/web"
    # An argument with a slash in it, or a question, is not kubectl's KIND/NAME.
    kb = real.parse("/k8s kb show node/notready", InputKind.SLASH)
    assert isinstance(kb, ParsedCommand) and kb.spec.name == "kb show"
    question = real.parse("@aksbot node/pod 一直 pending 怎么办", InputKind.MENTION)
    assert isinstance(question, FreeText) and question.text == "node/pod 一直 pending 怎么办"


def test_a_command_group_alone_names_all_its_commands_and_help_lists_them() -> None:
    """`/k8s aks` and `/k8s aks status` are answered with every `aks` command (not three fuzzy matches, not its
    aliases); a question that starts with the group's name still goes to the knowledge base; `help aks` lists the
    group with what each command does."""
    import handlers
    from bot.errors import IncompleteCommand
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    members = tuple(spec.name for spec in REGISTRY.group("aks"))
    assert len(members) >= 7
    for typed in ("aks", "aks status"):
        with pytest.raises(IncompleteCommand) as err:
            real.parse(f"/k8s {typed}", InputKind.SLASH)
        assert set(err.value.suggestions) == set(members) and "`/k8s help aks`" in err.value.message
        assert "aks 节点池" not in err.value.message and "`aks` 开头的命令有" in in_lang(err.value.message, "zh")
    assert isinstance(real.parse("/k8s aks why is my cluster in a failed state", InputKind.SLASH), FreeText)



def test_a_command_typed_through_a_chinese_input_method_is_the_command() -> None:
    """Full-width flags and digits (`——cluster`, `－n`, `－－replicas ３`), Chinese punctuation clinging to a name
    (`aks-…003？`, `「web」`) or glued to a command word (`note：…`), Chinese command words without their space
    (`诊断节点`): all read as the command typed in ASCII would be, not as a question for the knowledge base."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)

    def cmd(text: str) -> ParsedCommand:
        parsed = real.parse(text, InputKind.SLASH)
        assert isinstance(parsed, ParsedCommand), (text, parsed)
        return parsed

    p = cmd("/k8s restart deployment ledger-api －n payments ——cluster test")
    assert (p.spec.name, p.args.model_dump()["name"], p.ref.namespace, p.ref.cluster) == (
        "restart deployment", "ledger-api", "payments", "test")
    assert cmd("/k8s scale deployment web －－replicas ３").args.model_dump()["replicas"] == 3
    assert cmd("/k8s 诊断 节点 aks-userpool-1-vmss000003？").args.model_dump()["name"] == "aks-userpool-1-vmss000003"
    assert cmd("/k8s 诊断节点 aks-userpool-1-vmss000003").spec.name == "diagnose node"
    assert cmd("/k8s 诊断pod web-1").spec.name == "diagnose pod"
    assert cmd("/k8s approve abc12345。").args.model_dump()["request_id"] == "abc12345"
    note = cmd("/k8s incident note：先别重启，等内存参数改好再说")
    assert note.spec.name == "incident note" and note.args.model_dump()["text"] == "先别重启，等内存参数改好再说"
    snooze = cmd("/k8s alerts snooze a1b2c3 1小时")
    assert snooze.args.model_dump()["length"] == "1h"
    assert cmd("/k8s alerts history --since 30分钟").args.model_dump()["since"] == "30m"


def test_a_chinese_line_is_a_question_only_when_its_words_after_the_command_ask_one() -> None:
    """`pod 一直 Terminating 删不掉怎么办` is a question; `健康 test` (a value), `诊断 pod` (a missing name) and `deny
    先别重启` (a command that takes free text) are commands typed wrong, answered with their usage."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)
    assert isinstance(real.parse("/k8s pod 一直 Terminating 删不掉怎么办", InputKind.SLASH), FreeText)
    assert isinstance(real.parse("/k8s node NotReady 了怎么处理", InputKind.SLASH), FreeText)
    for typed, zh in (
        ("/k8s 健康 test", "`health` 不接受参数 `test`"),
        ("/k8s 诊断 pod", "`diagnose pod` 需要 <name>"),
        ("/k8s deny 先别重启，等内存参数改好再说", "`deny` 需要 <reason>"),
    ):
        with pytest.raises(UserError) as err:
            real.parse(typed, InputKind.SLASH)
        assert zh in in_lang(err.value.message, "zh"), (typed, in_lang(err.value.message, "zh"))
    # A one-character slip in a Chinese command's name is suggested the command, as `nodse` is.
    with pytest.raises(UnknownCommand) as slip:
        real.parse("/k8s 接点 --cluster test", InputKind.SLASH)
    assert "节点" in slip.value.suggestions
    assert isinstance(real.parse("/k8s 节日快乐", InputKind.SLASH), FreeText)  # not one slip from a command


def test_actions_as_people_type_them() -> None:
    """`restart web`, `cordon node aks-…`, `重启 web`: the real commands, however kubectl or Chinese habits put them."""
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY)

    def command(text: str, kind: InputKind = InputKind.SLASH) -> tuple[str, dict[str, object]]:
        parsed = real.parse(text, kind)
        assert isinstance(parsed, ParsedCommand), (text, parsed)
        return parsed.spec.name, parsed.args.model_dump()

    # The one command of a group, by the group's word: `restart web` is `restart deployment web`.
    assert command("restart web -n shop") == ("restart deployment", {"name": "web"})
    assert command("scale web --replicas 3") == ("scale deployment", {"name": "web", "replicas": 3})
    assert command("delete web-6d8f7b9c4-x2x4z") == ("delete pod", {"pod": "web-6d8f7b9c4-x2x4z"})
    # The kind of object before its name, as kubectl writes it.
    assert command("cordon node aks-a-1") == ("cordon", {"node": "aks-a-1"})
    assert command("restart deployment web") == ("restart deployment", {"name": "web"})
    assert command("restart deploy web") == ("restart deployment", {"name": "web"})
    # Chinese names of the actions.
    assert command("重启 web") == ("restart deployment", {"name": "web"})
    assert command("重启 deployment web") == ("restart deployment", {"name": "web"})
    assert command("@aksbot 封锁 aks-a-1", InputKind.MENTION) == ("cordon", {"node": "aks-a-1"})
    assert command("排空 aks-a-1")[0] == "drain"
    assert command("解除封锁 aks-a-1")[0] == "uncordon"
    assert command("扩容 web --replicas 5") == ("scale deployment", {"name": "web", "replicas": 5})
    assert command("aks 扩容 userpool --count 5") == ("aks scale-pool", {"pool": "userpool", "count": 5})
    # A kind the command does not take is told, and a pod is told how it is restarted.
    with pytest.raises(UserError) as pod:
        real.parse("restart pod web-6d8f7b9c4-x2x4z")
    assert "/k8s delete pod web-6d8f7b9c4-x2x4z" in pod.value.message
    with pytest.raises(UserError) as zh:
        real.parse("重启 pod web-1")
    assert "Pod 不能原地重启" in in_lang(zh.value.text(), "zh")
    with pytest.raises(UserError) as kind:
        real.parse("restart statefulset web")
    assert "`restart deployment` works on a deployment, not a statefulset" in kind.value.message
    # Sentences stay questions: the group's word does not make them a command.
    for text in ("@aksbot scale down is not working on my cluster", "@aksbot restart pod keeps crashing why",
                 "@aksbot restart loop on my pods?"):
        question = real.parse(text, InputKind.MENTION)
        assert isinstance(question, FreeText), text
    assert isinstance(real.parse("@aksbot scale down is not working", InputKind.MENTION), FreeText)
    assert real.parse("@aksbot scale down is not working", InputKind.MENTION).aside is None  # type: ignore[union-attr]
    # Politeness after the arguments is no argument (a command that takes free text keeps it: it is the text).
    assert command("@aksbot drain aks-a-1 please", InputKind.MENTION)[1] == {"node": "aks-a-1", "timeout": 120,
                                                                             "force": False}
    assert command("重启 web 谢谢！") == ("restart deployment", {"name": "web"})
    # Incidents are 故障 in Chinese (事件 is Kubernetes' events), and the approval buttons' words are commands too.
    assert command("故障 开始 支付接口 5xx")[0] == "incident start"
    assert command("故障")[0] == "incident list" and command("事件 -n shop")[0] == "events"
    assert command("批准 abc12345")[0] == "approve" and command("审计")[0] == "audit"
    # A node's name is never Chinese: `drain 卡住了` is a question about a drain, not a node called 卡住了.
    for text in ("@aksbot drain 卡住了", "/k8s drain 卡住了怎么办", "/k8s cordon 节点"):
        assert isinstance(real.parse(text, InputKind.MENTION), FreeText), text
    assert command("诊断 pod 支付接口")[1] == {"name": "支付接口"}  # a workload's given name still is


def test_a_clusters_name_is_read_whatever_its_case() -> None:
    import handlers
    from bot.registry import REGISTRY

    handlers.load_all()
    real = Parser(REGISTRY, ("prod", "test"))
    parsed = real.parse("nodes --cluster Prod")
    assert isinstance(parsed, ParsedCommand) and parsed.ref.cluster == "prod"
    listed = real.parse("alerts --cluster PROD")
    assert isinstance(listed, ParsedCommand) and listed.args.model_dump()["cluster"] == "prod"
