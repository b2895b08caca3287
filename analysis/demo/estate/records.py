"""What the demo estate is made of: its accounts, media types and the records a collection must find."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# A fixed clock: the estate must not depend on when it is generated, otherwise pushed_at/last_pull_at (and
# every age-based lifecycle decision derived from them) would drift from run to run and seeds would not
# reproduce. Callers that need "now" pass it explicitly.
DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=UTC)

# Management account first; members follow. Fixed, readable ids so docs, tests and demo output can name them.
ACCOUNT_IDS = [str(d) * 12 for d in range(1, 10)]

MT_DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MT_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_OCI_EMPTY = "application/vnd.oci.empty.v1+json"
MT_SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
MT_IN_TOTO = "application/vnd.in-toto+json"
MT_COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
# The OCI 1.1 "empty descriptor": sha256 of the two bytes "{}".
EMPTY_CONFIG_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

MB = 1_000_000


@dataclass(frozen=True)
class RepositorySpec:
    account_id: str
    region: str
    name: str
    created_at: datetime
    tag_mutability: str
    tag_mutability_exclusions: list[dict[str, str]]
    scan_on_push: bool
    encryption_type: str
    kms_key: str | None
    resource_tags: dict[str, str]
    lifecycle_policy: str | None
    repository_policy: str | None


@dataclass(frozen=True)
class ImageSpec:
    account_id: str
    region: str
    repository: str
    digest: str
    manifest: str
    manifest_media_type: str
    artifact_media_type: str | None
    tags: list[str]
    size_in_bytes: int
    pushed_at: datetime
    last_pull_at: datetime | None
    status: str
    last_archived_at: datetime | None
    # OCI 1.1 referrers (signatures) point at the image they sign; ECR reports it as subjectManifestDigest.
    subject_digest: str | None = None


@dataclass(frozen=True)
class RegistrySpec:
    account_id: str
    region: str
    replication_rules: list[dict[str, Any]]
    scanning_configuration: dict[str, Any]
    blob_mounting: str
    pull_through_cache_rules: list[dict[str, Any]]
    pull_time_update_exclusions: list[str]


@dataclass(frozen=True)
class PullCount:
    account_id: str
    region: str
    repository: str
    day: date
    pulls: int


@dataclass
class Estate:
    now: datetime
    accounts: list[str]
    management_account: str
    regions: list[str]
    repositories: list[RepositorySpec]
    images: list[ImageSpec]
    registries: list[RegistrySpec]
    pull_counts: list[PullCount]
    blobs: dict[str, int]
    # digest -> the layer+config blob digests that manifest references (children's blobs for an index are
    # reached through the children, which are images of their own). Kept so totals need no JSON parsing.
    manifest_blobs: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def _totals(self, repos: list[RepositorySpec], images: list[ImageSpec], pulls: list[PullCount]) -> dict:
        per_repo: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        every: set[str] = set()
        for img in images:
            blobs = self.manifest_blobs.get(img.digest, ())
            per_repo[(img.account_id, img.region, img.repository)].update(blobs)
            every.update(blobs)
        return {
            "repositories": len(repos),
            "images": len(images),
            "tagged_images": sum(1 for i in images if i.tags),
            "untagged_images": sum(1 for i in images if not i.tags),
            "archived_images": sum(1 for i in images if i.status == "ARCHIVED"),
            "index_images": sum(1 for i in images if i.manifest_media_type in (MT_OCI_INDEX, MT_DOCKER_LIST)),
            "naive_bytes": sum(i.size_in_bytes for i in images),
            "unique_blob_bytes": sum(self.blobs[b] for b in every),
            "per_repo_unique_bytes": sum(self.blobs[b] for s in per_repo.values() for b in s),
            "manifests": len({i.digest for i in images}),
            "pulls": sum(p.pulls for p in pulls),
        }

    def expected_totals(self) -> dict[str, int]:
        """Whole-estate totals a correct collection must reproduce (see docs/demo-estate.md for meanings)."""
        return self._totals(self.repositories, self.images, self.pull_counts)

    def expected_by_scope(self) -> dict[tuple[str, str], dict[str, int]]:
        """The same totals per (account_id, region), for every registry of the estate (empty ones too)."""
        repos: dict[tuple[str, str], list] = defaultdict(list)
        images: dict[tuple[str, str], list] = defaultdict(list)
        pulls: dict[tuple[str, str], list] = defaultdict(list)
        for r in self.repositories:
            repos[(r.account_id, r.region)].append(r)
        for i in self.images:
            images[(i.account_id, i.region)].append(i)
        for p in self.pull_counts:
            pulls[(p.account_id, p.region)].append(p)
        scopes = [(reg.account_id, reg.region) for reg in self.registries]
        return {s: self._totals(repos[s], images[s], pulls[s]) for s in scopes}
