"""`aksbot serve --http` as an admin runs it: a separate process configured by a file and the environment,
answering a signed `/k8s nodes` with 200 and then posting the node list; a wrongly signed one gets 401; SIGTERM
stops it cleanly. Also the group directory's fallback when Slack cannot list a group's members."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.slack.groups import SlackGroupDirectory, group_ids_in
from bot.slack.web import web_client
from tests.slack.conftest import ALICE, CAROL, VIEWERS, ClusterBed, slack_settings
from tests.support.serving import free_port, serve_http, stop, wait_healthy
from tests.support.slack import (
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
