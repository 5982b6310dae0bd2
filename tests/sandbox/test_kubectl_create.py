"""kubectl v1.32's typed `create` commands against the sandbox API server — they send protobuf, not JSON — and a
Secret's write-only `stringData`, merged into base64 `data` on every write as kube-apiserver does."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sandbox.kube import AccessRule, KubeServer
from tests.support.kubectl import Kubectl

pytestmark = pytest.mark.kubectl


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def test_create_secret_generic_is_stored_as_the_real_server_stores_it(kube: KubeServer, kubectl: Kubectl) -> None:
    out = kubectl("create", "secret", "generic", "db-login", "-n", "shop", "--from-literal=user=admin",
                  "--from-literal=password=s3cr3t with spaces", "--type=example.com/basic-auth")
    assert out.returncode == 0 and out.stdout.strip() == "secret/db-login created", out.stderr
    stored = kube.get("secrets", "db-login", "shop")
    assert stored["type"] == "example.com/basic-auth"
    assert stored["data"] == {"user": _b64("admin"), "password": _b64("s3cr3t with spaces")}
    shown = json.loads(kubectl("get", "secret", "db-login", "-n", "shop", "-o", "json").stdout)
    assert shown["data"]["password"] == _b64("s3cr3t with spaces") and "stringData" not in shown


def test_create_secret_docker_registry_and_configmap_with_binary_data(
    kube: KubeServer, kubectl: Kubectl, tmp_path: Path
) -> None:
    out = kubectl("create", "secret", "docker-registry", "acr-pull", "-n", "shop", "--docker-server=myacr.azurecr.io",
                  "--docker-username=puller", "--docker-password=pw")
    assert out.returncode == 0, out.stderr
    pull = kube.get("secrets", "acr-pull", "shop")
    assert pull["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(base64.b64decode(pull["data"][".dockerconfigjson"]))["auths"]
    assert auths["myacr.azurecr.io"]["username"] == "puller"
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\xff\x10binary")
    out = kubectl("create", "configmap", "settings", "-n", "shop", "--from-literal=LOG_LEVEL=debug",
                  f"--from-file=blob={blob}", "--save-config")
    assert out.returncode == 0 and out.stdout.strip() == "configmap/settings created", out.stderr
    stored = kube.get("configmaps", "settings", "shop")
    assert stored["data"] == {"LOG_LEVEL": "debug"}
    assert stored["binaryData"] == {"blob": _b64(b"\x00\xff\x10binary")}
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    again = kubectl("create", "configmap", "settings", "-n", "shop", "--from-literal=a=b")
    assert again.returncode != 0 and 'configmaps "settings" already exists' in again.stderr


def test_create_namespace_serviceaccount_and_auth_can_i(kube: KubeServer, kubectl: Kubectl) -> None:
    assert kubectl("create", "namespace", "team-red").returncode == 0
    assert kubectl("create", "serviceaccount", "deployer", "-n", "team-red").returncode == 0
    assert kube.get("serviceaccounts", "deployer", "team-red")["metadata"]["namespace"] == "team-red"
    kube.set_access("carol", AccessRule(allow=frozenset({("list", "pods"), ("create", "selfsubjectaccessreviews")})))
    try:
        assert kubectl("auth", "can-i", "list", "pods", user="carol").stdout.strip() == "yes"
        denied = kubectl("auth", "can-i", "create", "pods", "--subresource=eviction", "-n", "shop", user="carol")
        assert denied.stdout.strip().startswith("no")
    finally:
        kube.set_access("carol", None)


def test_a_kind_sent_as_protobuf_that_the_sandbox_cannot_decode_is_refused_with_415(kubectl: Kubectl) -> None:
    out = kubectl("create", "deployment", "web2", "--image=nginx", "-n", "shop")
    assert out.returncode != 0
    assert "not apps/v1 Deployment; send application/json" in out.stderr, out.stderr


def test_a_broken_protobuf_body_is_a_bad_request(kube: KubeServer, tmp_path: Path) -> None:
    assert kube.ca_pem is not None
    context = ssl.create_default_context(cadata=kube.ca_pem.decode())
    request = urllib.request.Request(
        f"{kube.url}/api/v1/namespaces/shop/secrets", data=b"k8s\x00\x0a\xff\xff", method="POST",
        headers={"Content-Type": "application/vnd.kubernetes.protobuf"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, context=context, timeout=10)
    status = json.loads(info.value.read())
    assert (info.value.code, status["reason"]) == (400, "BadRequest")


def test_string_data_is_merged_into_data_on_create_update_and_patch(
    kube: KubeServer, kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "secret.json"
    manifest.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "app-env", "namespace": "shop"},
        "data": {"A": _b64("from data"), "B": _b64("kept")},
        "stringData": {"A": "from stringData", "C": "plain"},
    }))
    assert kubectl("create", "-f", str(manifest)).returncode == 0
    stored = kube.get("secrets", "app-env", "shop")
    assert stored["data"] == {"A": _b64("from stringData"), "B": _b64("kept"), "C": _b64("plain")}
    assert "stringData" not in stored
    # A PUT (kubectl replace) and a merge patch carrying stringData are converted the same way.
    replaced = json.loads(manifest.read_text())
    replaced["data"], replaced["stringData"] = {"B": _b64("new")}, {"D": "four"}
    manifest.write_text(json.dumps(replaced))
    assert kubectl("replace", "-f", str(manifest)).returncode == 0
    assert kube.get("secrets", "app-env", "shop")["data"] == {"B": _b64("new"), "D": _b64("four")}
    out = kubectl("patch", "secret", "app-env", "-n", "shop", "--type=merge", "-p", '{"stringData":{"E":"five"}}')
    assert out.returncode == 0, out.stderr
    patched = kube.get("secrets", "app-env", "shop")
    assert patched["data"]["E"] == _b64("five") and "stringData" not in patched
    bad = kubectl("patch", "secret", "app-env", "-n", "shop", "--type=merge", "-p", '{"data":{"F":"not base64!"}}')
    assert bad.returncode != 0 and "illegal base64" in bad.stderr
