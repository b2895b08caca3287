"""Images of the demo estate: manifests as pushed, indexes over their platform images, signatures on pushes."""

from __future__ import annotations

import hashlib
import json

import pytest

from analysis.demo.estate import MT_DOCKER_LIST, MT_OCI_INDEX, Estate, generate_estate
from analysis.demo.estate.records import MT_DOCKER_V2, MT_SIGSTORE_BUNDLE


@pytest.fixture(scope="module")
def estate() -> Estate:
    return generate_estate(seed=7, repositories=40, images=2_000)


def test_every_digest_is_the_sha256_of_the_manifest_as_stored(estate: Estate) -> None:
    for img in estate.images:
        assert img.digest == "sha256:" + hashlib.sha256(img.manifest.encode()).hexdigest()


def test_docker_manifests_are_written_as_docker_push_writes_them(estate: Estate) -> None:
    docker = [i for i in estate.images if i.manifest_media_type == MT_DOCKER_V2]
    assert docker and all(i.manifest.startswith('{\n   "schemaVersion": 2') for i in docker)  # 3-space indent


def test_an_index_reports_the_size_of_its_largest_platform_image(estate: Estate) -> None:
    by_scope = {(i.account_id, i.region, i.repository, i.digest): i for i in estate.images}
    indexes = [i for i in estate.images if i.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST)]
    assert indexes
    for idx in indexes:
        children = [
            by_scope[(idx.account_id, idx.region, idx.repository, m["digest"])]
            for m in json.loads(idx.manifest)["manifests"]
            if m["platform"]["architecture"] != "unknown"  # attestation manifests are not platform images
        ]
        assert idx.size_in_bytes == max(c.size_in_bytes for c in children)


def test_a_signature_refers_to_an_image_of_its_own_repository_pushed_just_before(estate: Estate) -> None:
    by_scope = {(i.account_id, i.region, i.repository, i.digest): i for i in estate.images}
    signatures = [i for i in estate.images if i.artifact_media_type == MT_SIGSTORE_BUNDLE]
    assert signatures
    for sig in signatures:
        subject = by_scope[(sig.account_id, sig.region, sig.repository, sig.subject_digest)]
        replica = sig.region == "eu-west-1" and sig.repository.startswith("platform/")  # copied with its own lag
        assert replica or 0 <= (sig.pushed_at - subject.pushed_at).total_seconds() <= 3


def test_the_blobs_a_manifest_references_are_the_ones_counted(estate: Estate) -> None:
    for img in estate.images:
        if img.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST):
            continue
        doc = json.loads(img.manifest)
        named = {doc["config"]["digest"], *(layer["digest"] for layer in doc["layers"])}
        assert set(estate.manifest_blobs[img.digest]) == named
