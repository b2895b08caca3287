"""ECR collector: repositories, images (all storage classes), manifests, policies and registry settings.

One call of `collect_scope` reads one (account, region). It returns typed records and error records and
never writes anywhere: the caller loads them. Failures are recorded per (account, region, repository,
operation); a scope is `failed` only when its repositories cannot be listed at all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.collectors.aws import AwsSettings, Budget, Session, Unread, chunks, error_record, is_not_found
from analysis.collectors.manifests import ACCEPTED_MEDIA_TYPES, ManifestError, ParsedManifest, parse_manifest
from analysis.collectors.operations import Operations, declare
from analysis.collectors.records import (
    ErrorRecord,
    ImageRecord,
    PullThroughCacheRuleRecord,
    RegistryRecord,
    RepositoryRecord,
)
from analysis.collectors.redact import redact_json_text, redact_tags

OPERATIONS = declare(
    "ecr",
    Operations(
        "ecr",
        "ecr",
        (
            "DescribeRepositories",
            "DescribeImages",
            "BatchGetImage",
            "ListTagsForResource",
            "GetLifecyclePolicy",
            "GetRepositoryPolicy",
            "DescribeRegistry",
            "GetRegistryPolicy",
            "GetRegistryScanningConfiguration",
            "DescribePullThroughCacheRules",
            "GetAccountSetting",
            "ListPullTimeUpdateExclusions",
        ),
    ),
)

PAGE_SIZE = 1000  # the API maximum for DescribeRepositories / DescribeImages (default is 100)
BATCH_GET_LIMIT = 100  # imageIds per BatchGetImage


@dataclass
class EcrOptions:
    manifests: bool = True
    # Repository policy, lifecycle policy and resource tags take three calls per repository and change
    # rarely; within this age the previous snapshot's copy is carried forward (0 = always re-read).
    settings_max_age: timedelta = timedelta(hours=24)
    repository_workers: int = 8


class ManifestCache:
    """Digests whose manifests are known (from the warehouse) or being fetched by some scope of this run.

    Digests are content addresses, so a manifest fetched once never needs fetching again — not in a later
    run, and not from another repository, region or account that holds the same image (replication).
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._seen = set(known)
        self._lock = threading.Lock()

    def claim(self, digests: Iterable[str]) -> list[str]:
        with self._lock:
            new = [d for d in dict.fromkeys(digests) if d not in self._seen]
            self._seen.update(new)
            return new


@dataclass
class Known:
    """What earlier runs already hold: cached manifests, and settings read recently enough to reuse."""

    manifests: ManifestCache = field(default_factory=ManifestCache)
    repository_settings: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    registry_settings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


# The same non-throttling error from this many repositories in a row, with no success, means the operation
# fails for good in this scope (denied, or an endpoint that answers 500): it is not called again.
FAILS_FOR_GOOD = 3


class _Breaker:
    """Per scope and operation: closed until the operation fails for good, then every call is skipped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._ok: set[str] = set()
        self._open: dict[str, ErrorRecord] = {}

    def opened(self, operation: str) -> ErrorRecord | None:
        with self._lock:
            return self._open.get(operation)

    def succeeded(self, operation: str) -> None:
        with self._lock:
            self._ok.add(operation)
            self._failures[operation] = 0

    def failed(self, operation: str, error: ErrorRecord) -> None:
        if error.error_code in THROTTLING_CODES:
            return  # the retries and the rate limiter deal with throttles; they say nothing of the next call
        with self._lock:
            self._failures[operation] = self._failures.get(operation, 0) + 1
            if error.error_code == "BudgetExhausted" or (
                operation not in self._ok and self._failures[operation] >= FAILS_FOR_GOOD
            ):
                self._open.setdefault(operation, error)


THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"})


@dataclass
class ScopeResult:
    account_id: str
    region: str
    repositories: list[RepositoryRecord] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    registry: list[RegistryRecord] = field(default_factory=list)
    pull_through_cache_rules: list[PullThroughCacheRuleRecord] = field(default_factory=list)
    manifests: list[ParsedManifest] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    failed: bool = False

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        return "partial" if self.errors else "complete"


Progress = Callable[[str, int], None]  # (event, amount): "repos_found", "repo_done"


def _noop(_: str, __: int) -> None:
    return None


def collect_scope(
    settings: AwsSettings,
    session: Session,
    account_id: str,
    region: str,
    options: EcrOptions,
    known: Known,
    progress: Progress = _noop,
    budget: Budget | None = None,
    pool: Executor | None = None,
    on_listed: Callable[[list[str]], None] | None = None,
) -> ScopeResult:
    """Read one (account, region). `pool`: the run's one pool for every call (its own pool otherwise);
    `on_listed`: told the repository names as soon as they are known (the caller starts GetMetricData then)."""
    ecr = settings.client(session, "ecr", region, budget, account_id=account_id)
    out = ScopeResult(account_id, region)
    now = datetime.now(UTC)
    reader = _Reader(out, _Breaker())

    try:
        pages = ecr.get_paginator("describe_repositories").paginate(PaginationConfig={"PageSize": PAGE_SIZE})
        repos = [r for page in pages for r in page["repositories"]]
    except Exception as exc:
        reader.record(exc, "ecr:DescribeRepositories")
        out.failed = True
        return out
    progress("repos_found", len(repos))
    if on_listed is not None:
        on_listed([r["repositoryName"] for r in repos])

    def registry() -> tuple[list[RegistryRecord], list[PullThroughCacheRuleRecord]]:
        cached_registry = known.registry_settings.get((account_id, region))
        if cached_registry and _fresh(cached_registry["settings_fetched_at"], now, options.settings_max_age):
            return registry_from_cache(cached_registry)
        found = _registry(ecr, account_id, region, reader)
        found[0][0].settings_fetched_at = now
        return found

    def one_repository(repo: dict[str, Any]) -> tuple[RepositoryRecord, list[ImageRecord], list[ParsedManifest]]:
        name = repo["repositoryName"]
        rec = _repository_record(repo, account_id, region)
        cached = known.repository_settings.get((account_id, region, name))
        if cached and _fresh(cached["settings_fetched_at"], now, options.settings_max_age):
            rec.resource_tags = json.dumps(cached["resource_tags"], sort_keys=True)
            rec.lifecycle_policy_text = cached["lifecycle_policy_text"]
            rec.lifecycle_policy_evaluated_at = cached["lifecycle_policy_evaluated_at"]
            rec.repository_policy_text = cached["repository_policy_text"]
            rec.settings_fetched_at = cached["settings_fetched_at"]
        else:
            _repository_settings(ecr, rec, repo, reader)
            rec.settings_fetched_at = now
        images = _images(ecr, repo, account_id, region, reader)
        manifests = (
            _manifests(ecr, name, images, known.manifests, reader.record)
            if options.manifests and images is not None
            else []
        )
        progress("repo_done", 1)
        return rec, images or [], manifests

    # Registry settings are read alongside the repositories, not before them: a slow or failing registry read
    # costs no repository any time.
    own = None if pool else ThreadPoolExecutor(options.repository_workers + 1, thread_name_prefix="ecr-repo")
    runner = pool or own
    assert runner is not None
    try:
        registry_future = runner.submit(registry)
        for rec, images, manifests in runner.map(one_repository, repos):
            out.repositories.append(rec)
            out.images.extend(images)
            out.manifests.extend(manifests)
        out.registry, out.pull_through_cache_rules = registry_future.result()
    finally:
        if own is not None:
            own.shutdown()
    return out


class _Reader:
    """Calls one read of a scope: records a failure (once the operation fails for good, skips it) and marks the
    part unread, so its last good value is kept."""

    def __init__(self, out: ScopeResult, breaker: _Breaker) -> None:
        self.out = out
        self.breaker = breaker
        self._lock = threading.Lock()

    def record(self, exc: BaseException, operation: str, repository: str | None = None) -> ErrorRecord:
        out = self.out
        error = error_record(exc, operation, account_id=out.account_id, region=out.region, repository=repository)
        with self._lock:
            self.out.errors.append(error)
        return error

    def read(
        self, operation: str, part: str, repository: str | None, call: Callable[[], Any], *not_found: str
    ) -> tuple[bool, Any]:
        """(True, the answer) — None for one of the `not_found` codes — or (False, None) when not read."""
        skipped = self.breaker.opened(operation)
        if skipped is not None:
            self._unread(part, repository, operation, skipped.error_code, f"not called: {skipped.message}")
            return False, None
        try:
            answer = call()
        except Exception as exc:
            if not_found and is_not_found(exc, *not_found):
                self.breaker.succeeded(operation)
                return True, None
            error = self.record(exc, operation, repository)
            self.breaker.failed(operation, error)
            self._unread(part, repository, operation, error.error_code, error.message)
            return False, None
        self.breaker.succeeded(operation)
        return True, answer

    def _unread(self, part: str, repository: str | None, operation: str, code: str, message: str) -> None:
        with self._lock:
            self.out.unread.append(Unread(part, repository, operation, code, message))


def _fresh(fetched_at: datetime | None, now: datetime, max_age: timedelta) -> bool:
    return fetched_at is not None and now - fetched_at <= max_age


def registry_from_cache(
    cached: dict[str, Any],
) -> tuple[list[RegistryRecord], list[PullThroughCacheRuleRecord]]:
    """The previous snapshot's registry settings, carried into this run unchanged (within max age)."""
    registry = RegistryRecord(**{k: cached[k] for k in RegistryRecord.__dataclass_fields__})
    rules = [
        PullThroughCacheRuleRecord(**{k: r[k] for k in PullThroughCacheRuleRecord.__dataclass_fields__})
        for r in cached["pull_through_cache_rules"]
    ]
    return [registry], rules


def _repository_record(repo: dict[str, Any], account_id: str, region: str) -> RepositoryRecord:
    enc = repo.get("encryptionConfiguration") or {}
    exclusions = repo.get("imageTagMutabilityExclusionFilters")
    return RepositoryRecord(
        account_id=account_id,
        region=region,
        repository_name=repo["repositoryName"],
        repository_arn=repo.get("repositoryArn"),
        repository_uri=repo.get("repositoryUri"),
        created_at=repo.get("createdAt"),
        tag_mutability=repo.get("imageTagMutability"),
        tag_mutability_exclusions=json.dumps(exclusions) if exclusions else None,
        scan_on_push=(repo.get("imageScanningConfiguration") or {}).get("scanOnPush"),
        encryption_type=enc.get("encryptionType"),
        kms_key=enc.get("kmsKey"),
    )


def _repository_settings(ecr: Any, rec: RepositoryRecord, repo: dict[str, Any], reader: _Reader) -> None:
    name = repo["repositoryName"]
    ok, tags = reader.read(
        "ecr:ListTagsForResource", "tags", name, lambda: ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])
    )
    if ok:
        rec.resource_tags = redact_tags(tags.get("tags", []))
    ok, lp = reader.read(
        "ecr:GetLifecyclePolicy",
        "lifecycle_policy",
        name,
        lambda: ecr.get_lifecycle_policy(repositoryName=name, registryId=repo.get("registryId")),
        "LifecyclePolicyNotFoundException",
    )
    if lp:
        rec.lifecycle_policy_text = lp.get("lifecyclePolicyText")
        rec.lifecycle_policy_evaluated_at = lp.get("lastEvaluatedAt")
    ok, rp = reader.read(
        "ecr:GetRepositoryPolicy",
        "repository_policy",
        name,
        lambda: ecr.get_repository_policy(repositoryName=name, registryId=repo.get("registryId")),
        "RepositoryPolicyNotFoundException",
    )
    if rp:
        rec.repository_policy_text = redact_json_text(rp.get("policyText"))


def _images(ecr: Any, repo: dict[str, Any], account_id: str, region: str, reader: _Reader) -> list[ImageRecord] | None:
    name = repo["repositoryName"]

    def describe() -> list[dict[str, Any]]:
        pages = ecr.get_paginator("describe_images").paginate(
            repositoryName=name,
            registryId=repo.get("registryId"),
            # Without imageStatus=ANY ECR lists only ACTIVE images and archived bytes go unseen.
            filter={"tagStatus": "ANY", "imageStatus": "ANY"},
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        return [d for page in pages for d in page["imageDetails"]]

    ok, details = reader.read("ecr:DescribeImages", "images", name, describe)
    if not ok:
        return None
    return [
        ImageRecord(
            account_id=account_id,
            region=region,
            repository_name=name,
            image_digest=d["imageDigest"],
            image_tags=list(d.get("imageTags") or []),
            image_size_bytes=d.get("imageSizeInBytes"),
            pushed_at=d.get("imagePushedAt"),
            last_pull_at=d.get("lastRecordedPullTime"),
            image_status=d.get("imageStatus", "ACTIVE"),
            manifest_media_type=d.get("imageManifestMediaType"),
            artifact_media_type=d.get("artifactMediaType"),
            last_archived_at=d.get("lastArchivedAt"),
            last_activated_at=d.get("lastActivatedAt"),
        )
        for d in details
    ]


def _manifests(
    ecr: Any, repository: str, images: list[ImageRecord], cache: ManifestCache, record: Callable
) -> list[ParsedManifest]:
    """Fetch the manifests of digests nobody has yet, then children of indexes that were not listed."""
    found: list[ParsedManifest] = []
    todo = cache.claim(img.image_digest for img in images)
    while todo:
        fetched = _batch_get(ecr, repository, todo, record)
        found.extend(fetched)
        # An index's children are normally listed as (untagged) images of the same repository and so are
        # already claimed; a child that was not listed is fetched by digest in a second pass.
        todo = cache.claim(c.digest for m in fetched for c in m.children)
    return found


def _batch_get(ecr: Any, repository: str, digests: list[str], record: Callable) -> list[ParsedManifest]:
    parsed: list[ParsedManifest] = []
    for batch in chunks(digests, BATCH_GET_LIMIT):
        try:
            resp = ecr.batch_get_image(
                repositoryName=repository,
                imageIds=[{"imageDigest": d} for d in batch],
                acceptedMediaTypes=ACCEPTED_MEDIA_TYPES,
            )
        except Exception as exc:
            record(exc, "ecr:BatchGetImage", repository)
            continue
        seen: set[str] = set()
        for img in resp.get("images", []):
            digest = img["imageId"]["imageDigest"]
            if digest in seen:  # one entry per tag may come back for the same digest
                continue
            seen.add(digest)
            try:
                parsed.append(parse_manifest(img["imageManifest"], img.get("imageManifestMediaType"), digest))
            except ManifestError as exc:
                record(exc, "ecr:BatchGetImage", repository)
        for failure in resp.get("failures", []):
            record(_Failure(failure), "ecr:BatchGetImage", repository)
    return parsed


class _Failure(Exception):
    """A BatchGetImage per-image failure, shaped so it records like an API error."""

    def __init__(self, failure: dict[str, Any]) -> None:
        image = failure.get("imageId", {})
        ref = image.get("imageDigest") or image.get("imageTag")
        super().__init__(f"{ref}: {failure.get('failureReason', '')}")
        self.code = failure.get("failureCode", "Failure")


def _registry(
    ecr: Any, account_id: str, region: str, reader: _Reader
) -> tuple[list[RegistryRecord], list[PullThroughCacheRuleRecord]]:
    reg = RegistryRecord(account_id, region, None, None, None, None, None)

    def read(operation: str, call: Callable[[], Any], *not_found: str) -> Any:
        return reader.read(f"ecr:{operation}", f"registry:{operation}", None, call, *not_found)[1]

    described = read("DescribeRegistry", ecr.describe_registry)
    if described is not None:
        reg.replication_rules = json.dumps((described.get("replicationConfiguration") or {}).get("rules", []))
    policy = read("GetRegistryPolicy", ecr.get_registry_policy, "RegistryPolicyNotFoundException")
    reg.registry_policy_text = redact_json_text(policy.get("policyText")) if policy else None
    scanning = read("GetRegistryScanningConfiguration", ecr.get_registry_scanning_configuration)
    if scanning is not None:
        reg.scanning_configuration = json.dumps(scanning.get("scanningConfiguration", {}), sort_keys=True)
    setting = read("GetAccountSetting", lambda: ecr.get_account_setting(name="BLOB_MOUNTING"))
    reg.blob_mounting = setting.get("value") if setting else None
    exclusions = read("ListPullTimeUpdateExclusions", lambda: _all_pages(ecr.list_pull_time_update_exclusions))
    if exclusions is not None:
        reg.pull_time_update_exclusions = json.dumps(
            [arn for page in exclusions for arn in page.get("pullTimeUpdateExclusions", [])]
        )

    rules: list[PullThroughCacheRuleRecord] = []
    raw = read(
        "DescribePullThroughCacheRules",
        lambda: [
            r
            for page in ecr.get_paginator("describe_pull_through_cache_rules").paginate(
                PaginationConfig={"PageSize": PAGE_SIZE}
            )
            for r in page["pullThroughCacheRules"]
        ],
    )
    for r in raw or []:
        rules.append(
            PullThroughCacheRuleRecord(
                account_id=account_id,
                region=region,
                ecr_repository_prefix=r["ecrRepositoryPrefix"],
                upstream_registry_url=r.get("upstreamRegistryUrl"),
                upstream_registry=r.get("upstreamRegistry"),
                upstream_repository_prefix=r.get("upstreamRepositoryPrefix"),
                credential_arn=r.get("credentialArn"),
                created_at=r.get("createdAt"),
            )
        )
    return [reg], rules


def _all_pages(call: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    """nextToken loop for list calls that botocore gives no paginator."""
    pages, token = [], None
    while True:
        page = call(**({"nextToken": token} if token else {}))
        pages.append(page)
        token = page.get("nextToken")
        if not token:
            return pages
