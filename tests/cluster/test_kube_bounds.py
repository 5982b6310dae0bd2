"""A Kubernetes API server that hangs or is gone, as a user meets it: `aksbot sandbox` in a process of its own,
frozen with SIGSTOP (the kernel still accepts connections; nothing answers) and then closed, and a fresh
`aksbot shell` asking it. Each command answers within the stated bound with "did not answer within 10 s" or
"unreachable" — a timeout is never retried, so the number in the message is the wait the user had.

Also the 403 a restricted identity gets names the verb and the resource; and a silent listener standing in for
the API server shows one call ends at its bound and is not sent twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s

from bot.cluster.kube import CALL_BOUND_S, KubeCluster, _RetryFastFailuresOnce
from bot.errors import Upstream
from tests.support.network import ROOT, SilentListener, closed_port, run_piped

COMMAND_BOUND_S = 20.0


@pytest.fixture()
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--no-arm", "--write-config", str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "ready" in line, process.stderr.read() if process.stderr else line
        yield process, tmp_path / "aksbot.yaml"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _ask(config: Path, *lines: str) -> tuple[str, float]:
    run = run_piped(["shell", "--config", str(config), "--as", "alice"], list(lines))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    return run.stdout, run.seconds


def test_a_frozen_then_closed_api_server_answers_within_the_bound(
    sandbox_process: tuple[subprocess.Popen[str], Path]
) -> None:
    process, config = sandbox_process
    answer, _ = _ask(config, "/k8s nodes")
    assert "Nodes — sandbox" in answer and "did not answer" not in answer, answer
    process.send_signal(signal.SIGSTOP)
    try:
        answer, seconds = _ask(config, "/k8s nodes")
    finally:
        process.send_signal(signal.SIGCONT)
    assert f"cluster 'sandbox' did not answer within {CALL_BOUND_S:g} s (asking for nodes)" in answer, answer
    assert seconds < COMMAND_BOUND_S, seconds
    process.terminate()
    process.wait(10)
    answer, seconds = _ask(config, "/k8s health")
    assert "cluster 'sandbox' is unreachable: connection refused" in answer, answer
    assert seconds < COMMAND_BOUND_S, seconds


def _cluster(url: str) -> KubeCluster:
    configuration = k8s.Configuration()
    configuration.host = url
    configuration.verify_ssl = False
    configuration.retries = _RetryFastFailuresOnce(total=1, redirect=0, status=0)
    return KubeCluster("silent", k8s.ApiClient(configuration))


def test_a_silent_api_server_costs_one_bounded_call_not_two() -> None:
    with SilentListener() as silent:
        with pytest.raises(Upstream, match=rf"did not answer within {CALL_BOUND_S:g} s \(asking for nodes\)"):
            _cluster(f"http://127.0.0.1:{silent.port}").nodes()
        assert silent.accepted == 1


def test_a_refused_connection_is_retried_once_then_unreachable() -> None:
    with pytest.raises(Upstream, match=r"unreachable: connection refused"):
        _cluster(f"https://127.0.0.1:{closed_port()}").nodes()
