"""`aks pools`, `aks upgrades` and `aks snat` asked in Chinese answer in Chinese, and so does what `aks show` still
said in English: headings, labels, columns, marks, and the words of the SNAT budget and the upgrade checklist — `Said`s
made before anyone knows who will read them. Quoted values (versions, pools, images, commands, Azure's own errors)
stay as they are. In English nothing changed: the same results read as they always did."""

from __future__ import annotations

import ast
import copy
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import handlers.aks  # noqa: F401  (registers the commands)
import tests.azure.test_snat as snat_tests
import tests.azure.test_upgrade_checklist as checklist_tests
from bot.azure.model import ManagedCluster, PoolUpgradeProfile, UpgradeProfile
from bot.azure.sdk import AzureSdkProvider
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.i18n import AKS, FINDING, SNAT, UPGRADE, Msg, Said
from bot.parser import Parser
from bot.registry import REGISTRY, Caller, ClusterCall
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import InputKind
from handlers.aks import AksPoolsResult, AksShowResult, AksSnatResult, AksUpgradesResult, aks_snat
from handlers.args import SnatArgs
from handlers.rules import snat, upgrade
from handlers.rules.snat import ScaleOutcome, SnatBudget, SnatInputs, cluster_budget
from handlers.rules.upgrade import CheckItem, ClusterFacts, ContainerFact, PdbFact, VersionChoice, cgroup_v2_risk
from knowledge import load_knowledge_base
from sandbox.arm import ArmServer
from tests.azure.test_aks_handlers import NoCluster
from tests.diagnosis.test_findings_in_chinese import _calls, _english_only
from tests.support.azure import arm_state, example
from tests.support.foundation import ok_text
from tests.support.language import english_left, english_prose

RULES = Path(upgrade.__file__).parent


ENGLISH = english_prose(AKS, SNAT, UPGRADE, FINDING)


def _no_english_of_the_bot(zh: str) -> None:
    left = english_left(zh, ENGLISH)
    assert not left, f"English left in the Chinese answer: {left}\n{zh}"


# -- aks upgrades ---------------------------------------------------------------------------------------------


def _upgrade_plan() -> Any:
    """1.24.9 asked to go to 1.27.3, which Azure does not offer (it offers 1.25.6 and, skipping a minor, 1.26.1),
    with a service principal, a PDB that blocks, and a JDK 8 that predates cgroup v2: a checklist with failures,
    warnings, passes and items."""
    facts = ClusterFacts(
        (PdbFact("pay", "pay-pdb", 0),),
        checklist_tests.CALM.nodes,
        (ContainerFact("shop", "cart-1", "app", "openjdk:8u212-jre"),),
    )
    cluster = checklist_tests._cluster("1.24.9", identity="abc-123")
    return checklist_tests._plan(
        cluster, checklist_tests._profile("1.24.9", "1.25.6", "1.26.1"), facts, target="1.27.3"
    )


def _upgrades(lang: str) -> tuple[str, str]:
    result = AksUpgradesResult(
        "prod", _upgrade_plan(), {"azure.upgrade:pdb": "pdb-blocking-drain"}, "pods are forbidden", lang  # type: ignore[arg-type]
    )
    view = result.view()
    return view.summary, render_text(view)


def test_the_upgrade_checklist_in_chinese() -> None:
    summary, zh = _upgrades("zh")
    assert summary == "升级预检 1.24.9 → 1.27.3：失败"
    assert "prod 升级预检：1.24.9 → 1.27.3（不允许）" in zh
    assert "Azure 提供的版本" in zh and "检查清单" in zh
    assert re.search(r"版本\s+允许\s+说明", zh) and re.search(r"结果\s+检查项\s+详情\s+参阅", zh)
    assert re.search(r"1\.25\.6\s+是\s+下一个 minor 版本", zh)
    assert re.search(r"1\.26\.1\s+是\s+跳过 1\.25；Azure 提供此版本", zh)
    assert re.search(r"❌ 失败\s+目标版本\s+从 1\.24\.9 不能升级到 1\.27\.3（可选：1\.25\.6, 1\.26\.1）。", zh)
    assert re.search(r"⚠️ 警告\s+集群身份\s+集群使用服务主体 `abc-123`", zh)
    assert re.search(r"✅ 通过\s+预配状态\s+集群和节点池都处于 Succeeded 状态。", zh)
    assert "1 个 PDB 允许的中断数为 0：drain 会卡在这些 PDB 上" in zh and "/k8s kb show pdb-blocking-drain" in zh
    assert "节点池 sys 将切换到 cgroup v2（Ubuntu 从 1.25 起，Azure Linux 从 1.29 起）" in zh
    assert "有 1 个工作负载看起来会受影响。" in zh
    # The items under a check: the worded ones in Chinese, the ones that only name objects as they are.
    assert "sys：maxSurge 33% → 额外 1 台 VM" in zh and "pay/pay-pdb" in zh
    assert "shop/cart-1 (openjdk:8u212-jre)：JDK 8u212 不支持 cgroup v2（需要 8u372+）" in zh
    assert "集群内的检查不完整：pods are forbidden" in zh  # the reason quotes the error as it was raised
    assert "[error] 升级预检：请先解决失败项。" in zh
    _no_english_of_the_bot(zh)
    for word in ("✅ pass", "⚠️ warn", "❌ fail", "VERSION", "ALLOWED", "RESULT", "Checklist", " yes ", " no "):
        assert word not in zh


def test_the_same_upgrade_checklist_in_english_reads_as_it_always_did() -> None:
    summary, en = _upgrades("en")
    assert summary == "Upgrade pre-flight 1.24.9 → 1.27.3: fail"
    for line in (
        "Upgrade pre-flight for prod: 1.24.9 → 1.27.3 (not allowed)",
        "Versions Azure offers",
        "Checklist",
        "    sys: maxSurge 33% → 1 extra VM(s)",
        "    shop/cart-1 (openjdk:8u212-jre): JDK 8u212 is not cgroup-v2 aware (needs 8u372+)",
        "  (Cluster checks were limited: pods are forbidden)",
        "[error] Pre-flight: fix the failures first.",
    ):
        assert line in en.splitlines()
    assert re.search(r"VERSION\s+ALLOWED\s+NOTE", en) and re.search(r"RESULT\s+CHECK\s+DETAIL\s+READ", en)
    assert re.search(r"1\.26\.1\s+yes\s+skips 1\.25; Azure offers it", en)
    assert re.search(
        r"❌ fail\s+Target version\s+1\.27\.3 is not offered from 1\.24\.9 \(offered: 1\.25\.6, 1\.26\.1\)\.", en
    )
    assert re.search(r"✅ pass\s+Provisioning state\s+Cluster and pools are Succeeded\.", en)
    assert re.search(
        r"⚠️ warn\s+cgroup v2\s+Pools sys move to cgroup v2 \(Ubuntu at 1\.25, Azure Linux at 1\.29\)\. Runtimes that "
        r"are not cgroup-v2 aware size their heap from node RAM and get OOMKilled\. 1 workload\(s\) look affected\.",
        en,
    )
    assert not re.search(r"[\u4e00-\u9fff]", en)


# -- aks snat -------------------------------------------------------------------------------------------------


def _default_table_cluster() -> ManagedCluster:
    """48 nodes on Azure's default port table whose autoscaler maximum crosses into the 512-port tier."""
    return snat_tests._cluster(
        snat_tests._lb(0, managedOutboundIPs={"count": 1}),
        [{"name": "p", "count": 48, "enableAutoScaling": True, "minCount": 3, "maxCount": 60}],
    )


def _snat(cluster: ManagedCluster, nodes: int, lang: str) -> tuple[str, str]:
    view = AksSnatResult("prod", cluster_budget(cluster, nodes), "snat-exhaustion", lang).view()  # type: ignore[arg-type]
    return view.summary, render_text(view)


def test_the_snat_budget_in_chinese() -> None:
    summary, zh = _snat(_default_table_cluster(), 55, "zh")
    assert summary == "SNAT prod：每节点 1,024 个端口，最多 1000 个节点"
    assert "prod 的 SNAT 端口预算" in zh
    assert re.search(r"出站 IP\s+: 1（托管出站 IP）", zh) and re.search(r"峰值时的余量\s+: 934 个节点", zh)
    assert re.search(r"当前 / 峰值节点数\s+: 48 / 66", zh)
    assert "• allocatedOutboundPorts 为 0：按 Azure 的默认表，48 个节点时每节点 1024 个端口（1–50：1,024；" in zh
    assert "• 峰值时（66 个节点）每个节点降到 512 个端口；跨档会削减已在运行的节点的端口" in zh
    assert "计入的节点" in zh and re.search(r"节点池\s+节点数\s+峰值", zh)
    assert "[ok] 55 个节点时：每个节点（包括正在运行的）从 1,024 个端口降到 512 个。" in zh
    assert "[warn] 按集群峰值规模，SNAT 端口预算偏紧。 参见 `/k8s kb show snat-exhaustion`。" in zh
    assert "→ 显式设置 allocatedOutboundPorts" in zh
    assert "    az aks update -g RG -n c --load-balancer-outbound-ports 640" in zh  # commands as they are typed
    _no_english_of_the_bot(zh)
    _, over = _snat(ManagedCluster.from_arm(example("ManagedClustersGet.json")), 80, "zh")
    assert "• 2 个出站 IP × 64,000 个端口 = 128,000 个端口；每节点分配 2,000 个 → 最多 64 个节点。" in over
    assert "[error] 80 个节点时：不可行：80 × 2,000 = 160,000 个端口，超过可用的 128,000 个" in over
    assert re.search(r"出站 IP\s+: 2（实际生效的出站 IP）", over)
    _no_english_of_the_bot(over)


def test_the_same_snat_budget_in_english_reads_as_it_always_did() -> None:
    summary, en = _snat(_default_table_cluster(), 55, "en")
    assert summary == "SNAT prod: 1,024 ports/node, max 1000 nodes"
    for line in (
        "SNAT budget of prod",
        "Outbound IPs        : 1 (managed outbound IPs)",
        "Headroom at peak    : 934 node(s)",
        "• allocatedOutboundPorts is 0: Azure's default table gives 1024 ports per node for 48 node(s) (1–50: 1,024; "
        "51–100: 512; 101–200: 256; 201–400: 128; 401–800: 64; 801–1,000: 32).",
        "• Nodes now 48; at peak 66 (autoscaler maximums plus upgrade surge).",
        "Nodes counted",
        "POOL  NODES  PEAK  SURGE",
        "[ok] With 55 nodes: every node drops from 1,024 to 512 ports, running nodes included.",
        "→ Set an explicit allocatedOutboundPorts so that growing the cluster never cuts ports on running nodes.",
    ):
        assert line in en.splitlines()
    assert not re.search(r"[\u4e00-\u9fff]", en)


# -- aks pools and aks show -----------------------------------------------------------------------------------


def _example_cluster(identity: str | None = None, **changes: Any) -> ManagedCluster:
    """The REST example's cluster with `changes` to its properties (and its identity type, with no service
    principal, when `identity` is given)."""
    body = copy.deepcopy(example("ManagedClustersGet.json"))
    body["properties"].update(changes)
    if identity is not None:
        body["identity"] = {"type": identity}
        body["properties"]["servicePrincipalProfile"] = {"clientId": "msi"}
    return ManagedCluster.from_arm(body)


def test_the_node_pools_in_chinese_and_in_english() -> None:
    c = _example_cluster()
    pool = c.pools[0]
    newer = {pool.name: PoolUpgradeProfile(pool.name, "1.9.6", (), "AKSUbuntu:1604:2020.04.01")}
    zh_view = AksPoolsResult("prod", c.pools, newer, "zh").view()
    zh = render_text(zh_view)
    assert zh_view.summary == "prod 有 1 个节点池"
    assert "prod 的节点池" in zh and re.search(r"VM 规格\s+: Standard_DS1_v2", zh)
    assert re.search(r"可用的新镜像\s+: AKSUbuntu:1604:2020\.04\.01", zh) and re.search(r"maxSurge\s+: 33%", zh)
    assert "[i] nodepool1 有更新的节点镜像：`/k8s aks upgrade-node-image nodepool1` 会应用它（逐个节点进行" in zh
    _no_english_of_the_bot(zh)
    failed = _example_cluster(agentPoolProfiles=[{"name": "np1", "count": 2, "provisioningState": "Failed"}]).pools
    unknown = render_text(AksPoolsResult("prod", failed, {}, "zh").view())
    assert re.search(r"maxSurge\s+: 未设置（10%）", unknown)
    assert "节点池 np1 处于 Failed 状态；参见 `/k8s aks show`。" in unknown
    same = {pool.name: PoolUpgradeProfile(pool.name, "1.9.6", (), pool.node_image_version)}
    assert re.search(r"可用的新镜像\s+: 无", render_text(AksPoolsResult("prod", c.pools, same, "zh").view()))
    en_view = AksPoolsResult("prod", c.pools, newer).view()
    en = render_text(en_view)
    assert en_view.summary == "1 node pool(s) in prod"
    assert "Node pools of prod" in en and "Newer image : AKSUbuntu:1604:2020.04.01" in en
    assert "A newer node image exists for nodepool1: `/k8s aks upgrade-node-image nodepool1` applies it" in en
    assert re.search(r"Max surge\s+: unset \(10%\)", render_text(AksPoolsResult("prod", failed, {}).view()))


def test_what_aks_show_still_said_in_english_is_in_chinese_too() -> None:
    c = _example_cluster(
        "UserAssigned",
        provisioningState="Failed",
        status={"provisioningError": {"code": "OperationNotAllowed", "message": "The last operation was interrupted."}},
    )
    zh = render_text(AksShowResult("prod", c, lang="zh").view())
    assert re.search(r"状态\s+: Failed，电源状态 未知", zh) and re.search(r"身份\s+: 用户分配的托管标识", zh)
    failed = "集群处于 *Failed* 状态。Azure 返回的错误：`OperationNotAllowed`：The last operation was interrupted. 操作"
    assert failed in zh
    assert "[Reconcile 集群]" in zh and "API server 地址：dnsprefix1-abcd1234.hcp.eastus.azmk8s.io" in zh
    _no_english_of_the_bot(zh)
    failed_pool = [{"name": "np1", "count": 2, "provisioningState": "Failed"}]
    system = _example_cluster("SystemAssigned", agentPoolProfiles=failed_pool)
    pool_zh = render_text(AksShowResult("prod", system, lang="zh").view())
    assert "节点池（np1）处于 *Failed* 状态。操作中断后" in pool_zh
    assert re.search(r"身份\s+: 系统分配的托管标识", pool_zh)
    en = render_text(AksShowResult("prod", c).view())
    assert re.search(r"State\s+: Failed, power unknown", en)
    assert re.search(r"Identity\s+: user-assigned managed identity", en)
    assert "The cluster is in the *Failed* state. Azure's error: `OperationNotAllowed`: The last operation was " in en
    assert "[Reconcile]" in en and "(API server dnsprefix1-abcd1234.hcp.eastus.azmk8s.io)" in en


# -- every text the rules write is said in both languages -----------------------------------------------------


def _scenarios_no_test_reaches() -> None:
    """Branches of the SNAT budget and the checklist that the rule tests of tests/azure do not take."""
    cluster, lb = snat_tests._cluster, snat_tests._lb
    cluster_budget(cluster(lb(1001, managedOutboundIPs={"count": 1}), [{"name": "p", "count": 3}]), 5)
    cluster_budget(cluster(lb(0, managedOutboundIPs={"count": 2}), [{"name": "p", "count": 1200}]), 1500)
    cluster_budget(cluster(lb(0), [{"name": "p", "count": 10}]), 10)
    cluster_budget(cluster({"outboundType": "loadBalancer"}, [{"name": "p", "count": 3}]))
    cluster_budget(cluster({"outboundType": "userAssignedNATGateway"}, [{"name": "p", "count": 10}]), 10)
    effective = {"outboundType": "managedNATGateway", "natGatewayProfile": {"effectiveOutboundIPs": [{"id": "a"}]}}
    cluster_budget(cluster(effective, [{"name": "p", "count": 10}]))
    cluster_budget(cluster({"outboundType": "userDefinedRouting"}, [{"name": "p", "count": 3}]), 9)
    c, profile, region = checklist_tests._cluster, checklist_tests._profile, checklist_tests._region
    plan = checklist_tests._plan
    located = ManagedCluster.from_arm(
        {"name": "c", "location": "eastus", "properties": {"kubernetesVersion": "1.33.1"}}
    )
    plan(located, profile("1.33.1", "1.32.0", "1.33.2"), supported=region("1.30", "1.31", "1.32"))
    plan(c("1.29.0"), profile("1.29.0"), target="1.30.0")
    plan(c("1.29.0"), profile("1.29.0"))
    plan(ManagedCluster.from_arm({"name": "c", "properties": {}}), UpgradeProfile.from_arm({"properties": {}}))
    plan(c("1.24.9"), profile("1.24.9", "1.25.6"), None)
    busy = [{"name": "a", "count": 1, "provisioningState": "Upgrading"}, {"name": "b", "count": 1}]
    plan(c("1.29.0", pools=busy), profile("1.29.0", "1.30.1"))
    plan(c("1.29.0", pools=[{"name": "a", "count": 1, "provisioningState": "Failed"}]), profile("1.29.0", "1.30.1"))
    failed = c("1.29.0", state="Failed")
    error = ManagedCluster.from_arm(
        {"name": "c", "properties": {"kubernetesVersion": "1.29.0", "provisioningState": "Failed",
                                     "status": {"provisioningError": {"code": "QuotaExceeded", "message": "m"}}}}
    )
    plan(failed, profile("1.29.0", "1.30.1"))
    plan(error, profile("1.29.0", "1.30.1"))
    plan(c("1.29.0", network={"networkPlugin": "azure"}), profile("1.29.0", "1.30.1"), None)
    for image in ("openjdk:11", "openjdk:9", "openjdk:8-jre"):
        cgroup_v2_risk(image)


def _made_by_the_rules(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], set[Msg]]:
    """Every checklist item, version choice, SNAT budget, input and what-if the rules make while the rule tests of
    tests/azure (and the scenarios above) run, and every message they say."""
    made: list[Any] = []
    said_msgs: set[Msg] = set()
    for cls in (CheckItem, VersionChoice, ScaleOutcome, SnatInputs, SnatBudget):
        init = cls.__init__

        def recording(self: Any, *args: Any, __init: Any = init, **kwargs: Any) -> None:
            __init(self, *args, **kwargs)
            # Made by a rule, not written by hand in a test.
            if sys._getframe(1).f_globals.get("__name__", "").startswith("handlers.rules."):
                made.append(self)

        monkeypatch.setattr(cls, "__init__", recording)
    for module in (snat, upgrade):
        say = module.said

        def saying(msg: Msg, __say: Any = say, **values: object) -> Said:
            said_msgs.add(msg)
            return __say(msg, **values)  # type: ignore[no-any-return]

        monkeypatch.setattr(module, "said", saying)
    for tests in (checklist_tests, snat_tests):
        for _, fn, case in _calls(tests):
            fn(**case)
    _scenarios_no_test_reaches()
    monkeypatch.undo()
    return made, said_msgs


def _texts(thing: Any) -> Iterator[tuple[str, str]]:
    """(what, text) of every text a rule wrote on `thing`."""
    if isinstance(thing, CheckItem):
        yield f"{thing.key} title", thing.title
        yield f"{thing.key} detail", thing.detail
        if thing.key in ("surge", "cgroup-v2"):  # the other checks' items only name objects
            yield from ((f"{thing.key} item", i) for i in thing.items)
    elif isinstance(thing, VersionChoice):
        yield f"note of {thing.version}", thing.note
    elif isinstance(thing, ScaleOutcome):
        yield f"what-if {thing.nodes}", thing.detail
    elif isinstance(thing, SnatInputs):
        yield "ip_source", thing.ip_source
    elif isinstance(thing, SnatBudget):
        yield from ((f"{thing.mode} finding", f) for f in thing.findings)


def test_every_text_of_the_snat_budget_and_the_checklist_is_said_in_both_languages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made, said_msgs = _made_by_the_rules(monkeypatch)
    texts = [t for thing in made for t in _texts(thing)]
    assert len(texts) > 200
    for what, text in texts:
        assert isinstance(text, Said), f"{what}: {text!r} is English only"
        assert text.zh != str(text), f"{what}: {text!r}"
    for group in (SNAT, UPGRADE):
        for f in fields(group):
            assert getattr(group, f.name) in said_msgs, f"{f.name} is not said by any scenario"


def _constructed(tree: ast.AST, name: str, position: int, keyword: str) -> Iterator[ast.expr]:
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == name:
            if len(call.args) > position:
                yield call.args[position]
            yield from (kw.value for kw in call.keywords if kw.arg == keyword)


def _findings_written(tree: ast.AST) -> Iterator[ast.expr]:
    """What the SNAT rules put in `findings`: its list or tuple, and what is appended to it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "findings" for t in node.targets):
            if isinstance(node.value, ast.List | ast.Tuple):
                yield from node.value.elts
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and getattr(node.func.value, "id", None) == "findings"
        ):
            yield from node.args


def _risk_reasons(tree: ast.AST) -> Iterator[ast.expr]:
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == "cgroup_v2_risk":
            yield from (r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None)


def test_no_rule_writes_a_check_a_note_or_a_snat_finding_as_a_plain_string() -> None:
    """What the scenarios may not reach: in the SNAT and upgrade rules, no title, detail, note, IP source, what-if
    or finding is a string literal or an f-string."""
    for path in (RULES / "snat.py", RULES / "upgrade.py"):
        tree = ast.parse(path.read_text())
        values: Sequence[ast.expr] = [
            *_constructed(tree, "CheckItem", 1, "title"),
            *_constructed(tree, "CheckItem", 3, "detail"),
            *_constructed(tree, "VersionChoice", 3, "note"),
            *_constructed(tree, "ScaleOutcome", 3, "detail"),
            *_constructed(tree, "SnatInputs", 3, "ip_source"),
            *_findings_written(tree),
            *_risk_reasons(tree),
        ]
        assert len(values) > 10, path.name
        for value in values:
            assert not _english_only(value), f"{path.name}:{value.lineno} writes English only: {ast.unparse(value)}"


# -- through the real command path ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dispatcher]:
    srv = ArmServer(arm_state()).start()
    settings = from_mapping(
        {
            "default_cluster": "sandbox",
            "clusters": [{"name": "sandbox", "azure": srv.settings_fragment(tmp_path_factory.mktemp("arm"))}],
            "roles": {"viewer": ["*"]},
        },
        source=None,
        environ=srv.environment(),
    )
    deps = Deps(settings, ManualClock(), NoCluster(), AzureSdkProvider(settings), load_knowledge_base())
    yield Dispatcher(deps)
    srv.stop()


def test_the_chinese_names_of_aks_show_pools_and_upgrades() -> None:
    parser = Parser(REGISTRY)
    named = (("aks 升级", "aks upgrades"), ("aks 升级 --to 1.30.5", "aks upgrades"), ("aks 节点池", "aks pools"),
             ("aks 集群", "aks show"))
    for typed, name in named:
        parsed = parser.parse(f"/k8s {typed}", InputKind.SLASH)
        assert getattr(parsed, "spec", None) is not None and parsed.spec.name == name, typed  # type: ignore[union-attr]
        assert parsed.lang == "zh"


def test_aks_upgrades_typed_in_chinese_answers_in_chinese(arm: Dispatcher) -> None:
    zh = ok_text(arm, "/k8s aks 升级")
    assert "sandbox 升级预检：1.9.6 → —" in zh and "检查清单" in zh
    assert re.search(r"1\.7\.11\s+否\s+不比 1\.9\.6 新", zh)
    assert "无法读取集群的 PDB。" in zh and "集群内的检查不完整：" in zh
    _no_english_of_the_bot(zh)
    pools = ok_text(arm, "/k8s aks 节点池")
    assert "sandbox 的节点池" in pools and "`/k8s aks upgrade-node-image nodepool1` 会应用它" in pools
    _no_english_of_the_bot(pools)
    shown = ok_text(arm, "/k8s aks 集群")
    assert "AKS 集群" in shown and "状态" in shown
    # A Chinese sentence that starts with the same words is still a question for the knowledge base.
    parsed = Parser(REGISTRY).parse("@aksbot aks 集群 升级 失败 怎么办", InputKind.MENTION)
    assert not hasattr(parsed, "spec")


def test_aks_snat_called_in_chinese_answers_in_chinese(arm: Dispatcher) -> None:
    """`aks snat` has no Chinese name (the word is the same): a Chinese diagnosis's "SNAT 预算" button runs it with the
    language of the message clicked on."""
    call = ClusterCall(
        command="aks snat", args=SnatArgs(nodes=80), caller=Caller("alice"), cluster="sandbox", lang="zh"
    )
    zh = render_text(aks_snat(call, arm.deps).view())
    assert "sandbox 的 SNAT 端口预算" in zh and "每节点分配 2,000 个 → 最多 64 个节点" in zh
    assert "80 个节点时：不可行" in zh
    _no_english_of_the_bot(zh)
