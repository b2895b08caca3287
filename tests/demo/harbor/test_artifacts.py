"""Artifacts as pushed to the emulated Harbor: manifests whose digests and subjects a client can verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from analysis.demo.harbor.artifacts import image_manifest, index_manifest, signed_with_sbom
from analysis.demo.harbor.projects import FakeArtifact, sha


def test_an_index_lists_its_platform_manifests_by_digest_and_size() -> None:
    amd = image_manifest([("sha256:" + "a" * 64, 10)], ("sha256:" + "c" * 64, 2))
    arm = image_manifest([("sha256:" + "b" * 64, 11)], ("sha256:" + "c" * 64, 2))
    entries = json.loads(index_manifest([amd, arm]))["manifests"]
    assert [(e["digest"], e["size"], e["platform"]["architecture"]) for e in entries] == [
        (sha(amd), len(amd), "amd64"),
        (sha(arm), len(arm), "arm64"),
    ]


def test_a_signature_and_an_sbom_point_at_the_image_they_describe() -> None:
    body = image_manifest([("sha256:" + "a" * 64, 10)], ("sha256:" + "c" * 64, 2))
    image = FakeArtifact(sha(body), body, "application/vnd.oci.image.manifest.v1+json", ["v1"], datetime.now(UTC))
    signature, sbom = signed_with_sbom(image, datetime(2026, 3, 31, tzinfo=UTC))
    assert (signature.accessory_type, sbom.accessory_type) == ("signature.cosign", "subject.accessory")
    for accessory in (signature, sbom):
        doc = json.loads(accessory.manifest)
        assert doc["subject"] == {"mediaType": image.media_type, "digest": image.digest, "size": len(body)}
        assert accessory.digest == sha(accessory.manifest) and accessory.subject == image.digest
    assert json.loads(sbom.manifest)["artifactType"] == "application/spdx+json"
