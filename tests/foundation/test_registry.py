from __future__ import annotations

import pytest

from bot.blocks import Message
from bot.deps import Deps
from bot.preview import Preview
from bot.registry import Args, Call, ClusterCall, Registry, RegistryError, Risk, Role, Scope, arg
from tests.support.foundation import NodeArgs, registry


class OtherArgs(Args):
    x: str = arg(help="x")


def test_decorator_returns_the_function_and_records_help() -> None:
    spec = registry.get("node")
    assert spec is not None and spec.help == "Show one node."
    assert spec.handler.__name__ == "node"
    assert spec.requires is Role.VIEWER
    scale = registry.get("scale deployment")
    assert scale is not None and scale.risk is Risk.DISRUPTIVE and scale.requires is Role.OPERATOR


def test_duplicate_name_fails_at_import_time() -> None:
    r = Registry()

    @r.command("x", args=NodeArgs)
    def one(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
        """One."""
        return Message("1")

    with pytest.raises(RegistryError, match="registered twice"):

        @r.command("y", args=NodeArgs, aliases=("x",))
        def two(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
            """Two."""
            return Message("2")


def test_wrong_signatures_fail_at_import_time() -> None:
    r = Registry()
    with pytest.raises(RegistryError, match="exactly \\(call, deps\\)"):

        @r.command("a", args=NodeArgs)
        def a(call: ClusterCall[NodeArgs]) -> Message:
            """A."""
            return Message("a")

    with pytest.raises(RegistryError, match=r"annotated ClusterCall\[NodeArgs\]"):

        @r.command("b", args=NodeArgs)
        def b(call: ClusterCall[OtherArgs], deps: Deps) -> Message:
            """B."""
            return Message("b")

    # A command that works on a cluster gets a call whose cluster is always there; one that does not, a call
    # without a cluster at all.
    with pytest.raises(RegistryError, match=r"annotated ClusterCall\[NodeArgs\]"):

        @r.command("b2", args=NodeArgs)
        def b2(call: Call[NodeArgs], deps: Deps) -> Message:
            """B2."""
            return Message("b2")

    with pytest.raises(RegistryError, match=r"scope none.*annotated Call\[NodeArgs\]"):

        @r.command("b3", args=NodeArgs, scope=Scope.NONE)
        def b3(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
            """B3."""
            return Message("b3")

    with pytest.raises(RegistryError, match="disruptive command works on a cluster"):

        @r.command("b4", args=NodeArgs, scope=Scope.NONE, risk=Risk.DISRUPTIVE, preview=lambda c, d: None)
        def b4(call: Call[NodeArgs], deps: Deps) -> Message:
            """B4."""
            return Message("b4")

    with pytest.raises(RegistryError, match="declare the result type"):

        @r.command("c", args=NodeArgs)
        def c(call: ClusterCall[NodeArgs], deps: Deps):  # type: ignore[no-untyped-def]
            """C."""
            return Message("c")

    with pytest.raises(RegistryError, match="needs a docstring"):

        @r.command("d", args=NodeArgs)
        def d(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
            return Message("d")

    with pytest.raises(RegistryError, match="needs a preview"):

        @r.command("e", args=NodeArgs, risk=Risk.DISRUPTIVE)
        def e(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
            """E."""
            return Message("e")


def test_disruptive_with_preview_registers() -> None:
    r = Registry()

    def pv(call: ClusterCall[NodeArgs], deps: Deps) -> Preview:
        return Preview("x")

    @r.command("cordon", args=NodeArgs, risk=Risk.DISRUPTIVE, preview=pv)
    def cordon(call: ClusterCall[NodeArgs], deps: Deps) -> Message:
        """Cordon."""
        return Message("c")

    assert len(r) == 1


def test_usage_is_derived_from_the_argument_model() -> None:
    spec = registry.get("scale deployment")
    assert spec is not None
    assert spec.usage() == "/k8s scale deployment <name> --replicas REPLICAS [--cluster NAME] [-n NAMESPACE | -A]"
    kb = registry.get("kb")
    assert kb is not None and kb.usage() == "/k8s kb <question…>"
