"""Repositories: names per team, their accounts and regions, image counts, and settings (encryption,
mutability, policies, resource tags) as ECR reports them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from analysis.demo.estate.builds import DraftRepo
from analysis.demo.estate.lifecycle import lifecycle_policy
from analysis.demo.estate.records import RepositorySpec

_TEAMS: dict[str, list[str]] = {
    "payments": ["api", "ledger", "webhooks", "reconciler", "fraud-scorer", "worker", "payouts"],
    "checkout": ["api", "cart", "frontend", "pricing", "worker", "promotions"],
    "platform": [
        "base-python",
        "base-node",
        "base-jdk",
        "base-go",
        "ci-runner",
        "ingress-gateway",
        "otel-collector",
        "vault-agent",
        "kube-tools",
        "cert-webhook",
    ],
    "ml": ["trainer", "inference", "feature-store", "notebook", "batch-scoring", "embeddings"],
    "data": ["etl", "airflow", "spark-jobs", "dbt-runner", "kafka-connect", "warehouse-loader"],
    "identity": ["auth", "sso-bridge", "user-service", "token-service", "scim-sync"],
    "search": ["indexer", "query-api", "crawler", "ranker", "autocomplete"],
    "web": ["storefront", "admin", "cms", "ssr-renderer", "static-assets"],
    "mobile": ["bff", "push-notifier", "config-service", "deeplinks"],
    "billing": ["invoicing", "usage-aggregator", "tax-service", "api", "dunning"],
    "logistics": ["shipping-api", "tracking", "warehouse-sync", "routing"],
    "growth": ["experiments", "email-sender", "referrals", "landing-pages"],
    "risk": ["rules-engine", "kyc", "sanctions-screening", "case-manager"],
    "infra": ["terraform-runner", "backup-agent", "log-router", "dns-sync", "janitor"],
    "support": ["helpdesk-bridge", "chatbot", "ticket-sync"],
}
_SUFFIXES = [
    "jobs",
    "migrations",
    "grpc",
    "v2",
    "canary",
    "e2e",
    "mock",
    "legacy",
    "sidecar",
    "loadtest",
    "consumer",
    "backfill",
    "debug",
    "admin",
    "cron",
]
_COST_CENTERS = {t: f"cc-{1000 + 37 * i}" for i, t in enumerate(_TEAMS)}


def _lang_for(team: str, service: str, rng: np.random.Generator) -> str:
    if team == "ml":
        return "ml" if service not in ("feature-store",) else "python"
    if service.startswith("base-"):
        return {"base-python": "python", "base-node": "node", "base-jdk": "jvm", "base-go": "go"}[service]
    if any(k in service for k in ("frontend", "storefront", "ssr", "bff", "cms", "landing", "static", "admin")):
        return "node"
    if any(k in service for k in ("spark", "kafka", "ledger", "warehouse")):
        return "jvm"
    if any(k in service for k in ("gateway", "proxy", "agent", "collector", "router", "dns", "webhook", "sync")):
        return "go"
    return str(rng.choice(["python", "python", "node", "jvm", "go", "go", "python-alpine"]))


def plan_repositories(
    rng: np.random.Generator,
    repositories: int,
    images: int,
    account_ids: list[str],
    regions: list[str],
    replica_region: str | None,
    history_days: int,
    cache_images: int,
) -> list[DraftRepo]:
    """The primary repositories (platform ones first), before any push: names, scope, size and settings. The
    pull-through-cache repository and the replicas are added later; `repositories` counts them too."""
    n_platform = 0
    if replica_region:
        n_platform = min(len(_TEAMS["platform"]), max(1, round(0.03 * repositories)))
    n_primary = repositories - 1 - n_platform  # minus the pull-through-cache repo and the replicas
    names = _names(rng, n_primary, n_platform)
    # Uneven spread: the management account and the first region hold most repositories.
    acct_w = np.array([0.5, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1][: len(account_ids)])
    reg_w = np.array([0.6, 0.28, 0.12] + [0.05] * max(0, len(regions) - 3))[: len(regions)]
    acct_pick = rng.choice(len(account_ids), size=len(names), p=acct_w / acct_w.sum())
    reg_pick = rng.choice(len(regions), size=len(names), p=reg_w / reg_w.sum())
    counts = _image_counts(rng, len(names), n_platform, images - cache_images, cap=0.12 * images)
    size_pct = np.argsort(np.argsort(counts)) / max(len(counts) - 1, 1)
    mgmt, home = account_ids[0], regions[0]
    repos: list[DraftRepo] = []
    for i, (team, service, name) in enumerate(names):
        platform = i < n_platform
        acct = mgmt if platform else account_ids[acct_pick[i]]
        region = home if platform else regions[reg_pick[i]]
        if not platform and replica_region and name.startswith("platform/") and (acct, region) == (mgmt, home):
            region = replica_region  # in mgmt/home the replication filter would match it: keep it out of scope
        repos.append(
            _draft(rng, team, service, name, acct, region, int(counts[i]), float(size_pct[i]), platform, history_days)
        )
    return repos


def _names(rng: np.random.Generator, n_primary: int, n_platform: int) -> list[tuple[str, str, str]]:
    """(team, service, name) per primary repository: the platform base images, then team/service in a seeded
    order, with suffixes (team/service-jobs, …) once every pair is taken."""
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
    return names


def _image_counts(rng: np.random.Generator, n: int, n_platform: int, budget: int, cap: float) -> np.ndarray:
    """Images per primary repository, summing (replicas counted) to exactly `budget`."""
    # Heavy-tailed image counts (Pareto): a few repositories with thousands of images, most with tens.
    weights = rng.pareto(1.05, n) + 0.05
    weights[:n_platform] = np.minimum(weights[:n_platform], np.median(weights))  # base images: modest
    mult = np.ones(n)
    mult[:n_platform] = 2  # each platform image exists again in the replica region
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
    return counts


def _draft(
    rng: np.random.Generator,
    team: str,
    service: str,
    name: str,
    acct: str,
    region: str,
    n_images: int,
    size_pct: float,
    platform: bool,
    history_days: int,
) -> DraftRepo:
    """One repository's settings: language, age (bigger repositories are older), mutability, lifecycle policy
    kind, multi-arch, OCI or Docker manifests, signing."""
    lang = _lang_for(team, service, rng)
    age_frac = float(np.clip(rng.beta(2.5, 1.2) + 0.35 * size_pct, 0.05, 1.0))
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
    return DraftRepo(
        account=acct,
        region=region,
        name=name,
        team=team,
        lang=lang,
        n_images=n_images,
        created_day=history_days * (1 - age_frac),
        multi_arch=platform or (lang != "ml" and rng.random() < 0.18),
        oci=bool(rng.random() < 0.55),
        signs=bool(policy is None and rng.random() < 0.12),
        mutability=mutability,
        policy_kind=policy,
        replicate=platform,
    )


def cache_repository(mgmt: str, home: str, n_images: int, history_days: int) -> DraftRepo:
    """The pull-through cache repository (docker-hub/library/nginx)."""
    return DraftRepo(
        account=mgmt,
        region=home,
        name="docker-hub/library/nginx",
        team="platform",
        lang="nginx",
        n_images=n_images,
        created_day=history_days * 0.6,
        multi_arch=True,
        oci=True,
        signs=False,
        mutability="MUTABLE",
        policy_kind=None,
        cache=True,
    )


def replicas_of(repos: list[DraftRepo], rng: np.random.Generator, replica_region: str) -> list[DraftRepo]:
    """The replica region's copies of the replicated repositories (created by replication, default settings)."""
    replicas: list[DraftRepo] = []
    for repo in repos:
        if repo.replicate:
            copy = DraftRepo(
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
    return replicas


def repository_spec(
    repo: DraftRepo, rng: np.random.Generator, start: datetime, accounts: list[str], replica: bool
) -> RepositorySpec:
    first_push = min((b.pushed_at for b in repo.builds), default=start)
    created = min(start + timedelta(days=repo.created_day), first_push - timedelta(minutes=5)).replace(microsecond=0)
    if replica:
        # Replication creates the destination repository with default settings on first replicated push.
        return RepositorySpec(
            repo.account,
            repo.region,
            repo.name,
            first_push + timedelta(seconds=4),
            "MUTABLE",
            [],
            False,
            "AES256",
            None,
            {},
            None,
            None,
        )
    kms = repo.cache is False and rng.random() < 0.15
    key_id = rng.bytes(16).hex()
    kms_key = (
        (
            f"arn:aws:kms:{repo.region}:{repo.account}:key/"
            f"{key_id[:8]}-{key_id[8:12]}-{key_id[12:16]}-{key_id[16:20]}-{key_id[20:]}"
        )
        if kms
        else None
    )
    exclusions = (
        [{"filterType": "WILDCARD", "filter": "latest"}] if repo.mutability == "IMMUTABLE_WITH_EXCLUSION" else []
    )
    policy = None
    others = [a for a in accounts if a != repo.account]
    if others and (repo.name.startswith("platform/") or rng.random() < 0.2):
        policy = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AllowOrganizationPull",
                        "Effect": "Allow",
                        "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in others]},
                        "Action": [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer",
                        ],
                    }
                ],
            },
            indent=2,
        )
    tags = {} if repo.cache else {"team": repo.team, "cost-center": _COST_CENTERS.get(repo.team, "cc-9999")}
    if tags and rng.random() < 0.5:
        tags["env"] = "prod" if rng.random() < 0.7 else "shared"
    return RepositorySpec(
        account_id=repo.account,
        region=repo.region,
        name=repo.name,
        created_at=created,
        tag_mutability=repo.mutability,
        tag_mutability_exclusions=exclusions,
        scan_on_push=bool(rng.random() < 0.45),
        encryption_type="KMS" if kms else "AES256",
        kms_key=kms_key,
        resource_tags=tags,
        lifecycle_policy=lifecycle_policy(repo),
        repository_policy=policy,
    )
