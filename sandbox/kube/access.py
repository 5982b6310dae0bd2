"""Named access roles for sandbox users, and the per-user access file of `aksbot sandbox --access FILE`.

A role is an `AccessRule` (see `sandbox.kube.server`): the (verb, resource) pairs a user may use, resources by
plural with `/subresource`, API groups not distinguished. The roles:

- `admin`: everything (what a token without a rule gets);
- `read-only`: get, list and watch on everything the server serves except Secrets — the built-in `view`
  ClusterRole's idea;
- `operator`: `read-only` plus what the bot's approved actions need (deploy/kubernetes `aksbot-actions`):
  patch nodes, create pods/eviction, delete pods, patch deployments and deployments/scale;
- `nodes-and-pods`: get and list nodes and pods, nothing else (an identity whose side lookups — events,
  leases, metrics — are forbidden).

Every role may create SelfSubjectAccessReviews (`kubectl auth can-i`), as every authenticated user of a real
cluster may.

The access file is YAML: user name → a role name, or a list of ClusterRole-style rules
(`{verbs: [get, list], resources: [nodes, pods]}`; `apiGroups` is accepted and ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sandbox.kube.resources import TYPES
from sandbox.kube.server import AccessRule

READ_VERBS = ("get", "list", "watch")
_REVIEW = ("create", "selfsubjectaccessreviews")


def _readable(exclude: frozenset[str] = frozenset()) -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = {_REVIEW}
    for rtype in TYPES:
        if rtype.plural in exclude:
            continue
        for resource in (rtype.plural, *(f"{rtype.plural}/{sub}" for sub in rtype.subresources if sub != "eviction")):
            pairs.update((verb, resource) for verb in READ_VERBS)
    return frozenset(pairs)


_READ_ONLY = _readable(frozenset({"secrets"}))
_ACTIONS = frozenset({("patch", "nodes"), ("create", "pods/eviction"), ("delete", "pods"), ("patch", "deployments"),
                      ("patch", "deployments/scale")})

ROLES: dict[str, AccessRule | None] = {
    "admin": None,
    "read-only": AccessRule(allow=_READ_ONLY),
    "operator": AccessRule(allow=_READ_ONLY | _ACTIONS),
    "nodes-and-pods": AccessRule(allow=frozenset({("get", "nodes"), ("list", "nodes"), ("get", "pods"),
                                                  ("list", "pods"), _REVIEW})),
}


class AccessFileError(ValueError):
    """The access file is not what the module docstring describes; the message says where."""


def role(name: str) -> AccessRule | None:
    """The rule of a named role (None: unrestricted); `AccessFileError` naming the known roles otherwise."""
    if name not in ROLES:
        raise AccessFileError(f"unknown role {name!r}; the roles are {', '.join(ROLES)}")
    return ROLES[name]


def _rules(user: str, entries: Any) -> AccessRule:
    if not isinstance(entries, list) or not entries:
        raise AccessFileError(f"{user}: expected a role name or a non-empty list of rules")
    pairs: set[tuple[str, str]] = {_REVIEW}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) - {"verbs", "resources", "apiGroups"}:
            raise AccessFileError(f"{user}, rule {index + 1}: expected `verbs` and `resources` (and `apiGroups`)")
        verbs, resources = entry.get("verbs"), entry.get("resources")
        if not (isinstance(verbs, list) and verbs and all(isinstance(v, str) for v in verbs)):
            raise AccessFileError(f"{user}, rule {index + 1}: `verbs` must be a list of verbs")
        if not (isinstance(resources, list) and resources and all(isinstance(r, str) for r in resources)):
            raise AccessFileError(f"{user}, rule {index + 1}: `resources` must be a list of resources")
        pairs.update((verb, resource) for verb in verbs for resource in resources)
    return AccessRule(allow=frozenset(pairs))


def load_access_file(path: str | Path) -> dict[str, AccessRule | None]:
    """Per-user rules from a YAML file (see the module docstring)."""
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AccessFileError(f"{path}: {exc}") from exc
    if not isinstance(loaded, dict) or not loaded:
        raise AccessFileError(f"{path}: expected a mapping of user names to a role or a list of rules")
    access: dict[str, AccessRule | None] = {}
    for user, value in loaded.items():
        name = str(user)
        try:
            access[name] = role(value) if isinstance(value, str) else _rules(name, value)
        except AccessFileError as exc:
            raise AccessFileError(f"{path}: {exc}") from None
    return access
