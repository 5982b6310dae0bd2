"""Runtime detection and version tables: real image tags and env values → cgroup v2 verdicts."""

from __future__ import annotations

import pytest

from handlers.rules.runtimes import (
    MIB,
    Awareness,
    ContainerSpec,
    heap_advice,
    judge,
    node_cgroup,
    parse_dotnet_version,
    parse_jdk_version,
    parse_node_version,
    split_image,
)


@pytest.mark.parametrize(
    ("image", "env", "kind", "shown", "awareness"),
    [
        ("contoso.azurecr.cn/payments/ledger:2.3.1-jdk11.0.14", {}, "jvm", "JDK 11.0.14", Awareness.NOT_AWARE),
        ("openjdk:8u312-jre", {}, "jvm", "JDK 8u312", Awareness.NOT_AWARE),
        ("openjdk:8u312-jdk-slim-buster", {}, "jvm", "JDK 8u312", Awareness.NOT_AWARE),
        ("eclipse-temurin:8u372-b07-jre", {}, "jvm", "JDK 8u372", Awareness.AWARE),
        ("eclipse-temurin:11.0.14.1_1-jre", {}, "jvm", "JDK 11.0.14", Awareness.NOT_AWARE),
        ("eclipse-temurin:11.0.16_8-jre", {}, "jvm", "JDK 11.0.16", Awareness.DISPUTED),
        ("eclipse-temurin:11.0.18_10-jdk", {}, "jvm", "JDK 11.0.18", Awareness.AWARE),
        ("eclipse-temurin:17-jre", {}, "jvm", "JDK 17", Awareness.AWARE),
        ("openjdk:11", {}, "jvm", "JDK 11", Awareness.UNKNOWN),
        ("openjdk:8-jdk-alpine", {}, "jvm", "JDK 8", Awareness.UNKNOWN),
        ("openjdk:14-jdk", {}, "jvm", "JDK 14", Awareness.NOT_AWARE),
        ("mcr.microsoft.com/openjdk/jdk:11-ubuntu", {}, "jvm", "JDK 11", Awareness.UNKNOWN),
        ("mcr.microsoft.com/openjdk/jdk:21-mariner", {}, "jvm", "JDK 21", Awareness.AWARE),
        ("amazoncorretto:8.312.07.1", {}, "jvm", "JDK 8u312", Awareness.NOT_AWARE),
        ("amazoncorretto:11.0.14.10.1", {}, "jvm", "JDK 11.0.14", Awareness.NOT_AWARE),
        ("azul/zulu-openjdk:8u382", {}, "jvm", "JDK 8u382", Awareness.AWARE),
        ("ibm-semeru-runtimes:open-11.0.14.1_1-jre", {}, "jvm", "IBM Semeru JDK 11.0.14", Awareness.NOT_AWARE),
        ("ibm-semeru-runtimes:open-17.0.7_7-jre", {}, "jvm", "IBM Semeru JDK 17.0.7", Awareness.NOT_AWARE),
        ("tomcat:9.0-jdk11-openjdk", {}, "jvm", "JDK 11", Awareness.UNKNOWN),
        ("maven:3.8-jdk-8", {}, "jvm", "JDK 8", Awareness.UNKNOWN),
        ("contoso.azurecr.cn/app:1.4", {"JAVA_VERSION": "11.0.14"}, "jvm", "JDK 11.0.14", Awareness.NOT_AWARE),
        ("contoso.azurecr.cn/app:1.4", {"JAVA_VERSION": "jdk8u312-b07"}, "jvm", "JDK 8u312", Awareness.NOT_AWARE),
        ("contoso.azurecr.cn/app:1.4", {"JAVA_VERSION": "jdk-17.0.2+8"}, "jvm", "JDK 17.0.2", Awareness.AWARE),
        ("contoso.azurecr.cn/app:1.4", {"JAVA_VERSION": "1.8.0_292"}, "jvm", "JDK 8u292", Awareness.NOT_AWARE),
        ("node:18.17-alpine", {}, "node", "Node.js 18.17", Awareness.NOT_AWARE),
        ("node:20.2.0-bullseye", {}, "node", "Node.js 20.2.0", Awareness.NOT_AWARE),
        ("node:20.3.1", {}, "node", "Node.js 20.3.1", Awareness.AWARE),
        ("node:20", {}, "node", "Node.js 20", Awareness.UNKNOWN),
        ("node:22-alpine", {}, "node", "Node.js 22", Awareness.AWARE),
        ("docker.io/library/node:16", {}, "node", "Node.js 16", Awareness.NOT_AWARE),
        ("contoso.azurecr.cn/web:7", {"NODE_VERSION": "18.19.0"}, "node", "Node.js 18.19.0", Awareness.NOT_AWARE),
        ("mcr.microsoft.com/dotnet/core/aspnet:3.1", {}, "dotnet", ".NET 3.1", Awareness.NOT_AWARE),
        ("mcr.microsoft.com/dotnet/aspnet:6.0-alpine", {}, "dotnet", ".NET 6.0", Awareness.AWARE),
        ("microsoft/dotnet:2.2-runtime", {}, "dotnet", ".NET 2.2", Awareness.NOT_AWARE),
        ("contoso.azurecr.cn/api:3", {"DOTNET_VERSION": "3.1.32"}, "dotnet", ".NET 3.1.32", Awareness.NOT_AWARE),
        ("contoso.azurecr.cn/api:3", {"ASPNETCORE_VERSION": "8.0.1"}, "dotnet", ".NET 8.0.1", Awareness.AWARE),
    ],
)
def test_runtime_versions_from_real_tags_and_env(
    image: str, env: dict[str, str], kind: str, shown: str, awareness: Awareness
) -> None:
    verdict = judge(ContainerSpec("app", image, env=env))
    assert verdict is not None
    assert verdict.kind == kind
    assert verdict.version is not None
    assert str(verdict.version) == shown
    assert verdict.awareness is awareness


def test_jdk_11_0_16_reports_both_documented_minimums() -> None:
    verdict = judge(ContainerSpec("app", "eclipse-temurin:11.0.16_8-jre"))
    assert verdict is not None
    assert "11.0.16" in verdict.reason and "11.0.18" in verdict.reason


def test_runtime_from_command_when_the_image_says_nothing() -> None:
    verdict = judge(ContainerSpec("app", "contoso.azurecr.cn/ledger:2.3.1", command=("java",), args=("-jar", "x.jar")))
    assert verdict is not None and verdict.kind == "jvm"
    assert verdict.version is None and verdict.awareness is Awareness.UNKNOWN
    assert "unknown" in verdict.reason


def test_application_version_is_not_mistaken_for_a_jdk() -> None:
    # A bare number in an application image's tag is the application's version, not the JDK's.
    verdict = judge(ContainerSpec("app", "contoso.azurecr.cn/ledger:11.0.3", command=("java",)))
    assert verdict is not None and verdict.version is None


def test_images_without_a_known_runtime() -> None:
    assert judge(ContainerSpec("c", "redis:7.2-alpine")) is None
    assert judge(ContainerSpec("c", "mcr.microsoft.com/oss/kubernetes/node-problem-detector:v0.8.19")) is None
    assert judge(ContainerSpec("c", "prom/node-exporter:v1.7.0")) is None


def test_parsers_reject_codenames() -> None:
    assert parse_node_version("lts-alpine3.18", "image tag") is None
    assert parse_node_version("hydrogen", "image tag") is None
    assert parse_dotnet_version("latest", "image tag") is None
    assert parse_jdk_version("latest", "image tag") is None


def test_split_image() -> None:
    assert split_image("contoso.azurecr.cn:5000/a/b:1.2@sha256:abc") == ("contoso.azurecr.cn:5000/a/b", "1.2")
    assert split_image("contoso.azurecr.cn:5000/a/b") == ("contoso.azurecr.cn:5000/a/b", "latest")


@pytest.mark.parametrize(
    ("kubelet", "os_image", "sku", "version"),
    [
        ("v1.27.9", "Ubuntu 22.04.5 LTS", "Ubuntu", 2),
        ("v1.24.10", "Ubuntu 18.04.6 LTS", "Ubuntu", 1),
        ("v1.28.3", "CBL-Mariner/Linux", "AzureLinux", 1),
        ("v1.29.2", "CBL-Mariner/Linux", "AzureLinux", 2),
        ("v1.31.1", "Microsoft Azure Linux 3.0", "AzureLinux", 2),
        ("v1.27.9", "", "Ubuntu", 2),
        ("v1.24.9", "", "Ubuntu", 1),
        ("v1.27.9", "Windows Server 2022 Datacenter", "Windows2022", None),
        ("v1.27.9", "Flatcar Container Linux", None, None),
    ],
)
def test_node_cgroup_version(kubelet: str, os_image: str, sku: str | None, version: int | None) -> None:
    verdict = node_cgroup(kubelet, os_image, sku)
    assert verdict.version == version
    assert kubelet.lstrip("v") in verdict.reason


def test_heap_advice_sized_to_the_limit() -> None:
    old = heap_advice("jvm", 1024 * MIB, Awareness.NOT_AWARE)
    assert "-Xmx768m" in old and "1 GiB" in old
    new = heap_advice("jvm", 1024 * MIB, Awareness.AWARE)
    assert "MaxRAMPercentage=75" in new and "768 MiB" in new
    assert "--max-old-space-size=384" in heap_advice("node", 512 * MIB, Awareness.NOT_AWARE)
    assert "COMPlus_GCHeapHardLimit=0x30000000" in heap_advice("dotnet", 1024 * MIB, Awareness.NOT_AWARE)
    assert "no memory limit" in heap_advice("jvm", None, Awareness.NOT_AWARE)


def test_a_dotnet_that_reads_the_limit_is_told_to_give_its_gc_heap_less_of_it() -> None:
    """.NET 5+ caps its GC heap at 75 % of the limit by itself: no "move to .NET 5+", and the name its version reads."""
    net8 = parse_dotnet_version("8.0.10", "env DOTNET_VERSION")
    aware = heap_advice("dotnet", 512 * MIB, Awareness.AWARE, net8)
    assert aware.startswith("DOTNET_GCHeapHardLimitPercent=0x3c (60 % of the 512 MiB limit, ~307 MiB;")
    assert "75 % (~384 MiB)" in aware and ".NET 5+" not in aware
    assert aware.zh.startswith("DOTNET_GCHeapHardLimitPercent=0x3c（512 MiB limit 的 60 %，约 307 MiB；")
    net5 = parse_dotnet_version("5.0", "image tag")
    assert heap_advice("dotnet", 512 * MIB, Awareness.AWARE, net5).startswith("COMPlus_GCHeapHardLimitPercent=0x3c")
    assert "move to .NET 5+" in heap_advice("dotnet", 512 * MIB, Awareness.UNKNOWN)


def test_runtime_named_by_the_previous_log_when_the_image_does_not() -> None:
    spec = ContainerSpec("billing", "contoso.azurecr.cn/shop/billing:2.1")
    assert judge(spec) is None
    java = judge(
        spec, "starting billing 2.1\njava.lang.OutOfMemoryError: Java heap space\n\tat Billing.main(Billing.java:42)"
    )
    assert java is not None and java.kind == "jvm" and java.awareness is Awareness.UNKNOWN
    node_log = (
        "<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"
    )
    assert (judge(spec, node_log) or java).kind == "node"
    dotnet = judge(spec, "Unhandled exception. System.OutOfMemoryException: Exception of type ...")
    assert dotnet is not None and dotnet.kind == "dotnet"
    assert judge(spec, "plain log line") is None
