"""The attested release: buildx attestation manifests in the newest signed index and a cosign `.sig` tag."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.demo.estate.attestations import attest_newest_release
from analysis.demo.estate.blobs import BlobFactory
from analysis.demo.estate.builds import DraftRepo
from analysis.demo.estate.images import make_builds

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _signed_multi_arch_repo(n_images: int) -> tuple[DraftRepo, BlobFactory]:
    rng = np.random.default_rng(1)
    blobs = BlobFactory(rng)
    repo = DraftRepo(
        "111111111111", "us-east-1", "team/app", "team", "go", n_images, 0.0, True, True, True, "MUTABLE", None
    )
    days = np.arange(730)
    make_builds(repo, rng, blobs, NOW - timedelta(days=730), NOW, days, np.ones(730))
    return repo, blobs


def test_the_release_gains_one_attestation_per_platform_and_keeps_the_image_count() -> None:
    repo, blobs = _signed_multi_arch_repo(40)  # 10 pushes × (index + 2 platforms + a signature)
    assert attest_newest_release(repo, blobs)
    assert len(repo.builds) == 40
    index = max((b for b in repo.builds if b.kind == "index"), key=lambda b: b.pushed_at)
    entries = json.loads(index.manifest)["manifests"]
    attestations = [e for e in entries if e.get("annotations", {}).get("vnd.docker.reference.type")]
    platforms = [e for e in entries if e["platform"]["architecture"] != "unknown"]
    assert len(attestations) == len(platforms) == 2
    assert {e["annotations"]["vnd.docker.reference.digest"] for e in attestations} == {e["digest"] for e in platforms}
    assert index.digest == "sha256:" + hashlib.sha256(index.manifest.encode()).hexdigest()  # re-hashed


def test_the_cosign_signature_is_tagged_after_the_index_it_signs() -> None:
    repo, blobs = _signed_multi_arch_repo(40)
    attest_newest_release(repo, blobs)
    index = max((b for b in repo.builds if b.kind == "index"), key=lambda b: b.pushed_at)
    cosign = repo.builds[-1]
    assert cosign.tags == ["sha256-" + index.digest.removeprefix("sha256:") + ".sig"]
    assert cosign.subject is None  # the tag names the subject, not an OCI 1.1 subject field
    assert cosign.size == 233 + 252  # config + simplesigning payload


def test_a_repository_without_room_is_left_alone() -> None:
    repo, blobs = _signed_multi_arch_repo(4)  # one push: no older image or signature to make room with
    before = [b.digest for b in repo.builds]
    assert not attest_newest_release(repo, blobs)
    assert [b.digest for b in repo.builds] == before
