"""Kubernetes' protobuf encoding of the objects kubectl creates through its typed clients.

kubectl 1.32 sends `kubectl create secret …`, `kubectl create configmap …` (and `create namespace`,
`create serviceaccount`, `auth can-i`) as `Content-Type: application/vnd.kubernetes.protobuf` — seen with
`kubectl -v=9` against this server: the four bytes `k8s\\0`, then a `runtime.Unknown` message (field 1 the
TypeMeta: 1 apiVersion, 2 kind; field 2 the raw object; fields 3 and 4 an empty content encoding and type)
whose raw object is the message of k8s.io/api's generated.proto. This module decodes those kinds into the JSON
shape the rest of the server speaks; `bytes` values become base64, as in JSON. Other kinds are refused with 415
and a message that says to send JSON. Answers stay JSON, which kubectl accepts (it asks for protobuf first).

Field numbers (generated.proto): ObjectMeta 1 name, 2 generateName, 3 namespace, 6 resourceVersion,
11 labels, 12 annotations, 14 finalizers; Secret 1 metadata, 2 data (bytes), 3 type, 4 stringData, 5 immutable;
ConfigMap 1 metadata, 2 data, 3 binaryData (bytes), 4 immutable; Namespace 1 metadata, 2 spec (1 finalizers);
ServiceAccount 1 metadata, 2 secrets, 3 imagePullSecrets, 4 automountServiceAccountToken; SelfSubjectAccessReview
2 spec (1 resourceAttributes: 1 namespace, 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name). A map
is a repeated entry message (1 key, 2 value). Fields the sandbox does not model (uid, timestamps, owner
references) are skipped, as the server would overwrite them anyway.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

from sandbox.kube import errors
from sandbox.kube.errors import ApiError

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
Obj = dict[str, Any]
Field = tuple[int, int, int | bytes]  # number, wire type, value

_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def fields(data: bytes) -> Iterator[Field]:
    """The fields of one message, in wire order."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, at = _varint(data, at)
            yield number, wire, value
        elif wire == _LEN:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ValueError("truncated field")
            yield number, wire, data[at : at + length]
            at += length
        elif wire in (_FIXED64, _FIXED32):
            width = 8 if wire == _FIXED64 else 4
            if at + width > len(data):
                raise ValueError("truncated field")
            yield number, wire, int.from_bytes(data[at : at + width], "little")
            at += width
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ValueError("a length-delimited field was expected")
    return value


def _text(value: int | bytes) -> str:
    return _bytes(value).decode("utf-8")


def _entry(value: int | bytes) -> tuple[str, bytes]:
    key, item = "", b""
    for number, _, part in fields(_bytes(value)):
        if number == 1:
            key = _text(part)
        elif number == 2:
            item = _bytes(part)
    return key, item


def _metadata(data: bytes) -> Obj:
    meta: Obj = {}
    for number, _, value in fields(data):
        if number in (1, 2, 3, 6):
            text = _text(value)
            if text:
                meta[{1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"}[number]] = text
        elif number in (11, 12):
            key, item = _entry(value)
            meta.setdefault("labels" if number == 11 else "annotations", {})[key] = item.decode("utf-8")
        elif number == 14:
            meta.setdefault("finalizers", []).append(_text(value))
    return meta


def _object(raw: bytes, text_maps: dict[int, str], byte_maps: dict[int, str], texts: dict[int, str],
            flags: dict[int, str]) -> Obj:
    obj: Obj = {}
    for number, wire, value in fields(raw):
        if number == 1:
            obj["metadata"] = _metadata(_bytes(value))
        elif number in text_maps:
            key, item = _entry(value)
            obj.setdefault(text_maps[number], {})[key] = item.decode("utf-8")
        elif number in byte_maps:
            key, item = _entry(value)
            obj.setdefault(byte_maps[number], {})[key] = base64.b64encode(item).decode()
        elif number in texts:
            if text := _text(value):
                obj[texts[number]] = text
        elif number in flags and wire == _VARINT:
            obj[flags[number]] = bool(value)
    return obj


def _namespace(raw: bytes) -> Obj:
    obj = _object(raw, {}, {}, {}, {})
    for number, _, value in fields(raw):
        if number == 2:  # NamespaceSpec: 1 finalizers
            finalizers = [_text(v) for n, _, v in fields(_bytes(value)) if n == 1]
            if finalizers:
                obj["spec"] = {"finalizers": finalizers}
    return obj


def _service_account(raw: bytes) -> Obj:
    obj = _object(raw, {}, {}, {}, {4: "automountServiceAccountToken"})
    for number, _, value in fields(raw):
        if number in (2, 3):  # secrets (ObjectReference: 3 name), imagePullSecrets (LocalObjectReference: 1 name)
            name_field = 3 if number == 2 else 1
            name = next((_text(v) for n, _, v in fields(_bytes(value)) if n == name_field), "")
            obj.setdefault("secrets" if number == 2 else "imagePullSecrets", []).append({"name": name})
    return obj


_ATTRIBUTES = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}


def _access_review(raw: bytes) -> Obj:
    """`kubectl auth can-i`: spec 2 → resourceAttributes 1 (or nonResourceAttributes 2: 1 path, 2 verb)."""
    spec: Obj = {}
    for number, _, value in fields(raw):
        if number != 2:
            continue
        for part, _, item in fields(_bytes(value)):
            names = _ATTRIBUTES if part == 1 else {1: "path", 2: "verb"} if part == 2 else {}
            attrs = {names[n]: _text(v) for n, _, v in fields(_bytes(item)) if n in names and _text(v)}
            if names:
                spec["resourceAttributes" if part == 1 else "nonResourceAttributes"] = attrs
    return {"spec": spec}


_KINDS: dict[tuple[str, str], Callable[[bytes], Obj]] = {
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): _access_review,
    ("v1", "Secret"): lambda raw: _object(raw, {4: "stringData"}, {2: "data"}, {3: "type"}, {5: "immutable"}),
    ("v1", "ConfigMap"): lambda raw: _object(raw, {2: "data"}, {3: "binaryData"}, {}, {4: "immutable"}),
    ("v1", "Namespace"): _namespace,
    ("v1", "ServiceAccount"): _service_account,
}


def decode(body: bytes) -> Obj:
    """The object a protobuf request body carries, as JSON would carry it; ApiError 400/415 when it cannot."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("the protobuf body does not start with the Kubernetes magic number")
    api_version = kind = ""
    raw = b""
    try:
        for number, _, value in fields(body[len(MAGIC) :]):
            if number == 1:
                for part, _, item in fields(_bytes(value)):
                    if part == 1:
                        api_version = _text(item)
                    elif part == 2:
                        kind = _text(item)
            elif number == 2:
                raw = _bytes(value)
        decoder = _KINDS.get((api_version, kind))
        if decoder is None:
            raise ApiError(
                415, "UnsupportedMediaType",
                f"the sandbox decodes protobuf bodies of Secrets, ConfigMaps, Namespaces, ServiceAccounts and "
                f"SelfSubjectAccessReviews only, not {api_version} {kind}; "
                "send application/json or application/yaml",
            )
        obj = decoder(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.bad_request(f"the protobuf body could not be decoded: {exc}") from exc
    return {"apiVersion": api_version, "kind": kind, **obj}
