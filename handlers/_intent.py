"""An action asked for in words: "please restart checkout-worker", "把 userpool 扩到 5 个节点", "drain aks-…-vmss3".

A mention that is not a command goes to the knowledge base; when it asks for one of the approved actions on an object
of the cluster that it names by its whole name, the reply offers that action as the command it would be, with a
button that asks for it (the approval card follows, as if typed). Only the words decide what was asked, and only
plainly: a verb in its plain form (`restart`, not `restarting` or `restarted`; `重启`, not `一直重启` or `重启了`), no
"why", "don't" or "if" before it, and for a scale a number. Whether the words are only the request ("restart web
please") or also a story about a problem decides whether the knowledge base's answer is worth showing beside it.

`asked_action` reads the words alone; `offers` makes the commands for the objects `live_named` (handlers/kb.py)
found, which keeps those the asker may ask for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.i18n import KB as W
from bot.i18n import Lang
from bot.refs import CommandRef
from handlers.args import DeletePodArgs, DeploymentArgs, DrainArgs, NodeArgs, ScaleDeploymentArgs, ScalePoolArgs

Verb = Literal["restart", "scale", "cordon", "uncordon", "drain", "delete"]

# The plain, imperative forms. Uncordon before cordon: the longer word wins.
_EN_VERBS: tuple[tuple[Verb, re.Pattern[str]], ...] = (
    ("uncordon", re.compile(r"\buncordon\b", re.I)),
    ("cordon", re.compile(r"\bcordon\b", re.I)),
    ("drain", re.compile(r"\b(?:drain|evacuate)\b", re.I)),
    ("restart", re.compile(r"\b(?:restart|bounce)\b", re.I)),
    ("scale", re.compile(r"\bscale\b", re.I)),
    ("delete", re.compile(r"\b(?:delete|kill|remove)\b", re.I)),
)
# Chinese: the verb with nothing saying it already happens ("一直重启", "被驱逐") or happened ("重启了").
_ZH_NOT_ASKED_BEFORE = "".join(
    f"(?<!{w})"
    for w in ("一直", "总是", "老是", "不断", "频繁", "反复", "经常", "自动", "不停", "又", "被", "在", "会")
)
_ZH_NOT_ASKED_AFTER = r"(?!了|过|次|策略|循环|原因|后|的)"
_ZH_WORDS: tuple[tuple[Verb, str], ...] = (
    ("uncordon", "解除封锁|取消封锁|恢复调度|允许调度"),
    ("cordon", "封锁|停止调度|禁止调度"),
    ("drain", "排空|腾空"),
    ("restart", "滚动重启|重启"),
    ("scale", "扩容|缩容|扩缩容|扩到|缩到|扩成|缩成|调到|调整到|改成|改为|设为|设置为|增加到|减少到|加到|减到"),
    ("delete", "删除|删掉|杀掉|干掉"),
)
_ZH_VERBS = tuple((v, re.compile(_ZH_NOT_ASKED_BEFORE + f"(?:{w})" + _ZH_NOT_ASKED_AFTER)) for v, w in _ZH_WORDS)
# Words that make the verb something asked about, not asked for: a reason, a negation, a condition.
_EN_NOT_ASKED = re.compile(
    r"\b(?:why|how come|don'?t|do not|does not|doesn'?t|never|without|should(?:n'?t)?|would it|what happens|if|after|"
    r"before|when|whenever|while|keeps?|wasn'?t|isn'?t|didn'?t|not)\b",
    re.I,
)
_ZH_NOT_ASKED = re.compile(
    "为什么|为何|怎么会|咋|原因|不要|别|不用|不能|没有|没法|无法|之后|以后|的时候|如果|要不要|该不该|是否|会不会"
)
# The number a scale asks for: "to 5", "5 replicas", "扩到 5 个", "3 台".
_EN_COUNT = re.compile(
    r"\bto\s+(\d{1,5})\b|\b(\d{1,5})\s*(?:replicas?|pods?|instances?|nodes?|copies)\b"
    r"|--(?:replicas|count)[ =](\d{1,5})",
    re.I,
)
_ZH_COUNT = re.compile(r"(?:到|成|为)\s*(\d{1,5})|(\d{1,5})\s*(?:个|台|份)")
# What a request is made of besides its object: politeness, articles, the kind's name, units.
_FILLER = frozenset(
    re.split(
        r"\s+",
        "please pls plz can could would will you u kindly go ahead and the a an this that it my our to up down out in"
        " on for me us now asap quickly thanks thank thx deployment deploy deployments pod pods node nodes pool"
        " nodepool node-pool replicas replica instances instance copies namespace ns cluster of with from at let's"
        " lets do i we need want",
    )
)
_ZH_FILLER = re.compile(
    "帮我|帮忙|麻烦|请|把|给|一下|下|吧|呢|啊|的|个|副本|节点池|节点|台|实例|到|成|为|谢谢|现在|马上|立即|里|上|在|集群"
)


@dataclass(frozen=True)
class Asked:
    """What the words asked for: the verb, the number a scale names, and whether the words are only the request."""

    verb: Verb
    count: int | None
    only_the_request: bool


def asked_action(text: str, names: tuple[str, ...]) -> Asked | None:
    """The action `text` plainly asks for, once the object names (`names`, as typed) are taken out of it; None when
    it asks none (a question about a restart is not a request for one)."""
    said = re.sub(r"(?:-n|--namespace|--cluster)[ =]\S+", " ", text)
    for name in sorted(names, key=len, reverse=True):
        pattern = re.escape(name) if not name.isascii() else rf"(?<![A-Za-z0-9_.-]){re.escape(name)}(?![A-Za-z0-9_.-])"
        said = re.sub(pattern, " ", said, flags=re.I)
    found = _verb(said)
    if found is None:
        return None
    verb, span = found
    before = said[: span[0]]
    if _EN_NOT_ASKED.search(before) or _ZH_NOT_ASKED.search(said):
        return None
    counts = [int(g) for m in (*_EN_COUNT.finditer(said), *_ZH_COUNT.finditer(said)) for g in m.groups() if g]
    count = counts[0] if len(set(counts)) == 1 else None
    rest = said[: span[0]] + " " + said[span[1] :]
    rest = _ZH_FILLER.sub(" ", re.sub(r"\d+|[^\w\s]", " ", rest))
    words = [w for w in rest.lower().split() if w not in _FILLER]
    return Asked(verb, count, only_the_request=len(words) <= 1)


def _verb(text: str) -> tuple[Verb, tuple[int, int]] | None:
    for verb, pattern in (*_EN_VERBS, *_ZH_VERBS):
        if (m := pattern.search(text)) is not None:
            return verb, m.span()
    return None


@dataclass(frozen=True)
class Named:
    """The objects of one cluster a question named, as `live_named` found them."""

    deployments: tuple[tuple[str, str], ...] = ()  # (namespace, name)
    pods: tuple[tuple[str, str, str | None], ...] = ()  # (namespace, name, its owner's kind or None)
    nodes: tuple[str, ...] = ()
    pools: tuple[str, ...] = ()
    pool_sizes: Mapping[str, int] = field(default_factory=dict)  # the nodes each pool has now, by the cache


@dataclass(frozen=True)
class Offer:
    """One action the words asked for, as the command it is: `ref` None when the command needs a value the words
    did not give (how many replicas), and `text` is then the command with `N` where that number goes."""

    what: str
    button: str
    ref: CommandRef | None
    text: str


def offers(asked: Asked, named: Named, cluster: str, lang: Lang) -> tuple[Offer, ...]:
    """The commands that do what `asked` asks to the objects `named`, on `cluster`, in `lang`'s words."""
    found: list[Offer] = []

    def offer(what: str, verb: str, name: str, ref: CommandRef | None, text: str | None = None) -> None:
        button = W.offer_button(lang, verb=verb, name=name)
        found.append(Offer(what, button, ref, text or (ref.text() if ref is not None else "")))

    verb = getattr(W, f"verb_{asked.verb}")(lang)
    if asked.verb == "restart":
        for namespace, name in named.deployments:
            ref = CommandRef("restart deployment", DeploymentArgs(name=name), cluster, namespace)
            offer(W.offer_restart(lang, target=f"{namespace}/{name}"), verb, name, ref)
    elif asked.verb == "scale":
        for namespace, name in named.deployments:
            target = f"{namespace}/{name}"
            if asked.count is None:
                text = f"/k8s scale deployment {name} --replicas N -n {namespace} --cluster {cluster}"
                offer(W.offer_scale(lang, target=target, count="N"), verb, name, None, text)
                continue
            args = ScaleDeploymentArgs(name=name, replicas=asked.count)
            ref = CommandRef("scale deployment", args, cluster, namespace)
            offer(W.offer_scale(lang, target=target, count=asked.count), verb, f"{name} → {asked.count}", ref)
        for pool in named.pools:
            if asked.count is None:
                text = f"/k8s aks scale-pool {pool} --count N --cluster {cluster}"
                offer(W.offer_scale_pool(lang, target=pool, count="N"), verb, pool, None, text)
                continue
            ref = CommandRef("aks scale-pool", ScalePoolArgs(pool=pool, count=asked.count), cluster)
            what = W.offer_scale_pool(lang, target=pool, count=asked.count)
            now = named.pool_sizes.get(pool)
            if now is not None and asked.count < now:  # "扩到 5" of a pool of 6 is a scale-down: say so
                what += W.offer_fewer(lang, now=now, gone=now - asked.count)
            elif now == asked.count:
                what += W.offer_same(lang, now=now)
            offer(what, verb, f"{pool} → {asked.count}", ref)
    elif asked.verb in ("cordon", "uncordon", "drain"):
        for node in named.nodes:
            node_args: DrainArgs | NodeArgs = DrainArgs(node=node) if asked.verb == "drain" else NodeArgs(node=node)
            what = getattr(W, f"offer_{asked.verb}")(lang, target=node)
            offer(what, verb, node, CommandRef(asked.verb, node_args, cluster))
    if asked.verb in ("delete", "restart"):  # a pod is restarted by deleting it: its controller makes a new one
        for namespace, name, owner in named.pods:
            said = W.offer_recreated(lang, owner=owner) if owner else W.offer_gone(lang)
            ref = CommandRef("delete pod", DeletePodArgs(pod=name), cluster, namespace)
            offer(W.offer_delete(lang, target=f"{namespace}/{name}") + said, W.verb_delete(lang), name, ref)
    return tuple(found[:MAX_OFFERS])


MAX_OFFERS = 3
