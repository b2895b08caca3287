"""analysis/warehouse/profile_refresh.py: after a run that changes one scope, a run that collects every scope again
with few repositories changed, or manifests that arrive for images a repository already had, the profile tables
derived incrementally equal those of a full derivation (the oracle), table by table and row by row — blobs shared
across scopes and repositories, archived images and index children included — and only the repositories whose
images changed are derived again."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from analysis.warehouse import Warehouse
from analysis.warehouse import db as db_module
from analysis.warehouse.profile_derive import derive_all
from analysis.warehouse.profile_refresh import changed_repositories
from analysis.warehouse.storage_billing import PROFILE_TABLE_NAMES


def _profile(wh: Warehouse) -> dict[str, list[tuple]]:
    return {t: wh.query(f"SELECT * FROM {t} ORDER BY ALL") for t in PROFILE_TABLE_NAMES}


def _full(wh: Warehouse) -> dict[str, list[tuple]]:
    wh.refresh_profile_tables(full=True)
    return _profile(wh)


@pytest.fixture()
def db(collected_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(collected_db, path)
    return path


def _scopes(wh: Warehouse) -> list[tuple[str, str]]:
    return [tuple(r) for r in wh.query("SELECT account_id, region FROM latest_scopes ORDER BY ALL")]


@pytest.fixture()
def derived(monkeypatch) -> list[list[tuple[str, str, str]]]:
    """The repositories each incremental derivation derived again (recorded as the writer decides them)."""
    seen: list[list[tuple[str, str, str]]] = []

    def record(con):
        changed = changed_repositories(con)
        if changed is not None:
            seen.append(changed)
        return changed

    monkeypatch.setattr(db_module, "changed_repositories", record)
    return seen


def _repositories(wh: Warehouse, where: str, params: list) -> list[tuple[str, str, str]]:
    sql = f"SELECT DISTINCT account_id, region, repository_name FROM current_ecr_images WHERE {where} ORDER BY ALL"
    return [tuple(r) for r in wh.query(sql, params)]


def test_a_run_that_changes_one_scope_derives_what_a_full_derivation_does(db, derived):
    with Warehouse(db) as wh:
        scopes = _scopes(wh)
        assert len(scopes) >= 2
        (a, b), other = scopes[0], scopes[1]
        con = wh.cursor()
        run = wh.start_run("ecr", {})
        con.execute("INSERT INTO run_scopes VALUES (?, ?, ?, 'complete', now())", [run, a, b])
        # The scope's new snapshot: every third image gone, some archived now, and another scope's images pushed
        # into it under new repository names (their blobs are now shared across scopes and repositories).
        con.execute(
            """INSERT INTO ecr_images BY NAME
            SELECT * REPLACE (? AS run_id, CASE WHEN hash(image_digest) % 5 = 0 THEN 'ARCHIVED' ELSE image_status
                              END AS image_status)
            FROM current_ecr_images WHERE account_id = ? AND region = ? AND hash(image_digest) % 3 <> 0""",
            [run, a, b],
        )
        con.execute(
            """INSERT INTO ecr_images BY NAME
            SELECT * REPLACE (? AS run_id, ? AS account_id, ? AS region,
                              'copied/' || repository_name AS repository_name)
            FROM current_ecr_images WHERE account_id = ? AND region = ? AND hash(image_digest) % 2 = 0""",
            [run, a, b, *other],
        )
        con.close()
        assert changed_repositories(wh.cursor()) == []  # the run is not finished: nothing current changed yet
        wh.finish_run(run, "complete", {})  # derives the changed scope's repositories only
        assert len(derived) == 1 and derived[0]
        assert {(acc, reg) for acc, reg, _ in derived[0]} == {(a, b)}
        assert any(name.startswith("copied/") for _, _, name in derived[0])
        incremental = _profile(wh)
        assert wh.query("SELECT count(*) FROM profile_cross_repository_blobs WHERE account_id = ?", [a])[0][0] > 0
        full = _full(wh)
    assert [t for t in PROFILE_TABLE_NAMES if incremental[t] != full[t]] == []


def test_manifests_that_arrive_for_a_repositorys_images_derive_that_repository_again(db):
    with Warehouse(db) as wh:
        (a, b), *_ = _scopes(wh)
        # Forget some manifests of one scope (as if they had not been fetched), derive, then let them arrive.
        con = wh.cursor()
        con.execute(
            """CREATE TEMP TABLE gone AS SELECT image_digest AS digest FROM current_ecr_images
            WHERE account_id = ? AND region = ? AND hash(image_digest) % 4 = 0
              AND image_digest NOT IN (
                  SELECT image_digest FROM current_ecr_images WHERE account_id <> ? OR region <> ?)""",
            [a, b, a, b],
        )
        arrived = [
            tuple(r)
            for r in con.execute(
                """SELECT DISTINCT account_id, region, repository_name FROM current_ecr_images
                WHERE image_digest IN (SELECT digest FROM gone) ORDER BY ALL"""
            ).fetchall()
        ]
        saved = {
            t: con.sql(f"SELECT * FROM {t} WHERE {k} IN (SELECT digest FROM gone)").to_arrow_table()
            for t, k in (
                ("manifests", "digest"),
                ("manifest_layers", "manifest_digest"),
                ("manifest_children", "index_digest"),
            )
        }
        assert saved["manifests"].num_rows > 0
        for t, k in (
            ("manifests", "digest"),
            ("manifest_layers", "manifest_digest"),
            ("manifest_children", "index_digest"),
        ):
            con.execute(f"DELETE FROM {t} WHERE {k} IN (SELECT digest FROM gone)")
        con.close()
        wh.refresh_profile_tables(full=True)
        wh.load_manifests(saved)
        assert arrived and changed_repositories(wh.cursor()) == arrived
        wh.refresh_profile_tables()
        incremental = _profile(wh)
        full = _full(wh)
    assert [t for t in PROFILE_TABLE_NAMES if incremental[t] != full[t]] == []


def test_a_daily_run_of_every_scope_derives_only_the_repositories_whose_images_changed(db, derived):
    """Every scope collected again, as `collect ecr --regions all` does each day: every image's last pull a day
    later (only profile_images holds it), one repository with an image archived, one that lost its images."""
    with Warehouse(db) as wh:
        archived_in, emptied = _repositories(wh, "image_status <> 'ARCHIVED' AND len(image_tags) > 0", [])[:2]
        last_pull = wh.query("SELECT max(effective_pull_at) FROM profile_images")[0][0]
        con = wh.cursor()
        run = wh.start_run("ecr", {})
        con.execute("INSERT INTO run_scopes SELECT ?, account_id, region, 'complete', now() FROM latest_scopes", [run])
        key = "account_id || '/' || region || '/' || repository_name"
        con.execute(
            f"""INSERT INTO ecr_images BY NAME
            SELECT * REPLACE (? AS run_id, last_pull_at + INTERVAL 1 DAY AS last_pull_at,
                              CASE WHEN {key} = ? AND image_digest = (
                                   SELECT min(image_digest) FROM current_ecr_images
                                   WHERE {key} = ? AND image_status <> 'ARCHIVED')
                              THEN 'ARCHIVED' ELSE image_status END AS image_status)
            FROM current_ecr_images WHERE {key} <> ?""",
            [run, *("/".join(r) for r in (archived_in, archived_in, emptied))],
        )
        con.close()
        wh.finish_run(run, "complete", {})
        assert derived == [sorted([archived_in, emptied])]
        moved = wh.query("SELECT max(effective_pull_at) FROM profile_images")[0][0]
        incremental = _profile(wh)
        full = _full(wh)
    assert moved - last_pull == timedelta(days=1)  # profile_images follows the pulls
    assert [t for t in PROFILE_TABLE_NAMES if incremental[t] != full[t]] == []


def test_a_run_that_changes_most_repositories_derives_everything_in_one_pass(db, monkeypatch):
    full = []
    monkeypatch.setattr(db_module, "derive_all", lambda con: full.append(True) or derive_all(con))
    with Warehouse(db) as wh:
        con = wh.cursor()
        run = wh.start_run("ecr", {})
        con.execute("INSERT INTO run_scopes SELECT ?, account_id, region, 'complete', now() FROM latest_scopes", [run])
        con.execute(  # every image pushed again a second later: every repository's fingerprint moves
            "INSERT INTO ecr_images BY NAME SELECT * REPLACE (? AS run_id, pushed_at + INTERVAL 1 SECOND AS pushed_at) "
            "FROM current_ecr_images",
            [run],
        )
        con.close()
        wh.finish_run(run, "complete", {})
        assert full == [True]
        assert wh.query("SELECT count(*) FROM profile_repository_basis")[0][0] == len(_repositories(wh, "true", []))


def test_a_reader_checks_the_profiles_freshness_once_and_a_writer_every_time(db, monkeypatch):
    with Warehouse(db, read_only=True) as reader:
        assert reader.profile_fresh()
        monkeypatch.setattr(db_module, "PROFILE_FRESH", "SELECT error('asked again')")
        assert reader.profile_fresh()  # its file cannot change under it: the answer is kept
    monkeypatch.undo()
    with Warehouse(db) as writer:
        assert writer.profile_fresh()
        writer.query(
            "DELETE FROM manifest_children WHERE index_digest IN (SELECT index_digest FROM manifest_children LIMIT 1)"
        )
        assert not writer.profile_fresh()  # what the writer just changed is seen


def test_a_run_that_leaves_ecrs_snapshot_as_it_was_derives_nothing(db, monkeypatch):
    # e.g. a Harbor collection's end: the ECR profile still describes ECR's current snapshot
    monkeypatch.setattr(db_module, "derive_all", lambda con: pytest.fail("derived everything"))
    monkeypatch.setattr(db_module, "refresh_repositories", lambda con: pytest.fail("derived again"))
    with Warehouse(db) as wh:
        before = _profile(wh)
        run = wh.start_run("harbor", {})
        wh.finish_run(run, "complete", {})
        assert _profile(wh) == before
