"""Ack latency of the Slack app under load: `aksbot serve` beside a bare Bolt app that only acks, same server.

HTTP: 200 signed `/k8s nodes` slash commands, 20 at a time, each on a new connection (as Slack sends them),
against `aksbot serve --http` (waitress) and against a bare Bolt app behind the same waitress setup, both as
separate processes, in the same run; the clients run in a process of their own too. Socket Mode: the same
200 commands as `slash_commands` envelopes, 20
outstanding at once, over the local Socket Mode server, timed from push to the app's ack. aksbot also answers
every command through the local Web API server; the time until the last answer is reported too.

Targets: no connection errors, p99 < 300 ms, aksbot's p50 within 1.5x of the bare app's.

    .venv/bin/python bench/bench_slack.py [--requests 200] [--concurrency 20] [--command nodes|help]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.kubectl import start_minicluster, write_kubeconfig  # noqa: E402
from tests.support.serving import free_port, serve_http, stop, wait_healthy  # noqa: E402
from tests.support.slack import (  # noqa: E402
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    SocketModeServer,
    WebApiServer,
    http_serve_env,
    signed_post,
    slash_body,
    slash_command_fields,
)

THREADS = 16


def serve_bare(port: int, api_url: str, socket_mode: bool) -> None:
    """The baseline: a Bolt app whose only listener acks `/k8s`, behind the same server (or Socket Mode)."""
    from slack_bolt import Ack, App
    from slack_sdk.web import WebClient

    from bot.slack.serve import HttpServer, wsgi_app

    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        request_verification_enabled=not socket_mode,
    )

    @app.command("/k8s")
    def ack_only(ack: Ack) -> None:
        ack()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, app_token=APP_TOKEN)
        handler.connect()  # type: ignore[no-untyped-call]
        stop.wait()
        handler.close()  # type: ignore[no-untyped-call]
        return
    front = wsgi_app(app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
    server = HttpServer(front, host="127.0.0.1", port=port, threads=THREADS).start()
    stop.wait()
    server.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], errors: int, wall: float) -> float:
    if not latencies:
        print(f"{label:<34} all {errors} requests failed")
        return float("nan")
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"{label:<34} n={len(latencies):>4} errors={errors:<3} p50={p50:7.1f} ms  p99={p99:7.1f} ms  "
        f"max={max(latencies) * 1000:7.1f} ms  mean={statistics.mean(latencies) * 1000:6.1f} ms  "
        f"{len(latencies) / wall:6.0f} req/s"
    )
    return p50


def load(send: Callable[[int], float | None], requests: int, concurrency: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        try:
            took = send(i)
        except OSError:
            took = None
        with lock:
            if took is None:
                errors += 1
            else:
                latencies.append(took)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return latencies, errors, time.monotonic() - started


# What the slash commands ask: `nodes` makes aksbot do real work (a cluster list, rendering, a Web API post)
# while acks are measured; `help` leaves only the ack path and a post. Set by --command.
COMMAND = ["nodes"]
WORKERS = [THREADS]


def http_sender(url: str, api: WebApiServer | str, channel: str) -> Callable[[int], float | None]:
    response_url = api if isinstance(api, str) else api.response_url()

    def send(i: int) -> float | None:
        body = slash_body(COMMAND[0], user="U0BENCH", channel=channel, response_url=response_url)
        started = time.monotonic()
        status = signed_post(url, body)
        took = time.monotonic() - started
        return took if status == 200 else None

    return send


def remote_load(url: str, api: WebApiServer, channel: str, requests: int, concurrency: int
                ) -> tuple[list[float], int, float]:
    """`load` over HTTP from a process of its own: the clients' timing must not wait for this process's GIL,
    which the local Web API server and the cluster are busy with while aksbot answers."""
    out = subprocess.run(
        [sys.executable, __file__, "--client", url, "--response-url", api.response_url(), "--channel", channel,
         "--requests", str(requests), "--concurrency", str(concurrency), "--command", COMMAND[0]],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return list(data["latencies"]), int(data["errors"]), float(data["wall"])


def socket_sender(ws: SocketModeServer, api: WebApiServer, channel: str) -> Callable[[int], float | None]:
    def send(i: int) -> float | None:
        fields = slash_command_fields(COMMAND[0], user="U0BENCH", channel=channel, response_url=api.response_url())
        started = time.monotonic()
        envelope = ws.push("slash_commands", dict(fields), accepts_response_payload=True)
        ws.wait_ack(envelope, timeout=10)
        return time.monotonic() - started

    return send


def answered(api: WebApiServer, channel: str) -> int:
    return len([c for c in api.of("chat.postMessage") if c.params.get("channel") == channel])


def wait_answers(api: WebApiServer, channel: str, count: int, since: float) -> str:
    try:
        api.wait_for(lambda s: answered(s, channel) >= count, timeout=120)
    except AssertionError:
        return f"only {answered(api, channel)} of {count} answers posted within 120 s"
    return f"all {count} answers posted {time.monotonic() - since:.1f} s after the first request"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--command", default="nodes", help="what each /k8s asks (default: nodes)")
    parser.add_argument("--workers", type=int, default=THREADS, help="aksbot serve --workers")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--response-url", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--socket-mode", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    COMMAND[0] = args.command
    WORKERS[0] = args.workers
    if args.client:
        latencies, errors, wall = load(
            http_sender(args.client, args.response_url, args.channel), args.requests, args.concurrency
        )
        print(json.dumps({"latencies": latencies, "errors": errors, "wall": wall}))
        return 0
    if args.serve_bare is not None:
        serve_bare(args.serve_bare, args.api_url, args.socket_mode)
        return 0

    api = WebApiServer().start()
    ws = SocketModeServer().start()
    api.socket_url = ws.url
    kube = start_minicluster()
    folder = Path(tempfile.mkdtemp(prefix="aksbot-bench-slack-"))
    kubeconfig = write_kubeconfig(folder, kube)
    config = folder / "aksbot.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "sandbox", "kubeconfig": str(kubeconfig), "context": "sandbox"}],
                "roles": {"viewer": ["*"]},
                "store": {"sqlite_path": "bench.sqlite3"},
            }
        )
    )
    env = http_serve_env(api.api_url, secret=SIGNING_SECRET)
    print(
        f"{args.requests} signed /k8s {args.command}, concurrency {args.concurrency}, waitress threads {THREADS}, "
        f"{os.cpu_count()} CPUs"
    )
    processes: list[subprocess.Popen[bytes]] = []

    def spawn(argv: list[str], extra: dict[str, str]) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(argv, env={**env, **extra}, stderr=subprocess.DEVNULL)
        processes.append(p)
        return p

    try:
        # -- HTTP ----------------------------------------------------------------------------------------------
        bare_port, bot_port = free_port(), free_port()
        bare = spawn([sys.executable, __file__, "--serve-bare", str(bare_port), "--api-url", api.api_url], {})
        bot = spawn(serve_http(bot_port, config, "--log-level", "WARNING", "--workers", str(WORKERS[0])), {})
        wait_healthy(bare_port, bare)
        wait_healthy(bot_port, bot)
        for port in (bare_port, bot_port):  # warm up both (imports, first connections, first cluster call)
            load(http_sender(f"http://127.0.0.1:{port}/slack/events", api, "CWARMUP"), 20, 5)
        bare_p50 = report(
            "HTTP  bare Bolt app (ack only)",
            *remote_load(f"http://127.0.0.1:{bare_port}/slack/events", api, "CBARE", args.requests, args.concurrency),
        )
        started = time.monotonic()
        bot_p50 = report(
            "HTTP  aksbot serve --http",
            *remote_load(f"http://127.0.0.1:{bot_port}/slack/events", api, "CHTTP", args.requests, args.concurrency),
        )
        print(
            f"      aksbot p50 / bare p50 = {bot_p50 / bare_p50:.2f}x; "
            f"{wait_answers(api, 'CHTTP', args.requests, started)}"
        )
        for p in (bare, bot):
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=15)

        # -- Socket Mode ----------------------------------------------------------------------------------------
        socket_env = {"SLACK_APP_TOKEN": APP_TOKEN}
        bare = spawn(
            [sys.executable, __file__, "--serve-bare", "0", "--api-url", api.api_url, "--socket-mode"], socket_env
        )
        ws.wait_connected(timeout=30)
        load(socket_sender(ws, api, "CWARMUP"), 20, 5)
        bare_p50 = report(
            "Socket Mode  bare Bolt app", *load(socket_sender(ws, api, "CBARESM"), args.requests, args.concurrency)
        )
        bare.send_signal(signal.SIGTERM)
        bare.wait(timeout=15)
        deadline = time.monotonic() + 10
        while ws.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        health = free_port()
        bot = spawn(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--health-port",
                str(health),
                "--log-level",
                "WARNING",
                "--workers",
                str(WORKERS[0]),
            ],
            socket_env,
        )
        wait_healthy(health, bot)
        ws.wait_connected(timeout=30)
        load(socket_sender(ws, api, "CWARMUP"), 20, 5)
        started = time.monotonic()
        bot_p50 = report(
            "Socket Mode  aksbot serve", *load(socket_sender(ws, api, "CSOCKET"), args.requests, args.concurrency)
        )
        print(
            f"      aksbot p50 / bare p50 = {bot_p50 / bare_p50:.2f}x; "
            f"{wait_answers(api, 'CSOCKET', args.requests, started)}"
        )
    finally:
        for p in processes:
            stop(p)
        ws.stop()
        api.stop()
        kube.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
