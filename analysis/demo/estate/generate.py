"""A pure, seeded generator of a realistic multi-account ECR estate (no I/O, no boto3).

Every shape here is documented, with its source or marked as an invented assumption, in docs/demo-estate.md.
The estate is deterministic for a seed: the same seed gives byte-identical manifests, digests and counts, so
tests and benchmarks can compare a collection against `Estate.expected_totals()` exactly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.demo.estate.attestations import _attest_newest_release
from analysis.demo.estate.blobs import _BlobFactory
from analysis.demo.estate.builds import _Repo, _sec
from analysis.demo.estate.images import _make_builds, _make_cache_builds
from analysis.demo.estate.lifecycle import _archive
from analysis.demo.estate.pulls import _pulls
from analysis.demo.estate.records import (
    ACCOUNT_IDS,
    DEFAULT_NOW,
    Estate,
    ImageSpec,
    PullCount,
    RepositorySpec,
)
from analysis.demo.estate.registries import _registries
from analysis.demo.estate.repositories import _SUFFIXES, _TEAMS, _lang_for, _repo_spec
from analysis.demo.estate.tags import _assign_tags


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
    rng = np.random.default_rng(seed)
    regions = list(regions)
    account_ids = ACCOUNT_IDS[:accounts]
    mgmt = account_ids[0]
    home = regions[0]
    replica_region = "eu-west-1" if "eu-west-1" in regions[1:] else (regions[1] if len(regions) > 1 else None)
    start = now - timedelta(days=history_days)
    blobs = _BlobFactory(rng)

    # ---- repositories ------------------------------------------------------------------------------------
    n_platform = 0
    if replica_region:
        n_platform = min(len(_TEAMS["platform"]), max(1, round(0.03 * repositories)))
    n_primary = repositories - 1 - n_platform  # minus the pull-through-cache repo and the replicas
    platform_names = [f"platform/{s}" for s in _TEAMS["platform"][:n_platform]]
    pairs = [(t, s) for t, ss in _TEAMS.items() for s in ss if f"{t}/{s}" not in platform_names]
    order = rng.permutation(len(pairs))
    names: list[tuple[str, str, str]] = [("platform", n.split("/")[1], n) for n in platform_names]
    k = 0
    while len(names) < n_primary:
        t, s = pairs[order[k % len(pairs)]]
        rnd = k // len(pairs)
        if rnd == 0:
            name = f"{t}/{s}"
        else:
            name = f"{t}/{s}-{_SUFFIXES[(rnd - 1) % len(_SUFFIXES)]}" + (
                "" if rnd <= len(_SUFFIXES) else str(rnd // len(_SUFFIXES) + 1)
            )
        names.append((t, s, name))
        k += 1

    # Uneven spread: the management account and the first region hold most repositories.
    acct_w = np.array([0.5, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1][:accounts])
    reg_w = np.array([0.6, 0.28, 0.12] + [0.05] * max(0, len(regions) - 3))[: len(regions)]
    acct_pick = rng.choice(accounts, size=len(names), p=acct_w / acct_w.sum())
    reg_pick = rng.choice(len(regions), size=len(names), p=reg_w / reg_w.sum())

    # Heavy-tailed image counts (Pareto): a few repositories with thousands of images, most with tens.
    weights = rng.pareto(1.05, len(names)) + 0.05
    weights[:n_platform] = np.minimum(weights[:n_platform], np.median(weights))  # base images: modest
    cap = 0.12 * images
    mult = np.ones(len(names))
    mult[:n_platform] = 2  # each platform image exists again in the replica region
    cache_images = 6
    budget = images - cache_images
    counts = np.clip(np.floor(weights / weights.sum() * budget / mult.mean()), 4, cap)
    # Make Σ counts × multiplicity hit the budget exactly, adjusting only non-replicated repositories.
    free = np.where(mult == 1)[0]
    diff = int(budget - (counts * mult).sum())
    while diff:
        j = free[np.argmax(counts[free])] if diff < 0 else free[np.argmin(counts[free])]
        step = max(diff, 4 - int(counts[j])) if diff < 0 else min(diff, max(1, int(cap - counts[j])))
        if step == 0:
            raise ValueError("cannot fit the requested image count; lower `repositories` or raise `images`")
        counts[j] += step
        diff -= step
    size_pct = np.argsort(np.argsort(counts)) / max(len(counts) - 1, 1)

    repos: list[_Repo] = []
    for i, (team, service, name) in enumerate(names):
        platform = i < n_platform
        acct = mgmt if platform else account_ids[acct_pick[i]]
        region = home if platform else regions[reg_pick[i]]
        if not platform and replica_region and name.startswith("platform/") and (acct, region) == (mgmt, home):
            region = replica_region  # in mgmt/home the replication filter would match it: keep it out of scope
        lang = _lang_for(team, service, rng)
        age_frac = float(np.clip(rng.beta(2.5, 1.2) + 0.35 * size_pct[i], 0.05, 1.0))
        u = rng.random()
        mutability = "MUTABLE"
        if u < 0.15:
            mutability = "IMMUTABLE"
        elif u < 0.22:
            mutability = "IMMUTABLE_WITH_EXCLUSION"
        p = rng.random()
        policy = None
        if not platform:
            if p < 0.22:
                policy = "clean-untagged"
            elif p < 0.32:
                policy = "archive"
            elif p < 0.42:
                policy = "expire-untagged-only"
            elif p < 0.50:
                policy = "keep-any"
        repos.append(
            _Repo(
                account=acct,
                region=region,
                name=name,
                team=team,
                lang=lang,
                n_images=int(counts[i]),
                created_day=history_days * (1 - age_frac),
                multi_arch=platform or (lang != "ml" and rng.random() < 0.18),
                oci=bool(rng.random() < 0.55),
                signs=bool(policy is None and rng.random() < 0.12),
                mutability=mutability,
                policy_kind=policy,
                replicate=platform,
            )
        )

    # ---- builds ------------------------------------------------------------------------------------------
    day_idx = np.arange(history_days)
    weekday = np.array([(start + timedelta(days=int(d))).weekday() for d in day_idx])
    # CI pushes: ~4x fewer at weekends; activity grows ~2.2x over the history (invented assumptions).
    day_w = np.where(weekday < 5, 1.0, 0.25) * np.exp(np.log(2.2) * day_idx / history_days)
    for repo in repos:
        _make_builds(repo, rng, blobs, start, now, day_idx, day_w)

    # ---- tags --------------------------------------------------------------------------------------------
    for repo in repos:
        _assign_tags(repo, rng, now)

    # ---- pull-through cache repository (docker-hub/library/nginx) ------------------------------------------
    cache = _Repo(
        account=mgmt,
        region=home,
        name="docker-hub/library/nginx",
        team="platform",
        lang="nginx",
        n_images=cache_images,
        created_day=history_days * 0.6,
        multi_arch=True,
        oci=True,
        signs=False,
        mutability="MUTABLE",
        policy_kind=None,
        cache=True,
    )
    _make_cache_builds(cache, rng, blobs, start, now)
    repos.append(cache)

    # ---- pulls -------------------------------------------------------------------------------------------
    metric_start = (now - timedelta(days=metric_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    n_mdays = (now.replace(hour=0, minute=0, second=0, microsecond=0) - metric_start).days
    m_weekday = np.array([(metric_start + timedelta(days=d)).weekday() for d in range(n_mdays)])
    pull_counts: list[PullCount] = []

    replicas: list[_Repo] = []
    if replica_region:
        for repo in repos:
            if repo.replicate:
                copy = _Repo(
                    account=repo.account,
                    region=replica_region,
                    name=repo.name,
                    team=repo.team,
                    lang=repo.lang,
                    n_images=repo.n_images,
                    created_day=repo.created_day,
                    multi_arch=repo.multi_arch,
                    oci=repo.oci,
                    signs=False,
                    mutability="MUTABLE",
                    policy_kind=None,
                )
                # Replication copies the same manifests (same digests) seconds after the source push.
                for b in repo.builds:
                    lag = timedelta(seconds=int(rng.integers(5, 90)))
                    copy.builds.append(replace(b, tags=list(b.tags), pushed_at=b.pushed_at + lag))
                replicas.append(copy)
    all_repos = repos + replicas

    for repo in all_repos:
        pull_counts.extend(_pulls(repo, rng, now, metric_start, n_mdays, m_weekday, start))
        if repo.policy_kind == "archive":
            _archive(repo, rng, now)

    # One release built the way `docker buildx build --attest type=provenance --sbom=true` + `cosign sign` leave
    # it: attestation manifests in the index and a cosign `.sig` tag. After every random draw: seeds stay stable.
    for repo in repos:
        if repo.multi_arch and repo.oci and repo.signs and not repo.replicate and _attest_newest_release(repo, blobs):
            break

    # ---- specs -------------------------------------------------------------------------------------------
    repo_specs: list[RepositorySpec] = []
    image_specs: list[ImageSpec] = []
    manifest_blobs: dict[str, tuple[str, ...]] = {}
    for repo in all_repos:
        repo_specs.append(_repo_spec(repo, rng, start, account_ids, replica=repo in replicas))
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
                    pushed_at=_sec(b.pushed_at),
                    last_pull_at=_sec(b.last_pull),
                    status=b.status,
                    last_archived_at=_sec(b.archived_at),
                    subject_digest=b.subject,
                )
            )

    registries = _registries(account_ids, regions, mgmt, home, replica_region, start, now)
    return Estate(
        now=now,
        accounts=account_ids,
        management_account=mgmt,
        regions=regions,
        repositories=repo_specs,
        images=image_specs,
        registries=registries,
        pull_counts=pull_counts,
        blobs=blobs.blobs,
        manifest_blobs=manifest_blobs,
    )
