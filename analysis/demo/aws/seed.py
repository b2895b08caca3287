"""Write an `Estate` straight into moto's in-process backends (ECR, CloudWatch, Organizations, IAM).

Going through the HTTP API would be honest but far too slow (moto's put_image is ~117/s and linear in the
repository size), and moto's own validators reject parts of the current ECR grammar (archive lifecycle
rules). So the seed writes the same objects moto's handlers would have created, then the response patches in
`analysis.demo.aws.server` serve them. Everything written here is read back over real HTTP by the tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.ecr.models import ECRBackend, Image, Repository, ecr_backends
from moto.iam.models import iam_backends
from moto.organizations import models as org_models
from moto.organizations.models import organizations_backends

from analysis.demo.estate.records import Estate, ImageSpec, RepositorySpec

DEMO_USER = "regcost-demo"
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
_PARTITION = "aws"


class DemoImage(Image):
    """A moto `Image` carrying what ECR reports but moto does not model (size, pull time, archive state).

    Subclassing keeps moto's own handlers (BatchDeleteImage, StartImageScan, …) working on seeded images.
    """

    def __init__(self, account_id: str, spec: ImageSpec) -> None:
        # Bypass Image.__init__: it would stamp "now" as the push time and parse nothing we need.
        self.image_tags = list(spec.tags)
        self.image_tag = spec.tags[-1] if spec.tags else None  # type: ignore[assignment]  # moto sets None itself
        self.image_manifest = spec.manifest
        self.image_manifest_media_type = spec.manifest_media_type
        self.repository_name = spec.repository
        self.registry_id = account_id
        self._image_digest = spec.digest
        # moto serialises an int epoch; keep the same type so moto's own handlers behave unchanged.
        self.image_pushed_at = int(spec.pushed_at.timestamp())
        self.last_scan = None
        self.scan_finding_results_queue: list[Any] = []
        self.scan_finding_results: dict[str, Any] = {}
        self.size = spec.size_in_bytes
        self.pushed_at = spec.pushed_at
        self.last_recorded_pull_time = spec.last_pull_at
        self.image_status = spec.status
        self.last_archived_at = spec.last_archived_at
        self.artifact_media_type = spec.artifact_media_type
        self.subject_manifest_digest = spec.subject_digest

    def get_image_size_in_bytes(self) -> int | None:
        return self.size

    def detail(self) -> dict[str, Any]:
        """The DescribeImages ImageDetail, with only the keys ECR sends (absent, not null, when unset)."""
        out: dict[str, Any] = {
            "registryId": self.registry_id,
            "repositoryName": self.repository_name,
            "imageDigest": self._image_digest,
        }
        if self.image_tags:
            out["imageTags"] = list(self.image_tags)
        out["imageSizeInBytes"] = self.size
        out["imagePushedAt"] = self.pushed_at
        out["imageManifestMediaType"] = self.image_manifest_media_type
        if self.artifact_media_type:
            out["artifactMediaType"] = self.artifact_media_type
        if self.last_recorded_pull_time:
            out["lastRecordedPullTime"] = self.last_recorded_pull_time
        if self.subject_manifest_digest:
            out["subjectManifestDigest"] = self.subject_manifest_digest
        out["imageStatus"] = self.image_status
        if self.last_archived_at:
            out["lastArchivedAt"] = self.last_archived_at
        return out


def seed_estate(estate: Estate) -> dict[str, str]:
    """Seed everything; returns the management account's static credentials (access key id/secret)."""
    _seed_organization(estate)
    creds = _seed_caller(estate.management_account)
    by_scope: dict[tuple[str, str, str], list[ImageSpec]] = {}
    for img in estate.images:
        by_scope.setdefault((img.account_id, img.region, img.repository), []).append(img)
    for reg in estate.registries:
        backend: ECRBackend = ecr_backends[reg.account_id][reg.region]
        backend.replication_config = {"rules": json.loads(json.dumps(reg.replication_rules))}
        # Before repositories exist, so moto's create_repository applies the rules to each (as ECR does).
        backend.put_registry_scanning_configuration(
            reg.scanning_configuration["scanType"],
            json.loads(json.dumps(reg.scanning_configuration["rules"])),
        )
        backend.regcost_blob_mounting = reg.blob_mounting  # type: ignore[attr-defined]
        backend.regcost_pull_through_cache_rules = [dict(r) for r in reg.pull_through_cache_rules]  # type: ignore[attr-defined]
        backend.regcost_pull_time_update_exclusions = list(reg.pull_time_update_exclusions)  # type: ignore[attr-defined]
    for spec in estate.repositories:
        repo = _seed_repository(spec)
        images = by_scope.get((spec.account_id, spec.region, spec.name), [])
        repo.images.extend(DemoImage(spec.account_id, img) for img in images)
        # Layer blobs the repository holds, so BatchCheckLayerAvailability answers with real sizes.
        for img in images:
            for blob in estate.manifest_blobs.get(img.digest, ()):
                repo.layers[blob] = estate.blobs[blob]
    _seed_metrics(estate)
    return creds


def _seed_repository(spec: RepositorySpec) -> Repository:
    backend: ECRBackend = ecr_backends[spec.account_id][spec.region]
    encryption = {"encryptionType": spec.encryption_type}
    if spec.kms_key:
        encryption["kmsKey"] = spec.kms_key
    repo = backend.create_repository(
        repository_name=spec.name,
        registry_id=None,
        encryption_config=encryption,
        image_scan_config={"scanOnPush": spec.scan_on_push},
        image_tag_mutability=spec.tag_mutability,
        # moto types the keys as Literal["filter", "filterType"]: the two keys the spec's dicts have.
        image_tag_mutability_exclusion_filters=[dict(f) for f in spec.tag_mutability_exclusions] or None,  # type: ignore[misc]
        tags=[{"Key": k, "Value": v} for k, v in spec.resource_tags.items()],
    )
    repo.created_at = spec.created_at
    repo.scanning_config["scanOnPush"] = spec.scan_on_push
    # Set directly: moto's lifecycle validator predates the archive grammar (transition/sinceImagePulled).
    repo.lifecycle_policy = spec.lifecycle_policy
    repo.policy = spec.repository_policy
    return repo


def _seed_metrics(estate: Estate) -> None:
    for pc in estate.pull_counts:
        # One datum per day at 00:00:00 UTC holding the day's sum: GetMetricData Period=86400 Stat=Sum with a
        # midnight-aligned StartTime returns exactly these sums (docs/demo-estate.md §4).
        cloudwatch_backends[pc.account_id][pc.region].metric_data.append(
            MetricDatum(
                namespace="AWS/ECR",
                name="RepositoryPullCount",
                value=float(pc.pulls),
                dimensions=[{"Name": "RepositoryName", "Value": pc.repository}],
                timestamp=datetime(pc.day.year, pc.day.month, pc.day.day, tzinfo=UTC),
                unit="Count",
            )
        )


def _seed_organization(estate: Estate) -> None:
    org = organizations_backends[estate.management_account][_PARTITION]
    if org.org is None:
        org.create_organization(region="us-east-1", FeatureSet="ALL")
    existing = {a.id for a in org.accounts}
    members = [a for a in estate.accounts if a not in existing]
    # moto draws member account ids at random; the estate's ids are fixed, so hand them out in order.
    original = org_models.utils.make_random_account_id
    queue = iter(members)
    org_models.utils.make_random_account_id = lambda: next(queue)
    try:
        for acct in members:
            org.create_account(
                AccountName=f"workload-{acct[:3]}",
                Email=f"aws+{acct}@example.com",
                RoleName=ORGANIZATION_ROLE,
            )
    finally:
        org_models.utils.make_random_account_id = original


def _seed_caller(account_id: str) -> dict[str, str]:
    """An IAM user in the management account whose access key makes moto attribute requests to it."""
    iam = iam_backends[account_id][_PARTITION]
    if DEMO_USER not in iam.users:
        iam.create_user(region_name="us-east-1", user_name=DEMO_USER)
    keys = iam.list_access_keys(DEMO_USER)
    key = keys[0] if keys else iam.create_access_key(DEMO_USER)
    return {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key}
