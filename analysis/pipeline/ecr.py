"""Run a collection: resolve accounts and regions, run the collectors concurrently, load each scope.

The only module that knows both the collectors and the warehouse. Collectors run in worker threads; all
writes happen here, on the calling thread, one transaction per (account, region).

Carry-forward by part: a part a collector could not read (a repository's images, pulls, tags or policies, a
registry setting, or a whole scope) keeps its last good value, and the warehouse records from which run and
why (carried_parts). Unknown is never zero: a denied GetMetricData must not read as "nobody pulls".
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from analysis.collectors.accounts import ASSUME_WORKERS, AccountsError, Target, resolve_regions, resolve_targets
from analysis.collectors.aws import AwsSettings, Budget, Unread
from analysis.collectors.cloudwatch import collect_pull_counts
from analysis.collectors.ecr import EcrOptions, Known, ManifestCache, ScopeResult, collect_scope, registry_from_cache
from analysis.collectors.pace import MAX_CONCURRENCY, Pace
from analysis.collectors.records import (
    ErrorRecord,
    ImageRecord,
    PullCountRecord,
    PullThroughCacheRuleRecord,
    RegistryRecord,
    RepositoryRecord,
    import_arrow_meanwhile,
    manifest_tables,
    to_table,
)
from analysis.pipeline import plan_store
from analysis.warehouse import ScopeKey, Warehouse, with_run_id
from analysis.warehouse.resume import PUBLISH_EVERY_S, resume_run

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass
class EcrRequest:
    regions: list[str]
    role_arns: list[str] = field(default_factory=list)
    organization_role: str | None = None
    options: EcrOptions = field(default_factory=EcrOptions)
    metric_days: int = 90
    max_concurrency: int = MAX_CONCURRENCY  # calls in flight across the run (pace.py)
    resume: bool = False  # continue the newest interrupted run that asked the same (warehouse/resume.py)


# Exit statuses a scheduler can act on (docs/reliability.md).
EXIT_COMPLETE, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


@dataclass
class RunSummary:
    run_id: int
    status: str
    counts: dict[str, int]
    scopes: list[dict[str, Any]]
    errors: list[ErrorRecord]
    # What was not read, grouped: (account, region, part, operation, error code) → repositories (None: a scope
    # or registry-wide part).
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"complete": EXIT_COMPLETE, "partial": EXIT_PARTIAL}.get(self.status, EXIT_FAILED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "scopes": self.scopes,
            "skipped": self.skipped,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "repository", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


Progress = Callable[[str, int], None]
ScopeDone = Callable[[dict[str, Any]], None]  # a finished scope's summary row (with seconds and its limit)


def collect_ecr(
    warehouse: Warehouse,
    settings: AwsSettings,
    request: EcrRequest,
    progress: Progress | None = None,
    on_scope: ScopeDone | None = None,
    targets: Future[tuple[list[Target], list[ErrorRecord]]] | None = None,
) -> RunSummary:
    """`targets`: the accounts, already being resolved (`start_targets`), so that the first calls overlap the
    warehouse's opening; resolved here otherwise."""
    progress = progress or (lambda _e, _n: None)
    scope_desc = {
        "regions": request.regions,
        "role_arns": request.role_arns,
        "organization_role": request.organization_role,
        "manifests": request.options.manifests,
        "metric_days": request.metric_days,
    }
    resumed = resume_run(warehouse, "ecr", scope_desc) if request.resume else None
    run_id = resumed.run_id if resumed else warehouse.start_run("ecr", scope_desc)
    pace = Pace(request.max_concurrency)
    settings = replace(settings, pace=pace)
    tally = _Tally(warehouse, run_id, pace, on_scope)
    done = resumed.done if resumed else {}
    if resumed:
        tally.counts.update(resumed.counts)
        tally.scopes += _resumed_rows(warehouse, run_id, done)
    try:
        pairs = _scope_pairs(warehouse, settings, request, run_id, tally.errors, targets)
        pairs = [(t, r) for t, r in pairs if (t.account_id, r) not in done]
        progress("scopes_found", len(pairs))
        known = Known(
            ManifestCache(warehouse.known_manifest_digests()),
            warehouse.latest_repository_settings(),
            warehouse.latest_registry_settings(),
        )
        _collect_all(settings, request, known, progress, pairs, tally)
    except BaseException:
        warehouse.finish_run(run_id, "failed", dict(tally.counts))
        raise

    status = _run_status(tally.scopes, tally.errors)
    tally.counts["throttles"] += pace.throttles()
    warehouse.finish_run(run_id, status, dict(tally.counts))
    if status != "failed" and plan_store.worth_keeping(warehouse):
        # Every estimate, report and dashboard of this snapshot needs the migration plan's effort: built once
        # here by the writer and kept with the snapshot (pipeline/plan_store.py), not once per reader.
        progress("plan", 0)
        plan_store.build_and_keep(warehouse)
    tally.scopes.sort(key=lambda s: (s["account_id"], s["region"]))
    return RunSummary(run_id, status, dict(tally.counts), tally.scopes, tally.errors, _skipped(tally.unread))


@dataclass
class _Tally:
    """What the run has loaded so far, and where finished scopes are reported."""

    warehouse: Warehouse
    run_id: int
    pace: Pace
    on_scope: ScopeDone | None
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[ErrorRecord] = field(default_factory=list)
    scopes: list[dict[str, Any]] = field(default_factory=list)
    unread: list[tuple[str, str, Unread]] = field(default_factory=list)
    published: float = field(default_factory=time.monotonic)

    def add(self, result: ScopeResult, pulls: list[PullCountRecord], seconds: float) -> None:
        _load(self.warehouse, self.run_id, result, pulls, self.counts)
        self.errors.extend(result.errors)
        self.unread += [(result.account_id, result.region, u) for u in result.unread]
        if result.failed and result.errors:
            e = result.errors[0]
            self.unread.append(
                (result.account_id, result.region, Unread("scope", None, e.operation, e.error_code, e.message))
            )
        self.scopes.append(_scope_row(result))
        if self.on_scope is not None:
            limit = self.pace.scope(result.account_id, result.region).limit
            self.on_scope({**self.scopes[-1], "seconds": seconds, "limit": limit})
        if time.monotonic() - self.published > PUBLISH_EVERY_S:
            self.warehouse.publish()  # a run killed from here on resumes after these scopes
            self.published = time.monotonic()


def _collect_all(
    settings: AwsSettings,
    request: EcrRequest,
    known: Known,
    progress: Progress,
    pairs: list[tuple[Target, str]],
    tally: _Tally,
) -> None:
    """Every scope; loads each as it finishes, on this thread.

    One pool runs every call of every scope (registry reads, repositories, GetMetricData) and the run's `pace`
    bounds the calls in flight; it has twice as many threads as slots, so threads waiting on a throttled
    scope's limit leave the other scopes' slots used. The scope threads only list repositories and wait.
    """
    import_arrow_meanwhile()  # the first scope's load needs it; the calls leave the CPU idle meanwhile
    run_budget = Budget(settings.run_budget_s, what="run")
    calls = ThreadPoolExecutor(2 * request.max_concurrency, thread_name_prefix="call")
    scope_pool = ThreadPoolExecutor(max(1, min(len(pairs), request.max_concurrency)), thread_name_prefix="scope")
    work = partial(_collect_one, settings, request, known, progress, run_budget, calls)
    try:
        for future in as_completed([scope_pool.submit(work, t, r) for t, r in pairs]):
            tally.add(*future.result())
            progress("scope_done", 1)
    finally:
        # Interrupted: calls not yet started are dropped, so Ctrl-C does not wait for the rest of the run.
        scope_pool.shutdown(wait=False, cancel_futures=True)
        calls.shutdown(wait=False, cancel_futures=True)


def _collect_one(
    settings: AwsSettings,
    request: EcrRequest,
    known: Known,
    progress: Progress,
    run_budget: Budget,
    calls: ThreadPoolExecutor,
    target: Target,
    region: str,
) -> tuple[ScopeResult, list[PullCountRecord], float]:
    """One (account, region): its repositories, registry and pulls, every call in `calls`."""
    started = time.monotonic()
    budget = Budget(settings.scope_budget_s, parent=run_budget)
    pulls_future: list[Future[tuple[list[PullCountRecord], list[ErrorRecord], list[Unread]]]] = []

    def start_pulls(names: list[str]) -> None:
        # GetMetricData needs only the names: it runs alongside the repositories, not after them, and makes its
        # client on the pool's thread, not holding the scope's thread back from submitting them.
        if not names or request.metric_days <= 0:
            return
        args = (settings, target.session, target.account_id, region, names, request.metric_days)
        pulls_future.append(calls.submit(collect_pull_counts, *args, budget=budget))

    result = collect_scope(
        settings,
        target.session,
        target.account_id,
        region,
        request.options,
        known,
        progress,
        budget,
        calls,
        start_pulls,
    )
    if result.failed:
        return result, [], time.monotonic() - started
    pulls, pull_errors, pulls_unread = pulls_future[0].result() if pulls_future else ([], [], [])
    result.errors.extend(pull_errors)
    result.unread.extend(pulls_unread)
    carry_settings(result, known)
    return result, pulls, time.monotonic() - started


def _scope_pairs(
    warehouse: Warehouse,
    settings: AwsSettings,
    request: EcrRequest,
    run_id: int,
    errors: list[ErrorRecord],
    resolving: Future[tuple[list[Target], list[ErrorRecord]]] | None = None,
) -> list[tuple[Target, str]]:
    """Every (account, region) to collect; the accounts and regions that could not be listed go to `errors` and the
    warehouse. A failure to list the accounts at all fails the run."""
    try:
        if resolving is not None:
            targets, target_errors = resolving.result()
        else:
            targets, target_errors = resolve_targets(settings, request.role_arns, request.organization_role)
    except AccountsError as exc:
        warehouse.load_errors(_errors_table([_run_error(str(exc))], run_id))
        raise
    errors.extend(target_errors)
    pairs: list[tuple[Target, str]] = []
    with ThreadPoolExecutor(ASSUME_WORKERS, thread_name_prefix="regions") as pool:
        found = pool.map(lambda t: resolve_regions(settings, t.session, request.regions), targets)
        for target, (regions, region_errors) in zip(targets, found, strict=True):
            errors.extend(_with_account(region_errors, target.account_id))
            pairs.extend((target, region) for region in regions)
    if errors:
        warehouse.load_errors(_errors_table(errors, run_id))
    return pairs


def _resumed_rows(warehouse: Warehouse, run_id: int, done: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    """The scopes an interrupted run had loaded, as the summary lists them (counted from the warehouse)."""
    counted: dict[str, dict[tuple[str, str], int]] = {}
    for name, table in (
        ("repositories", "ecr_repositories"),
        ("images", "ecr_images"),
        ("errors", "collection_errors"),
    ):
        sql = f"SELECT account_id, region, count(*) FROM {table} WHERE run_id = ? GROUP BY ALL"
        counted[name] = {(a, r): n for a, r, n in warehouse.query(sql, [run_id])}
    return [
        {"account_id": a, "region": r, "status": status, "resumed": True}
        | {name: by_scope.get((a, r), 0) for name, by_scope in counted.items()}
        for (a, r), status in done.items()
    ]


def _scope_row(result: ScopeResult) -> dict[str, Any]:
    """One (account, region) as the run summary lists it."""
    return {
        "account_id": result.account_id,
        "region": result.region,
        "status": result.status,
        "repositories": len(result.repositories),
        "images": len(result.images),
        "errors": len(result.errors),
    }


def _load(
    warehouse: Warehouse, run_id: int, result: ScopeResult, pulls: list[PullCountRecord], counts: Counter[str]
) -> None:
    if result.failed:
        # Nothing of this scope is loaded: its previous snapshot stays current. The errors say why.
        warehouse.load_errors(_errors_table(result.errors, run_id))
        if result.errors:
            e = result.errors[0]
            scope = ScopeKey(result.account_id, result.region)
            warehouse.record_failed_scope(run_id, scope, e.operation, e.error_code, e.message)
        counts["scopes_failed"] += 1
        return
    tables = {
        "ecr_repositories": to_table(result.repositories, RepositoryRecord),
        "ecr_images": to_table(result.images, ImageRecord),
        "ecr_registries": to_table(result.registry, RegistryRecord),
        "ecr_pull_through_cache_rules": to_table(result.pull_through_cache_rules, PullThroughCacheRuleRecord),
        "ecr_pull_counts": to_table(pulls, PullCountRecord),
    }
    tables = {name: with_run_id(t, run_id) for name, t in tables.items()}
    warehouse.load_scope(
        run_id,
        ScopeKey(result.account_id, result.region),
        result.status,
        tables,
        _errors_table(result.errors, run_id),
        _unread_table(result.unread),
    )
    counts["parts_carried"] += len(result.unread)
    new_manifests = warehouse.load_manifests(manifest_tables(result.manifests, datetime.now(UTC)))
    counts["scopes"] += 1
    counts["repositories"] += len(result.repositories)
    counts["images"] += len(result.images)
    counts["pull_count_days"] += len(pulls)
    counts["manifests_fetched"] += len(result.manifests)
    counts["manifests_new"] += new_manifests


# Repository settings carried in the record itself: part → the RepositoryRecord fields it fills.
_REPOSITORY_FIELDS = {
    "tags": ("resource_tags",),
    "lifecycle_policy": ("lifecycle_policy_text", "lifecycle_policy_evaluated_at"),
    "repository_policy": ("repository_policy_text",),
}
_REGISTRY_FIELDS = {
    "registry:DescribeRegistry": "replication_rules",
    "registry:GetRegistryPolicy": "registry_policy_text",
    "registry:GetRegistryScanningConfiguration": "scanning_configuration",
    "registry:GetAccountSetting": "blob_mounting",
    "registry:ListPullTimeUpdateExclusions": "pull_time_update_exclusions",
}


def carry_settings(result: ScopeResult, known: Known) -> None:
    """Fill unread repository and registry settings with the last snapshot's values (NULL when there is none).

    The record's settings_fetched_at becomes that of the carried value, so a later run within
    --settings-max-age re-reads it instead of trusting a value it never read.
    """
    scope = (result.account_id, result.region)
    by_name = {r.repository_name: r for r in result.repositories}
    for u in result.unread:
        fields = _REPOSITORY_FIELDS.get(u.part)
        rec = by_name.get(u.repository or "")
        if fields is None or rec is None:
            continue
        cached = known.repository_settings.get((*scope, rec.repository_name))
        rec.settings_fetched_at = cached["settings_fetched_at"] if cached else None
        for name in fields:
            value = cached[name] if cached else None
            setattr(rec, name, json.dumps(value, sort_keys=True) if name == "resource_tags" and cached else value)
    registry_parts = {u.part for u in result.unread if u.part.startswith("registry:")}
    if not registry_parts or not result.registry:
        return
    cached = known.registry_settings.get(scope)
    reg = result.registry[0]
    reg.settings_fetched_at = cached["settings_fetched_at"] if cached else None
    for part in registry_parts:
        if part in _REGISTRY_FIELDS:
            setattr(reg, _REGISTRY_FIELDS[part], cached[_REGISTRY_FIELDS[part]] if cached else None)
        elif part == "registry:DescribePullThroughCacheRules":
            result.pull_through_cache_rules = registry_from_cache(cached)[1] if cached else []


def _unread_table(unread: list[Unread]) -> pa.Table:
    import pyarrow as pa

    from analysis.collectors import arrow_columns

    names = ("part", "repository", "operation", "error_code", "message")
    schema = pa.schema([(n, pa.string()) for n in names])
    return arrow_columns.table({n: [getattr(u, n) for u in unread] for n in names}, schema)


def _skipped(unread: list[tuple[str, str, Unread]]) -> list[dict[str, Any]]:
    """What the run did not read, one entry per (account, region, part, operation, error): the closing lines."""
    groups: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for account, region, u in unread:
        key = (account, region, u.part, u.operation, u.error_code)
        g = groups.setdefault(
            key,
            {
                "account_id": account,
                "region": region,
                "part": u.part,
                "operation": u.operation,
                "error_code": u.error_code,
                "message": u.message,
                "repositories": 0,
            },
        )
        g["repositories"] += u.repository is not None
    return sorted(groups.values(), key=lambda g: (g["account_id"], g["region"], g["part"]))


def _errors_table(errors: list[ErrorRecord], run_id: int) -> pa.Table:
    return with_run_id(to_table(errors, ErrorRecord), run_id)


def _run_error(message: str) -> ErrorRecord:
    return ErrorRecord(None, None, None, "run", "RunFailed", message, datetime.now(UTC))


def _with_account(errors: list[ErrorRecord], account_id: str) -> list[ErrorRecord]:
    for e in errors:
        e.account_id = e.account_id or account_id
    return errors


def _run_status(scopes: list[dict[str, Any]], errors: list[ErrorRecord]) -> str:
    if scopes and all(s["status"] == "failed" for s in scopes) or not scopes and errors:
        return "failed"
    return "partial" if errors else "complete"
