"""A pure, seeded generator of a realistic multi-account ECR estate (no I/O, no boto3).

Every shape here is documented, with its source or marked as an invented assumption, in docs/demo-estate.md.
The estate is deterministic for a seed: the same seed gives byte-identical manifests, digests and counts, so
tests and benchmarks can compare a collection against `Estate.expected_totals()` exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.demo.estate.attestations import attest_newest_release
from analysis.demo.estate.blobs import BlobFactory
from analysis.demo.estate.builds import DraftRepo, whole_seconds
from analysis.demo.estate.images import make_builds, make_cache_builds
from analysis.demo.estate.lifecycle import archive
from analysis.demo.estate.pulls import repository_pulls
from analysis.demo.estate.records import (
    ACCOUNT_IDS,
    DEFAULT_NOW,
    Estate,
    ImageSpec,
    PullCount,
)
from analysis.demo.estate.registries import registry_specs
from analysis.demo.estate.repositories import cache_repository, plan_repositories, replicas_of, repository_spec
from analysis.demo.estate.tags import assign_tags


def generate_estate(
    seed: int = 7,
    repositories: int = 400,
    images: int = 40_000,
    accounts: int = 3,
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1", "eu-central-1"),
    now: datetime | None = None,
    history_days: int = 730,
    metric_days: int = 90,
) -> Estate:
    """Generate the demo estate. `repositories` and `images` are exact totals (replicas and the pull-through
    cache included) as long as images >= ~8 per repository."""
    if not 1 <= accounts <= len(ACCOUNT_IDS):
        raise ValueError(f"accounts must be 1..{len(ACCOUNT_IDS)}")
    if repositories < 4 or images < 8 * repositories:
        raise ValueError("need at least 4 repositories and 8 images per repository")
    now = (now or DEFAULT_NOW).astimezone(UTC)
    # The order of the steps is the order of the random draws: reordering them changes every seed's estate.
    rng = np.random.default_rng(seed)
    region_list = list(regions)
    account_ids = ACCOUNT_IDS[:accounts]
    mgmt, home = account_ids[0], region_list[0]
    replica_region = (
        "eu-west-1" if "eu-west-1" in region_list[1:] else (region_list[1] if len(region_list) > 1 else None)
    )
    start = now - timedelta(days=history_days)
    blobs = BlobFactory(rng)
    cache_images = 6
    repos = plan_repositories(
        rng, repositories, images, account_ids, region_list, replica_region, history_days, cache_images
    )
    _push_history(repos, rng, blobs, start, now, history_days)
    cache = cache_repository(mgmt, home, cache_images, history_days)
    make_cache_builds(cache, rng, blobs, start, now)
    repos.append(cache)
    replicas = replicas_of(repos, rng, replica_region) if replica_region else []
    all_repos = repos + replicas
    pull_counts = _pull_history(all_repos, rng, now, start, metric_days)
    # One release built the way `docker buildx build --attest type=provenance --sbom=true` + `cosign sign` leave
    # it: attestation manifests in the index and a cosign `.sig` tag. After every random draw: seeds stay stable.
    for repo in repos:
        if repo.multi_arch and repo.oci and repo.signs and not repo.replicate and attest_newest_release(repo, blobs):
            break
    repo_specs = [repository_spec(repo, rng, start, account_ids, replica=repo in replicas) for repo in all_repos]
    image_specs, manifest_blobs = _image_specs(all_repos)
    return Estate(
        now=now,
        accounts=account_ids,
        management_account=mgmt,
        regions=region_list,
        repositories=repo_specs,
        images=image_specs,
        registries=registry_specs(account_ids, region_list, mgmt, home, replica_region, start, now),
        pull_counts=pull_counts,
        blobs=blobs.blobs,
        manifest_blobs=manifest_blobs,
    )


def _push_history(
    repos: list[DraftRepo], rng: np.random.Generator, blobs: BlobFactory, start: datetime, now: datetime, days: int
) -> None:
    """Every repository's CI pushes over the history, then their tags."""
    day_idx = np.arange(days)
    weekday = np.array([(start + timedelta(days=int(d))).weekday() for d in day_idx])
    # CI pushes: ~4x fewer at weekends; activity grows ~2.2x over the history (invented assumptions).
    day_w = np.where(weekday < 5, 1.0, 0.25) * np.exp(np.log(2.2) * day_idx / days)
    for repo in repos:
        make_builds(repo, rng, blobs, start, now, day_idx, day_w)
    for repo in repos:
        assign_tags(repo, rng, now)


def _pull_history(
    repos: list[DraftRepo], rng: np.random.Generator, now: datetime, start: datetime, metric_days: int
) -> list[PullCount]:
    """Daily pull counts over the metric window and each image's last pull; then the archiving those allow."""
    metric_start = (now - timedelta(days=metric_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    n_mdays = (now.replace(hour=0, minute=0, second=0, microsecond=0) - metric_start).days
    m_weekday = np.array([(metric_start + timedelta(days=d)).weekday() for d in range(n_mdays)])
    pull_counts: list[PullCount] = []
    for repo in repos:
        pull_counts.extend(repository_pulls(repo, rng, now, metric_start, n_mdays, m_weekday, start))
        if repo.policy_kind == "archive":
            archive(repo, rng, now)
    return pull_counts


def _image_specs(repos: list[DraftRepo]) -> tuple[list[ImageSpec], dict[str, tuple[str, ...]]]:
    """Each build as ECR lists it, and each manifest's blobs (so totals need no JSON parsing)."""
    image_specs: list[ImageSpec] = []
    manifest_blobs: dict[str, tuple[str, ...]] = {}
    for repo in repos:
        for b in repo.builds:
            manifest_blobs.setdefault(b.digest, b.blobs)
            image_specs.append(
                ImageSpec(
                    account_id=repo.account,
                    region=repo.region,
                    repository=repo.name,
                    digest=b.digest,
                    manifest=b.manifest,
                    manifest_media_type=b.media_type,
                    artifact_media_type=b.artifact_type,
                    tags=list(b.tags),
                    size_in_bytes=b.size,
                    pushed_at=whole_seconds(b.pushed_at),
                    last_pull_at=whole_seconds(b.last_pull),
                    status=b.status,
                    last_archived_at=whole_seconds(b.archived_at),
                    subject_digest=b.subject,
                )
            )
    return image_specs, manifest_blobs
