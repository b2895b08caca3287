"""Run a collection of a self-hosted registry (Harbor, or any OCI registry) and load it into the warehouse.

The self-hosted counterpart of `analysis.pipeline.ecr` (which runs ECR): it alone knows both these collectors and
the warehouse. One run per registry: source 'harbor' or 'oci', scope = the URL without credentials. The
registry's rows, its `registry_snapshots` row and its error rows are loaded in one transaction; a registry
that could not be read at all loads no snapshot, so its previous one stays current.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analysis.collectors.ecr import ManifestCache
from analysis.collectors.harbor import HarborOptions, collect_harbor
from analysis.collectors.harbor_api import HarborAuthError
from analysis.collectors.http import HttpClient, HttpError
from analysis.collectors.oci import ManifestInfo, RegistryResult, collect_oci
from analysis.collectors.records import manifest_tables, to_table
from analysis.collectors.redact import redact
from analysis.collectors.registry_records import (
    HarborGcRecord,
    HarborPolicyRecord,
    HarborProjectRecord,
    HarborQuotaRecord,
    HarborRegistryEndpointRecord,
    MetricSampleRecord,
    RegistryAccessoryRecord,
    RegistryArtifactRecord,
    RegistryErrorRecord,
    RegistryRepositoryRecord,
)
from analysis.urls import registry_id, strip_userinfo
from analysis.warehouse import Warehouse, registry_queries, with_run_id

_EXTRA_TABLES = {
    "harbor_projects": HarborProjectRecord,
    "harbor_quotas": HarborQuotaRecord,
    "harbor_policies": HarborPolicyRecord,
    "harbor_registries": HarborRegistryEndpointRecord,
    "harbor_gc_runs": HarborGcRecord,
    "registry_accessories": RegistryAccessoryRecord,
}


@dataclass
class RegistryRunSummary:
    run_id: int
    registry: str
    kind: str
    status: str
    counts: dict[str, int]
    storage: dict[str, Any]
    errors: list[RegistryErrorRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "registry": self.registry,
            "kind": self.kind,
            "status": self.status,
            "counts": self.counts,
            "storage": self.storage,
            "errors": [
                {k: getattr(e, k) for k in ("registry", "project", "repository", "operation", "error_code", "message")}
                for e in self.errors
            ],
        }


Progress = Callable[[str, int], None]


def collect_registry(
    warehouse: Warehouse,
    kind: str,
    client: HttpClient,
    *,
    metrics_url: str | None = None,
    manifests: bool = True,
    page_size: int = 100,
    progress: Progress | None = None,
) -> RegistryRunSummary:
    """Collect one registry (kind 'harbor' or 'oci') as one run."""
    progress = progress or (lambda _e, _n: None)
    registry = registry_id(client.base_url)
    scope: dict[str, Any] = {"url": registry, "metrics_url": strip_userinfo(metrics_url) if metrics_url else None}
    scope["manifests"] = manifests
    run_id = warehouse.start_run(kind, scope)
    try:
        cache = ManifestCache(warehouse.known_manifest_digests())

        def lookup(digests: set[str]) -> dict[str, ManifestInfo]:
            rows = registry_queries.known_manifest_info(warehouse, digests)
            return {r[0]: ManifestInfo(r[1], r[2], int(r[3]), tuple(r[4])) for r in rows}

        try:
            if kind == "harbor":
                options = HarborOptions(manifests=manifests, metrics_url=metrics_url, page_size=page_size)
                result = collect_harbor(client, registry, cache, options, lookup, progress)
            else:
                result = collect_oci(
                    client, registry, cache, lookup, metrics_url=metrics_url, page_size=page_size, progress=progress
                )
        except HarborAuthError as exc:
            result = RegistryResult(registry, kind, failed=True)
            result.record(HttpError("GET", "/api/v2.0", 401, "UNAUTHORIZED", str(exc)), "harbor:GET /systeminfo")
        counts = _load(warehouse, run_id, result)
    except BaseException:
        warehouse.finish_run(run_id, "failed", {})
        raise
    warehouse.finish_run(run_id, result.status, counts)
    storage = {
        "harbor_version": result.version,
        "physical_bytes": result.physical_bytes,
        "physical_source": result.physical_source,
        "physical_note": result.info.get("physical_note"),
        "quota_sum_bytes": sum(p.quota_used_bytes or 0 for p in result.extra.get("harbor_projects", [])) or None,
    }
    return RegistryRunSummary(run_id, registry, kind, result.status, counts, storage, result.errors)


def _redact_free_text(result: RegistryResult) -> None:
    """Tags and descriptions are text a person typed, in any registry: one that looks like a credential goes
    (Harbor's own objects are redacted by its collector already; this covers the OCI collector's tags too)."""
    for a in result.artifacts:
        a.image_tags = [redact(t) for t in a.image_tags]
    for r in result.repositories:
        r.description = redact(r.description)


def _load(warehouse: Warehouse, run_id: int, result: RegistryResult) -> dict[str, int]:
    _redact_free_text(result)
    errors = with_run_id(to_table(result.errors, RegistryErrorRecord), run_id)
    if result.failed:
        # Nothing of this registry is loaded: its previous snapshot stays current. The errors say why.
        with warehouse.transaction() as con:
            Warehouse.insert(con, "collection_errors", errors)
        return {"registries_failed": 1}
    tables = {
        "registry_repositories": to_table(result.repositories, RegistryRepositoryRecord),
        "registry_artifacts": to_table(result.artifacts, RegistryArtifactRecord),
        "metrics_scrapes": to_table(result.metrics, MetricSampleRecord),
    }
    for name, cls in _EXTRA_TABLES.items():
        tables[name] = to_table(result.extra.get(name, []), cls)
    with warehouse.transaction() as con:
        for name, table in tables.items():
            Warehouse.insert(con, name, with_run_id(table, run_id))
        Warehouse.insert(con, "collection_errors", errors)
        con.execute(
            "INSERT INTO registry_snapshots (run_id, registry, kind, status, finished_at, version, storage_provider, "
            "physical_bytes, physical_source, info, physical_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                result.registry,
                result.kind,
                result.status,
                datetime.now(UTC),
                result.version,
                result.storage_provider,
                result.physical_bytes,
                result.physical_source,
                json.dumps(result.info, sort_keys=True, default=str),
                result.info.get("physical_note"),
            ],
        )
    new = warehouse.load_manifests(manifest_tables(result.manifests, datetime.now(UTC)))
    if result.kind == "harbor" and result.physical_bytes is None:
        _blob_sum_fallback(warehouse, run_id, result)
    counts: Counter[str] = Counter()
    counts["repositories"] = len(result.repositories)
    counts["images"] = len(result.artifacts)
    counts["manifests_fetched"] = len(result.manifests)
    counts["manifests_new"] = new
    counts["metric_samples"] = len(result.metrics)
    for name in _EXTRA_TABLES:
        if result.extra.get(name):
            counts[name] = len(result.extra[name])
    return dict(counts)


def _blob_sum_fallback(warehouse: Warehouse, run_id: int, result: RegistryResult) -> None:
    """Physical bytes unknown: the blob sums of the manifests stand in, named; without manifests they stay NULL."""
    total, missing, artifacts = registry_queries.blob_sum(warehouse, run_id, result.registry)
    note = result.info.get("physical_note") or "Harbor gave no storage total"
    if not total:
        note += "; no manifest could be read either, so physical bytes stay unknown"
    else:
        result.physical_bytes, result.physical_source = int(total), "blob_sum"
        note += "; the blob sums of the manifests stand in (a lower bound: no GC backlog"
        note += f", {missing:,} of {artifacts:,} artifacts without a manifest)" if missing else ")"
    result.info["physical_note"] = note
    registry_queries.set_physical_bytes(
        warehouse, run_id, result.registry, result.physical_bytes, result.physical_source, note
    )
