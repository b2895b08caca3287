"""analysis/warehouse/storage_billing.py: a blob shared by two images of a repository is billed once, and the
profile tables a run derives say the same as the statements a reader runs when they are stale."""

from __future__ import annotations

import duckdb

from analysis.warehouse import ScopeKey, Warehouse, queries
from analysis.warehouse.storage_billing import blob_refs
from tests.warehouse.blobs import IMAGES, UNIQUE_BYTES, manifest_cache
from tests.warehouse.test_warehouse import _tables

SCOPE = ScopeKey("111111111111", "eu-west-1")


def test_blob_refs_lists_layers_config_and_manifest_of_each_image():
    con = duckdb.connect()
    for name, table in manifest_cache().items():
        con.register(name, table)
    con.execute(f"CREATE TABLE imgs AS SELECT unnest({IMAGES!r}) AS image_digest")
    rows = con.execute(f"SELECT blob, size FROM ({blob_refs('imgs')}) ORDER BY blob").fetchall()
    # image 0: L1, L2, config0, itself; image 1: L1 again, L3, config1, itself — 8 references, L1 twice
    assert len(rows) == 8
    assert rows.count(("sha256:L1", 10_000)) == 2
    assert sum(size for _, size in set(rows)) == UNIQUE_BYTES


def test_the_repository_is_billed_its_unique_blobs_fresh_or_stale(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        run = wh.start_run("ecr", {})
        wh.load_scope(run, SCOPE, "complete", _tables(run, 2))
        wh.finish_run(run, "complete", {})  # derived before the manifests arrive …
        wh.load_manifests(manifest_cache())  # … so the profile tables are now stale
    with Warehouse(db, read_only=True) as wh:
        (scope,) = queries.inventory_by_scope(wh)
        assert scope["repository_unique_bytes"] == UNIQUE_BYTES
        assert queries.global_unique_bytes(wh) == UNIQUE_BYTES
    with Warehouse(db) as wh:
        wh.refresh_profile_tables()  # fresh: read from the stored profile tables
        stored = wh.query("SELECT unique_bytes FROM profile_repository_storage")
    assert stored == [(UNIQUE_BYTES,)]


# Globally unique bytes by first push as first defined: every blob of the estate grouped once (what
# GLOBAL_FIRST_PUSH computes from per-repository rows and the blobs repositories share, without that group-by).
_EVERY_BLOB_BY_FIRST_PUSH = """
SELECT first_pushed_at, sum(size) AS bytes
FROM (SELECT blob, any_value(size) AS size, min(first_pushed_at) AS first_pushed_at FROM {repo_blobs} GROUP BY blob)
GROUP BY first_pushed_at ORDER BY first_pushed_at NULLS FIRST
"""


def test_global_first_push_equals_every_blob_grouped_by_its_first_push(collected_db):
    from analysis.warehouse.storage_billing import PROFILE_TABLES, statement_names

    with Warehouse(collected_db, read_only=True) as wh:
        con = wh.cursor()
        names = statement_names("_t_")
        for name, sql in PROFILE_TABLES[:2]:  # img, repo_blobs
            con.execute(f"CREATE TEMP TABLE {names[name]} AS {sql.format(**names)}")
        oracle = con.execute(f"SELECT * FROM ({_EVERY_BLOB_BY_FIRST_PUSH.format(**names)}) ORDER BY ALL").fetchall()
        stored = con.execute("SELECT * FROM profile_global_first_push ORDER BY ALL").fetchall()
        shared = con.execute("SELECT count(DISTINCT blob) FROM profile_cross_repository_blobs").fetchall()[0][0]
        con.close()
    assert shared > 0 and len(oracle) > 1  # blobs shared across repositories, so the two ways can differ
    assert stored == oracle
