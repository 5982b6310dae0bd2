"""The approvals issue's scripted session, run as a user would: the real `aksbot demo` process fed line by line,
with the real kubectl against the demo's sandbox checking the node between the clicks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.demo import read_until

ROOT = Path(__file__).resolve().parents[2]
NODE = "aks-userpool-11974196-vmss000005"



def _kubectl(kubeconfig: str, *args: str) -> str:
    done = subprocess.run(["/usr/bin/kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout



def _demo() -> tuple[subprocess.Popen[str], str]:
    """The real `aksbot demo` process, fed through its stdin, and the kubeconfig of its prod sandbox."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))", "demo"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    banner = process.stderr.readline() + process.stderr.readline()
    kubeconfig = re.search(r"KUBECONFIG=(\S+/prod/kubeconfig)", banner)
    assert kubeconfig, banner
    return process, kubeconfig.group(1)


def test_scripted_approval_session_in_the_demo() -> None:
    process, kubeconfig = _demo()
    seen: list[str] = []
    try:
        def say(*lines: str) -> None:
            assert process.stdin is not None
            process.stdin.write("".join(f"{line}\n" for line in lines))
            process.stdin.flush()

        say(f"/k8s cordon {NODE}", ":click Approve", ":as carol", ":click Approve", ":as bob", ":click Approve")
        read_until(process, "state succeeded", seen)
        transcript = "".join(seen)
        assert "Approval request" in transcript and f"Cordon node {NODE} on prod" in transcript
        assert "Refused: you requested this yourself" in transcript
        assert "Refused: you are not an approver" in transcript
        assert f"Node {NODE} is cordoned (SchedulingDisabled)" in transcript
        row = next(line for line in _kubectl(kubeconfig, "get", "nodes").splitlines() if NODE in line)
        assert "SchedulingDisabled" in row

        say(":click Approve", "/k8s audit", ":quit")
        out, _ = process.communicate(timeout=60)
        rest = "".join(seen) + out
        # The finished card has no live buttons; alice was told in its thread, by name.
        assert "no message has a button labelled 'Approve'" in rest
        assert "@alice: your request" in rest and "Approved by @bob" in rest
        audit = rest[rest.index("Audit\n"):]
        for event in ("requested", "refused", "approved", "running", "succeeded"):
            assert re.search(rf"\b{event}\b", audit), f"{event} missing from the audit:\n{audit}"
        events = re.findall(r"^\S+ \S+\s+\S+\s+(\w+)\s", audit, flags=re.M)
        assert events.count("running") == 1 and events.count("succeeded") == 1, events
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()


def _readme_try_lines() -> list[str]:
    """The README's "Try:" session, each line without its parenthesised note."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("approver and `carol` a viewer. Try:\n\n```text\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s{2,}\(.*\)$", "", line).strip() for line in block.splitlines() if line.strip()]


def test_the_readme_try_session_runs_as_written() -> None:
    """Every line of the README's walk-through gets an answer, every click finds its button, nothing fails."""
    lines = _readme_try_lines()
    assert "/k8s health" in lines and ":click Approve" in lines and "/k8s approvals" in lines
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))", "demo"],
        input="\n".join([*lines, ":quit"]) + "\n", capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[no message has a button" not in out and "Traceback" not in out + done.stderr
    assert "Unknown command" not in out and "I don't know" not in out
    assert "is a workload, not a pod: diagnosing the worst" in out
    assert "Named in your question, live on `prod`:\n• Deployment `shop/checkout-worker`: 0/2 pod(s) ready" in out
    assert "approval request(s) waiting, 1 you may approve" in out
    assert "Refused: you requested this yourself" in out and "is cordoned (SchedulingDisabled)" in out
    # The incident, from start to close: its channel, its timeline, its summary, the archived channel.
    assert "INC-1 declared: #inc-" in out and "alice, bob invited" in out and "[you are now in #inc-" in out
    # The pinned snapshot is dated by the watch cache it was read from; the answer to the declaration reads nothing.
    declared = out[:out.index("INC-1 declared: #inc-")]
    assert "(from the watch cache, as of" in declared[declared.index("Health: prod"):]
    assert "(from the watch cache" not in declared[declared.rindex("\n[#"):]
    timeline = out[out.index("Timeline of INC-1") :]
    for line in ("*declared* · @alice", "*ran* · @alice — `/k8s diagnose pod ledger-api -n payments`",
                 "*pinned* · @alice", "*note* · @alice", "*approved* · @bob — `/k8s restart deployment ledger-api"):
        assert line in timeline, line
    assert "Runbook for this incident: `java-oom-cgroupv2`" in out
    assert "INC-1 closed: ledger-api java pods OOMKilled after the cgroup v2 upgrade" in out
    assert "requested by @alice, approved by @bob" in out
    assert "closed, channel archived" in out


def test_an_action_asked_for_in_chinese_words_runs_after_approval() -> None:
    """"把 checkout-worker 扩到 3 个副本" in the demo: the offer's button asks for the scale, bob approves it, and the
    sandbox's Deployment has three replicas (read by the real kubectl)."""
    process, kubeconfig = _demo()
    seen: list[str] = []
    try:
        process.stdin.write("@aksbot 帮我把 checkout-worker 扩到 3 个副本\n:click 申请调整 checkout-worker → 3\n")
        process.stdin.write(":as bob\n:click 批准\n")
        process.stdin.flush()
        read_until(process, "状态 已成功", seen)
        transcript = "".join(seen)
        assert "这是在请求对 `prod` 执行操作" in transcript and "(`/k8s kb show" not in transcript
        assert "`/k8s scale deployment checkout-worker --replicas 3 -n shop --cluster prod`" in transcript
        replicas = _kubectl(kubeconfig, "get", "deployment", "checkout-worker", "-n", "shop",
                            "-o", "jsonpath={.spec.replicas}")
        assert replicas == "3"
        # The audit trail keeps English for every admin, whatever the request's language.
        out, _ = process.communicate("/k8s audit --last 2\n:quit\n", timeout=60)
        assert "succeeded  aksbot  prod     Deployment shop/checkout-worker scaled from 2 to 3 replicas." in out, out
    finally:
        if process.poll() is None:
            process.kill()


def test_deleting_a_pod_on_a_lost_node_says_it_stays_terminating() -> None:
    """The prod sandbox's vmss000003 has stopped reporting: deleting a pod bound to it only marks it. The card says
    so before the approval, and the result is a warning, not a green "deleted" (the real kubectl sees it stay)."""
    process, kubeconfig = _demo()
    seen: list[str] = []
    pod = "orders-api-7lq4f5jnhf-g8nx9"
    try:
        assert process.stdin is not None
        process.stdin.write(f"/k8s delete pod {pod} -n shop\n:as bob\n:click Approve\n")
        process.stdin.flush()
        read_until(process, "state ran, with warnings", seen)
        transcript = "".join(seen)
        assert f"so {pod} will only be marked for deletion and stay Terminating" in transcript
        assert f"Pod shop/{pod} is marked for deletion but stays Terminating" in transcript
        stamp = _kubectl(kubeconfig, "get", "pod", pod, "-n", "shop", "-o", "jsonpath={.metadata.deletionTimestamp}")
        assert stamp  # still there, Terminating
        process.communicate(":quit\n", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


def test_the_banner_greets_the_user_chosen_with_as() -> None:
    def demo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))", "demo",
             *args], check=False, input=":quit\n", capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})

    bob = demo("--as", "bob")
    assert bob.returncode == 0, bob.stderr
    assert "You are bob (approver). alice is an operator, carol a viewer: switch with `:as alice`." in bob.stderr
    assert "You are alice" not in bob.stderr
    unknown = demo("--scenario", "nosuch")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "invalid choice: 'nosuch' (choose from 'healthy', 'incident', 'large')" in unknown.stderr
