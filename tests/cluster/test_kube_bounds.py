"""A Kubernetes API server that hangs or is gone, as a user meets it: `aksbot sandbox` in a process of its own,
frozen with SIGSTOP (the kernel still accepts connections; nothing answers) and then closed, and a fresh
`aksbot shell` asking it. Each command answers within the stated bound with "did not answer within 10 s" or
"unreachable" — a timeout is never retried, so the number in the message is the wait the user had.

Also the 403 a restricted identity gets names the verb and the resource; and a silent listener standing in for
the API server shows one call ends at its bound and is not sent twice.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s

from bot.cluster.kube import CALL_BOUND_S, KubeCluster, _RetryFastFailuresOnce
from bot.errors import Upstream
from tests.support.kubectl import sandbox_process
from tests.support.network import SilentListener, closed_port, run_piped

COMMAND_BOUND_S = 20.0


@pytest.fixture()
def sandbox(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    with sandbox_process(tmp_path) as (process, _):
        yield process, tmp_path / "aksbot.yaml"


def _ask(config: Path, *lines: str) -> tuple[str, float]:
    run = run_piped(["shell", "--config", str(config), "--as", "alice"], list(lines))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    return run.stdout, run.seconds


def test_a_frozen_then_closed_api_server_answers_within_the_bound(
    sandbox: tuple[subprocess.Popen[str], Path]
) -> None:
    process, config = sandbox
    # The time a healthy answer takes (mostly the shell's own start) is not the command's: on a busy machine it
    # alone has taken seconds. What the bound limits is the wait the broken cluster adds to it.
    answer, healthy = _ask(config, "/k8s nodes")
    assert "Nodes — sandbox" in answer and "did not answer" not in answer, answer
    process.send_signal(signal.SIGSTOP)
    try:
        answer, seconds = _ask(config, "/k8s nodes")
    finally:
        process.send_signal(signal.SIGCONT)
    assert f"cluster 'sandbox' did not answer within {CALL_BOUND_S:g} s (asking for nodes)" in answer, answer
    assert seconds - healthy < COMMAND_BOUND_S, (seconds, healthy)
    process.terminate()
    process.wait(10)
    answer, seconds = _ask(config, "/k8s health")
    assert "cluster 'sandbox' is unreachable: connection refused" in answer, answer
    assert seconds - healthy < COMMAND_BOUND_S, (seconds, healthy)


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
