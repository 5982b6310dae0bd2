"""Two sandboxes as one fleet (what `aksbot demo` runs): one configuration, `--cluster` picks the cluster, each
cluster reaches its own Kubernetes API server and its own ARM server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
