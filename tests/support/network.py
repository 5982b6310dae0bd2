"""Far sides that misbehave at the TCP level, for the bound tests and the bounds benchmark.

- `SilentListener`: accepts every connection and never sends a byte (a hung endpoint: a TLS client waits in its
  handshake, a plain HTTP client waits for the status line). With `tls=CA` it completes the TLS handshake with a
  certificate of that CA first, then says nothing (a front end that took the connection and whose backend hangs).
  Connections are held until `stop()`.
- `closed_port()`: a loopback port nothing listens on (connection refused).
- `HangingProxy`: a plain-HTTP reverse proxy to a server that answers most requests at once and never answers
  those whose path matches (an API server whose etcd-backed lists of one kind hang while the rest answer).
- `QuietHandler`, `BackgroundServer`: the base of the test servers' request handlers (HTTP/1.1 keep-alive, no
  access log) and of a server on a thread of its own.
- `raw_http(port, head, body)`: an HTTP/1.1 request written on a bare socket, for what no client would send.
- `run_piped(...)`: one fresh `aksbot` process fed lines on stdin, with its output and wall time.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import trustme

ROOT = Path(__file__).resolve().parents[2]


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A test server's request handler: HTTP/1.1, so clients keep their connections as they would with the real
    service, and no access log line on stderr for every request."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return


class BackgroundServer:
    """A test double's HTTP server (`_server`), served on a daemon thread of its own from `start()` to `stop()`."""

    _server: http.server.ThreadingHTTPServer
    thread_name = "test-server"

    def start(self) -> Self:
        threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SilentListener:
    """A TCP server on 127.0.0.1 that accepts and then says nothing."""

    def __init__(self, tls: trustme.CA | None = None) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self._socket.getsockname()[1])
        self._context: ssl.SSLContext | None = None
        if tls is not None:
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.issue_cert("127.0.0.1", "localhost").configure_cert(self._context)
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-listener", daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def accepted(self) -> int:
        with self._lock:
            return len(self._held)

    def start(self) -> SilentListener:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with self._lock:
                self._held.append(connection)
            if self._context is not None:
                threading.Thread(target=self._handshake, args=(connection,), daemon=True).start()

    def _handshake(self, connection: socket.socket) -> None:
        assert self._context is not None
        with contextlib.suppress(OSError):
            wrapped = self._context.wrap_socket(connection, server_side=True)
            with self._lock:
                self._held.append(wrapped)

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._socket.close()
        with self._lock:
            for connection in self._held:
                with contextlib.suppress(OSError):
                    connection.close()
            self._held.clear()

    def __enter__(self) -> SilentListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class HangingProxy(BackgroundServer):
    """Forwards each HTTP request to `upstream` (plain HTTP) and relays the answer, except requests whose path
    contains one of `hang`: those are read and never answered, until `stop()`."""

    thread_name = "hanging-proxy"

    def __init__(self, upstream: str, hang: tuple[str, ...]) -> None:
        self.upstream = upstream.rstrip("/")
        self.hang = hang
        self.hung = 0
        self._release = threading.Event()
        proxy = self

        class Handler(QuietHandler):
            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if any(part in self.path for part in proxy.hang):
                    proxy.hung += 1
                    proxy._release.wait()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command,
                                                 headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data, answer_headers = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as exc:
                    status, data, answer_headers = exc.code, exc.read(), exc.headers
                self.send_response(status)
                self.send_header("Content-Type", answer_headers.get("Content-Type") or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._release.set()  # the hung requests end first, or shutdown would wait for them
        super().stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that refuses connections (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_http(port: int, head: str, body: bytes = b"") -> bytes:
    """Write `head` (request line and headers, without the blank line) and `body` on a socket to 127.0.0.1:`port`;
    whatever the server answers before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + b"\r\n")
        with contextlib.suppress(OSError):  # the server answered and closed without reading the rest
            for start in range(0, len(body), 1 << 16):
                s.sendall(body[start:start + (1 << 16)])
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := s.recv(1 << 16):
                answer += chunk
        return answer


@dataclass(frozen=True)
class Piped:
    stdout: str
    stderr: str
    seconds: float
    returncode: int


def run_piped(args: list[str], lines: list[str], *, env: dict[str, str] | None = None,
              timeout: float = 120.0) -> Piped:
    """Run `python -m bot.cli ARGS` in a fresh process with `lines` on stdin; its output and wall time."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        check=False,
    )
    return Piped(done.stdout, done.stderr, time.monotonic() - started, done.returncode)
