"""Two sandboxes as one fleet (what `aksbot demo` runs): one configuration, `--cluster` picks the cluster, each
cluster reaches its own Kubernetes API server and its own ARM server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import app, settings
from bot.render_text import render_text
from bot.shell import ShellSurface
from bot.surface import Incoming, InputKind
from sandbox import Sandbox


def _ask(config: Path, environ: dict[str, str], text: str, user: str = "carol") -> str:
    cfg = settings.load(str(config), environ)
    surface = ShellSurface()
    dispatcher = app.build_dispatcher(cfg, surface)
    replies: list[Any] = []

    class Capture:
        def send(self, reply: Any) -> None:
            replies.append(reply)

    dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0DEMO"), Capture())  # type: ignore[arg-type]
    return "\n".join(render_text(r.view) for r in replies)


def test_fleet_config_serves_each_cluster_by_name(tmp_path: Path) -> None:
    with Sandbox("incident") as prod, Sandbox("healthy") as test:
        config = Sandbox.write_fleet_config(tmp_path, {"prod": prod, "test": test}, default="prod")
        env = {**prod.environment(), **test.environment()}
        cfg = settings.load(str(config), env)
        assert cfg.cluster_names() == ["prod", "test"]
        assert "Nodes — prod" in _ask(config, env, "/k8s nodes") and "1 NotReady" in _ask(config, env, "/k8s nodes")
        on_test = _ask(config, env, "/k8s nodes --cluster test")
        assert "Nodes — test" in on_test and "7 Ready" in on_test
        assert "aks-test" in _ask(config, env, "/k8s aks show --cluster test")
        assert "aks-prod" in _ask(config, env, "/k8s aks show")
        assert "Unknown cluster `staging` (clusters: prod, test)" in _ask(config, env, "/k8s nodes --cluster staging")
        # The support window is judged against the region's version list (ARM locations/{region}/kubernetesVersions).
        prod_upgrades = _ask(config, env, "/k8s aks upgrades")
        assert "1.27 is out of support in chinanorth3" in prod_upgrades, prod_upgrades
        assert "1.28.15" in prod_upgrades
        assert "1.31 is within N-2 in westeurope" in _ask(config, env, "/k8s aks upgrades --cluster test")
        assert "1.27.9 → 1.29.12 (not allowed)" in _ask(config, env, "/k8s aks upgrades --to 1.29.12")


def test_a_failed_scale_shows_azures_goal_beside_the_nodes_the_cluster_has(tmp_path: Path) -> None:
    """Azure records a pool's count as its goal: after a scale that failed (quota), ARM says 5 while the cluster
    still has 3 nodes. `aks pools` shows both, and a scale to the goal is not 'nothing to do'."""
    from bot.azure.sdk import AzureSdkProvider
    from bot.errors import AksbotError

    with Sandbox("incident") as prod:
        config = Sandbox.write_fleet_config(tmp_path, {"prod": prod}, default="prod")
        env = prod.environment()
        cfg = settings.load(str(config), env)
        prod.arm.fail_next_operation("QuotaExceeded", "Operation could not be completed as it exceeds quota.")
        with pytest.raises(AksbotError, match="QuotaExceeded"):
            AzureSdkProvider(cfg).client("prod").scale_pool("system", 5)
        assert prod.arm.pool_body("system")["properties"]["provisioningState"] == "Failed"
        pools = _ask(config, env, "/k8s aks pools")
        assert "5 (3 in the cluster)" in pools and "did not reach its goal" in pools, pools
        again = _ask(config, env, "/k8s aks scale-pool system --count 5", user="alice")
        assert "already set to 5 nodes, but 3 are in the cluster (state Failed)" in again, again
        assert "nothing to do" not in again
        more = _ask(config, env, "/k8s aks scale-pool system --count 4", user="alice")
        assert "Pool `system` is Failed: this operation re-applies its model" in more, more
        assert "5 (3 in the cluster)" in more and "will be removed" not in more


def test_a_node_image_upgrade_names_what_will_stop_its_drains(tmp_path: Path) -> None:
    """The reimage drains every node of the pool: its preview names the budgets that allow no disruption of pods
    there and the nodes that are not Ready, as the upgrade checklist does for a Kubernetes upgrade."""
    with Sandbox("incident") as prod:
        config = Sandbox.write_fleet_config(tmp_path, {"prod": prod}, default="prod")
        card = _ask(config, prod.environment(), "/k8s aks upgrade-node-image userpool", user="alice")
        assert "PodDisruptionBudget payments/ledger-api allows no disruption now and guards ledger-api-" in card, card
        assert "on pool userpool: the reimage's drain stops there" in card
        assert "Pool userpool has node(s) that are not Ready (aks-userpool-11974196-vmss000003)" in card
        assert "`/k8s diagnose node aks-userpool-11974196-vmss000003`" in card
        quiet = _ask(config, prod.environment(), "/k8s aks upgrade-node-image system", user="alice")
        assert "allows no disruption" not in quiet and "not Ready" not in quiet


def test_one_workload_called_by_two_of_its_names_is_one_incident(tmp_path: Path) -> None:
    """`aksbot.io/names` gives ledger-api 支付接口 and 账本服务: declared under one name, the incident is not declared
    again under the other, nor under the same title typed with other punctuation, spacing or case."""
    from bot.incidents.model import same_title

    assert same_title("支付接口5XX了！！") == same_title("支付接口 5xx。") == same_title(" 支付接口 5XX ")
    assert same_title("Checkout  DOWN") == same_title("checkout down.") != same_title("checkout up")
    from bot.app import assemble
    from bot.shell import ShellWorkspace

    with Sandbox("incident") as prod:
        config = Sandbox.write_fleet_config(tmp_path, {"prod": prod}, default="prod")
        surface = ShellSurface()
        assembly = assemble(settings.load(str(config), prod.environment()), surface,
                            workspace=ShellWorkspace(surface)).start()
        try:
            def declare(title: str) -> str:
                replies: list[Any] = []

                class Capture:
                    def send(self, reply: Any) -> None:
                        replies.append(reply)

                incoming = Incoming(f"/k8s incident start {title}", "alice", InputKind.SLASH, "C0DEMO")
                assembly.dispatcher.handle(incoming, Capture())  # type: ignore[arg-type]
                return "\n".join(render_text(r.view) for r in replies)

            first = declare("支付接口 5xx")
            assert "INC-1 已宣布" in first and "ledger-api-5xx" in first, first
            for again in ("账本服务 5xx", "支付接口5XX了！！"):
                refused = declare(again)
                assert "INC-1 已在进行中" in refused and "INC-2" not in refused, refused
            # Other words about the same workload are the same incident too; `--new` declares another anyway.
            assert "INC-1 已在进行中" in declare("账本服务 延迟高")
            assert "INC-2 已宣布" in declare("账本服务 延迟高 --new")
        finally:
            assembly.stop()


def test_a_scale_that_fits_now_but_not_at_the_clusters_peak_says_so(tmp_path: Path) -> None:
    """prod's SNAT health check is critical at its peak (the autoscaler's maximum plus surge): a scale-pool preview
    whose new size fits today does not say 'fits' alone."""
    with Sandbox("incident") as prod:
        config = Sandbox.write_fleet_config(tmp_path, {"prod": prod}, default="prod")
        card = _ask(config, prod.environment(), "/k8s aks scale-pool system --count 4", user="alice")
        assert "SNAT: this fits now, but not at the cluster's peak of 21 nodes" in card, card
        assert "[i] SNAT at" not in card  # the verdict once, as the warning
