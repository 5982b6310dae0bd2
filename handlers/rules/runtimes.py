"""Which language runtime a container runs, which version, and whether that version reads cgroup v2 limits.

A runtime that predates cgroup v2 support sizes its heap from the node's RAM instead of the container's limit and
gets OOMKilled once the node moves to cgroup v2 (aks-facts §3): OpenJDK/HotSpot 8u372, 11.0.16 and 15 are the
first aware versions (AKS's own cgroups README and one troubleshooting article say 11.0.18 for JDK 11: both are
reported), IBM Semeru 8.0.382 / 11.0.20 / 17.0.8, Node.js 20.3.0, .NET 5.0.

The version comes from the image tag or the environment the base image sets (`JAVA_VERSION`, `NODE_VERSION`,
`DOTNET_VERSION`, `ASPNETCORE_VERSION`). Parsing is table-driven: each pattern is tried in order and the first
match wins. A floating tag (`openjdk:11`, `node:20`) does not say which patch runs, so the verdict is
`UNKNOWN` rather than a guess. Pure functions only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from bot.i18n import FINDING, Said, said

RuntimeKind = Literal["jvm", "node", "dotnet"]

MIB = 1024 * 1024


class Awareness(StrEnum):
    AWARE = "aware"
    NOT_AWARE = "not-aware"
    # JDK 11.0.16/11.0.17: aware upstream, below the 11.0.18 that AKS's documents ask for.
    DISPUTED = "disputed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RuntimeVersion:
    """A runtime version as far as the evidence goes; `minor`/`patch` are None when the source did not say."""

    kind: RuntimeKind
    major: int
    minor: int | None
    patch: int | None
    source: str  # "image tag" or "env JAVA_VERSION" …
    raw: str  # the text the version was read from
    vendor: str = ""  # "semeru" changes the JDK thresholds

    def __str__(self) -> str:
        if self.kind == "jvm" and self.major == 8:
            return "JDK 8" if self.patch is None else f"JDK 8u{self.patch}"
        name = RUNTIME_NAMES[self.kind]
        if self.kind == "jvm" and self.vendor == "semeru":
            name = "IBM Semeru JDK"
        parts = [str(self.major)]
        if self.minor is not None:
            parts.append(str(self.minor))
            if self.patch is not None:
                parts.append(str(self.patch))
        return f"{name} {'.'.join(parts)}"


@dataclass(frozen=True)
class RuntimeVerdict:
    kind: RuntimeKind
    version: RuntimeVersion | None
    awareness: Awareness
    reason: str  # one checkable sentence: "JDK 11.0.14 < 11.0.16 (cgroup v2 aware)"
    signal: str  # runtime:jvm-pre-cgroupv2 …


@dataclass(frozen=True)
class ContainerSpec:
    """The parts of a container that identify its runtime (kept apart from the cluster model on purpose)."""

    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None


RUNTIME_NAMES: Mapping[RuntimeKind, str] = {"jvm": "JDK", "node": "Node.js", "dotnet": ".NET"}
SIGNALS: Mapping[RuntimeKind, str] = {
    "jvm": "runtime:jvm-pre-cgroupv2",
    "node": "runtime:node-pre-cgroupv2",
    "dotnet": "runtime:dotnet-pre-cgroupv2",
}

# -- recognising the runtime -------------------------------------------------------------------------------

_JVM_IMAGE = re.compile(
    r"(openjdk|temurin|adoptopenjdk|corretto|zulu|semeru|ibmjava|ibm-java|jdk|jre|java|liberica|"
    r"graalvm|sapmachine|dragonwell|tomcat|jetty|wildfly|payara|spring|maven|gradle|kafka|elasticsearch|"
    r"keycloak|jenkins)"
)
_NODE_IMAGE = re.compile(r"(^|/)(node|nodejs)$")
_DOTNET_IMAGE = re.compile(r"(dotnet|aspnetcore|aspnet)")
_JAVA_ENV = ("JAVA_VERSION", "JAVA_HOME", "JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JRE_VERSION")
_NODE_ENV = ("NODE_VERSION",)
_DOTNET_ENV = ("DOTNET_VERSION", "ASPNETCORE_VERSION", "ASPNET_VERSION", "DOTNET_RUNNING_IN_CONTAINER")


def split_image(image: str) -> tuple[str, str]:
    """`registry/repo/name:tag@sha256:…` → (`registry/repo/name`, `tag`); no tag → `latest`."""
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon].lower(), ref[colon + 1 :]
    return ref.lower(), "latest"


def _argv_words(spec: ContainerSpec) -> tuple[str, ...]:
    return tuple(w.rsplit("/", 1)[-1].lower() for w in (*spec.command, *spec.args)[:3])


def runtime_kind(spec: ContainerSpec) -> RuntimeKind | None:
    """The runtime the container most likely runs: the command first, then the environment, then the image."""
    words = _argv_words(spec)
    env = spec.env or {}
    if any(w in ("java", "java.exe") or w.endswith(".jar") for w in words) or "-jar" in words:
        return "jvm"
    if any(w in ("node", "nodejs", "npm", "yarn", "npx") for w in words):
        return "node"
    if any(w in ("dotnet", "dotnet.exe") or w.endswith(".dll") for w in words):
        return "dotnet"
    if any(k in env for k in _JAVA_ENV):
        return "jvm"
    if any(k in env for k in _NODE_ENV):
        return "node"
    if any(k in env for k in _DOTNET_ENV):
        return "dotnet"
    repo, tag = split_image(spec.image)
    name = repo.rsplit("/", 1)[-1]
    if _DOTNET_IMAGE.search(repo):
        return "dotnet"
    if _NODE_IMAGE.search(repo):
        return "node"
    if _JVM_IMAGE.search(name) or re.search(r"(jdk|jre|java)", tag.lower()):
        return "jvm"
    return None


# -- parsing versions --------------------------------------------------------------------------------------

# (pattern, how to read it, explicit) in order; the first that matches wins. An *explicit* pattern names the JDK
# itself (`jdk11.0.14`, `8u312`); a bare number (`11.0.14`) counts only in the tag of a JDK image or in
# `JAVA_VERSION`, because an application image's tag (`ledger:11.0.3`) is the application's own version.
_JDK_PATTERNS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    # 1.8.0_312, 1.8.0.312 (JAVA_VERSION of old images, `java -version`)
    (re.compile(r"(?<!\d)1\.8\.0[_.](?P<update>\d+)"), "8u", True),
    # 8u312, jdk8u312-b07, 8u372-b07-jre
    (re.compile(r"(?<![\d.])(?:jdk-?|jre-?)?8u(?P<update>\d+)"), "8u", True),
    # jdk11.0.14, jdk-11.0.14.1+1, jre-17.0.2
    (re.compile(r"(?:jdk|jre|java|openjdk)-?(?P<major>9|1\d|2\d)\.0\.(?P<patch>\d+)"), "feature", True),
    # IBM Semeru / IBM Java 8: 8.0.382.0, open-8.0.382
    (re.compile(r"(?<![\d.])8\.0\.(?P<update>\d{3})(?!\d)"), "8u", False),
    # Corretto 8: 8.312.07.1
    (re.compile(r"(?<![\d.])8\.(?P<update>\d{3})\.\d+"), "8u", False),
    # 11.0.14, 11.0.14.1_1-jre, open-17.0.7_7, 11.0.14.10.1 (Corretto)
    (re.compile(r"(?<![\d.])(?P<major>9|1\d|2\d)\.0\.(?P<patch>\d+)"), "feature", False),
    # jdk-17+35, tomcat:9.0-jdk11-openjdk, maven:3.8-jdk-8, jre17, java-11-openjdk
    (re.compile(r"(?:jdk|jre|java|openjdk)-?(?P<major>8|9|1\d|2\d)(?![\d.u])"), "major", True),
    # openjdk:17, 11-jre-slim, 8-jdk, 17.0 (the leading number of a JDK image's tag)
    (re.compile(r"^(?:open-)?(?P<major>8|9|1\d|2\d)(?:\.0)?(?![\d.u])"), "major", False),
)

# Image names that are a JDK distribution: their tag is the JDK's version.
_JDK_DISTRIBUTION = re.compile(
    r"(openjdk|temurin|adoptopenjdk|corretto|zulu|semeru|ibmjava|ibm-java|liberica|sapmachine|dragonwell|"
    r"graalvm|(^|[/-])(jdk|jre|java)($|[/-]))"
)


def parse_jdk_version(text: str, source: str, *, explicit_only: bool = False) -> RuntimeVersion | None:
    """A JDK version from an image tag or a `JAVA_VERSION` value; None when it says nothing usable.

    `explicit_only` accepts only forms that name the JDK (for the tag of an application image).
    """
    lowered = text.strip().lower()
    vendor = "semeru" if ("semeru" in lowered or lowered.startswith("open-")) else ""
    for pattern, how, explicit in _JDK_PATTERNS:
        if explicit_only and not explicit:
            continue
        m = pattern.search(lowered)
        if m is None:
            continue
        if how == "8u":
            return RuntimeVersion("jvm", 8, 0, int(m.group("update")), source, text, vendor)
        if how == "feature":
            return RuntimeVersion("jvm", int(m.group("major")), 0, int(m.group("patch")), source, text, vendor)
        return RuntimeVersion("jvm", int(m.group("major")), None, None, source, text, vendor)
    return None


_SEMVER = re.compile(r"v?(?P<major>\d{1,2})(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?(?![\d])")


def _parse_semver(kind: RuntimeKind, text: str, source: str) -> RuntimeVersion | None:
    m = _SEMVER.match(text.strip().lower())
    if m is None:
        return None
    minor = m.group("minor")
    patch = m.group("patch")
    return RuntimeVersion(
        kind, int(m.group("major")), int(minor) if minor else None, int(patch) if patch else None, source, text
    )


def parse_node_version(text: str, source: str) -> RuntimeVersion | None:
    """`18.17-alpine`, `18.17.1`, `v20.3.0`, `20-bullseye-slim`; codenames (`lts`, `hydrogen`) say nothing."""
    return _parse_semver("node", text, source)


def parse_dotnet_version(text: str, source: str) -> RuntimeVersion | None:
    """`3.1`, `6.0-alpine`, `3.1.32`, `2.2-runtime`, `8.0.1-jammy-chiseled`."""
    return _parse_semver("dotnet", text, source)


_PARSERS = {"jvm": parse_jdk_version, "node": parse_node_version, "dotnet": parse_dotnet_version}
_ENV_BY_KIND: Mapping[RuntimeKind, tuple[str, ...]] = {
    "jvm": ("JAVA_VERSION", "JRE_VERSION", "JAVA_HOME"),
    "node": ("NODE_VERSION",),
    "dotnet": ("DOTNET_VERSION", "ASPNETCORE_VERSION", "ASPNET_VERSION"),
}


def runtime_version(spec: ContainerSpec, kind: RuntimeKind) -> RuntimeVersion | None:
    """The version from the environment (what the base image set) if present, else from the image tag."""
    env = spec.env or {}
    parse = _PARSERS[kind]
    for key in _ENV_BY_KIND[kind]:
        value = env.get(key)
        if value:
            found = parse(value, f"env {key}")
            if found is not None:
                return found
    repo, tag = split_image(spec.image)
    if tag != "latest":
        if kind == "jvm":
            found = parse_jdk_version(tag, "image tag", explicit_only=not _JDK_DISTRIBUTION.search(repo))
        else:
            found = parse(tag, "image tag")
        if found is not None:
            if kind == "jvm" and "semeru" in repo and not found.vendor:
                found = replace(found, vendor="semeru")
            return found
    return None


# -- the verdict -------------------------------------------------------------------------------------------


def _jdk_verdict(v: RuntimeVersion) -> tuple[Awareness, str]:
    semeru = v.vendor == "semeru"
    if v.major == 8:
        need = 382 if semeru else 372
        if v.patch is None:
            return Awareness.UNKNOWN, f"{v}: the update is not in the tag; 8u{need}+ is cgroup v2 aware"
        if v.patch >= need:
            return Awareness.AWARE, f"{v} ≥ 8u{need} (cgroup v2 aware)"
        return Awareness.NOT_AWARE, f"{v} < 8u{need} (cgroup v2 aware)"
    if v.major == 11:
        if v.patch is None:
            return (
                Awareness.UNKNOWN,
                f"{v}: the patch is not in the tag; 11.0.16+ is cgroup v2 aware (AKS says 11.0.18+)",
            )
        if semeru:
            if v.patch >= 20:
                return Awareness.AWARE, f"{v} ≥ 11.0.20 (Semeru, cgroup v2 aware)"
            return Awareness.NOT_AWARE, f"{v} < 11.0.20 (Semeru, cgroup v2 aware)"
        if v.patch >= 18:
            return Awareness.AWARE, f"{v} ≥ 11.0.18 (cgroup v2 aware upstream from 11.0.16; AKS asks for 11.0.18)"
        if v.patch >= 16:
            return (
                Awareness.DISPUTED,
                f"{v}: cgroup v2 aware upstream (11.0.16+), but below the 11.0.18 that AKS's cgroup notes require",
            )
        return Awareness.NOT_AWARE, f"{v} < 11.0.16 (cgroup v2 aware upstream; AKS's notes say 11.0.18)"
    if semeru and v.major == 17 and v.patch is not None and v.patch < 8:
        return Awareness.NOT_AWARE, f"{v} < 17.0.8 (Semeru, cgroup v2 aware)"
    if v.major >= 15:
        return Awareness.AWARE, f"{v} ≥ 15 (cgroup v2 aware)"
    # 9, 10, 12, 13, 14: out of support and never got the backport.
    return Awareness.NOT_AWARE, f"{v}: JDK {v.major} never got cgroup v2 support (8u372, 11.0.16, 15+ have it)"


def _node_verdict(v: RuntimeVersion) -> tuple[Awareness, str]:
    if v.major < 20:
        return Awareness.NOT_AWARE, f"{v} < 20.3.0 (reads cgroup v2 limits)"
    if v.major > 20:
        return Awareness.AWARE, f"{v} ≥ 20.3.0 (reads cgroup v2 limits)"
    if v.minor is None:
        return Awareness.UNKNOWN, f"{v}: the minor is not in the tag; 20.3.0+ reads cgroup v2 limits"
    if v.minor >= 3:
        return Awareness.AWARE, f"{v} ≥ 20.3.0 (reads cgroup v2 limits)"
    return Awareness.NOT_AWARE, f"{v} < 20.3.0 (reads cgroup v2 limits)"


def _dotnet_verdict(v: RuntimeVersion) -> tuple[Awareness, str]:
    if v.major >= 5:
        return Awareness.AWARE, f"{v} ≥ 5.0 (cgroup v2 aware)"
    return Awareness.NOT_AWARE, f"{v} < 5.0 (cgroup v2 aware)"


_VERDICTS = {"jvm": _jdk_verdict, "node": _node_verdict, "dotnet": _dotnet_verdict}


# What each runtime prints when it dies or throws: a log can name the runtime when the image does not.
_LOG_MARKERS: tuple[tuple[re.Pattern[str], RuntimeKind], ...] = (
    (re.compile(r"java\.lang\.|Exception in thread \"|\bat [\w.$]+\([\w$]+\.java:\d+\)"), "jvm"),
    (re.compile(r"JavaScript heap out of memory|node:internal/|Reached heap limit Allocation failed"), "node"),
    (re.compile(r"System\.OutOfMemoryException|Unhandled exception\. System\.|Microsoft\.AspNetCore\."), "dotnet"),
)


def runtime_from_log(text: str) -> RuntimeKind | None:
    """The runtime a log's stack traces and fatal messages belong to, if any."""
    for pattern, kind in _LOG_MARKERS:
        if pattern.search(text):
            return kind
    return None


def judge(spec: ContainerSpec, log: str = "") -> RuntimeVerdict | None:
    """The runtime of a container and whether it reads cgroup v2 limits; None when it runs no runtime we know.

    `log` (the previous instance's last lines) names the runtime when the image, command and env do not.
    """
    kind = runtime_kind(spec) or (runtime_from_log(log) if log else None)
    if kind is None:
        return None
    version = runtime_version(spec, kind)
    if version is None:
        name = RUNTIME_NAMES[kind]
        return RuntimeVerdict(
            kind, None, Awareness.UNKNOWN, f"{name} version unknown (not in the image tag or the env)", SIGNALS[kind]
        )
    awareness, reason = _VERDICTS[kind](version)
    return RuntimeVerdict(kind, version, awareness, reason, SIGNALS[kind])


# -- cgroup version of a node ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupVerdict:
    version: Literal[1, 2] | None
    reason: str  # "Kubernetes 1.27.9 on Ubuntu 22.04.4 LTS → cgroup v2"


def _kube_minor(kubelet_version: str) -> tuple[int, int] | None:
    m = re.match(r"v?(\d+)\.(\d+)", kubelet_version.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def node_cgroup(kubelet_version: str, os_image: str, os_sku: str | None = None) -> CgroupVerdict:
    """cgroup version of a node inferred from Kubernetes version and OS (no node label says it, aks-facts §3)."""
    image = os_image.lower()
    sku = (os_sku or "").lower()
    where = f"Kubernetes {kubelet_version.lstrip('v')} on {os_image or os_sku or 'an unknown OS'}"
    if "windows" in image or sku.startswith("windows"):
        return CgroupVerdict(None, f"{where}: Windows has no cgroups")
    minor = _kube_minor(kubelet_version)
    ubuntu = re.search(r"ubuntu (\d+)\.(\d+)", image)
    if ubuntu:
        year = int(ubuntu.group(1))
        return CgroupVerdict(2 if year >= 22 else 1, f"{where} → cgroup v{2 if year >= 22 else 1}")
    if "azure linux 3" in image or sku == "azurelinux3":
        return CgroupVerdict(2, f"{where} → cgroup v2")
    mariner = "mariner" in image or "azure linux" in image or sku in ("azurelinux", "cblmariner", "mariner")
    if mariner and minor is not None:
        v: Literal[1, 2] = 2 if minor >= (1, 29) else 1
        return CgroupVerdict(v, f"{where} → cgroup v{v} (Azure Linux moved to v2 at AKS 1.29)")
    if (sku.startswith("ubuntu") or "ubuntu" in image) and minor is not None:
        v = 2 if minor >= (1, 25) else 1
        return CgroupVerdict(v, f"{where} → cgroup v{v} (Ubuntu moved to v2 at AKS 1.25)")
    return CgroupVerdict(None, f"{where}: cgroup version unknown")


# -- sizing advice -----------------------------------------------------------------------------------------


def mib(n: int) -> str:
    return f"{n / MIB:,.0f} MiB" if n < 1024 * MIB else f"{n / (1024 * MIB):g} GiB"


# The share of the limit to give a cgroup-aware .NET's GC heap once its default (75 %) was killed at the limit.
DOTNET_HEAP_PERCENT = 60


def heap_advice(
    kind: RuntimeKind, limit_bytes: int | None, awareness: Awareness, version: RuntimeVersion | None = None
) -> Said:
    """Heap flags sized to the container's memory limit (75 %, leaving room for metaspace, threads, buffers), in both
    languages.

    A .NET that reads the limit (5+) already caps its GC heap at 75 % of it, so it is told to take less, under the
    name its version reads (`DOTNET_` from 6, `COMPlus_` before)."""
    if limit_bytes is None or limit_bytes <= 0:
        return said(FINDING.heap_no_limit)
    heap = limit_bytes * 3 // 4 // MIB
    limit = mib(limit_bytes)
    if kind == "dotnet" and awareness is Awareness.AWARE:
        return said(
            FINDING.heap_dotnet_aware,
            prefix="COMPlus_" if version is not None and version.major < 6 else "DOTNET_",
            percent_hex=f"{DOTNET_HEAP_PERCENT:#x}",
            percent=DOTNET_HEAP_PERCENT,
            limit=limit,
            heap=limit_bytes * DOTNET_HEAP_PERCENT // 100 // MIB,
            default=heap,
        )
    if kind == "jvm":
        if awareness is Awareness.AWARE:
            return said(FINDING.heap_jvm_aware, heap=heap, limit=limit)
        # An unaware JVM computes percentages of the node's RAM, so only an absolute size is safe until upgraded.
        return said(FINDING.heap_jvm_unaware, heap=heap, limit=limit)
    if kind == "node":
        return said(FINDING.heap_node, heap=heap, limit=limit)
    return said(FINDING.heap_dotnet, hard_limit=f"{heap * MIB:#x}", heap=heap, limit=limit)


def env_of(pairs: Sequence[tuple[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    if pairs is None:
        return {}
    if isinstance(pairs, Mapping):
        return dict(pairs)
    return dict(pairs)
