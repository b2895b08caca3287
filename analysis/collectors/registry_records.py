"""Typed records of self-hosted registries (Harbor, any OCI distribution registry); records.arrow_schema gives
the Arrow schema of each.

Where a concept matches ECR's, the columns are named as in `records.py` (repository_name, image_digest,
image_tags, image_size_bytes, pushed_at, last_pull_at, manifest_media_type, artifact_media_type), so the
workload profile can read either side with the same SQL; `registry` (the URL without credentials) plays the
part of ECR's (account_id, region), and `project` is Harbor's project (an OCI registry's first path segment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class RegistryRepositoryRecord:
    registry: str
    project: str | None
    repository_name: str  # full name, project prefix included ("library/nginx")
    created_at: datetime | None
    updated_at: datetime | None
    artifact_count: int | None
    pull_count: int | None  # Harbor: cumulative manifest GETs of the repository; OCI: unknown (NULL)
    tag_count: int | None
    description: str | None = None


@dataclass(slots=True)
class RegistryArtifactRecord:
    registry: str
    project: str | None
    repository_name: str
    image_digest: str
    image_tags: list[str]
    # Harbor's Artifact.size: manifest + config + layers (an index: + Σ children). NOT additive, like ECR's
    # imageSizeInBytes: shared layers count in every artifact and children count in their index too.
    image_size_bytes: int | None
    pushed_at: datetime | None
    last_pull_at: datetime | None
    manifest_media_type: str | None
    artifact_media_type: str | None  # the config media type (Harbor's Artifact.media_type)
    artifact_type: str | None  # the manifest's artifactType, a media type (Harbor's Artifact.artifact_type, ≥ 2.11)
    child_digests: list[str]  # an index's children (Harbor: references[].child_digest)
    is_child: bool  # referenced by an index of the same repository (untagged but kept)
    harbor_type: str | None = None  # Harbor's own class: IMAGE, CHART, CNAB, UNKNOWN … (an OCI registry: NULL)


@dataclass(slots=True)
class RegistryAccessoryRecord:
    """A supply-chain artifact attached to a subject artifact: a signature, an SBOM, an attestation.

    Harbor ≥ 2.5 lists them under their subject (`with_accessory=true`) and not as artifacts of their own, yet
    they are manifests and blobs the registry stores and a project's quota counts — and a migration must carry.
    """

    registry: str
    project: str | None
    repository_name: str
    subject_digest: str
    accessory_digest: str
    kind: str  # signature | sbom | attestation | other
    harbor_type: str | None  # signature.cosign, signature.notation, harbor.sbom, subject.accessory …
    artifact_type: str | None  # the accessory manifest's artifactType (or config media type)
    size_bytes: int | None  # Harbor's Accessory.size: manifest + config + layers
    created_at: datetime | None


@dataclass(slots=True)
class HarborProjectRecord:
    registry: str
    project_id: int
    name: str
    public: bool | None
    proxy_registry_id: int | None  # > 0: a proxy-cache project in front of that registry endpoint
    repo_count: int | None
    owner_name: str | None
    created_at: datetime | None
    updated_at: datetime | None
    retention_id: int | None
    metadata: str | None  # JSON: Project.metadata as Harbor gives it (all values strings)
    quota_hard_bytes: int | None  # from /projects/{p}/summary: -1 = unlimited
    quota_used_bytes: int | None
    upstream: str | None = None  # JSON: the proxy cache's upstream Registry (credential removed)


@dataclass(slots=True)
class HarborQuotaRecord:
    registry: str
    quota_id: int
    project_id: int | None
    project_name: str | None
    hard_storage_bytes: int | None  # -1 = unlimited
    used_storage_bytes: int | None  # a blob shared by several projects counts once in EACH (harbor-facts §1.3)
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(slots=True)
class HarborPolicyRecord:
    registry: str
    kind: str  # retention | immutable | replication | scanner
    project_id: int | None
    project_name: str | None
    policy_id: str | None
    name: str | None
    enabled: bool | None
    policy: str  # JSON as Harbor returns it, credentials removed


@dataclass(slots=True)
class HarborRegistryEndpointRecord:
    registry: str
    endpoint_id: int
    name: str | None
    type: str | None  # aws-ecr, docker-hub, harbor, docker-registry …
    url: str | None
    status: str | None
    insecure: bool | None
    credential_type: str | None  # basic | oauth | … (the key and secret are never kept)


@dataclass(slots=True)
class HarborGcRecord:
    registry: str
    gc_id: int
    job_name: str | None
    job_kind: str | None  # MANUAL | SCHEDULE
    job_status: str | None
    schedule_type: str | None
    created_at: datetime | None
    updated_at: datetime | None
    dry_run: bool | None
    delete_untagged: bool | None
    freed_space_bytes: int | None  # from job_parameters, once the job checked in (harbor-facts §1.5)
    purged_blobs: int | None
    purged_manifests: int | None
    job_parameters: str | None  # JSON


@dataclass(slots=True)
class MetricSampleRecord:
    registry: str
    url: str
    scraped_at: datetime
    family: str
    family_type: str
    name: str  # the sample name (a counter's `_total`, a histogram's `_bucket` …)
    labels: str  # JSON object, keys sorted
    value: float


@dataclass(slots=True)
class RegistryErrorRecord:
    """A failure, per (project, repository, endpoint): loaded into `collection_errors`."""

    registry: str
    project: str | None
    repository: str | None
    operation: str  # e.g. "harbor:GET /projects/{project_name}/repositories"
    error_code: str
    message: str | None
    occurred_at: datetime
