"""Manifest and index documents, serialised byte for byte as `docker push` and BuildKit write them."""

from __future__ import annotations

import json
from typing import Any

from analysis.demo.estate.records import (
    MT_DOCKER_CONFIG,
    MT_DOCKER_LAYER,
    MT_DOCKER_LIST,
    MT_DOCKER_V2,
    MT_OCI_CONFIG,
    MT_OCI_INDEX,
    MT_OCI_LAYER,
    MT_OCI_MANIFEST,
)


def manifest_document(media_type: str, config: tuple[str, int], layers: list[tuple[str, int]], **extra: Any) -> str:
    if media_type == MT_DOCKER_V2:
        body = {
            "schemaVersion": 2,
            "mediaType": MT_DOCKER_V2,
            "config": {"mediaType": MT_DOCKER_CONFIG, "size": config[1], "digest": config[0]},
            "layers": [{"mediaType": MT_DOCKER_LAYER, "size": s, "digest": d} for d, s in layers],
        }
        # `docker push` (distribution) writes schema2 manifests pretty-printed with a 3-space indent.
        return json.dumps(body, indent=3)
    body = {"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST}
    if extra.get("artifact_type"):
        body["artifactType"] = extra["artifact_type"]
    body["config"] = {
        "mediaType": extra.get("config_type", MT_OCI_CONFIG),
        "digest": config[0],
        "size": config[1],
    }
    layer_type = extra.get("layer_type", MT_OCI_LAYER)
    body["layers"] = [{"mediaType": layer_type, "digest": d, "size": s} for d, s in layers]
    if extra.get("subject"):
        body["subject"] = extra["subject"]
    # BuildKit writes compact JSON.
    return json.dumps(body, separators=(",", ":"))


def index_document(media_type: str, children: list[tuple[str, str, int, str]]) -> str:
    entries = []
    for digest, child_type, size, arch in children:
        platform = {"architecture": arch, "os": "linux"}
        if arch == "arm64":
            platform["variant"] = "v8"
        entries.append({"mediaType": child_type, "digest": digest, "size": size, "platform": platform})
    if media_type == MT_DOCKER_LIST:
        return json.dumps({"schemaVersion": 2, "mediaType": MT_DOCKER_LIST, "manifests": entries}, indent=3)
    return json.dumps({"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": entries}, separators=(",", ":"))
