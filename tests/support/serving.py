"""`aksbot serve` as a child process, for the tests and benchmarks that talk to it over real HTTP.

- `free_port()`: a loopback port nothing listens on yet;
- `serve_http(port, config, *extra)`: the command line of `aksbot serve --http` on that port;
- `wait_healthy(port, process)`: until `/healthz` answers 200, failing as soon as the process is gone;
- `stop(process)`: SIGTERM, as a pod is stopped, and SIGKILL only when it does not end in time.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_http(port: int, config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
            "--config", str(config), *extra]


def wait_healthy(port: int, process: subprocess.Popen[Any], timeout: float = 30.0,
                 why: Callable[[], str] = lambda: "") -> None:
    """Until `/healthz` answers 200 (a 503 means the worker is not up yet). `why` adds what the process logged to
    the AssertionError when it exits or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as health:
                if health.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"aksbot serve exited with {process.returncode}: {why()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"aksbot serve did not come up: {why()}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
