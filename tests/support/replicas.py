"""Several `aksbot serve --http` replicas behind one port, as a cluster runs them, for tests and benchmarks.

- `ServeProcess`: one `aksbot serve --http` process (its front and its worker process, in a process group of
  their own so `kill()` takes both down at once, as a node failure or an OOM kill of the pod would);
- `RoundRobin`: a tiny HTTP load balancer in front of the replicas. It sends each request to the next replica;
  when a replica refuses the connection (it is gone), it sends the request to the next one, as a Service does
  once the dead endpoint is removed. A replica that accepted a request and died before answering gives the
  caller a 502, as a real load balancer would: the caller (Slack) sees the failure.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import itertools
import os
import signal
import subprocess
import threading
from pathlib import Path

from tests.support.network import BackgroundServer, QuietHandler
from tests.support.serving import free_port, serve_http, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


class ServeProcess:
    """`aksbot serve --http` on a port of its own, started with `env` (secrets, Slack API URL, database URL)."""

    def __init__(self, config: Path, env: dict[str, str], log: Path, *, workers: int = 8) -> None:
        self.port = free_port()
        self.log = log
        environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        environ.pop("SLACK_APP_TOKEN", None)
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            serve_http(self.port, config, "--workers", str(workers)),
            env=environ,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        wait_healthy(self.port, self.process, timeout, why=lambda: self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the whole replica (front and worker) at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default listen backlog of 5 resets connections at 50 concurrent clients


class RoundRobin(BackgroundServer):
    """An HTTP load balancer on one local port over `replicas` (see the module docstring)."""

    thread_name = "round-robin"

    def __init__(self, replicas: list[tuple[str, int]]) -> None:
        self.replicas = replicas
        self._next = itertools.count()
        self.rerouted = 0
        self.failed = 0
        self._lock = threading.Lock()
        balancer = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, data = balancer.forward(self.path, body, headers, self.headers.get("X-Replica"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def forward(self, path: str, body: bytes, headers: dict[str, str], pinned: str | None) -> tuple[int, bytes]:
        """To the replica `pinned` names (its index: a test sending a retry elsewhere), else the next one."""
        start = int(pinned) if pinned is not None else next(self._next)
        for attempt in range(len(self.replicas)):
            host, port = self.replicas[(start + attempt) % len(self.replicas)]
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                connection.connect()
            except OSError:  # refused: the replica is gone; the next one takes it
                with self._lock:
                    self.rerouted += 1
                continue
            try:
                connection.request("POST" if body else "GET", path, body=body or None, headers=headers)
                answer = connection.getresponse()
                return answer.status, answer.read()
            except (OSError, http.client.HTTPException):  # accepted, then died before answering
                with self._lock:
                    self.failed += 1
                return 502, b"bad gateway"
            finally:
                connection.close()
        return 503, b"no replica"

