"""A pure, seeded generator of a realistic multi-account ECR estate (no I/O, no boto3).

Every shape here is documented, with its source or marked as an invented assumption, in docs/demo-estate.md.
The estate is deterministic for a seed: the same seed gives byte-identical manifests, digests and counts, so
tests and benchmarks can compare a collection against `Estate.expected_totals()` exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import numpy as np

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


# ------------------------------------------------------------------------------------------------------------
# Base images. Compressed layer sizes in MB; sources/assumptions in docs/demo-estate.md §2.
# OS layers are rebuilt every `os_every` days (Docker official images are rebuilt for security updates roughly
# monthly); runtimes add their own layers on top and are rebuilt every `rt_every` days.
_OS: dict[str, list[float]] = {
    "debian12-slim": [28.2],
    "alpine3": [3.6],
    "ubuntu24": [29.7],
    "distroless-static": [0.10, 0.26, 0.65, 0.95],
    "cuda12-runtime": [29.7, 92.0, 850.0, 0.05, 960.0],  # ubuntu + cuda + cudnn (nvidia/cuda:*-cudnn-runtime)
}
_RUNTIME: dict[str, tuple[str, list[float]]] = {
    "python3.12-slim": ("debian12-slim", [3.3, 12.5, 0.25]),
    "python3.12-alpine": ("alpine3", [0.5, 12.1, 0.3]),
    "node20-slim": ("debian12-slim", [4.0, 46.0, 1.9, 0.45]),
    "temurin21-jre": ("ubuntu24", [17.0, 52.0, 0.15]),
    "go-distroless": ("distroless-static", []),
    "cuda-python": ("cuda12-runtime", [3.3, 12.5, 0.25]),
    "nginx": ("debian12-slim", [41.0, 0.6, 0.001, 0.001, 0.001]),
}
_OS_EVERY = 35
_RT_EVERY = 21

# Per language: (runtime, dependency layer median MB, app layer median MB, sigma of app layer).
_LANG: dict[str, tuple[str, float, float, float]] = {
    "python": ("python3.12-slim", 45.0, 1.2, 1.0),
    "python-alpine": ("python3.12-alpine", 30.0, 0.8, 1.0),
    "node": ("node20-slim", 70.0, 4.0, 0.9),
    "jvm": ("temurin21-jre", 48.0, 18.0, 0.6),
    "go": ("go-distroless", 0.0, 16.0, 0.5),
    "ml": ("cuda-python", 1400.0, 3.0, 0.9),
    "nginx": ("nginx", 0.0, 6.0, 1.0),
}

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


def _hexdigest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class _BlobFactory:
    """Deterministic blob digests and sizes; base-image layers are seed-independent, like public images."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.blobs: dict[str, int] = {}
        self._base_cache: dict[tuple, list[tuple[str, int]]] = {}
        self._pool: list[str] = []

    def random_digests(self, n: int) -> list[str]:
        # One bulk draw of random bytes is ~100x faster than hashing per blob; digests only need to be unique.
        if len(self._pool) < n:
            raw = self.rng.bytes(32 * max(n, 4096)).hex()
            self._pool.extend("sha256:" + raw[i : i + 64] for i in range(0, len(raw), 64))
        out, self._pool = self._pool[:n], self._pool[n:]
        return out

    def new(self, size: int) -> str:
        d = self.random_digests(1)[0]
        self.blobs[d] = int(max(size, 1))
        return d

    def base_layers(self, runtime: str, arch: str, day: int, rt_every: int) -> list[tuple[str, int]]:
        os_name, rt_sizes = _RUNTIME[runtime]
        os_v, rt_v = day // _OS_EVERY, day // rt_every
        key = (runtime, arch, os_v, rt_v)
        hit = self._base_cache.get(key)
        if hit is not None:
            return hit
        layers = []
        scale = 0.94 if arch == "arm64" else 1.0
        for kind, name, version, sizes in (
            ("os", os_name, os_v, _OS[os_name]),
            ("rt", runtime, rt_v, rt_sizes),
        ):
            for i, mb in enumerate(sizes):
                d = _hexdigest(f"{kind}|{name}|{arch}|{version}|{i}")
                jitter = 1.0 + 0.03 * ((int(d[7:15], 16) % 2001) / 1000.0 - 1.0)
                size = max(int(mb * MB * scale * jitter), 32)
                self.blobs.setdefault(d, size)
                layers.append((d, self.blobs[d]))
        self._base_cache[key] = layers
        return layers


def _manifest(media_type: str, config: tuple[str, int], layers: list[tuple[str, int]], **extra: Any) -> str:
    if media_type == MT_DOCKER_V2:
        body = {
            "schemaVersion": 2,
            "mediaType": MT_DOCKER_V2,
            "config": {"mediaType": MT_DOCKER_CONFIG, "size": config[1], "digest": config[0]},
            "layers": [{"mediaType": MT_DOCKER_LAYER, "size": s, "digest": d} for d, s in layers],
        }
        # `docker push` (distribution) writes schema2 manifests pretty-printed with a 3-space indent.
        return json.dumps(body, indent=3)
    body = {"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST}
    if extra.get("artifact_type"):
        body["artifactType"] = extra["artifact_type"]
    body["config"] = {
        "mediaType": extra.get("config_type", MT_OCI_CONFIG),
        "digest": config[0],
        "size": config[1],
    }
    layer_type = extra.get("layer_type", MT_OCI_LAYER)
    body["layers"] = [{"mediaType": layer_type, "digest": d, "size": s} for d, s in layers]
    if extra.get("subject"):
        body["subject"] = extra["subject"]
    # BuildKit writes compact JSON.
    return json.dumps(body, separators=(",", ":"))


def _index(media_type: str, children: list[tuple[str, str, int, str]]) -> str:
    entries = []
    for digest, child_type, size, arch in children:
        platform = {"architecture": arch, "os": "linux"}
        if arch == "arm64":
            platform["variant"] = "v8"
        entries.append({"mediaType": child_type, "digest": digest, "size": size, "platform": platform})
    if media_type == MT_DOCKER_LIST:
        return json.dumps({"schemaVersion": 2, "mediaType": MT_DOCKER_LIST, "manifests": entries}, indent=3)
    return json.dumps({"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": entries}, separators=(",", ":"))


@dataclass
class _Build:
    """One CI push: a single image, a multi-arch index (+ children) or a signature artifact."""

    kind: str  # "image" | "index" | "child" | "sig"
    digest: str
    manifest: str
    media_type: str
    artifact_type: str | None
    size: int
    pushed_at: datetime
    group: int  # builds of one index share a group id (index + children); the index is the group head
    subject: str | None = None
    arch: str | None = None
    blobs: tuple[str, ...] = ()
    tags: list[str] = field(default_factory=list)
    last_pull: datetime | None = None
    status: str = "ACTIVE"
    archived_at: datetime | None = None


@dataclass
class _Repo:
    account: str
    region: str
    name: str
    team: str
    lang: str
    n_images: int
    created_day: float
    multi_arch: bool
    oci: bool
    signs: bool
    mutability: str
    policy_kind: str | None  # "clean-untagged", "keep-last", "archive", "expire-untagged-only", "keep-any"
    replicate: bool = False
    cache: bool = False
    builds: list[_Build] = field(default_factory=list)


def _round_up(n: int, step: int) -> int:
    return max(step, -(-n // step) * step)


def _lifecycle(repo: _Repo) -> str | None:
    builds = repo.builds
    if repo.policy_kind is None:
        return None
    rules: list[dict[str, Any]] = []
    if repo.policy_kind in ("clean-untagged", "expire-untagged-only"):
        days = 14 if repo.policy_kind == "clean-untagged" else 7
        rules.append(
            {
                "rulePriority": 1,
                "description": f"Expire untagged images {days} days after push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": days,
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "clean-untagged":
        # Set above the current count so the rule has not (yet) removed anything the estate still lists.
        n = sum(1 for b in builds if any(t.startswith("git-") for t in b.tags))
        rules.append(
            {
                "rulePriority": 2,
                "description": "Keep the most recent git-sha builds",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["git-*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": _round_up(n + 1, 100),
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "keep-any":
        rules.append(
            {
                "rulePriority": 1,
                "description": "Cap the repository size",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": _round_up(len(builds) + 1, 500),
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "archive":
        rules.append(
            {
                "rulePriority": 1,
                "description": "Archive untagged images not pulled for 90 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": 90,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        )
        rules.append(
            {
                "rulePriority": 2,
                "description": "Archive tagged images not pulled for 180 days",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": 180,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        )
    return json.dumps({"rules": rules}, indent=2)


_ARCHIVE_AFTER = {"untagged": 90, "tagged": 180}


def generate_estate(
    seed: int = 7,
    repositories: int = 400,
    images: int = 40_000,
    accounts: int = 3,
    regions: Sequence[str] = ("us-east-1", "eu-west-1", "eu-central-1"),
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


def _attest_newest_release(repo: _Repo, blobs: _BlobFactory) -> bool:
    """Give the newest signed multi-arch push of `repo` one buildx attestation manifest per platform (SLSA
    provenance + SPDX SBOM layers; index children with platform unknown/unknown) and replace its sigstore-bundle
    referrer by a cosign `sha256-<index>.sig` tag. Two of the oldest single images or signatures make room, so the
    estate keeps its exact image count (False when the repository has no two). No random draws: digests and
    sizes derive from the release's own digests."""
    sig = next((b for b in reversed(repo.builds) if b.kind == "sig"), None)
    index = next((b for b in repo.builds if sig and b.kind == "index" and b.digest == sig.subject), None)
    # Room: the oldest single images, then the oldest pushes' signatures (nothing references either).
    room = sorted((b for b in repo.builds if b.kind == "image"), key=lambda b: b.pushed_at)
    room += sorted((b for b in repo.builds if b.kind == "sig" and b is not sig), key=lambda b: b.pushed_at)
    if len(room) < 2 or index is None or sig is None:  # an index found means a sig was
        return False
    singles = room[:2]
    children = [b for b in repo.builds if b.kind == "child" and b.group == index.group]
    doc = json.loads(index.manifest)
    added: list[_Build] = []
    for j, child in enumerate(children):
        config = _hexdigest(f"attestation-config|{child.digest}")
        provenance = _hexdigest(f"provenance|{child.digest}")
        sbom = _hexdigest(f"spdx|{child.digest}")
        for digest, size in ((config, 241), (provenance, 9_412 + 17 * j), (sbom, 48_733 + 101 * j)):
            blobs.blobs.setdefault(digest, size)
        body = {
            "schemaVersion": 2,
            "mediaType": MT_OCI_MANIFEST,
            "config": {"mediaType": MT_OCI_CONFIG, "digest": config, "size": 241},
            "layers": [
                {
                    "mediaType": MT_IN_TOTO,
                    "digest": d,
                    "size": blobs.blobs[d],
                    "annotations": {"in-toto.io/predicate-type": predicate},
                }
                for d, predicate in (
                    (provenance, "https://slsa.dev/provenance/v0.2"),
                    (sbom, "https://spdx.dev/Document"),
                )
            ],
        }
        text = json.dumps(body, separators=(",", ":"))
        doc["manifests"].append(
            {
                "mediaType": MT_OCI_MANIFEST,
                "digest": _hexdigest(text),
                "size": len(text.encode()),
                "annotations": {
                    "vnd.docker.reference.digest": child.digest,
                    "vnd.docker.reference.type": "attestation-manifest",
                },
                "platform": {"architecture": "unknown", "os": "unknown"},
            }
        )
        added.append(
            _Build(
                "attestation",
                _hexdigest(text),
                text,
                MT_OCI_MANIFEST,
                MT_OCI_CONFIG,
                241 + blobs.blobs[provenance] + blobs.blobs[sbom],
                index.pushed_at - timedelta(seconds=1),
                index.group,
                blobs=(config, provenance, sbom),
            )
        )
    index.manifest = json.dumps(doc, separators=(",", ":"))
    index.digest = _hexdigest(index.manifest)
    payload = _hexdigest(f"simplesigning|{index.digest}")
    config = _hexdigest(f"cosign-config|{index.digest}")
    blobs.blobs.setdefault(payload, 252)
    blobs.blobs.setdefault(config, 233)
    body = {
        "schemaVersion": 2,
        "mediaType": MT_OCI_MANIFEST,
        "config": {"mediaType": MT_OCI_CONFIG, "size": 233, "digest": config},
        "layers": [
            {
                "mediaType": MT_COSIGN_SIMPLESIGNING,
                "size": 252,
                "digest": payload,
                "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQDdemo" + index.digest[7:31]},
            }
        ],
    }
    text = json.dumps(body, separators=(",", ":"))
    cosign = replace(
        sig,
        digest=_hexdigest(text),
        manifest=text,
        artifact_type=MT_OCI_CONFIG,
        size=233 + 252,
        subject=None,  # the tag names the subject: sha256-<hex>.sig
        blobs=(config, payload),
        tags=["sha256-" + index.digest.removeprefix("sha256:") + ".sig"],
    )
    drop = {id(b) for b in singles} | {id(sig)}
    repo.builds = [b for b in repo.builds if id(b) not in drop] + added + [cosign]
    return True


@overload
def _sec(ts: datetime) -> datetime: ...
@overload
def _sec(ts: None) -> None: ...
def _sec(ts: datetime | None) -> datetime | None:
    """Whole seconds: what the API round-trips exactly (JSON epoch timestamps), so specs compare equal."""
    return ts.replace(microsecond=0) if ts is not None else None


def _push_times(
    rng: np.random.Generator,
    n: int,
    first_day: float,
    start: datetime,
    now: datetime,
    day_idx: np.ndarray,
    day_w: np.ndarray,
) -> list[datetime]:
    lo = int(min(max(first_day, 0), len(day_idx) - 1))
    w = day_w[lo:]
    days = np.sort(rng.choice(day_idx[lo:], size=n, p=w / w.sum()))
    # Office-hours pushes (UTC), clipped to the day.
    secs = np.clip(rng.normal(13.5 * 3600, 3.2 * 3600, n), 0, 86_399).astype(np.int64)
    stamps = np.sort(days.astype(np.int64) * 86_400 + secs)
    # Pushes at least 10 s apart keep "newest" well-defined (index children and signatures sit within a few
    # seconds of their push); a push cannot lie in the future.
    stamps = np.maximum(stamps, np.maximum.accumulate(stamps - np.arange(n) * 10) + np.arange(n) * 10)
    limit = int((now - start).total_seconds()) - 60
    over = stamps > limit
    if over.any():
        stamps[over] = limit - 10 * np.arange(over.sum())[::-1]
    base = start.timestamp()
    return [datetime.fromtimestamp(base + float(s), UTC) for s in stamps]


def _make_builds(
    repo: _Repo,
    rng: np.random.Generator,
    blobs: _BlobFactory,
    start: datetime,
    now: datetime,
    day_idx: np.ndarray,
    day_w: np.ndarray,
) -> None:
    runtime, dep_mb, app_mb, app_sigma = _LANG[repo.lang]
    platform_base = repo.name.startswith("platform/base-")
    rt_every = _RT_EVERY if rng.random() < 0.6 else 90  # tracks the latest base vs. pins it for a quarter
    n_deps = 0 if dep_mb == 0 or platform_base else int(rng.integers(1, 3))
    dep_change = float(rng.uniform(0.08, 0.25))
    archs = ["amd64", "arm64"] if repo.multi_arch else ["amd64"]
    # Manifest rows per push: multi-arch = index + one child per arch; signed = +1 signature artifact.
    per_push = (1 + len(archs) if repo.multi_arch else 1) + (1 if repo.signs else 0)
    n_push = max(1, repo.n_images // per_push)
    singles = repo.n_images - n_push * per_push  # oldest pushes, before the repo went multi-arch / signed
    times = _push_times(rng, n_push + singles, repo.created_day + rng.uniform(0, 3), start, now, day_idx, day_w)
    dep_base = [rng.lognormal(np.log(max(dep_mb, 0.1)), 0.5) * MB for _ in range(n_deps)]
    dep_digests = {a: [blobs.new(int(s)) for s in dep_base] for a in archs}
    app_sizes = rng.lognormal(np.log(app_mb), app_sigma, size=len(times)) * MB
    cfg_sizes = rng.integers(1_500, 12_000, size=len(times) * 2)
    dep_roll = rng.random(len(times))
    extra_layer = rng.random() < 0.4
    fmt = MT_OCI_MANIFEST if repo.oci else MT_DOCKER_V2
    cfg_type = MT_OCI_CONFIG if repo.oci else MT_DOCKER_CONFIG
    idx_fmt = MT_OCI_INDEX if repo.oci else MT_DOCKER_LIST
    builds: list[_Build] = []
    for i, when in enumerate(times):
        single = i < singles
        multi = repo.multi_arch and not single
        day = int((when - start).total_seconds() // 86_400)
        if dep_roll[i] < dep_change:  # dependency layers are reused until a lockfile change rebuilds them
            for a in archs:
                dep_digests[a] = [blobs.new(int(s * rng.uniform(0.9, 1.15))) for s in dep_base]
        # COPY of the same sources onto each arch's parent yields the same layer; compiled Go binaries differ.
        code = blobs.new(int(app_sizes[i]))
        meta = blobs.new(int(rng.integers(200, 4_000))) if extra_layer else None
        children: list[tuple[str, str, int, str]] = []
        push_archs = archs if multi else ["amd64"]
        for j, arch in enumerate(push_archs):
            layers = list(blobs.base_layers(runtime, arch, day, rt_every))
            layers += [(d, blobs.blobs[d]) for d in dep_digests[arch]]
            app = code if (repo.lang != "go" or j == 0) else blobs.new(int(app_sizes[i] * 0.97))
            layers.append((app, blobs.blobs[app]))
            if meta:
                layers.append((meta, blobs.blobs[meta]))
            cfg = blobs.new(int(cfg_sizes[2 * i + j]))
            text = _manifest(fmt, (cfg, blobs.blobs[cfg]), layers)
            b = _Build(
                "child" if multi else "image",
                _hexdigest(text),
                text,
                fmt,
                cfg_type,
                blobs.blobs[cfg] + sum(s for _, s in layers),
                when - timedelta(seconds=len(push_archs) - j) if multi else when,
                i,
                arch=arch,
                blobs=(cfg, *(d for d, _ in layers)),
            )
            builds.append(b)
            children.append((b.digest, fmt, len(text.encode()), arch))
        head = builds[-1]
        if multi:
            text = _index(idx_fmt, children)
            # ECR reports an index's imageSizeInBytes as the largest child's (ecr-facts.md §2).
            head = _Build(
                "index",
                _hexdigest(text),
                text,
                idx_fmt,
                None,
                max(c.size for c in builds[-len(push_archs) :]),
                when,
                i,
            )
            builds.append(head)
        if repo.signs and not single:
            bundle = blobs.new(int(rng.integers(3_800, 6_500)))
            blobs.blobs.setdefault(EMPTY_CONFIG_DIGEST, 2)
            subject = {
                "mediaType": head.media_type,
                "digest": head.digest,
                "size": len(head.manifest.encode()),
            }
            text = _manifest(
                MT_OCI_MANIFEST,
                (EMPTY_CONFIG_DIGEST, 2),
                [(bundle, blobs.blobs[bundle])],
                artifact_type=MT_SIGSTORE_BUNDLE,
                config_type=MT_OCI_EMPTY,
                layer_type=MT_SIGSTORE_BUNDLE,
                subject=subject,
            )
            builds.append(
                _Build(
                    "sig",
                    _hexdigest(text),
                    text,
                    MT_OCI_MANIFEST,
                    MT_SIGSTORE_BUNDLE,
                    2 + blobs.blobs[bundle],
                    when + timedelta(seconds=2),
                    i,
                    subject=head.digest,
                    blobs=(EMPTY_CONFIG_DIGEST, bundle),
                )
            )
    repo.builds = builds


def _make_cache_builds(
    repo: _Repo, rng: np.random.Generator, blobs: _BlobFactory, start: datetime, now: datetime
) -> None:
    """Upstream nginx indexes as a pull-through cache stores them: index + every referenced platform image."""
    builds: list[_Build] = []
    for g, (tag, age) in enumerate((("1.27.2", 200), ("1.27.3", 95))):
        when = now - timedelta(days=age, hours=float(rng.uniform(0, 20)))
        day = int((when - start).total_seconds() // 86_400)
        children = []
        for j, arch in enumerate(("amd64", "arm64")):
            layers = blobs.base_layers("nginx", arch, day, _RT_EVERY)
            cfg = blobs.new(int(rng.integers(7_000, 9_000)))
            text = _manifest(MT_OCI_MANIFEST, (cfg, blobs.blobs[cfg]), layers)
            b = _Build(
                "child",
                _hexdigest(text),
                text,
                MT_OCI_MANIFEST,
                MT_OCI_CONFIG,
                blobs.blobs[cfg] + sum(s for _, s in layers),
                when - timedelta(seconds=2 - j),
                g,
                arch=arch,
                blobs=(cfg, *(d for d, _ in layers)),
            )
            builds.append(b)
            children.append((b.digest, MT_OCI_MANIFEST, len(text.encode()), arch))
        text = _index(MT_OCI_INDEX, children)
        head = _Build(
            "index",
            _hexdigest(text),
            text,
            MT_OCI_INDEX,
            None,
            max(c.size for c in builds[-2:]),
            when,
            g,
            tags=[tag],
        )
        builds.append(head)
    builds[-1].tags.append("stable")
    repo.builds = builds


def _assign_tags(repo: _Repo, rng: np.random.Generator, now: datetime) -> None:
    heads = [b for b in repo.builds if b.kind in ("image", "index")]
    if not heads:
        return
    p_sha = float(rng.uniform(0.35, 0.85))
    p_rel = float(rng.uniform(0.04, 0.15))
    untagged_ok_until = None
    if repo.policy_kind in ("clean-untagged", "expire-untagged-only"):
        # The rule would have deleted older untagged pushes; keep counts by treating them as tagged builds.
        untagged_ok_until = now - timedelta(days=14 if repo.policy_kind == "clean-untagged" else 7)
    major, minor, patch = int(rng.integers(0, 3)), int(rng.integers(0, 8)), 0
    shas = rng.bytes(4 * len(heads)).hex()
    seen: set[str] = set()
    roll = rng.random((len(heads), 3))
    releases: list[_Build] = []
    for i, b in enumerate(heads):
        if roll[i, 0] < p_sha or (untagged_ok_until and b.pushed_at < untagged_ok_until):
            sha = shas[8 * i : 8 * i + 7]
            while sha in seen:  # 28-bit short shas collide in big repositories; git would show more digits
                sha = rng.bytes(4).hex()[:7]
            seen.add(sha)
            b.tags.append(f"git-{sha}")
        if roll[i, 1] < p_rel:
            if roll[i, 2] < 0.03:
                major, minor, patch = major + 1, 0, 0
            elif roll[i, 2] < 0.22:
                minor, patch = minor + 1, 0
            else:
                patch += 1
            b.tags.append(f"v{major}.{minor}.{patch}")
            releases.append(b)
    newest = heads[-1]
    # Moving tags live on the newest image only; IMMUTABLE repositories cannot move tags (unless excluded).
    if repo.mutability == "MUTABLE":
        if rng.random() < 0.75:
            newest.tags.append("latest")
        if rng.random() < 0.5:
            newest.tags.append("main")
        if releases and rng.random() < 0.35:
            releases[-1].tags.append("prod")
    elif repo.mutability == "IMMUTABLE_WITH_EXCLUSION":
        newest.tags.append("latest")


def _pulls(
    repo: _Repo,
    rng: np.random.Generator,
    now: datetime,
    metric_start: datetime,
    n_mdays: int,
    m_weekday: np.ndarray,
    start: datetime,
) -> list[PullCount]:
    """Daily RepositoryPullCount sums (heavy-tailed per repository) and consistent lastRecordedPullTime."""
    if rng.random() < (0.22 if not repo.cache else 0.0) or not repo.builds:
        return []  # dead repository: never pulled, so no image has a lastRecordedPullTime either
    mean = min(float(rng.lognormal(2.3, 1.7)), 150_000.0)
    first_push = min(b.pushed_at for b in repo.builds)
    created = max(0, (first_push - metric_start).days + 1)
    season = np.where(m_weekday < 5, 1.0, 0.35) * rng.gamma(4.0, 0.25, n_mdays)
    daily = rng.poisson(mean * season)
    daily[:created] = 0
    pull_days = np.nonzero(daily)[0]
    if len(pull_days) == 0:
        return []  # no pulls published in the window: treat as never pulled, consistently
    out = [
        PullCount(
            repo.account,
            repo.region,
            repo.name,
            (metric_start + timedelta(days=int(d))).date(),
            int(daily[d]),
        )
        for d in pull_days
    ]

    def on_pull_day(after: datetime, latest: bool) -> datetime | None:
        """A pull time within the metric window on a day that really has pulls, after `after`."""
        ok = (
            [d for d in pull_days[-6:] if metric_start + timedelta(days=int(d) + 1) > after]
            if latest
            else [d for d in pull_days if metric_start + timedelta(days=int(d) + 1) > after]
        )
        if not ok:
            return None
        d = int(ok[-1] if latest else ok[int(rng.integers(len(ok)))])
        day0 = metric_start + timedelta(days=d)
        lo = max(day0, after + timedelta(seconds=1))
        hi = min(day0 + timedelta(days=1), now)
        if hi <= lo:
            return None
        return lo + (hi - lo) * float(rng.random())

    heads = [b for b in repo.builds if b.kind in ("image", "index")]
    hot = {id(b) for b in heads[-5:]} | {id(b) for b in heads if {"latest", "main", "prod"} & set(b.tags)}
    hot |= {id(b) for b in [h for h in heads if any(t.startswith("v") for t in h.tags)][-3:]}
    by_group: dict[int, datetime | None] = {}
    for b in heads:
        age = (now - b.pushed_at).days
        if id(b) in hot:
            t = on_pull_day(b.pushed_at, latest=True)
        else:
            p = (0.85 if b.tags else 0.3) * np.exp(-age / (240 if b.tags else 90))
            t = None
            if rng.random() < p:
                # It was pulled while current: some time within weeks of its push.
                t = b.pushed_at + timedelta(days=float(rng.uniform(0.01, 30 if b.tags else 10)))
                if t >= metric_start:  # inside the window the repository must have pulls that day
                    t = on_pull_day(b.pushed_at, latest=False)
        b.last_pull = t
        by_group[b.group] = t if b.kind == "index" else by_group.get(b.group)
    by_digest = {h.digest: h for h in heads}
    for b in repo.builds:
        if b.kind == "child":
            t = by_group.get(b.group)
            # Clients pull the child for their platform: amd64 nearly always, arm64 sometimes.
            b.last_pull = t if t and (b.arch == "amd64" or rng.random() < 0.4) else None
        elif b.kind == "sig":
            subject = by_digest.get(b.subject or "")
            t = subject.last_pull if subject and rng.random() < 0.5 else None  # `cosign verify` before deploy
            b.last_pull = t if t and t > b.pushed_at else None
    return out


def _archive(repo: _Repo, rng: np.random.Generator, now: datetime) -> None:
    """Apply the repository's archive rules as ECR would have: index groups move together (a child cannot be
    archived before the index that references it), within a day of becoming eligible."""
    groups: dict[int, list[_Build]] = defaultdict(list)
    for b in repo.builds:
        groups[b.group].append(b)
    newest_group = max(groups, key=lambda g: max(b.pushed_at for b in groups[g]))
    for g, members in groups.items():
        if g == newest_group:
            continue
        head = next((b for b in members if b.kind in ("image", "index")), members[0])
        activity = max((b.last_pull or b.pushed_at) for b in members)
        days = _ARCHIVE_AFTER["tagged" if head.tags else "untagged"]
        when = activity + timedelta(days=days, hours=float(rng.uniform(1, 23)))
        if when < now:
            for b in members:
                b.status, b.archived_at = "ARCHIVED", when


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


def _registries(
    accounts: list[str],
    regions: list[str],
    mgmt: str,
    home: str,
    replica_region: str | None,
    start: datetime,
    now: datetime,
) -> list[RegistrySpec]:
    out = []
    enhanced = accounts[1] if len(accounts) > 1 else mgmt
    mounting = (accounts[1] if len(accounts) > 1 else mgmt, home)
    for acct in accounts:
        for region in regions:
            rules: list[dict[str, Any]] = []
            if acct == mgmt and region == home and replica_region:
                rules = [
                    {
                        "destinations": [{"region": replica_region, "registryId": mgmt}],
                        "repositoryFilters": [{"filter": "platform/", "filterType": "PREFIX_MATCH"}],
                    }
                ]
            if acct == enhanced:
                scanning = {
                    "scanType": "ENHANCED",
                    "rules": [
                        {
                            "scanFrequency": "CONTINUOUS_SCAN",
                            "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                        }
                    ],
                }
            else:
                scanning = {
                    "scanType": "BASIC",
                    "rules": [
                        {
                            "scanFrequency": "SCAN_ON_PUSH",
                            "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                        }
                    ],
                }
            ptc: list[dict[str, Any]] = []
            exclusions: list[str] = []
            if acct == mgmt and region == home:
                created = start + timedelta(days=300)
                ptc = [
                    {
                        "ecrRepositoryPrefix": "docker-hub",
                        "upstreamRegistryUrl": "registry-1.docker.io",
                        "createdAt": created,
                        "registryId": mgmt,
                        "credentialArn": (
                            f"arn:aws:secretsmanager:{home}:{mgmt}:secret:ecr-pullthroughcache/docker-hub-Xk3Pq9"
                        ),
                        "upstreamRegistry": "docker-hub",
                        "updatedAt": created,
                    }
                ]
                exclusions = [f"arn:aws:iam::{mgmt}:role/security-scanner"]
            out.append(
                RegistrySpec(
                    acct,
                    region,
                    rules,
                    scanning,
                    "ENABLED" if (acct, region) == mounting else "DISABLED",
                    ptc,
                    exclusions,
                )
            )
    return out
