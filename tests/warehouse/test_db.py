"""analysis/warehouse/db.py as its users see it: cursors of their own, read-only readers, one writer at a time
that publishes only when it closes, and the memory limit every connection gets."""

from __future__ import annotations

import duckdb
import pytest

from analysis.warehouse import ScopeKey, Warehouse, WarehouseError
from analysis.warehouse.db import memory_limit
from tests.warehouse.test_warehouse import _current_images, _tables

SCOPE = ScopeKey("111111111111", "eu-west-1")


def _collect(wh: Warehouse, images: int) -> int:
    run = wh.start_run("ecr", {})
    wh.load_scope(run, SCOPE, "complete", _tables(run, images))
    wh.finish_run(run, "complete", {})
    return run


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        _collect(wh, 3)
    return path


def test_the_connection_is_private_and_readers_get_a_cursor(db):
    with Warehouse(db, read_only=True) as wh:
        assert not hasattr(wh, "con")
        cur = wh.cursor()
        # 3 images of 100, 101 and 102 bytes: 303 bytes
        assert cur.execute("SELECT count(*), sum(image_size_bytes) FROM current_ecr_images").fetchall() == [(3, 303)]


def test_a_temp_table_stays_on_the_cursor_that_made_it(db):
    with Warehouse(db, read_only=True) as wh:
        mine, other = wh.cursor(), wh.cursor()
        mine.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
        assert mine.execute("SELECT x FROM scratch").fetchall() == [(1,)]
        with pytest.raises(duckdb.CatalogException):
            other.execute("SELECT x FROM scratch")


def test_a_reader_cannot_write_through_its_cursor(db):
    with Warehouse(db, read_only=True) as wh, pytest.raises(duckdb.Error, match="read-only"):
        wh.cursor().execute("DELETE FROM runs")


def test_a_second_writer_is_told_who_holds_the_file_and_a_reader_is_not_blocked(db):
    with Warehouse(db) as writer:
        with pytest.raises(WarehouseError, match="locked by another regcost process writing it"):
            Warehouse(db)
        run = writer.start_run("ecr", {})
        writer.load_scope(run, SCOPE, "complete", _tables(run, 5))
        writer.finish_run(run, "complete", {})
        # the writer works on its staging copy: a reader opened now still sees the published 3 images
        with Warehouse(db, read_only=True) as reader:
            assert _current_images(reader) == (3, 303)
        assert db.with_name(db.name + ".staging").exists()
    # closed: published. 5 images of 100..104 bytes: 510 bytes
    with Warehouse(db, read_only=True) as reader:
        assert _current_images(reader) == (5, 510)
    assert not db.with_name(db.name + ".staging").exists()
    with Warehouse(db):  # the lock went with the writer
        pass


def test_a_writer_that_fails_to_open_leaves_no_staging_file_and_releases_the_lock(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_text("not a warehouse")
    with pytest.raises(WarehouseError, match="not a DuckDB warehouse"):
        Warehouse(path)
    assert not path.with_name(path.name + ".staging").exists()
    path.unlink()
    with Warehouse(path) as wh:  # nobody holds the lock any more
        assert wh.schema_version() > 0


def test_query_takes_named_parameters(db):
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM ecr_images WHERE image_size_bytes >= $min", {"min": 101}) == [(2,)]


def test_every_connection_has_the_memory_limit(db, monkeypatch):
    monkeypatch.setenv("REGCOST_MEMORY_LIMIT", "1GB")
    assert memory_limit() == "1GB"
    with Warehouse(db, read_only=True) as wh:
        # DuckDB reports 1GB (10^9 bytes) as 953.6 MiB
        assert wh.cursor().execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == "953.6 MiB"
    monkeypatch.delenv("REGCOST_MEMORY_LIMIT")
    assert memory_limit() == "2GB"
