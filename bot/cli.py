"""The `aksbot` command line: `shell`, `demo`, `serve`, `sandbox`, `kb`, `aks`, `config check`.

Each subsystem owns its own sub-command's arguments (`knowledge.cli`, `sandbox.cli`, `bot.azure.cli`,
`bot.slack.serve`); this module only routes to them and imports each lazily, so `aksbot kb search` does not pay
for the Kubernetes client and `aksbot shell` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, role_name

if TYPE_CHECKING:
    from sandbox import Sandbox

USAGE = """usage: aksbot <command> [options]

commands:
  demo                 the chat shell wired to a built-in sandbox AKS cluster (no Slack or Azure needed)
  shell                the chat shell against the configured clusters   [--config PATH] [--as USER]
  serve                run the Slack app (Socket Mode or HTTP)           [--config PATH] [--http] [--port N]
  sandbox              run the sandbox Kubernetes + ARM servers          [--scenario NAME] [--write-config DIR]
  kb                   the knowledge base: search, lint, eval, prebuild; `kb asked`: what people asked
  aks snat             SNAT capacity from `az aks show -o json` output, offline
  config check         validate a configuration file                    [--config PATH]
  docs                 print the command reference generated from the registry [--write README.md]

`aksbot COMMAND --help` for a command's options; `aksbot --version` for the version.
"""


def _log_level(parser: argparse.ArgumentParser) -> None:
    from bot.logs import add_log_level

    add_log_level(parser, "WARNING")


def _setup_logging(level: str = "WARNING") -> None:
    from bot.logs import setup_logging

    setup_logging(level)


def _shell(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="aksbot shell", description="Talk to the bot in a terminal.")
    parser.add_argument("--config", help="configuration file (default: $AKSBOT_CONFIG)")
    parser.add_argument(
        "--as",
        dest="user",
        default=os.environ.get("USER") or "me",
        help="who is typing (a Slack user ID or a name from the configuration's roles)",
    )
    _log_level(parser)
    args = parser.parse_args(list(argv))
    _setup_logging(args.log_level)
    from bot import settings
    from bot.shell import run_shell_with

    try:
        cfg = settings.load(args.config)
    except SettingsError as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 2
    return run_shell_with(cfg, args.user)


def _demo(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="aksbot demo",
        description="The chat shell on two sandbox AKS clusters: prod (an incident in progress) and test (healthy).",
    )
    parser.add_argument("--scenario", default="incident", choices=_scenario_names(),
                        help="the prod cluster's scenario (default: incident)")
    parser.add_argument("--as", dest="user", default="alice", help="who is typing first (default: alice)")
    _log_level(parser)
    args = parser.parse_args(list(argv))
    _setup_logging(args.log_level)
    from contextlib import ExitStack

    from bot import settings
    from bot.shell import run_shell_with

    Sandbox = _sandbox_class()
    if Sandbox is None:
        return 2

    with tempfile.TemporaryDirectory(prefix="aksbot-demo-") as tmp, ExitStack() as stack:
        fleet = {
            "prod": stack.enter_context(Sandbox(scenario=args.scenario)),
            "test": stack.enter_context(Sandbox(scenario="healthy")),
        }
        config = Sandbox.write_fleet_config(tmp, fleet, default="prod")
        _demo_on_call(config)
        _demo_alerts(config)
        environ = dict(os.environ)
        for sandbox in fleet.values():
            environ.update(sandbox.environment())
        cfg = settings.load(str(config), environ)
        banner = (
            f"aksbot demo — clusters prod (sandbox scenario '{args.scenario}', the default) and test ('healthy')\n"
            f"kubectl: KUBECONFIG={tmp}/prod/kubeconfig (prod), {tmp}/test/kubeconfig (test)\n"
            f"{_demo_roles(cfg, args.user)}\n"
            "Try `/k8s health`, `/k8s nodes --cluster test`, `@aksbot why is my node NotReady`, `/k8s help`; "
            "`/k8s incident start <title>` opens an incident channel (`:in CHANNEL` to type there). `:quit` leaves.\n"
            "Alerts print as [#alerts-prod] lines. Break a node: `:sandbox stop-heartbeat aks-userpool-11974196-"
            "vmss000000` (`:sandbox resume-heartbeat …` mends it; `oom-kill NS/POD`, `recover-pod NS/POD`; "
            "`--cluster test` for test), then `:click Acknowledge`."
        )
        return run_shell_with(cfg, args.user, banner=banner, alerts=True,
                              controls={"sandbox": _sandbox_control(Path(tmp))})


def _scenario_names() -> tuple[str, ...] | None:
    """The sandbox's scenarios, for `--scenario`'s choices (None: the sandbox is not installed, which `demo` says)."""
    try:
        from sandbox.scenario import SCENARIOS
    except ImportError:
        return None
    return SCENARIOS


def _demo_roles(cfg: Settings, user: str) -> str:
    """Who is typing and their role on prod, then the demo's other users to switch to."""

    def role_of(name: str) -> str:
        groups = frozenset(g for g, members in cfg.groups.items() if name in members)
        return role_name(cfg.role_of(name, groups, "prod"))

    mine = role_of(user)
    you = f"You are {user} ({mine if mine != 'none' else 'no role here: you may not even read'})."
    people = dict.fromkeys([*cfg.roles.operator, *cfg.roles.approver, *cfg.roles.viewer])
    others = [(name, role_of(name)) for name in people if name not in (user, "*")]
    if not others:
        return you
    said = [f"{name} {'an' if role[0] in 'aeiou' else 'a'} {role}" for name, role in others]
    said[0] = said[0].replace(" ", " is ", 1)
    return f"{you} {', '.join(said)}: switch with `:as {others[0][0]}`."


def _demo_on_call(config: Path) -> None:
    """The demo's on-call rota: bob (the approver), invited to every incident channel of both clusters."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["groups"] = {**(data.get("groups") or {}), "S0ONCALL": ["bob"]}
    for cluster in data.get("clusters") or []:
        cluster["oncall"] = ["S0ONCALL"]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _demo_alerts(config: Path) -> None:
    """The demo's alert channels: each cluster's alerts in a channel named for it (`[#alerts-prod] …`)."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    alerts = data.setdefault("alerts", {})
    alerts["routes"] = [{"name": f"alerts-{c['name']}", "clusters": [c["name"]],
                         "channel": f"C0ALERTS{c['name'].upper()}"} for c in data.get("clusters") or []]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _sandbox_control(folder: Path) -> Callable[[str], str]:
    """`:sandbox ACTION TARGET [--cluster NAME] […]` in the demo shell: `aksbot sandbox ACTION …` on that cluster's
    sandbox (default prod), its output as the answer."""
    import contextlib
    import io
    import shlex

    from sandbox.cli import main as sandbox_main

    def control(line: str) -> str:
        words = shlex.split(line)
        cluster = "prod"
        if "--cluster" in words:
            at = words.index("--cluster")
            cluster = words[at + 1] if at + 1 < len(words) else cluster
            del words[at:at + 2]
        if not words:
            return "usage: :sandbox stop-heartbeat|resume-heartbeat NODE | oom-kill|recover-pod NS/POD [--cluster test]"
        out = io.StringIO()
        # SystemExit: argparse said what was wrong (into `out`).
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), contextlib.suppress(SystemExit):
            sandbox_main([*words, "--kubeconfig", str(folder / cluster / "kubeconfig")])
        return f"sandbox {cluster}: {out.getvalue().strip()}"

    return control


def _sandbox_class() -> type[Sandbox] | None:
    """The sandbox, or None after saying how to install it (it ships as the `sandbox` extra)."""
    try:
        from sandbox import Sandbox
        from sandbox.kube import server as _  # noqa: F401  (needs the extra's packages)
    except ImportError as exc:
        print(
            f"aksbot: the sandbox cluster is not installed ({exc.name or exc}); "
            "install it with: pip install 'aksbot[sandbox]'",
            file=sys.stderr,
        )
        return None
    return Sandbox


def _config(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="aksbot config", description="Validate a configuration file.")
    parser.add_argument("action", choices=["check"])
    parser.add_argument("--config", help="configuration file (default: $AKSBOT_CONFIG)")
    args = parser.parse_args(list(argv))
    from bot import settings

    try:
        cfg = settings.load(args.config)
    except SettingsError as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 1
    problems = settings.check_ready(cfg)
    import handlers
    from bot.approvals.workflow import unknown_actions

    handlers.load_all()
    problems += unknown_actions(cfg)
    if cfg.database_url is not None:  # several replicas share it: one that cannot be reached is found out now
        from bot.approvals.store import check_postgres
        from bot.errors import AksbotError

        try:
            check_postgres(cfg.database_url.get_secret_value())
        except AksbotError as exc:
            problems.append(str(exc.message))
    for problem in problems:
        print(f"aksbot: {problem}", file=sys.stderr)
    if problems:
        return 1
    for warning in settings.role_warnings(cfg):
        print(f"aksbot: warning: {warning}", file=sys.stderr)
    print(f"{cfg.source}: OK — {len(cfg.clusters)} cluster(s): {', '.join(cfg.cluster_names())}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--version"]:
        from importlib.metadata import version

        print(f"aksbot {version('aksbot')}")
        return 0
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    command, rest = args[0], args[1:]
    try:
        if command == "shell":
            return _shell(rest)
        if command == "demo":
            return _demo(rest)
        if command == "config":
            return _config(rest)
        if command == "docs":
            from bot.docs import main as docs_main

            return docs_main(rest)
        if command == "serve":
            from bot.slack.serve import main as serve_main

            return serve_main(rest)
        if command == "sandbox":
            if _sandbox_class() is None:
                return 2
            from sandbox.cli import main as sandbox_main

            return sandbox_main(rest)
        if command == "kb" and rest[:1] == ["asked"]:
            from bot.questions.cli import main as asked_main

            return asked_main(rest[1:])
        if command == "kb":
            from knowledge.cli import main as kb_main

            return kb_main(rest)
        if command == "aks":
            from bot.azure.cli import main as aks_main

            return aks_main(rest)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`aksbot kb search … | head`): what was left to print has nowhere to go. Point stdout
        # at /dev/null so the interpreter's last flush does not fail again, and exit as a process killed by SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13
    print(f"aksbot: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
