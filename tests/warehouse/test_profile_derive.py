"""analysis/warehouse/profile_derive.py: the full derivation writes every profile table exactly as the definition
(storage_billing.PROFILE_TABLES) derives it — row by row, with blobs shared across repositories and scopes,
archived images and index children — and stays exact when blob hashes collide."""

from __future__ import annotations

import shutil

import pytest

from analysis.warehouse import Warehouse, profile_derive
from analysis.warehouse.storage_billing import PROFILE_TABLE_NAMES, PROFILE_TABLES, statement_names


@pytest.fixture()
def db(collected_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(collected_db, path)
    with Warehouse(path) as wh:
        con = wh.cursor()
        (a, b), (c, d) = con.execute("SELECT account_id, region FROM latest_scopes ORDER BY ALL LIMIT 2").fetchall()
        # Another scope's images pushed into the first under new names, a fifth of them archived: their blobs
        # are then shared across scopes and across repositories of one scope.
        con.execute(
            """INSERT INTO ecr_images BY NAME
            SELECT * REPLACE (? AS account_id, ? AS region, 'copied/' || repository_name AS repository_name,
                              CASE WHEN hash(image_digest) % 5 = 0 THEN 'ARCHIVED' ELSE image_status
                              END AS image_status)
            FROM current_ecr_images WHERE account_id = ? AND region = ? AND hash(image_digest) % 2 = 0""",
            [a, b, c, d],
        )
        con.close()
    return path


def _by_definition(wh: Warehouse) -> dict[str, list[tuple]]:
    con = wh.cursor()
    names = statement_names("_def_")
    for name, sql in PROFILE_TABLES:
        con.execute(f"CREATE TEMP TABLE {names[name]} AS {sql.format(**names)}")
    return {t: con.execute(f"SELECT * FROM {names[t]} ORDER BY ALL").fetchall() for t in PROFILE_TABLE_NAMES}


def _derived(wh: Warehouse) -> dict[str, list[tuple]]:
    wh.refresh_profile_tables(full=True)
    return {t: wh.query(f"SELECT * FROM {t} ORDER BY ALL") for t in PROFILE_TABLE_NAMES}


def test_the_full_derivation_writes_what_the_definition_derives(db):
    with Warehouse(db) as wh:
        derived, expected = _derived(wh), _by_definition(wh)
        shared_scopes = wh.query("SELECT count(DISTINCT (account_id, region)) FROM profile_cross_repository_blobs")[0][
            0
        ]
        archived = wh.query("SELECT count(*) FROM profile_repository_blob_bytes WHERE archived_blobs > 0")[0][0]
    assert shared_scopes >= 2 and archived > 0  # the fixture holds what the shortcuts correct for
    assert all(derived[t] for t in PROFILE_TABLE_NAMES)
    assert [t for t in PROFILE_TABLE_NAMES if derived[t] != expected[t]] == []


def test_colliding_hashes_only_add_candidates_the_digests_then_separate(db, monkeypatch):
    # Every blob hashed to 0: every blob is a candidate for sharing; only the digests decide.
    steps = [(n, s.replace("hash(blob)", "0")) for n, s in profile_derive.STEPS]
    assert steps != profile_derive.STEPS
    monkeypatch.setattr(profile_derive, "STEPS", steps)
    with Warehouse(db) as wh:
        derived, expected = _derived(wh), _by_definition(wh)
    assert [t for t in PROFILE_TABLE_NAMES if derived[t] != expected[t]] == []
