"""Artifacts as pushed to Harbor: OCI image manifests, indexes and accessories (cosign signatures, SBOMs)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from analysis.demo.harbor.projects import FakeArtifact, sha

# ---- builders ------------------------------------------------------------------------------------------------
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def image_manifest(layers: list[tuple[str, int]], config: tuple[str, int]) -> bytes:
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s} for d, s in layers
        ],
    }
    return json.dumps(body, indent=2).encode()


def index_manifest(children: list[bytes]) -> bytes:
    arch = ["amd64", "arm64", "s390x"]
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": sha(c),
                "size": len(c),
                "platform": {"os": "linux", "architecture": arch[i]},
            }
            for i, c in enumerate(children)
        ],
    }
    return json.dumps(body).encode()


def accessory_manifest(subject: bytes, artifact_type: str | None, layer: tuple[str, str, int]) -> bytes:
    """An OCI 1.1 manifest attached to `subject`: a cosign signature (artifact_type None: a config blob and a
    simplesigning layer) or an artifact such as an SBOM (artifactType set, the empty config)."""
    config = (
        {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(b"{}"), "size": 2}
        if artifact_type
        else {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob("cosign-cfg"), "size": 233}
    )
    body: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact_type:
        body["artifactType"] = artifact_type
    body["config"] = config
    body["layers"] = [{"mediaType": layer[0], "digest": layer[1], "size": layer[2]}]
    body["subject"] = {"mediaType": OCI_MANIFEST, "digest": sha(subject), "size": len(subject)}
    return json.dumps(body).encode()


def signed_with_sbom(image: FakeArtifact, day: datetime) -> list[FakeArtifact]:
    """A cosign signature and an SPDX SBOM attached to `image`, as Harbor keeps them (its accessory types)."""
    sig = accessory_manifest(
        image.manifest, None, ("application/vnd.dev.cosign.simplesigning.v1+json", blob("sig-" + image.digest), 254)
    )
    sbom = accessory_manifest(
        image.manifest, "application/spdx+json", ("application/spdx+json", blob("sbom-" + image.digest), 48_000)
    )
    return [
        FakeArtifact(sha(sig), sig, OCI_MANIFEST, [], day, subject=image.digest, accessory_type="signature.cosign"),
        FakeArtifact(sha(sbom), sbom, OCI_MANIFEST, [], day, subject=image.digest, accessory_type="subject.accessory"),
    ]


def blob(name: str) -> str:
    return sha(name.encode())
