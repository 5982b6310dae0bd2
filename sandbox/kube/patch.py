"""The three patch formats kube-apiserver accepts: strategic merge (schema-driven), JSON merge and JSON patch.

Strategic merge reads `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` from the Kubernetes
JSON schemas the `kubernetes-validate` package ships, so lists merge the way the real server merges them.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from sandbox.kube.errors import ApiError, bad_request

SCHEMA_VERSION = "v1.32.0-local"

Schema = dict[str, Any]


@functools.cache
def definitions() -> dict[str, Schema]:
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json"
    loaded: dict[str, Any] = json.loads(root.read_text())
    defs: dict[str, Schema] = loaded.get("$defs") or loaded.get("definitions") or {}
    return defs


@functools.cache
def _by_gvk() -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            out[(gvk.get("group", ""), gvk["version"], gvk["kind"])] = name
    return out


@functools.cache
def openapi_v3_document(paths_json: str = "{}") -> bytes:
    """An OpenAPI 3.0 document with every 1.32 schema (what `kubectl explain` reads), built from the same
    schemas strategic merge uses."""

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    out[key] = value.replace("#/$defs/", "#/components/schemas/")
                elif key == "type" and isinstance(value, list):
                    kinds = [v for v in value if v != "null"]
                    out[key] = kinds[0] if kinds else "object"
                elif key == "additionalProperties" and value is False:
                    continue
                else:
                    out[key] = convert(value)
            return out
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    document = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": json.loads(paths_json),
        "components": {"schemas": {name: convert(schema) for name, schema in definitions().items()}},
    }
    return json.dumps(document).encode()


def schema_name(group: str, version: str, kind: str) -> str | None:
    return _by_gvk().get((group, version, kind))


def schema_for(group: str, version: str, kind: str) -> Schema | None:
    name = _by_gvk().get((group, version, kind))
    return definitions().get(name) if name else None


def _resolve(schema: Schema | None) -> Schema | None:
    while schema is not None:
        ref = schema.get("$ref")
        if ref is None and schema.get("allOf"):
            ref = schema["allOf"][0].get("$ref")
        if ref is None:
            return schema
        schema = definitions().get(ref.rsplit("/", 1)[-1])
    return None


def _prop(schema: Schema | None, key: str) -> Schema | None:
    schema = _resolve(schema)
    if schema is None:
        return None
    return (schema.get("properties") or {}).get(key)


def strategic_merge(original: Any, patch: Any, schema: Schema | None) -> Any:
    """Apply a strategic-merge patch to `original` (not modified) under `schema`; returns the result."""
    if not isinstance(patch, dict):
        raise bad_request("strategic merge patch must be a JSON object")
    return _merge_map(copy.deepcopy(original) if isinstance(original, dict) else {}, patch, schema)


def _merge_map(target: dict[str, Any], patch: dict[str, Any], schema: Schema | None) -> dict[str, Any]:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            current = target.get(field)
            if isinstance(current, list) and isinstance(value, list):
                target[field] = [v for v in current if v not in value]
            continue
        if value is None:
            target.pop(key, None)
            continue
        sub = _prop(schema, key)
        if isinstance(value, dict):
            current = target.get(key)
            if isinstance(current, dict) and value.get("$patch") != "replace":
                target[key] = _merge_map(current, value, sub)
            else:
                target[key] = _merge_map({}, value, sub)
        elif isinstance(value, list):
            target[key] = _merge_list(target.get(key), value, sub)
        else:
            target[key] = value
    if isinstance(retain, list):
        for key in list(target):
            if key not in retain:
                del target[key]
    return target


def _merge_list(current: Any, patch: list[Any], schema: Schema | None) -> list[Any]:
    schema = _resolve(schema) if schema is not None else None
    strategy = str((schema or {}).get("x-kubernetes-patch-strategy") or "")
    merge_key = (schema or {}).get("x-kubernetes-patch-merge-key")
    if "merge" not in strategy.split(",") or not isinstance(current, list):
        if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
            return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
        return [_clean(i) for i in patch if not (isinstance(i, dict) and i.get("$patch") == "delete")]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    if merge_key is None:
        # A primitive list with the merge strategy: union, keeping the original order first.
        out = list(current)
        for item in patch:
            if item not in out:
                out.append(item)
        return out
    item_schema = (schema or {}).get("items")
    out = [copy.deepcopy(i) for i in current]
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request(f"list items under merge key {merge_key!r} must be objects")
        key_value = item.get(merge_key)
        index = next((n for n, o in enumerate(out) if isinstance(o, dict) and o.get(merge_key) == key_value), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del out[index]
            continue
        if index is None:
            out.append(_merge_map({}, item, item_schema))
        else:
            out[index] = _merge_map(out[index], item, item_schema)
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    target = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> Any:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: "
                           f"doc is missing path: /{'/'.join(parts)}")
    return node


def json_patch(original: Any, operations: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise bad_request("json patch must be a JSON array of operations")
    doc = copy.deepcopy(original)
    for op in operations:
        kind, parts = op.get("op"), _pointer(str(op.get("path", "")))
        if kind in ("move", "copy"):
            source = _pointer(str(op.get("from", "")))
            value = _get(doc, source)
            if kind == "move":
                doc = _remove(doc, source)
            doc = _add(doc, parts, copy.deepcopy(value))
        elif kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            doc = _remove(doc, parts)
        elif kind == "replace":
            _get(doc, parts)
            doc = _add(_remove(doc, parts), parts, copy.deepcopy(op.get("value")), replace=True)
        elif kind == "test":
            if _get(doc, parts) != op.get("value"):
                raise ApiError(422, "Invalid",
                               f"the server rejected our request: testing value {op.get('path')} failed")
        else:
            raise bad_request(f"unknown json patch operation {kind!r}")
    return doc


def _get(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return doc
    parent = _parent(doc, parts)
    last = parts[-1]
    try:
        return parent[int(last)] if isinstance(parent, list) else parent[last]
    except (KeyError, IndexError, ValueError) as exc:
        raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: "
                       f"doc is missing key: /{'/'.join(parts)}") from exc


def _add(doc: Any, parts: list[str], value: Any, replace: bool = False) -> Any:
    if not parts:
        return value
    parent = _parent(doc, parts)
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        parent.insert(index, value)
    else:
        parent[last] = value
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    _get(doc, parts)
    parent = _parent(doc, parts)
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    else:
        del parent[parts[-1]]
    return doc
