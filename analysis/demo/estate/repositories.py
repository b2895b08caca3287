"""Repositories: names per team, their accounts and regions, image counts, and settings (encryption,
mutability, policies, resource tags) as ECR reports them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np

from analysis.demo.estate.builds import _Repo
from analysis.demo.estate.lifecycle import _lifecycle
from analysis.demo.estate.records import (
    RepositorySpec,
)

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


def _repo_spec(
    repo: _Repo, rng: np.random.Generator, start: datetime, accounts: list[str], replica: bool
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
        lifecycle_policy=_lifecycle(repo),
        repository_policy=policy,
    )
