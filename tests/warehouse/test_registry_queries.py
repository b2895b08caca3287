"""analysis/warehouse/registry_queries.py: what the manifest cache tells a registry run, and the blob-sum
fallback for a Harbor that gave no storage total."""

from __future__ import annotations

from datetime import UTC, datetime

from analysis.collectors.records import to_table
from analysis.collectors.registry_records import RegistryArtifactRecord
from analysis.warehouse import Warehouse, registry_queries, with_run_id
from tests.warehouse.blobs import IMAGES, UNIQUE_BYTES, manifest_cache

REGISTRY = "harbor.example.com"


def _artifact(digest: str) -> RegistryArtifactRecord:
    return RegistryArtifactRecord(
        REGISTRY, "library", "library/app", digest, ["v1"], None, None, None, None, None, None, [], False
    )


def test_known_manifest_info_gives_each_cached_digests_naive_size(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_manifests(manifest_cache())
        rows = {r[0]: r for r in registry_queries.known_manifest_info(wh, {IMAGES[1], "sha256:unknown"})}
    # image 1: manifest 600 + config 2,000 + layers 10,000 + 30,000 = 42,600; an unknown digest is absent
    assert list(rows) == [IMAGES[1]]
    assert rows[IMAGES[1]][3] == 42_600
    assert list(rows[IMAGES[1]][4]) == []


def test_the_blob_sum_stands_in_for_physical_bytes_and_is_recorded(tmp_path):
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
        # 3 artifacts, one without a cached manifest; the other two store 64,100 unique bytes
        assert registry_queries.blob_sum(wh, run, REGISTRY) == (UNIQUE_BYTES, 1, 3)
        registry_queries.set_physical_bytes(wh, run, REGISTRY, UNIQUE_BYTES, "blob_sum", "a lower bound")
        assert wh.query("SELECT physical_bytes, physical_source, physical_note FROM registry_snapshots") == [
            (UNIQUE_BYTES, "blob_sum", "a lower bound")
        ]


def test_no_manifest_at_all_leaves_the_sum_unknown(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run = wh.start_run("harbor", {"url": REGISTRY})
        with wh.transaction() as con:
            Warehouse.insert(
                con, "registry_artifacts", with_run_id(to_table([_artifact(IMAGES[0])], RegistryArtifactRecord), run)
            )
        assert registry_queries.blob_sum(wh, run, REGISTRY) == (None, 1, 1)
