"""The warehouse file: migrations, runs, atomic scope loads, a run killed midway, unreadable files."""

import os
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa
import pytest

from analysis.collectors.records import ImageRecord, RepositoryRecord, to_table
from analysis.warehouse import ScopeKey, Warehouse, WarehouseError
from analysis.warehouse.schema import LATEST_VERSION, MIGRATIONS


def _tables(run_id: int, images: int, account="111111111111", region="eu-west-1"):
    repo = RepositoryRecord(account, region, "team/app", None, None, None, "MUTABLE", None, False, "AES256", None)
    imgs = [
        ImageRecord(
            account,
            region,
            "team/app",
            f"sha256:{i:064x}",
            [f"v{i}"],
            100 + i,
            datetime(2026, 1, 1, tzinfo=UTC),
            None,
            "ACTIVE",
            None,
            None,
            None,
            None,
        )
        for i in range(images)
    ]

    def with_run(t):
        return t.add_column(0, "run_id", pa.array([run_id] * t.num_rows, type=pa.int64()))

    return {
        "ecr_repositories": with_run(to_table([repo], RepositoryRecord)),
        "ecr_images": with_run(to_table(imgs, ImageRecord)),
    }


def _current_images(wh):
    return wh.query("SELECT count(*), coalesce(sum(image_size_bytes), 0) FROM current_ecr_images")[0]


def test_new_file_is_migrated_once(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        assert wh.schema_version() == LATEST_VERSION
    with Warehouse(db) as wh:  # reopening applies nothing twice
        assert wh.query("SELECT count(*) FROM schema_migrations")[0][0] == len(MIGRATIONS)


def test_a_new_snapshot_replaces_the_current_one_and_history_is_kept(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        r1 = wh.start_run("ecr", {})
        wh.load_scope(r1, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r1, 3))
        wh.finish_run(r1, "complete", {})
        r2 = wh.start_run("ecr", {})
        wh.load_scope(r2, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r2, 5))
        wh.finish_run(r2, "complete", {})
        # current: run 2's five images (100+101+102+103+104 = 510 bytes); history: 3 + 5 rows kept
        assert _current_images(wh) == (5, 510)
        assert wh.query("SELECT count(*) FROM ecr_images")[0][0] == 8


def test_a_running_run_is_invisible_to_readers(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        r1 = wh.start_run("ecr", {})
        wh.load_scope(r1, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r1, 2))
        wh.finish_run(r1, "complete", {})
        r2 = wh.start_run("ecr", {})
        wh.load_scope(r2, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r2, 7))
        assert _current_images(wh) == (2, 201)  # 100 + 101


def test_a_run_killed_midway_leaves_the_previous_snapshot_and_is_not_confusing(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        r1 = wh.start_run("ecr", {})
        wh.load_scope(r1, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r1, 3))
        wh.finish_run(r1, "complete", {})

    # A second collection loads one scope and is killed (SIGKILL: no cleanup code runs) before the next.
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from tests.warehouse.test_warehouse import _tables
        from analysis.warehouse import ScopeKey, Warehouse
        wh = Warehouse({str(db)!r})
        r = wh.start_run("ecr", {{}})
        wh.load_scope(r, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r, 9))
        wh.cursor().execute("CHECKPOINT")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr

    # The killed writer wrote only its staging copy: the warehouse is exactly as run 1 left it.
    assert db.with_name(db.name + ".staging").exists()
    with Warehouse(db, read_only=True) as reader:
        assert _current_images(reader) == (3, 303)  # run 1: 100 + 101 + 102
        assert reader.query("SELECT status FROM runs ORDER BY run_id") == [("complete",)]

    with Warehouse(db) as wh:
        r3 = wh.start_run("ecr", {})  # the next writer starts from the published file, not the dead staging copy
        assert wh.query("SELECT status FROM runs ORDER BY run_id") == [("complete",), ("running",)]
        assert wh.query("SELECT count(*) FROM ecr_images WHERE run_id <> 1")[0][0] == 0
        wh.load_scope(r3, ScopeKey("111111111111", "eu-west-1"), "complete", _tables(r3, 4))
        wh.finish_run(r3, "complete", {})
        assert _current_images(wh) == (4, 406)  # 100 + 101 + 102 + 103
    assert not db.with_name(db.name + ".staging").exists()


def test_a_scope_load_is_all_or_nothing(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run = wh.start_run("ecr", {})
        tables = _tables(run, 3)
        tables["no_such_table"] = tables["ecr_images"]
        with pytest.raises(duckdb.CatalogException, match="no_such_table"):
            wh.load_scope(run, ScopeKey("111111111111", "eu-west-1"), "complete", tables)
        assert wh.query("SELECT count(*) FROM ecr_images")[0][0] == 0
        assert wh.query("SELECT count(*) FROM run_scopes")[0][0] == 0


def test_manifest_cache_keeps_one_copy_per_digest(tmp_path):
    from analysis.collectors.manifests import Layer, ParsedManifest
    from analysis.collectors.records import manifest_tables

    m = ParsedManifest(
        "sha256:" + "a" * 64,
        "application/vnd.oci.image.manifest.v1+json",
        400,
        config_digest="sha256:" + "c" * 64,
        config_size=10,
        layers=(Layer("sha256:" + "1" * 64, 1000, None),),
    )
    with Warehouse(tmp_path / "w.duckdb") as wh:
        now = datetime.now(UTC)
        assert wh.load_manifests(manifest_tables([m, m], now)) == 1
        assert wh.load_manifests(manifest_tables([m], now)) == 0
        assert wh.known_manifest_digests() == {m.digest}
        assert wh.query("SELECT count(*) FROM manifest_layers")[0][0] == 1


def test_missing_file_for_a_reader_says_how_to_collect(tmp_path):
    with pytest.raises(WarehouseError, match="regcost collect ecr"):
        Warehouse(tmp_path / "none.duckdb", read_only=True)


def test_a_file_that_is_not_duckdb_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is a spreadsheet, not a warehouse" * 200)
    with pytest.raises(WarehouseError, match="bad.duckdb"):
        Warehouse(bad)


def test_pull_count_days_are_dates(tmp_path):
    from analysis.collectors.records import PullCountRecord

    t = to_table([PullCountRecord("1", "r", "x", date(2026, 1, 1), 3.0)], PullCountRecord)
    assert t.schema.field("day").type == pa.date32()


def test_a_foreign_duckdb_file_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "finance.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE budget (line VARCHAR, amount DOUBLE)")
    con.close()
    with pytest.raises(WarehouseError, match="not a regcost warehouse"):
        Warehouse(db)
    con = duckdb.connect(str(db), read_only=True)
    assert [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()] == ["budget"]
    con.close()


def test_an_older_warehouse_is_upgraded_when_read(tmp_path):
    from analysis.warehouse.schema import MIGRATIONS

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
    )
    for version, description, sql in MIGRATIONS[:2]:  # a file written before migration 3
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, description])
    con.close()
    with Warehouse(db, read_only=True) as wh:
        assert wh.schema_version() == LATEST_VERSION
        assert "settings_fetched_at" in [r[0] for r in wh.query("DESCRIBE ecr_registries")]
