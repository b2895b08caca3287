"""Named read queries over the current snapshot (analysis/warehouse/queries.py): ECR storage three ways per
scope, a self-hosted registry's storage numbers and the lines that explain their gaps, and the recent runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analysis.collectors.records import to_table
from analysis.collectors.registry_records import RegistryArtifactRecord
from analysis.warehouse import ScopeKey, Warehouse, queries, with_run_id
from tests.warehouse.blobs import IMAGES, UNIQUE_BYTES, manifest_cache
from tests.warehouse.test_warehouse import _tables

SCOPE = ScopeKey("111111111111", "eu-west-1")
REGISTRY = "harbor.example.com"
MIB = 2**20


def test_ecr_storage_three_ways_per_scope(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_manifests(manifest_cache())
        run = wh.start_run("ecr", {})
        wh.load_scope(run, SCOPE, "complete", _tables(run, 2))  # the two images of tests/warehouse/blobs.py
        wh.finish_run(run, "complete", {})
        (scope,) = queries.inventory_by_scope(wh)
        assert (scope["account_id"], scope["region"], scope["status"]) == (SCOPE.account_id, SCOPE.region, "complete")
        assert (scope["repositories"], scope["images"], scope["tagged_images"], scope["untagged_images"]) == (
            1,
            2,
            2,
            0,
        )
        # naive: Σ imageSizeInBytes = 100 + 101; unique blobs: 64,100 (layer L1 counted once, blobs.py)
        assert (scope["naive_bytes"], scope["repository_unique_bytes"], scope["scope_unique_bytes"]) == (
            201,
            UNIQUE_BYTES,
            UNIQUE_BYTES,
        )
        assert queries.global_unique_bytes(wh) == UNIQUE_BYTES


def test_recent_runs_come_newest_first(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        first = wh.start_run("ecr", {})
        wh.finish_run(first, "complete", {"images": 3})
        second = wh.start_run("harbor", {"url": REGISTRY})
        runs = queries.recent_runs(wh)
        assert [(r["run_id"], r["source"], r["status"], r["errors"]) for r in runs] == [
            (second, "harbor", "running", 0),
            (first, "ecr", "complete", 0),
        ]
        assert [r["run_id"] for r in queries.recent_runs(wh, limit=1)] == [second]
        assert queries.run_errors(wh, first) == []


def _artifact(digest: str) -> RegistryArtifactRecord:
    return RegistryArtifactRecord(
        REGISTRY, "library", "library/app", digest, ["v1"], None, None, None, None, None, None, [], False
    )


def test_a_registry_counts_unique_blobs_once_and_says_what_it_could_not_read(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_manifests(manifest_cache())
        run = wh.start_run("harbor", {"url": REGISTRY})
        artifacts = [_artifact(d) for d in [*IMAGES, "sha256:no-manifest"]]
        with wh.transaction() as con:
            Warehouse.insert(con, "registry_artifacts", with_run_id(to_table(artifacts, RegistryArtifactRecord), run))
            con.execute(
                "INSERT INTO registry_snapshots (run_id, registry, kind, status, finished_at) VALUES (?, ?, ?, ?, ?)",
                [run, REGISTRY, "harbor", "complete", datetime(2026, 11, 1, tzinfo=UTC)],
            )
        wh.finish_run(run, "complete", {})
        (r,) = queries.registry_storage(wh)
    assert (r["registry"], r["artifacts"], r["artifacts_without_manifest"]) == (REGISTRY, 3, 1)
    assert (r["unique_blob_bytes"], r["physical_bytes"]) == (UNIQUE_BYTES, None)
    assert r["explanation"] == [
        "1 artifact(s) have no manifest in the cache (see the run's errors): unique blob bytes undercount them, "
        "and part of every gap below is theirs",
        "physical bytes unknown: /statistics shows the storage total only to a system administrator and no "
        "exporter was scraped (pass --metrics-url)",
    ]


def _storage(**changes: Any) -> dict[str, Any]:
    """One registry's row as `registry_storage` gives it: 10 MiB of unique blobs, nothing else known."""
    row = {
        "kind": "harbor",
        "version": "v2.13.0",
        "artifacts": 10,
        "artifacts_without_manifest": 0,
        "accessories": 0,
        "accessory_bytes": 0,
        "accessories_without_manifest": 0,
        "unique_blob_bytes": 10 * MIB,
        "quota_sum_bytes": None,
        "projects": 1,
        "physical_bytes": None,
        "physical_source": None,
        "physical_note": None,
        "last_gc": None,
    }
    return row | changes


def test_shared_blobs_and_garbage_explain_quota_and_physical_above_unique():
    row = _storage(
        projects=3,
        quota_sum_bytes=15 * MIB,  # 15 − 10 = 5 MiB charged again to the projects that share blobs
        physical_bytes=12 * MIB,  # 12 − 10 = 2 MiB still on disk until garbage collection
        physical_source="statistics",
        last_gc=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert queries.explain_registry_storage(row) == [
        "talked to Harbor v2.13.0",
        "Σ project quota exceeds unique blobs by 5.0 MiB: Harbor charges a blob shared by several projects to "
        "each of them, while the registry stores it once",
        "physical (/statistics) exceeds unique blobs by 2.0 MiB: deleted artifacts keep their blobs until garbage "
        "collection runs (last successful GC: 2026-11-20); untagged and abandoned uploads count too",
    ]


def test_one_projects_quota_above_unique_is_not_sharing_and_below_is_said_too():
    above = queries.explain_registry_storage(_storage(quota_sum_bytes=11 * MIB))
    assert above[1].startswith("Σ project quota exceeds unique blobs by 1.0 MiB with one project, so not by sharing")
    below = queries.explain_registry_storage(
        _storage(quota_sum_bytes=8 * MIB, physical_bytes=9 * MIB, physical_source="exporter")
    )
    assert below[1].startswith("Σ project quota is 2.0 MiB below unique blobs: quota excludes foreign layers")
    assert below[2].startswith("physical (the exporter metric) is 1.0 MiB below unique blobs")


def test_accessories_are_counted_and_named():
    # 1,200 B = 1.2 KiB (1,200 / 1,024 = 1.17)
    lines = queries.explain_registry_storage(_storage(accessories=1, accessory_bytes=1_200))
    assert lines[1] == (
        "1 accessory (signatures, SBOMs, attestations: 1.2 KiB) counted in unique blobs: the registry stores them "
        "and the quota charges them"
    )


def test_no_manifest_read_leaves_the_gaps_unexplained():
    lines = queries.explain_registry_storage(_storage(unique_blob_bytes=0, quota_sum_bytes=15 * MIB))
    assert lines[1].startswith("unique blob bytes unknown: no manifest could be read")
    assert lines[2].startswith("physical bytes unknown: ")
    assert len(lines) == 3  # no quota gap is explained against an unknown


@pytest.mark.parametrize("source", [None, "blob_sum"])
def test_another_registry_without_physical_bytes_says_only_its_version(source: str | None):
    lines = queries.explain_registry_storage(_storage(kind="oci", version="2.8", physical_source=source))
    assert lines == ["version 2.8"]
