from __future__ import annotations

from pathlib import Path

import pytest

from bot import settings
from bot.cli import main
from bot.registry import Role
from bot.settings import SettingsError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aksbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_file_names_the_file_the_key_and_what_was_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "clusters:\n  - name: prod\n    kubeconfig: k\n    context: 3\n    colour: blue\n")
    with pytest.raises(SettingsError) as err:
        settings.load(str(path))
    text = str(err.value)
    assert str(path) in text
    assert "clusters.0.context: Input should be a valid string (got 3)" in text
    assert "clusters.0.colour: Extra inputs are not permitted" in text


def test_references_must_resolve(tmp_path: Path) -> None:
    path = write(tmp_path, "clusters: [{name: prod, kubeconfig: k}]\ndefault_cluster: test\n")
    with pytest.raises(SettingsError, match="default_cluster 'test' is not one of the clusters \\(prod\\)"):
        settings.load(str(path))
    with pytest.raises(SettingsError, match="not valid YAML at line 2"):
        settings.load(str(write(tmp_path, "clusters: [\n")))
    with pytest.raises(SettingsError, match="no such configuration file"):
        settings.load(str(tmp_path / "missing.yaml"))


def test_secrets_come_from_the_environment_and_are_never_printed(tmp_path: Path) -> None:
    cfg = settings.load(
        str(write(tmp_path, "{}")),
        environ={"SLACK_BOT_TOKEN": "xoxb-1", "AKSBOT_DATABASE_URL": "postgresql://u:pw@h/db"},
    )
    assert cfg.slack.bot_token is not None and cfg.slack.bot_token.get_secret_value() == "xoxb-1"
    assert "xoxb-1" not in repr(cfg) and "pw@" not in repr(cfg)


def test_a_secret_put_in_the_file_by_mistake_is_named_and_never_printed(tmp_path: Path) -> None:
    """A client secret typed into the file (secrets come from the environment) is refused by its key; the message
    goes to a terminal and to the pod's log, so the value is never in it."""
    azure = ("clusters:\n  - name: prod\n    kubeconfig: k\n    azure: {subscription_id: x, resource_group: r, "
             "cluster_name: c, client_secret: SuperS3cretValue}\n")

    def refusal(text: str) -> str:
        with pytest.raises(SettingsError) as err:
            settings.load(str(write(tmp_path, text)))
        return str(err.value)

    text = refusal(azure + "database_url: postgresql://u:Pw0rd@db/aksbot\n")
    assert "these come from the environment, not the file: database_url (set AKSBOT_DATABASE_URL instead)" in text
    assert "Pw0rd" not in text
    text = refusal(azure)
    assert "clusters.0.azure.client_secret: Extra inputs are not permitted (its value is not shown)" in text
    assert "SuperS3cretValue" not in text


def test_roles_per_cluster_replace_the_global_ones(tmp_path: Path) -> None:
    cfg = settings.load(
        str(
            write(
                tmp_path,
                """
clusters: [{name: test, kubeconfig: k}, {name: prod, kubeconfig: k, roles: {approver: [U0LEAD]}}]
roles: {viewer: ["*"], operator: [S0SRE], approver: [bob]}
""",
            )
        )
    )
    assert cfg.role_of("bob", frozenset(), "test") is Role.APPROVER
    assert cfg.role_of("bob", frozenset(), "prod") is Role.VIEWER
    assert cfg.role_of("U0LEAD", frozenset(), "prod") is Role.APPROVER
    assert cfg.role_of("anyone", frozenset({"S0SRE"}), "prod") is Role.OPERATOR
    assert cfg.resolve_path("k") == tmp_path / "k"


def test_config_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("contexts: [{name: aks-prod}]\n")
    good = write(tmp_path, "clusters: [{name: prod, kubeconfig: kubeconfig, context: aks-prod}]\n")
    assert main(["config", "check", "--config", str(good)]) == 0
    assert "OK — 1 cluster(s): prod" in capsys.readouterr().out
    bad = write(tmp_path, "clusters: [{name: prod, kubeconfig: kubeconfig, context: aks-test}]\n")
    assert main(["config", "check", "--config", str(bad)]) == 1
    assert "'aks-test' is not in" in capsys.readouterr().err
    # No file and no cluster: nothing the bot could answer about is not "OK".
    empty = write(tmp_path, "roles: {viewer: ['*']}\n")
    assert main(["config", "check", "--config", str(empty)]) == 1
    assert "no cluster is configured; see the README's Configuration section" in capsys.readouterr().err
    assert main(["--version"]) == 0 and capsys.readouterr().out.startswith("aksbot ")


def test_a_per_action_policy_must_name_an_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`actions: {drian: …}` (or `restart` for `restart deployment`) was accepted and ignored: the action kept the
    weaker default. It is refused, by `config check` and by the bot's start, with the nearest name."""
    from bot.app import assemble
    from bot.errors import NotConfigured
    from tests.support.approvals import RecordingNotifier

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("contexts: [{name: aks-prod}]\n")
    typo = write(tmp_path, "clusters: [{name: prod, kubeconfig: kubeconfig, context: aks-prod,\n"
                           "  actions: {drian: {required_approvals: 2}, drain: {required_approvals: 2}}}]\n")
    assert main(["config", "check", "--config", str(typo)]) == 1
    err = capsys.readouterr().err
    assert "clusters[0] (prod).actions.drian: not an action that needs approval; did you mean `drain`?" in err
    assert "actions.drain" not in err
    with pytest.raises(NotConfigured, match="did you mean `drain`"):
        assemble(settings.load(str(typo), environ={}), RecordingNotifier())


def test_config_check_warns_of_roles_that_match_nobody_in_slack(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("contexts: [{name: aks-prod}]\n")
    names = write(tmp_path, "clusters: [{name: prod, kubeconfig: kubeconfig, context: aks-prod},\n"
                            "  {name: test, kubeconfig: kubeconfig, context: aks-prod, roles: {operator: [U0ALICE]}}]\n"
                            "roles: {viewer: ['*'], operator: [alice], approver: [S0SRE, bob]}\n"
                            "channels: {'#prod-ops': prod, C0PROD: prod}\n")
    assert main(["config", "check", "--config", str(names)]) == 0  # valid: the shell takes names
    err = capsys.readouterr().err
    assert "roles name alice, bob, not Slack user IDs (U…, W…) or user-group IDs (S…)" in err
    assert "nobody has the approver role on cluster test: its approval requests can never run" in err
    assert "channels #prod-ops are not Slack channel IDs" in err and "C0PROD" not in err


@pytest.mark.postgres
def test_config_check_tries_the_shared_database(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("contexts: [{name: aks-prod}]\n")
    good = write(tmp_path, "clusters: [{name: prod, kubeconfig: kubeconfig, context: aks-prod}]\n"
                           "roles: {viewer: ['*'], approver: [U0BOB]}\n")
    monkeypatch.setenv("AKSBOT_DATABASE_URL", "postgresql://postgres:Pw0rd@127.0.0.1:5432/test")
    assert main(["config", "check", "--config", str(good)]) == 0
    monkeypatch.setenv("AKSBOT_DATABASE_URL", "postgresql://postgres:Pw0rd@127.0.0.1:5432/nosuchdb_aksbot")
    assert main(["config", "check", "--config", str(good)]) == 1
    err = capsys.readouterr().err
    assert 'database "nosuchdb_aksbot" does not exist' in err and "Pw0rd" not in err


def test_config_check_says_what_is_wrong_with_a_kubeconfig_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kcstr").write_text("hello\n")
    config = write(tmp_path, "clusters: [{name: prod, kubeconfig: kcstr, context: x}]\n")
    assert main(["config", "check", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err == f"aksbot: {config}: clusters[0] (prod).kubeconfig: {tmp_path / 'kcstr'} is not a kubeconfig " \
                  "(not a YAML mapping)\n"
    # Without `context`, the file's current context is the one used: it must be one of its contexts.
    (tmp_path / "kc").write_text("contexts: [{name: a}]\n")
    config = write(tmp_path, "clusters: [{name: prod, kubeconfig: kc}]\n")
    assert main(["config", "check", "--config", str(config)]) == 1
    assert "clusters[0] (prod).context: not set, and" in capsys.readouterr().err
    # No configuration at all: say how to give one.
    monkeypatch.delenv("AKSBOT_CONFIG", raising=False)
    assert main(["config", "check"]) == 1
    assert capsys.readouterr().err == f"aksbot: {settings.NO_CONFIGURATION}\n"


def test_in_cluster_needs_a_pod_and_its_service_account_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The paths and variables are the official client's own: the check must look where the loader will.
    from kubernetes.config import incluster_config

    assert str(settings.SERVICE_ACCOUNT_DIR / "token") == incluster_config.SERVICE_TOKEN_FILENAME
    assert str(settings.SERVICE_ACCOUNT_DIR / "ca.crt") == incluster_config.SERVICE_CERT_FILENAME
    assert (settings.SERVICE_HOST_ENV, settings.SERVICE_PORT_ENV) == (
        incluster_config.SERVICE_HOST_ENV_NAME, incluster_config.SERVICE_PORT_ENV_NAME)

    config = write(tmp_path, "clusters: [{name: prod, in_cluster: true}]\n")
    # Outside a pod (a laptop, CI): the start would fail in Slack; the check says why, in one line.
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    assert main(["config", "check", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err == (f"aksbot: {config}: clusters[0] (prod).in_cluster: KUBERNETES_SERVICE_HOST and "
                   "KUBERNETES_SERVICE_PORT not set: `in_cluster: true` works only inside a pod (outside one, set "
                   "`kubeconfig`)\n")

    # In a pod whose token is not mounted (automountServiceAccountToken: false).
    environ = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    cfg = settings.from_mapping({"clusters": [{"name": "prod", "in_cluster": True}]}, source="x.yaml",
                                environ=environ)
    account = tmp_path / "serviceaccount"
    account.mkdir()
    assert settings.in_cluster_problem(cfg, account) == (
        f"no service-account token or ca.crt under {account}: mount the ServiceAccount token "
        "(automountServiceAccountToken must not be false)")
    (account / "token").write_text("eyJ…")
    (account / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    assert settings.in_cluster_problem(cfg, account) is None
