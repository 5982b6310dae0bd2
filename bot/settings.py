"""Settings: one YAML file plus environment variables for secrets, read once into one typed object.

Nothing else in the project reads environment variables: surfaces and adapters receive what they need from the
`Settings` object built here. A bad file is rejected at start with the file, the key and what was expected.

The file (`--config PATH` or `AKSBOT_CONFIG`):

    default_cluster: prod
    clusters:
      - name: prod
        kubeconfig: ~/.kube/config     # or `in_cluster: true`; relative paths are relative to this file
        context: aks-prod
        default_namespace: default
        azure: {cloud: AzureChinaCloud, subscription_id: …, resource_group: …, cluster_name: …}
        roles: {approver: [U0SRELEAD]}  # replaces the global role of the same name for this cluster
        approvals: {required_approvals: 2}
        actions: {drain: {required_approvals: 2}}
    channels: {C0123PROD: prod, C0456TEST: test}
    roles: {viewer: ["*"], operator: [S0SREGROUP], approver: [U0SRELEAD]}
    groups: {S0SREGROUP: [U0ALICE]}    # only for the shell and tests; in Slack, user groups come from Slack
    approvals: {expiry_minutes: 15, required_approvals: 1, channel: C0APPROVALS}
    incidents: {private: false}        # and a cluster's `oncall: [S0ONCALL]` (see `bot.incidents.settings`)
    store: {sqlite_path: aksbot.sqlite3}   # or AKSBOT_DATABASE_URL=postgresql://… for several replicas
    knowledge: {keep_questions: true, keep_days: 180}   # the questions asked and the entries opened (bot.questions)
    cache: {max_staleness_seconds: 90, followers: live}   # the watch cache (bot/cluster/settings.py)
    alerts: {default_channel: C0ALERTS, routes: [{clusters: [prod], severities: [critical], channel: C0PAGE}]}
    leader: {cluster: prod, namespace: aksbot, name: aksbot-leader}   # replicas on PostgreSQL (bot/cluster/settings.py)

Secrets come only from the environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN,
AKSBOT_DATABASE_URL (may carry a password), AKSBOT_ALERTS_TOKEN (authenticates alert webhooks), and the Azure
client secret named by `client_secret_env`. The `alerts` key is described in `bot.alerts.settings`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from bot.alerts.settings import AlertSettings
from bot.azure.settings import AzureSettings
from bot.cluster.settings import CacheSettings, LeaderSettings
from bot.incidents.settings import IncidentSettings
from bot.registry import Role


class SettingsError(Exception):
    """The configuration is unusable; the message names the file, the key and what was expected."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApprovalPolicy(_Model):
    """Who may approve and how many must, for a cluster or one action on it."""

    approvers: list[str] | None = None  # user or group IDs; None: the cluster's `approver` role
    required_approvals: int = Field(default=1, ge=1, le=3)
    expiry_minutes: int = Field(default=15, ge=1, le=24 * 60)


class ApprovalSettings(_Model):
    """Global approval settings; clusters and actions may override the policy."""

    expiry_minutes: int = Field(default=15, ge=1, le=24 * 60)
    required_approvals: int = Field(default=1, ge=1, le=3)
    channel: str | None = None  # also post approval cards here


class Roles(_Model):
    """Members of each role: Slack user IDs, user-group IDs, shell names, or "*" for everyone."""

    viewer: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    approver: list[str] = Field(default_factory=list)


class ClusterSettings(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kubeconfig: str | None = None
    context: str | None = None
    in_cluster: bool = False
    default_namespace: str = "default"
    azure: AzureSettings | None = None
    roles: Roles | None = None
    approvals: ApprovalPolicy | None = None
    actions: dict[str, ApprovalPolicy] = Field(default_factory=dict)
    oncall: list[str] = Field(default_factory=list)  # user groups or users invited to its incident channels

    @model_validator(mode="after")
    def _one_way_to_connect(self) -> ClusterSettings:
        if self.in_cluster and self.kubeconfig:
            raise ValueError("set either kubeconfig or in_cluster, not both")
        return self


class StoreSettings(_Model):
    """Where approvals, incidents, alert state and Slack deliveries are kept: the SQLite file, or — when
    `AKSBOT_DATABASE_URL` is set (several replicas) — this schema of that PostgreSQL database."""

    sqlite_path: str = "aksbot.sqlite3"
    postgres_schema: str = Field(default="aksbot", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    # How long a replica has to answer a Slack delivery it took before another replica answers it instead.
    delivery_lease_seconds: float = Field(default=60.0, ge=1.0, le=1800.0)


class KnowledgeSettings(_Model):
    """Whether the questions people ask the knowledge base are kept, with the entry each one opened (secrets
    masked), for `aksbot kb asked`; and for how many days."""

    keep_questions: bool = True
    keep_days: int = Field(default=180, ge=1, le=3650)


class SlackSecrets(_Model):
    """Read from the environment only."""

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str | None = None


class Settings(_Model):
    clusters: list[ClusterSettings] = Field(default_factory=list)
    default_cluster: str | None = None
    channels: dict[str, str] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    leader: LeaderSettings = Field(default_factory=LeaderSettings)
    # Not from the file:
    source: str | None = Field(default=None, exclude=True)
    database_url: SecretStr | None = Field(default=None, exclude=True)
    alerts_token: SecretStr | None = Field(default=None, exclude=True)
    slack: SlackSecrets = Field(default_factory=SlackSecrets, exclude=True)
    environ: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    @model_validator(mode="after")
    def _references_resolve(self) -> Settings:
        names = [c.name for c in self.clusters]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"cluster names must be unique; repeated: {', '.join(dupes)}")
        if self.default_cluster is not None and self.default_cluster not in names:
            raise ValueError(
                f"default_cluster {self.default_cluster!r} is not one of the clusters ({', '.join(names)})"
            )
        for channel, cluster in self.channels.items():
            if cluster not in names:
                raise ValueError(f"channels.{channel}: {cluster!r} is not one of the clusters ({', '.join(names)})")
        if self.leader.cluster is not None and self.leader.cluster not in names:
            raise ValueError(f"leader.cluster {self.leader.cluster!r} is not one of the clusters ({', '.join(names)})")
        for i, route in enumerate(self.alerts.routes):
            unknown = [c for c in route.clusters if c not in names]
            if unknown:
                raise ValueError(f"alerts.routes[{i}].clusters: {', '.join(map(repr, unknown))} not among the "
                                 f"clusters ({', '.join(names)})")
        return self

    def cluster(self, name: str) -> ClusterSettings | None:
        return next((c for c in self.clusters if c.name == name), None)

    def cluster_names(self) -> list[str]:
        return [c.name for c in self.clusters]

    def implied_cluster(self) -> str | None:
        """The cluster meant when nothing names one: `default_cluster`, else the only cluster; None when several
        are configured and none is the default."""
        names = self.cluster_names()
        return self.default_cluster or (names[0] if len(names) == 1 else None)

    def roles_for(self, cluster: str | None) -> Roles:
        """The cluster's roles: its own list for a role where it has one, the global list otherwise."""
        base = self.roles
        c = self.cluster(cluster) if cluster else None
        if c is None or c.roles is None:
            return base
        own = c.roles.model_fields_set
        return Roles(
            viewer=c.roles.viewer if "viewer" in own else base.viewer,
            operator=c.roles.operator if "operator" in own else base.operator,
            approver=c.roles.approver if "approver" in own else base.approver,
        )

    def role_of(self, user: str, groups: frozenset[str], cluster: str | None) -> Role | None:
        """The highest role the user (a member of `groups`, as the group directory says) holds on the cluster
        (None: no access)."""
        roles = self.roles_for(cluster)
        ids = {user, *groups}
        for role, members in (
            (Role.APPROVER, roles.approver),
            (Role.OPERATOR, roles.operator),
            (Role.VIEWER, roles.viewer),
        ):
            if "*" in members or ids.intersection(members):
                return role
        return None

    def policy_for(self, cluster: str, action: str) -> ApprovalPolicy:
        """The approval policy of one action on one cluster: action override, else cluster, else global."""
        c = self.cluster(cluster)
        if c is not None and action in c.actions:
            return c.actions[action]
        if c is not None and c.approvals is not None:
            return c.approvals
        return ApprovalPolicy(
            required_approvals=self.approvals.required_approvals, expiry_minutes=self.approvals.expiry_minutes
        )

    def resolve_path(self, value: str) -> Path:
        """A path from the file: `~` expanded, relative to the file's folder."""
        path = Path(os.path.expanduser(value))
        if not path.is_absolute() and self.source:
            path = Path(self.source).parent / path
        return path


# A key whose value may be a secret (a client secret, a password, a token, a connection URL with its password):
# a mistake about it names the key, never the value — the message goes to a terminal and to the pod's log.
_SECRET_KEY = re.compile(r"secret|password|passwd|token|credential|key|database_url|dsn|connection", re.IGNORECASE)


def _describe(error: ValidationError) -> str:
    lines = []
    for e in error.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        got = e.get("input")
        secret = any(_SECRET_KEY.search(str(p)) for p in e["loc"])
        if isinstance(got, (dict, list)) or e["type"] == "missing":
            shown = ""
        elif secret:
            shown = " (its value is not shown)"
        else:
            shown = f" (got {got!r})"
        lines.append(f"  {loc}: {e['msg']}{shown}")
    return "\n".join(lines)


_FROM_ENVIRONMENT = {
    "slack": "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN",
    "database_url": "AKSBOT_DATABASE_URL",
    "alerts_token": "AKSBOT_ALERTS_TOKEN",
    "environ": "the environment itself",
    "source": "--config or AKSBOT_CONFIG",
}


def from_mapping(data: Mapping[str, Any], *, source: str | None, environ: Mapping[str, str]) -> Settings:
    """Build settings from parsed YAML and an environment (tests pass their own)."""
    env = dict(environ)
    slack = SlackSecrets(
        bot_token=SecretStr(env["SLACK_BOT_TOKEN"]) if env.get("SLACK_BOT_TOKEN") else None,
        signing_secret=SecretStr(env["SLACK_SIGNING_SECRET"]) if env.get("SLACK_SIGNING_SECRET") else None,
        app_token=SecretStr(env["SLACK_APP_TOKEN"]) if env.get("SLACK_APP_TOKEN") else None,
        api_url=env.get("SLACK_API_URL") or None,
    )
    db = env.get("AKSBOT_DATABASE_URL")
    alerts_token = env.get("AKSBOT_ALERTS_TOKEN")
    # What only the environment sets would be silently replaced by it (or by nothing) if the file had it: say so,
    # by name — its value may be a secret.
    from_env = [f"{key} (set {where} instead)" for key, where in _FROM_ENVIRONMENT.items() if key in data]
    if from_env:
        raise SettingsError(f"{source or 'settings'}: these come from the environment, not the file: "
                            f"{'; '.join(from_env)}. Remove them from the file (their values are not shown).")
    try:
        return Settings.model_validate(
            {**data, "source": source, "slack": slack, "database_url": SecretStr(db) if db else None, "environ": env,
             "alerts_token": SecretStr(alerts_token) if alerts_token else None}
        )
    except ValidationError as exc:
        where = source or "settings"
        raise SettingsError(f"{where} is not a valid aksbot configuration:\n{_describe(exc)}") from None


def load(path: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the configuration file (explicit path, else AKSBOT_CONFIG, else none: no clusters)."""
    env = dict(os.environ if environ is None else environ)
    path = path or env.get("AKSBOT_CONFIG") or None
    if path is None:
        return from_mapping({}, source=None, environ=env)
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{file}: no such configuration file") from None
    except OSError as exc:
        raise SettingsError(f"{file}: cannot read it ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SettingsError(f"{file}: not valid YAML{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{file}: expected a mapping at the top level, got {type(data).__name__}")
    return from_mapping(data, source=str(file.resolve()), environ=env)


def role_name(role: Role | None) -> str:
    return role.name.lower() if role is not None else "none"


_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")


def role_warnings(settings: Settings) -> list[str]:
    """What is valid but most likely not meant: a cluster nobody may read or approve on, and members or channels
    written as names rather than Slack IDs (in Slack a name matches nobody; the local shell takes names, so these
    are warnings, not errors)."""
    warnings: list[str] = []
    where = settings.source or "settings"
    names: set[str] = set()
    for c in settings.clusters:
        roles = c.roles or settings.roles
        if not (roles.viewer or roles.operator or roles.approver):
            warnings.append(f"{where}: nobody has any role on cluster {c.name}: nobody may even read it")
        elif not roles.approver:
            warnings.append(f"{where}: nobody has the approver role on cluster {c.name}: its approval requests can "
                            "never run")
        names |= {m for m in (*roles.viewer, *roles.operator, *roles.approver) if m != "*" and not _SLACK_ID.match(m)}
    if names:
        warnings.append(f"{where}: roles name {', '.join(sorted(names))}, not Slack user IDs (U…, W…) or user-group "
                        "IDs (S…): in Slack they match nobody (the local shell takes names)")
    channels = sorted(k for k in settings.channels if not re.match(r"^[CGD][A-Z0-9]{2,}$", k))
    if channels:
        warnings.append(f"{where}: channels {', '.join(channels)} are not Slack channel IDs (C…): in Slack they "
                        "match no channel")
    return warnings


def kubeconfig_problem(settings: Settings, cluster: ClusterSettings) -> tuple[str, str] | None:
    """Why the cluster's kubeconfig cannot give its credentials, as (the key at fault, what is wrong): the file
    missing or not a kubeconfig, the context (or, without one, the file's current context) not in it. None when
    the file looks usable, or the cluster has no kubeconfig. The message names the file, never what is in it."""
    if not cluster.kubeconfig:
        return None
    path = settings.resolve_path(cluster.kubeconfig)
    if not path.is_file():
        return "kubeconfig", f"{path} does not exist"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "kubeconfig", f"{path} is not a readable kubeconfig (not YAML)"
    if not isinstance(doc, dict):
        return "kubeconfig", f"{path} is not a kubeconfig (not a YAML mapping)"
    contexts = [x.get("name") for x in doc.get("contexts") or [] if isinstance(x, dict)]
    have = ", ".join(map(str, contexts)) or "none"
    if cluster.context:
        if cluster.context not in contexts:
            return "context", f"{cluster.context!r} is not in {path} (it has: {have})"
    elif doc.get("current-context") not in contexts:
        return "context", f"not set, and {path} has no current context: set `context` (it has: {have})"
    return None


# Where a pod's service-account credentials are mounted, and the variables the kubelet sets for the API server: what
# the official client's in-cluster loader reads (kubernetes.config.incluster_config; a test keeps these the same).
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
SERVICE_HOST_ENV, SERVICE_PORT_ENV = "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"


def in_cluster_problem(settings: Settings, account_dir: Path = SERVICE_ACCOUNT_DIR) -> str | None:
    """Why `in_cluster: true` cannot give credentials here: not running in a pod (no API server address in the
    environment), or the pod has no service-account token mounted (`automountServiceAccountToken: false`, or a
    projected volume without the token). None when both are there."""
    missing = [name for name in (SERVICE_HOST_ENV, SERVICE_PORT_ENV) if not settings.environ.get(name)]
    if missing:
        return (f"{' and '.join(missing)} not set: `in_cluster: true` works only inside a pod (outside one, set "
                "`kubeconfig`)")
    absent = [f.name for f in (account_dir / "token", account_dir / "ca.crt") if not f.is_file()]
    if absent:
        return (f"no service-account {' or '.join(absent)} under {account_dir}: mount the ServiceAccount token "
                "(automountServiceAccountToken must not be false)")
    return None


def check_files(settings: Settings) -> list[str]:
    """Problems a file-level validation cannot see: missing kubeconfigs, contexts, CA bundles, secrets."""
    problems: list[str] = []
    where = settings.source or "settings"
    for i, c in enumerate(settings.clusters):
        key = f"{where}: clusters[{i}] ({c.name})"
        if c.kubeconfig:
            problem = kubeconfig_problem(settings, c)
            if problem is not None:
                problems.append(f"{key}.{problem[0]}: {problem[1]}")
        elif not c.in_cluster:
            problems.append(f"{key}: set `kubeconfig` (a file) or `in_cluster: true`")
        elif (reason := in_cluster_problem(settings)) is not None:
            problems.append(f"{key}.in_cluster: {reason}")
        if c.azure is not None:
            if c.azure.ca_bundle and not settings.resolve_path(c.azure.ca_bundle).is_file():
                problems.append(f"{key}.azure.ca_bundle: {settings.resolve_path(c.azure.ca_bundle)} does not exist")
            if c.azure.client_secret_env and not settings.environ.get(c.azure.client_secret_env):
                problems.append(
                    f"{key}.azure.client_secret_env: the environment variable {c.azure.client_secret_env} is not set"
                )
    return problems


NO_CONFIGURATION = ("no configuration: give --config PATH or set AKSBOT_CONFIG (see the README's Configuration "
                    "section; `aksbot demo` tries the bot without one)")


def check_ready(settings: Settings) -> list[str]:
    """Everything that would leave the bot answering nobody: no configuration file, no cluster, and what
    `check_files` finds. `aksbot config check` prints these; `aksbot serve` refuses to start on them."""
    if settings.source is None:
        return [NO_CONFIGURATION]
    problems = check_files(settings)
    if not settings.clusters:
        # Nothing to answer about: a start (or a check) that passes here would only be found out in Slack.
        problems.append(f"{settings.source}: no cluster is configured; see the README's Configuration section")
    return problems
