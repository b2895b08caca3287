"""Run a collection: resolve accounts and regions, run the collectors concurrently, load each scope.

The only module that knows both the collectors and the warehouse. Collectors run in worker threads; all
writes happen here, on the calling thread, one transaction per (account, region).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from analysis.collectors.accounts import AccountsError, Target, resolve_regions, resolve_targets
from analysis.collectors.aws import AwsSettings
from analysis.collectors.cloudwatch import collect_pull_counts
from analysis.collectors.ecr import EcrOptions, Known, ManifestCache, ScopeResult, collect_scope
from analysis.collectors.records import (
    ErrorRecord,
    ImageRecord,
    PullCountRecord,
    PullThroughCacheRuleRecord,
    RegistryRecord,
    RepositoryRecord,
    manifest_tables,
    to_table,
)
from analysis.warehouse import ScopeKey, Warehouse, with_run_id

SCOPE_WORKERS = 4  # (account, region) pairs read at once; each runs EcrOptions.repository_workers threads


@dataclass
class EcrRequest:
    regions: list[str]
    role_arns: list[str] = field(default_factory=list)
    organization_role: str | None = None
    options: EcrOptions = field(default_factory=EcrOptions)
    metric_days: int = 90


@dataclass
class RunSummary:
    run_id: int
    status: str
    counts: dict[str, int]
    scopes: list[dict[str, Any]]
    errors: list[ErrorRecord]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "counts": self.counts,
            "scopes": self.scopes,
            "errors": [
                {k: getattr(e, k) for k in ("account_id", "region", "repository", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


Progress = Callable[[str, int], None]


def collect_ecr(
    warehouse: Warehouse, settings: AwsSettings, request: EcrRequest, progress: Progress | None = None
) -> RunSummary:
    progress = progress or (lambda _e, _n: None)
    scope_desc = {
        "regions": request.regions,
        "role_arns": request.role_arns,
        "organization_role": request.organization_role,
        "manifests": request.options.manifests,
        "metric_days": request.metric_days,
    }
    run_id = warehouse.start_run("ecr", scope_desc)
    counts: Counter[str] = Counter()
    errors: list[ErrorRecord] = []
    scopes: list[dict[str, Any]] = []
    try:
        try:
            targets, target_errors = resolve_targets(settings, request.role_arns, request.organization_role)
        except AccountsError as exc:
            warehouse.load_errors(_errors_table([_run_error(str(exc))], run_id))
            raise
        errors.extend(target_errors)
        pairs: list[tuple[Target, str]] = []
        for target in targets:
            regions, region_errors = resolve_regions(settings, target.session, request.regions)
            errors.extend(_with_account(region_errors, target.account_id))
            pairs.extend((target, region) for region in regions)
        warehouse.load_errors(_errors_table(errors, run_id))
        progress("scopes_found", len(pairs))

        known = Known(
            ManifestCache(warehouse.known_manifest_digests()),
            warehouse.latest_repository_settings(),
            warehouse.latest_registry_settings(),
        )

        def work(target: Target, region: str) -> tuple[ScopeResult, list[PullCountRecord]]:
            result = collect_scope(
                settings, target.session, target.account_id, region, request.options, known, progress
            )
            if result.failed:
                return result, []
            pulls, pull_errors = collect_pull_counts(
                settings,
                target.session,
                target.account_id,
                region,
                [r.repository_name for r in result.repositories],
                request.metric_days,
            )
            result.errors.extend(pull_errors)
            return result, pulls

        with ThreadPoolExecutor(max_workers=SCOPE_WORKERS, thread_name_prefix="scope") as pool:
            futures = [pool.submit(work, t, r) for t, r in pairs]
            for future in as_completed(futures):
                result, pulls = future.result()
                _load(warehouse, run_id, result, pulls, counts)
                errors.extend(result.errors)
                scopes.append(
                    {
                        "account_id": result.account_id,
                        "region": result.region,
                        "status": result.status,
                        "repositories": len(result.repositories),
                        "images": len(result.images),
                        "errors": len(result.errors),
                    }
                )
                progress("scope_done", 1)
    except BaseException:
        warehouse.finish_run(run_id, "failed", dict(counts))
        raise

    status = _run_status(scopes, errors)
    warehouse.finish_run(run_id, status, dict(counts))
    scopes.sort(key=lambda s: (s["account_id"], s["region"]))
    return RunSummary(run_id, status, dict(counts), scopes, errors)


def _load(
    warehouse: Warehouse, run_id: int, result: ScopeResult, pulls: list[PullCountRecord], counts: Counter[str]
) -> None:
    if result.failed:
        # Nothing of this scope is loaded: its previous snapshot stays current. The errors say why.
        warehouse.load_errors(_errors_table(result.errors, run_id))
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
        run_id, ScopeKey(result.account_id, result.region), result.status, tables, _errors_table(result.errors, run_id)
    )
    new_manifests = warehouse.load_manifests(manifest_tables(result.manifests, datetime.now(UTC)))
    counts["scopes"] += 1
    counts["repositories"] += len(result.repositories)
    counts["images"] += len(result.images)
    counts["pull_count_days"] += len(pulls)
    counts["manifests_fetched"] += len(result.manifests)
    counts["manifests_new"] += new_manifests


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
