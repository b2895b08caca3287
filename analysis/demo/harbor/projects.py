"""What an emulated Harbor holds: projects, their repositories and artifacts, users, and the storage they use
(quota usage counting a shared blob in every project, as Harbor does)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analysis.collectors.manifests import parse_manifest


def ts(t: datetime | None) -> str:
    """Harbor's time format; "0001-01-01T00:00:00.000Z" for a time never set (an artifact never pulled)."""
    if t is None:
        return "0001-01-01T00:00:00.000Z"
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class FakeArtifact:
    digest: str
    manifest: bytes
    media_type: str
    tags: list[str]
    pushed_at: datetime
    pulled_at: datetime | None = None
    children: list[str] = field(default_factory=list)
    # An accessory (Harbor ≥ 2.5): the digest of the artifact it is attached to and Harbor's accessory type
    # (signature.cosign, harbor.sbom, subject.accessory …). Harbor lists it under its subject, not on its own.
    subject: str | None = None
    accessory_type: str | None = None


@dataclass
class FakeRepository:
    name: str  # full name, project prefix included
    artifacts: list[FakeArtifact]
    pull_count: int = 0
    created_at: datetime = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class FakeProject:
    project_id: int
    name: str
    repositories: list[FakeRepository] = field(default_factory=list)
    public: bool = False
    registry_id: int | None = None  # a proxy-cache project
    retention: dict[str, Any] | None = None
    immutable_rules: list[dict[str, Any]] = field(default_factory=list)
    quota_hard: int = -1


@dataclass
class FakeUser:
    password: str
    sysadmin: bool = False
    forbidden: set[str] = field(default_factory=set)  # swagger templates answered 403 for this user


@dataclass
class HarborData:
    """Everything the emulated Harbor serves; blob sizes come from the manifests themselves."""

    projects: list[FakeProject]
    users: dict[str, FakeUser]
    blob_sizes: dict[str, int] = field(default_factory=dict)  # layer/config digest → bytes
    registries: list[dict[str, Any]] = field(default_factory=list)
    replication_policies: list[dict[str, Any]] = field(default_factory=list)
    gc_history: list[dict[str, Any]] = field(default_factory=list)
    scanners: list[dict[str, Any]] = field(default_factory=list)
    garbage_bytes: int = 0  # deleted but not yet garbage-collected: in the blob table, in no quota
    version: str = "v2.15.2-fake"  # the shapes follow it: see `has`

    def has(self, feature: str) -> bool:
        """Whether the emulated version answers a field or endpoint (the collector's own table of versions)."""
        from analysis.collectors.harbor_api import parse_version, supports

        return supports(parse_version(self.version), feature) is not False

    def __post_init__(self) -> None:
        self._artifact_ids: dict[tuple[str, str], int] = {}
        for p in self.projects:
            for r in p.repositories:
                for a in r.artifacts:
                    self._artifact_ids[(r.name, a.digest)] = len(self._artifact_ids) + 1
                    m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
                    if m.config_digest:
                        self.blob_sizes.setdefault(m.config_digest, m.config_size or 0)
                    for layer in m.layers:
                        self.blob_sizes.setdefault(layer.digest, layer.size)

    def blobs_of(self, artifacts: list[FakeArtifact]) -> dict[str, int]:
        """Blob digest → size referenced by artifacts: layers, configs and the manifests (Harbor's blob table)."""
        out: dict[str, int] = {}
        for a in artifacts:
            out[a.digest] = len(a.manifest)
            m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
            if m.config_digest:
                out[m.config_digest] = m.config_size or 0
            for layer in m.layers:
                out[layer.digest] = layer.size
        return out

    def project_usage(self, p: FakeProject) -> int:
        # Harbor charges a blob shared by several projects to each of them (harbor-facts §1.3).
        return sum(self.blobs_of([a for r in p.repositories for a in r.artifacts]).values())

    def total_storage(self) -> int:
        every = [a for p in self.projects for r in p.repositories for a in r.artifacts]
        return sum(self.blobs_of(every).values()) + self.garbage_bytes

    def artifact_size(self, repo: FakeRepository, a: FakeArtifact) -> int:
        if a.children:
            by_digest = {x.digest: x for x in repo.artifacts}
            return len(a.manifest) + sum(self.artifact_size(repo, by_digest[c]) for c in a.children if c in by_digest)
        m = parse_manifest(a.manifest.decode(), a.media_type, a.digest)
        return len(a.manifest) + (m.config_size or 0) + sum(layer.size for layer in m.layers)

    def artifact_id(self, repo: str, digest: str) -> int:
        return self._artifact_ids[(repo, digest)]

    def manifest(self, repo: str, digest: str) -> FakeArtifact | None:
        for p in self.projects:
            for r in p.repositories:
                if r.name == repo:
                    for a in r.artifacts:
                        if a.digest == digest:
                            return a
        return None
