"""`aksbot serve --http` as an admin runs it: a separate process configured by a file and the environment,
answering a signed `/k8s nodes` with 200 and then posting the node list; a wrongly signed one gets 401; SIGTERM
stops it cleanly. Also the group directory's fallback when Slack cannot list a group's members."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

import bot.slack.serve
from bot import settings
from bot.cli import main
from bot.slack.groups import SlackGroupDirectory, group_ids_in
from bot.slack.web import web_client
from tests.slack.conftest import ALICE, CAROL, VIEWERS, ClusterBed, slack_settings
from tests.support.serving import free_port, serve_http, stop, wait_healthy
from tests.support.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    WebApiServer,
    http_serve_env,
    signed_post,
    slash_body,
)

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "8f14e45fceea167a5a36dedd4bea2543"  # long enough that finding it in a log means it leaked


def test_aksbot_serve_http_answers_a_signed_slash_command(slack_api: WebApiServer, cluster_bed: ClusterBed) -> None:
    config = cluster_bed.folder / "serve.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig), "context": "sandbox"}],
                "roles": {"viewer": ["*"]},
                "store": {"sqlite_path": "serve.sqlite3"},
            }
        )
    )
    port = free_port()
    env = http_serve_env(slack_api.api_url, secret=LONG_SECRET)
    process = subprocess.Popen(
        serve_http(port, config, "--log-level", "DEBUG"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # What it wrote is read only once it has exited: reading a live process's pipe would wait for its end.
        wait_healthy(port, process, why=lambda: process.communicate()[1] if process.poll() is not None else "")
        url = f"http://127.0.0.1:{port}/slack/events"
        channel = "C0SERVECLI"
        body = slash_body("nodes", user=CAROL, channel=channel, response_url=slack_api.response_url())
        started = time.monotonic()
        status = signed_post(url, body, secret=LONG_SECRET)
        assert status == 200 and time.monotonic() - started < 3
        # The first answer waits for the worker process to finish starting (imports, clusters, knowledge base):
        # seconds on an idle machine, more on a loaded one. The ack above never waits for it.
        slack_api.wait_for(
            lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")), timeout=60
        )
        answer = next(c for c in slack_api.of("chat.postMessage") if c.params.get("channel") == channel)
        names = [n["metadata"]["name"] for n in cluster_bed.kube.objects("nodes")]
        assert all(name in json.dumps(answer.params["blocks"]) for name in names)
        forged = signed_post(url, body, secret="wrong")
        assert forged == 401
    finally:
        stop(process, timeout=10)
    log = process.stderr.read() if process.stderr else ""
    assert process.returncode == 0, log
    # Even at DEBUG, where the SDK logs its requests, neither secret reaches the log.
    assert "aksbot.command" in log
    assert BOT_TOKEN not in log and LONG_SECRET not in log
    # Bolt's warning that the client given wins over SLACK_BOT_TOKEN (the same token) is noise; it is not logged.
    assert "will be unused" not in log


def test_group_lookup_failure_falls_back_to_user_ids_and_last_known_members(
    slack_api: WebApiServer, cluster_bed: ClusterBed, caplog: pytest.LogCaptureFixture
) -> None:
    settings = slack_settings(cluster_bed, slack_api.api_url, name="groups")
    assert group_ids_in(settings) == {VIEWERS}
    now = [0.0]
    directory = SlackGroupDirectory(
        web_client(settings), group_ids_in(settings), ttl_seconds=60, monotonic=lambda: now[0]
    )
    assert directory.groups_of(CAROL) == {VIEWERS}
    calls = len(slack_api.of("usergroups.users.list"))
    assert directory.groups_of(CAROL) == {VIEWERS}
    assert len(slack_api.of("usergroups.users.list")) == calls  # cached within the TTL
    now[0] = 61.0
    slack_api.fail_next("usergroups.users.list", error="internal_error")
    with caplog.at_level(logging.WARNING, logger="aksbot.slack.groups"):
        assert directory.groups_of(CAROL) == {VIEWERS}  # last known members kept
    assert "usergroups.users.list" in caplog.text
    assert directory.groups_of(ALICE) == frozenset()  # named by user ID: her role never depended on groups
    fresh = SlackGroupDirectory(web_client(settings), {VIEWERS}, monotonic=lambda: now[0])
    slack_api.fail_next("usergroups.users.list", error="internal_error")
    assert fresh.groups_of(CAROL) == frozenset()  # nothing known yet: no group role, and it was logged
    assert directory.check() == []
    assert SlackGroupDirectory(web_client(settings), {"S0GONE"}).check() == ["S0GONE"]


def test_a_dead_worker_process_fails_the_health_check(slack_api: WebApiServer, cluster_bed: ClusterBed) -> None:
    config = cluster_bed.folder / "serve-health.yaml"
    config.write_text(yaml.safe_dump({"clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig)}],
                                      "roles": {"viewer": ["*"]}, "store": {"sqlite_path": "health.sqlite3"}}))
    port = free_port()
    env = http_serve_env(slack_api.api_url, secret=LONG_SECRET)
    env.pop("MALLOC_ARENA_MAX", None)
    process = subprocess.Popen(serve_http(port, config), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def health() -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        wait_healthy(port, process)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        workers = [pid for pid in children if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 1, "no worker process"
        # The worker runs with two malloc arenas (its threads otherwise keep many part-filled heaps).
        assert b"MALLOC_ARENA_MAX=2" in Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
        os.kill(int(workers[0]), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while health() != 503:
            assert time.monotonic() < deadline, "health still 200 with the worker dead"
            time.sleep(0.1)
    finally:
        stop(process)


def test_the_worker_exits_when_the_front_process_is_killed(slack_api: WebApiServer, cluster_bed: ClusterBed) -> None:
    """`kill -9` of `aksbot serve` (or the OOM killer choosing it) must not leave its worker leading the alert work
    next to a restarted instance: the orphaned worker stops within seconds."""
    config = cluster_bed.folder / "serve-orphan.yaml"
    config.write_text(yaml.safe_dump({"clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig)}],
                                      "roles": {"viewer": ["*"]}, "store": {"sqlite_path": "orphan.sqlite3"}}))
    port = free_port()
    env = http_serve_env(slack_api.api_url, secret=LONG_SECRET)
    process = subprocess.Popen(serve_http(port, config), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = 0
    try:
        wait_healthy(port, process)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        workers = [pid for pid in children if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 1, "no worker process"
        worker = int(workers[0])
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 10
        while _running(worker):
            assert time.monotonic() < deadline, "the worker outlived the front process"
            time.sleep(0.1)
    finally:
        if worker and _running(worker):
            os.kill(worker, signal.SIGKILL)
        stop(process)


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (an orphan's zombie is reaped by init, not by this test)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """`aksbot serve` run in this process up to its refusal: in an empty folder (so a store it made would show), with
    Slack's secrets set and no AKSBOT_CONFIG; its logging left as the tests set it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.slack.serve, "setup_logging", lambda level: None)
    monkeypatch.delenv("AKSBOT_CONFIG", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", LONG_SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # never called: it refuses before
    return tmp_path


def test_serve_without_a_configuration_refuses_to_start(refusing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--http", "--port", "0"]) == 2
    assert capsys.readouterr().err == f"aksbot: {settings.NO_CONFIGURATION}\n"
    assert list(refusing.iterdir()) == []  # no store made in whatever folder it was started from


@pytest.mark.parametrize(("cluster", "problem"), [
    ({"kubeconfig": "nokc"}, "clusters[0] (prod).kubeconfig: {folder}/nokc does not exist"),
    ({"kubeconfig": "kc", "context": "aks-prod"}, "clusters[0] (prod).context: 'aks-prod' is not in {folder}/kc "
                                                  "(it has: sandbox)"),
    ({"kubeconfig": "kc", "azure": {"subscription_id": "s", "resource_group": "r", "cluster_name": "c",
                                    "client_secret_env": "AKSBOT_TEST_NO_SUCH_SECRET"}},
     "clusters[0] (prod).azure.client_secret_env: the environment variable AKSBOT_TEST_NO_SUCH_SECRET is not set"),
], ids=["missing kubeconfig", "wrong context", "missing secret"])
def test_serve_refuses_to_start_on_what_config_check_finds(
    refusing: Path, capsys: pytest.CaptureFixture[str], cluster: dict[str, object], problem: str
) -> None:
    (refusing / "kc").write_text(yaml.safe_dump({"contexts": [{"name": "sandbox"}], "current-context": "sandbox"}))
    config = refusing / "aksbot.yaml"
    config.write_text(yaml.safe_dump({"clusters": [{"name": "prod", **cluster}], "roles": {"viewer": ["*"]}}))
    assert main(["serve", "--http", "--port", "0", "--config", str(config)]) == 2
    expected = f"aksbot: {config}: {problem.format(folder=refusing)}\n"
    assert capsys.readouterr().err == expected
    # `config check` says the same.
    assert main(["config", "check", "--config", str(config)]) == 1
    assert capsys.readouterr().err == expected
    assert sorted(p.name for p in refusing.iterdir()) == ["aksbot.yaml", "kc"]


def test_a_bot_token_given_as_the_app_token_is_refused_unshown(
    refusing: Path, cluster_bed: ClusterBed, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = refusing / "aksbot.yaml"
    config.write_text(yaml.safe_dump({"clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig)}]}))
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-pasted-in-the-wrong-place")
    assert main(["serve", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aksbot: SLACK_APP_TOKEN is not an app-level token (those start with xapp-")
    assert "pasted" not in err


def test_log_level_takes_the_logging_levels_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--log-level", "LOUD"])
    assert refused.value.code == 2
    assert "argument --log-level: invalid choice: 'LOUD' (choose from 'DEBUG', 'INFO'" in capsys.readouterr().err
    assert bot.slack.serve._parse(["--log-level", "debug"]).log_level == "DEBUG"


def _serve(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--config", str(config), "--host", "127.0.0.1",
                           *args], check=False, env=env, capture_output=True, text=True, timeout=120)


def _config(bed: ClusterBed, name: str) -> Path:
    config = bed.folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump({"clusters": [{"name": "sandbox", "kubeconfig": str(bed.kubeconfig)}],
                                      "roles": {"viewer": ["*"]}, "store": {"sqlite_path": f"{name}.sqlite3"}}))
    return config


def test_a_port_in_use_is_one_line(slack_api: WebApiServer, cluster_bed: ClusterBed) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = http_serve_env(slack_api.api_url, secret=LONG_SECRET)
        done = _serve(_config(cluster_bed, "port-taken"), env, "--http", "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"aksbot: port {port} is in use (--port): stop what listens there " \
                                                   "or choose another port"
    assert "Traceback" not in done.stderr


def test_an_app_token_slack_refuses_is_one_line(slack_api: WebApiServer, cluster_bed: ClusterBed) -> None:
    env = {**http_serve_env(slack_api.api_url, secret=LONG_SECRET), "SLACK_APP_TOKEN": "xapp-1-revoked"}
    assert env["SLACK_APP_TOKEN"] != APP_TOKEN
    done = _serve(_config(cluster_bed, "app-token"), env, "--health-port", "0", "--alerts-port", "0")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "aksbot: SLACK_APP_TOKEN was refused by Slack (invalid_auth): generate an app-level token with "
        "connections:write on the app's Basic Information page")
    assert "Traceback" not in done.stderr and "xapp-1-revoked" not in done.stderr


def test_in_socket_mode_slack_being_unreachable_is_no_reason_to_restart_the_pod() -> None:
    """Liveness and readiness share `/healthz`: a websocket that is down (Slack's outage; the client reconnects by
    itself) keeps it 200 — a restart would lose the watch caches, and readiness would take the pod out of the
    alert webhooks' Service exactly when the outbox should be collecting them. Only a dead worker fails it."""
    from bot.slack.serve import socket_mode_health

    assert socket_mode_health(workers_alive=True, connected=True) == (True, "ok")
    healthy, said = socket_mode_health(workers_alive=True, connected=False)
    assert healthy and "disconnected" in said
    assert socket_mode_health(workers_alive=False, connected=True) == (False, "worker process stopped")
