"""analysis/warehouse/staging.py: one writer at a time, and a staging copy that replaces leftovers."""

from __future__ import annotations

import os

import pytest

from analysis.warehouse.staging import stage, take_writer_lock, wal


def test_a_second_writer_lock_is_refused_until_the_first_is_released(tmp_path):
    db = tmp_path / "w.duckdb"
    first = take_writer_lock(db)
    with pytest.raises(BlockingIOError):
        take_writer_lock(db)
    os.close(first)
    os.close(take_writer_lock(db))


def test_the_staging_copy_holds_the_warehouse_and_replaces_what_a_killed_writer_left(tmp_path):
    db = tmp_path / "w.duckdb"
    staging = tmp_path / "w.duckdb.staging"
    staging.write_bytes(b"left by a killed writer")
    wal(staging).write_bytes(b"its log")
    assert stage(db) == staging
    assert not staging.exists() and not wal(staging).exists()  # no warehouse yet: the writer starts empty
    db.write_bytes(b"published warehouse")
    stage(db)
    assert staging.read_bytes() == b"published warehouse"
